"""`rsfleet share plan | apply | verify | sql`: datashares as desired state."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from rsfleet.context import (
    Backend,
    EnvOption,
    JsonOption,
    SpecOption,
    StateDirOption,
    TfOutputsCompatOption,
    app_context,
    load_spec,
)
from rsfleet.errors import FleetError
from rsfleet.output import console, plain, print_json, warn

app = typer.Typer(
    no_args_is_help=True,
    help="Datashares as desired state: plan, apply, verify (Redshift datashares on AWS; "
    "logical replication on the local fleet). On AWS the fleet's workgroups come from "
    "--tf-outputs FILE, else `terraform output` when the environment is initialised here, "
    "else the redshift-serverless API.",
)

PruneOption = Annotated[
    bool, typer.Option("--prune", help="Also revoke/drop shares and mounts not in the spec.")
]
NOTHING = "[green]nothing to do[/]: datashares match the spec"


def _local_fleet(env: str | None, spec_path: Path | None, state_dir: Path | None):
    """The running local fleet, with the datashares of the spec file (--spec, or the
    environment's tfvars when it exists) rather than those it was started with."""
    from rsfleet.local.fleet import LocalFleet
    from rsfleet.sharing.local import with_datashares_of
    from rsfleet.spec.loader import environments_dir

    file_spec = None
    if spec_path is not None:
        file_spec = load_spec(None, spec_path)[0]
    elif env is not None and (environments_dir() / env / "terraform.tfvars").is_file():
        file_spec = load_spec(env, None)[0]
    if env is None and file_spec is not None:
        env = file_spec.environment
    fleet = LocalFleet.open(env, state_dir)
    return with_datashares_of(fleet, file_spec) if file_spec is not None else fleet


def _aws_plan(env: str | None, spec: Path | None, outputs: Path | None, prune: bool):
    from rsfleet.sharing.usecases import aws_plan, fleet_outputs

    fleet, path = load_spec(env, spec)
    return aws_plan(fleet, fleet_outputs(path, fleet, outputs), prune=prune)


def _aws_steps(the_plan: Any, rs_fleet: Any) -> list[dict[str, str]]:
    from rsfleet.sharing.sql import statement

    out = []
    for action in the_plan.actions:
        wg = rs_fleet.producer if action.target == "producer" else rs_fleet.consumers[
            action.consumer]
        out.append({"target": action.target, "workgroup": wg.name, "sql": statement(
            action, producer_namespace_id=rs_fleet.producer.namespace_id,
            consumer_namespace_ids=rs_fleet.consumer_namespace_ids)})
    return out


@app.command("plan")
def plan_cmd(
    ctx: typer.Context,
    env: EnvOption = None,
    spec: SpecOption = None,
    tf_outputs: TfOutputsCompatOption = None,
    state_dir: StateDirOption = None,
    prune: PruneOption = False,
    json: JsonOption = False,
) -> None:
    """Show what `share apply` would change, as SQL per target. Changes nothing."""
    if app_context(ctx).backend is Backend.aws:
        _, rs_fleet, the_plan, text = _aws_plan(env, spec, tf_outputs, prune)
        leftovers = list(the_plan.would_prune)
        steps = _aws_steps(the_plan, rs_fleet)
    else:
        from rsfleet.sharing.local import plan_local

        local = plan_local(_local_fleet(env, spec, state_dir), prune=prune)
        text = "".join(f"{s}\n" for s in local.steps)
        leftovers = list(local.would_prune)
        steps = [s.to_json() for s in local.steps]
        for consumer in local.skipped:
            warn(f"consumer {consumer} not reachable: left out of this plan")
    if json:
        print_json({"changes": bool(steps), "steps": steps, "sql": text,
                    "would_prune": leftovers})
        return
    if text:
        console.print(text.rstrip(), highlight=False, markup=False)
    else:
        console.print(NOTHING)
    for item in leftovers:
        console.print(f"[yellow]would prune (pass --prune):[/] {item}", highlight=False)


@app.command("apply")
def apply_cmd(
    ctx: typer.Context,
    env: EnvOption = None,
    spec: SpecOption = None,
    tf_outputs: TfOutputsCompatOption = None,
    state_dir: StateDirOption = None,
    prune: PruneOption = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan only.")] = False,
) -> None:
    """Make the datashares match the spec. Safe to run twice: the second run does nothing.

    Statements run in plan order and stop at the first failure; the next run resumes.
    """
    if app_context(ctx).backend is Backend.aws:
        from rsfleet.sharing import redshift

        api, rs_fleet, the_plan, text = _aws_plan(env, spec, tf_outputs, prune)
        for item in the_plan.would_prune:
            console.print(f"[yellow]would prune (pass --prune):[/] {item}", highlight=False)
        if the_plan.empty:
            console.print(NOTHING)
            return
        if dry_run:
            console.print(text.rstrip(), highlight=False, markup=False)
            return
        done = redshift.apply(api, rs_fleet, the_plan.actions,
                              on_statement=lambda wg, sql: console.print(
                                  f"[dim]{wg}:[/] {sql}", highlight=False))
        console.print(f"[green]applied {len(done)} statement(s)[/]")
        return
    from rsfleet.sharing.local import apply_local

    def show(step) -> None:
        console.print(f"[dim]{plain(step.target)}:[/] {plain(step.sql)};", highlight=False)

    fleet = _local_fleet(env, spec, state_dir)
    steps = apply_local(fleet, prune=prune, dry_run=dry_run, on_step=show, warn=warn)
    if not dry_run:
        fleet.save()  # the local fleet remembers its datashares (restarts re-apply them)
    if not steps:
        console.print(NOTHING)
        return
    verb = "would apply" if dry_run else "applied"
    console.print(f"[green]{verb} {len(steps)} statement(s)[/]")


@app.command("verify")
def verify_cmd(
    ctx: typer.Context,
    env: EnvOption = None,
    spec: SpecOption = None,
    tf_outputs: TfOutputsCompatOption = None,
    state_dir: StateDirOption = None,
    json: JsonOption = False,
) -> None:
    """Check that every consumer can read every shared object; exit 1 naming what is missing."""
    if app_context(ctx).backend is Backend.aws:
        fleet, path = load_spec(env, spec)
        from rsfleet.sharing.usecases import aws_verify, fleet_outputs

        problems = aws_verify(fleet, fleet_outputs(path, fleet, tf_outputs))
    else:
        from rsfleet.sharing.local import verify_local

        problems = verify_local(_local_fleet(env, spec, state_dir))
    if json:
        print_json({"ok": not problems, "problems": [str(p) for p in problems]})
    elif not problems:
        console.print("[green]✓[/] every consumer reads every shared object")
    if problems:
        if not json:
            for problem in problems:
                console.print(f"[red]✗[/] {plain(problem)}", highlight=False)
        raise FleetError(f"{len(problems)} datashare problem(s): {problems[0]}"
                         + (" ..." if len(problems) > 1 else ""))


@app.command("sql")
def sql_cmd(
    env: EnvOption = None,
    spec: SpecOption = None,
    producer_namespace_id: Annotated[
        str | None, typer.Option(help="Producer namespace GUID (default: from Terraform "
                                 "outputs, else a marked placeholder).")
    ] = None,
    consumer_namespace_id: Annotated[
        list[str] | None,
        typer.Option(help="NAME=GUID for a consumer; repeat. Default: from Terraform outputs, "
                     "else a marked placeholder."),
    ] = None,
    tf_outputs: TfOutputsCompatOption = None,
) -> None:
    """The full Redshift SQL for a fresh fleet (= Terraform's data_sharing_commands).

    Prints SQL only; notes go to stderr.

    Namespace ids: the options; else --tf-outputs; else `terraform output`; else placeholders.
    """
    fleet, path = load_spec(env, spec)
    from rsfleet.sharing.usecases import fresh_sql, known_namespace_ids, parse_consumer_ids

    consumer_ids = parse_consumer_ids(consumer_namespace_id or [], fleet)
    found_producer, found_consumers, source = known_namespace_ids(
        path, fleet, tf_outputs, want=producer_namespace_id is None
        or set(fleet.consumers) - set(consumer_ids) != set())
    producer_namespace_id = producer_namespace_id or found_producer
    for name, guid in found_consumers.items():
        consumer_ids.setdefault(name, guid)
    text, placeholders = fresh_sql(fleet, producer_namespace_id, consumer_ids)
    if source:
        warn(f"namespace ids from {source}")
    if placeholders:
        warn("namespace ids not known yet: <...> placeholders stand in for them (pass "
             "--producer-namespace-id / --consumer-namespace-id NAME=GUID or --tf-outputs FILE)")
    typer.echo(text, nl=False)
