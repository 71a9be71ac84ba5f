"""`rsfleet share plan | apply | verify | sql`: datashares as desired state."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rsfleet import spec as fleet_spec
from rsfleet.context import Backend, EnvOption, JsonOption, SpecOption, app_context
from rsfleet.errors import FleetError
from rsfleet.output import console, print_json

app = typer.Typer(
    no_args_is_help=True,
    help="Datashares as desired state: plan, apply, verify (Redshift datashares on AWS; "
    "logical replication on the local fleet).",
)

OutputsOption = Annotated[
    Path | None,
    typer.Option("--outputs", help="Terraform outputs saved with `terraform output -json`."),
]
StateDirOption = Annotated[
    Path | None,
    typer.Option("--state-dir", envvar="RSFLEET_STATE_DIR", help="Local fleet state dir."),
]
PruneOption = Annotated[
    bool, typer.Option("--prune", help="Also revoke/drop shares and mounts not in the spec.")
]


def _local_fleet(env: str | None, spec_path: Path | None, state_dir: Path | None):
    from rsfleet.local.fleet import LocalFleet

    if env is None and spec_path is not None:
        env = fleet_spec.load(None, spec_path)[0].environment
    return LocalFleet.open(env, state_dir)


@app.command("plan")
def plan_cmd(
    ctx: typer.Context,
    env: EnvOption = None,
    spec: SpecOption = None,
    outputs: OutputsOption = None,
    state_dir: StateDirOption = None,
    prune: PruneOption = False,
    json: JsonOption = False,
) -> None:
    """Show what `share apply` would change, as SQL per target. Changes nothing."""
    if app_context(ctx).backend is Backend.aws:
        fleet, path = fleet_spec.load(env, spec)
        from rsfleet.sharing.usecases import aws_plan, terraform_outputs

        _, _, the_plan, text = aws_plan(
            fleet, terraform_outputs(path, fleet.environment, outputs), prune=prune)
        leftovers = list(the_plan.would_prune)
    else:
        from rsfleet.sharing.local import apply_local

        statements = apply_local(_local_fleet(env, spec, state_dir), dry_run=True)
        text = "\n".join(statements) + ("\n" if statements else "")
        leftovers = []
    if json:
        print_json({"sql": text, "changes": bool(text), "would_prune": leftovers})
        return
    console.print(text.rstrip() or "[green]nothing to do[/]: datashares match the spec",
                  highlight=False, markup=not text)
    for item in leftovers:
        console.print(f"[yellow]not in the spec (use --prune to remove):[/] {item}")


@app.command("apply")
def apply_cmd(
    ctx: typer.Context,
    env: EnvOption = None,
    spec: SpecOption = None,
    outputs: OutputsOption = None,
    state_dir: StateDirOption = None,
    prune: PruneOption = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan only.")] = False,
) -> None:
    """Make the datashares match the spec. Safe to run twice: the second run does nothing."""
    if app_context(ctx).backend is Backend.aws:
        fleet, path = fleet_spec.load(env, spec)
        from rsfleet.sharing import redshift
        from rsfleet.sharing.usecases import aws_plan, terraform_outputs

        api, rs_fleet, the_plan, text = aws_plan(
            fleet, terraform_outputs(path, fleet.environment, outputs), prune=prune)
        if the_plan.empty:
            console.print("[green]nothing to do[/]: datashares match the spec")
            return
        console.print(text.rstrip(), highlight=False, markup=False)
        if dry_run:
            return
        done = redshift.apply(api, rs_fleet, the_plan.actions,
                              on_statement=lambda wg, sql: console.print(f"[dim]{wg}:[/] {sql}",
                                                                         highlight=False))
        console.print(f"[green]applied {len(done)} statement(s)[/]")
        return
    from rsfleet.sharing.local import apply_local

    statements = apply_local(_local_fleet(env, spec, state_dir), dry_run=dry_run)
    if not statements:
        console.print("[green]nothing to do[/]: datashares match the spec")
        return
    for s in statements:
        console.print(s, highlight=False, markup=False)
    verb = "would apply" if dry_run else "applied"
    console.print(f"[green]{verb} {len(statements)} statement(s)[/]")


@app.command("verify")
def verify_cmd(
    ctx: typer.Context,
    env: EnvOption = None,
    spec: SpecOption = None,
    outputs: OutputsOption = None,
    state_dir: StateDirOption = None,
    json: JsonOption = False,
) -> None:
    """Check that every consumer can read every shared object; exit 1 naming what is missing."""
    if app_context(ctx).backend is Backend.aws:
        fleet, path = fleet_spec.load(env, spec)
        from rsfleet.sharing.usecases import aws_verify, terraform_outputs

        problems = aws_verify(fleet, terraform_outputs(path, fleet.environment, outputs))
    else:
        from rsfleet.sharing.local import verify_local

        problems = verify_local(_local_fleet(env, spec, state_dir))
    if json:
        print_json({"ok": not problems, "problems": problems})
    elif not problems:
        console.print("[green]✓[/] every consumer reads every shared object")
    if problems:
        if not json:
            for problem in problems:
                console.print(f"[red]✗[/] {problem}", highlight=False)
        raise FleetError(f"{len(problems)} shared object(s) not readable")


@app.command("sql")
def sql_cmd(
    env: EnvOption = None,
    spec: SpecOption = None,
    producer_namespace_id: Annotated[
        str | None, typer.Option(help="Producer namespace GUID (default: placeholder).")
    ] = None,
    consumer_namespace_id: Annotated[
        list[str] | None,
        typer.Option(help="NAME=GUID for a consumer; repeat. Missing ones get placeholders."),
    ] = None,
    outputs: OutputsOption = None,
) -> None:
    """The full Redshift SQL for a fresh fleet: the same text as Terraform's
    `data_sharing_commands` output."""
    fleet, _ = fleet_spec.load(env, spec)
    from rsfleet.sharing.usecases import fresh_sql, parse_consumer_ids

    consumer_ids = parse_consumer_ids(consumer_namespace_id or [], fleet)
    if outputs is not None:
        from rsfleet.adapters.terraform import read_outputs_file

        data = read_outputs_file(outputs)
        producer_namespace_id = producer_namespace_id or data.get("producer", {}).get(
            "namespace_id")
        for name, c in (data.get("consumers") or {}).items():
            consumer_ids.setdefault(name, c.get("namespace_id"))
    text, _placeholders = fresh_sql(fleet, producer_namespace_id, consumer_ids)
    typer.echo(text, nl=False)
