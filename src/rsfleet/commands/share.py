"""`rsfleet share plan | apply | verify | sql`: datashares as desired state."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rsfleet.context import (
    Backend,
    DetailedExitcodeOption,
    EnvOption,
    JsonOption,
    SpecOption,
    StateDirOption,
    TfOutputsCompatOption,
    app_context,
    load_spec,
)
from rsfleet.errors import FleetError
from rsfleet.output import (
    console,
    exit_if_pending,
    only_with_dry_run,
    plain,
    print_json,
    warn,
)

if TYPE_CHECKING:
    from rsfleet.local.fleet import LocalFleet
    from rsfleet.sharing.sync import ShareBackend, ShareStep

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


def _local_fleet(env: str | None, spec_path: Path | None,
                 state_dir: Path | None) -> "LocalFleet":
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


def _backend(ctx: typer.Context, env: str | None, spec: Path | None, tf_outputs: Path | None,
             state_dir: Path | None) -> "ShareBackend":
    """The fleet's datashares: Redshift (AWS) or publications/subscriptions (local)."""
    if app_context(ctx).backend is Backend.aws:
        from rsfleet.sharing.service import RedshiftShares, fleet_outputs

        fleet, path = load_spec(env, spec)
        return RedshiftShares(fleet, fleet_outputs(path, fleet, tf_outputs))
    from rsfleet.sharing.local import LocalShares

    return LocalShares(_local_fleet(env, spec, state_dir))


def _show(step: "ShareStep") -> None:
    console.print(f"[dim]{plain(step.where)}:[/] {plain(step.statement)}", highlight=False)


@app.command("plan")
def plan_cmd(
    ctx: typer.Context,
    env: EnvOption = None,
    spec: SpecOption = None,
    tf_outputs: TfOutputsCompatOption = None,
    state_dir: StateDirOption = None,
    prune: PruneOption = False,
    json: JsonOption = False,
    detailed_exitcode: DetailedExitcodeOption = False,
) -> None:
    """Show what `share apply` would change, as SQL per target. Changes nothing."""
    the_plan = _backend(ctx, env, spec, tf_outputs, state_dir).plan(prune=prune)
    pending = not the_plan.empty
    for consumer in the_plan.skipped:
        warn(f"consumer {consumer} not reachable: left out of this plan")
    for note in the_plan.notes:
        warn(note)
    if json:
        print_json({"changes": not the_plan.empty,
                    "steps": [s.to_json() for s in the_plan.steps], "sql": the_plan.text,
                    "would_prune": list(the_plan.would_prune), "notes": list(the_plan.notes)})
        exit_if_pending(pending, detailed_exitcode)
        return
    if the_plan.text:
        console.print(the_plan.text.rstrip(), highlight=False, markup=False)
    else:
        console.print(NOTHING)
    for item in the_plan.would_prune:
        console.print(f"[yellow]would prune (pass --prune):[/] {item}", highlight=False)
    exit_if_pending(pending, detailed_exitcode)


@app.command("apply")
def apply_cmd(
    ctx: typer.Context,
    env: EnvOption = None,
    spec: SpecOption = None,
    tf_outputs: TfOutputsCompatOption = None,
    state_dir: StateDirOption = None,
    prune: PruneOption = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan only.")] = False,
    detailed_exitcode: DetailedExitcodeOption = False,
) -> None:
    """Make the datashares match the spec. Safe to run twice: the second run does nothing.

    Statements run in plan order and stop at the first failure; the next run resumes.
    """
    from rsfleet.sharing.sync import sync

    only_with_dry_run(detailed_exitcode, dry_run)
    backend = _backend(ctx, env, spec, tf_outputs, state_dir)
    the_plan = backend.plan(prune=prune)
    for item in the_plan.would_prune:
        console.print(f"[yellow]would prune (pass --prune):[/] {item}", highlight=False)
    for note in the_plan.notes:
        warn(note)
    result = sync(the_plan, backend, dry_run, prune=prune, on_step=_show)
    for consumer in the_plan.skipped:
        warn(f"consumer {consumer} not reachable: its datashares were left as they are "
             f"(start it: rsfleet local restart {consumer}; then share apply)")
    if not result.done:
        console.print(NOTHING)
    else:
        verb = "would apply" if dry_run else "applied"
        console.print(f"[green]{verb} {len(result.done)} statement(s)[/]")
    if status := result.exit_status(detailed=detailed_exitcode):
        raise typer.Exit(status)


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
    from rsfleet.sharing.sync import verify

    result = verify(_backend(ctx, env, spec, tf_outputs, state_dir))
    problems = result.problems
    if json:
        print_json({"ok": result.ok, "problems": [str(p) for p in problems]})
    elif result.ok:
        console.print("[green]✓[/] every consumer reads every shared object")
    if result.exit_code:
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
    from rsfleet.sharing.service import fresh_sql, known_namespace_ids, parse_consumer_ids

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
