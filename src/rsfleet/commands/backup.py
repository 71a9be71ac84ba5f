"""`rsfleet backup plan | apply | list | snapshot | status | restore | drill`.

AWS: snapshot schedules and cross-region copies through the redshift-serverless API,
restores into a new namespace + workgroup. Local: WAL archive + base backups of the
producer in the state dir, point-in-time restores into scratch clusters.
"""

import json as jsonlib
import sys
from datetime import UTC, datetime
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
    TfOutputsOption,
    app_context,
    load_spec,
)
from rsfleet.errors import FleetError, UsageError
from rsfleet.output import console, exit_if_pending, only_with_dry_run, plain, print_json

if TYPE_CHECKING:  # the planner imports the spec models (pydantic): not for `--help`
    from rich.table import Table

    from rsfleet.backup.local import LocalBackup
    from rsfleet.backup.model import BackupStatus, RestorePoint
    from rsfleet.backup.planner import Plan
    from rsfleet.backup.sync import BackupBackend
    from rsfleet.local.fleet import LocalFleet
    from rsfleet.spec.models import FleetSpec

app = typer.Typer(
    no_args_is_help=True,
    help="Backups of the producer: policy as desired state (plan/apply), snapshots, "
    "point-in-time restore and recovery drills.",
)

DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Print the plan only.")]
AtOption = Annotated[str | None, typer.Option(
    "--at", help="Restore to this past time (ISO 8601, UTC unless it carries an offset). "
    "AWS: the newest recovery point or snapshot at or before it; local: the WAL archive "
    "replayed up to it.")]
DrillAtOption = Annotated[str | None, typer.Option(
    "--at", help="Drill the newest snapshot taken by `rsfleet backup snapshot` at or before "
    "this past time (ISO 8601, UTC unless it carries an offset), not the time itself: only "
    "a recorded snapshot has rows and checksums to verify. Default: the newest one.")]
JsonPathOption = Annotated[Path | None, typer.Option(
    "--json", help="Write the result (rpo_s, rto_s, verified, ...) to this file.")]
NOTHING = "[green]nothing to do[/]: the backup policy is in force"


def parse_time(text: str | None, *, option: str = "--at") -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a time",
                         hint="write it as ISO 8601, e.g. 2026-11-30T18:05:00Z") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _spec(env: str | None, spec: Path | None) -> "FleetSpec":
    return load_spec(env, spec)[0]


def _backend(ctx: typer.Context, env: str | None, spec: Path | None, state_dir: Path | None,
             tf_outputs: Path | None = None) -> "BackupBackend":
    """The fleet's `BackupBackend`: AWS (redshift-serverless + Data API) or the local fleet."""
    if app_context(ctx).backend is Backend.aws:
        from rsfleet.adapters.redshift_serverless import client
        from rsfleet.backup.service import AwsBackup
        from rsfleet.fleet.outputs import FleetOutputs
        from rsfleet.local.fleet import default_state_dir

        spec_obj = _spec(env, spec)
        return AwsBackup(spec_obj, client(spec_obj.aws_region),
                         state_dir=state_dir or default_state_dir(spec_obj.environment),
                         outputs=FleetOutputs.from_file(tf_outputs) if tf_outputs else None)
    return _local_backup(env, spec, state_dir)


def _local_backup(env: str | None, spec: Path | None,
                  state_dir: Path | None) -> "LocalBackup":
    from rsfleet.backup.local import LocalBackup
    from rsfleet.lifecycle import share_and_gate

    return LocalBackup(_local(env, spec, state_dir), log=_say,
                       reshare=lambda fleet, log: share_and_gate(fleet, log=log))


def _say(line: str) -> None:
    console.print(line, highlight=False, markup=False)


def _local(env: str | None, spec: Path | None, state_dir: Path | None) -> "LocalFleet":
    from rsfleet.local.fleet import LocalFleet

    if env is None and spec is not None:
        env = _spec(None, spec).environment
    return LocalFleet.open(env, state_dir)


def _show_notes(the_plan: "Plan") -> None:
    for note in the_plan.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    if the_plan.empty:
        console.print(NOTHING)


@app.command("plan")
def plan_cmd(ctx: typer.Context, env: EnvOption = None, spec: SpecOption = None,
             state_dir: StateDirOption = None, json: JsonOption = False,
             detailed_exitcode: DetailedExitcodeOption = False) -> None:
    """Show what `backup apply` would change. Changes nothing."""
    the_plan = _backend(ctx, env, spec, state_dir).plan()
    if json:
        print_json({"changes": not the_plan.empty,
                    "steps": [a.describe() for a in the_plan.actions],
                    "notes": list(the_plan.notes)})
    else:
        _show_notes(the_plan)
        for action in the_plan.actions:
            _say(f"would {action.describe()}")
    exit_if_pending(not the_plan.empty, detailed_exitcode)


@app.command("apply")
def apply_cmd(ctx: typer.Context, env: EnvOption = None, spec: SpecOption = None,
              state_dir: StateDirOption = None, dry_run: DryRunOption = False,
              detailed_exitcode: DetailedExitcodeOption = False) -> None:
    """Make the spec's backup policy (producer.backup) the one in force.

    Safe to run twice: the second run does nothing."""
    from rsfleet.backup.sync import sync

    only_with_dry_run(detailed_exitcode, dry_run)
    backend = _backend(ctx, env, spec, state_dir)
    the_plan = backend.plan()
    _show_notes(the_plan)
    verb = "would" if dry_run else "will"
    result = sync(the_plan, backend, dry_run,
                  on_step=lambda a: _say(f"{verb} {a.describe()}"))
    if result.done and not dry_run:
        console.print(f"[green]applied {len(result.done)} change(s)[/]")
    if status := result.exit_status(detailed=detailed_exitcode):
        raise typer.Exit(status)


def _age(created: datetime, now: datetime) -> str:
    s = int((now - created).total_seconds())
    return f"{s // 3600}h{(s % 3600) // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


@app.command("list")
def list_cmd(ctx: typer.Context, env: EnvOption = None, spec: SpecOption = None,
             state_dir: StateDirOption = None, json: JsonOption = False) -> None:
    """Restore points with age and size, newest first.

    AWS: recovery points and snapshots. Local: recorded snapshots and the end of the WAL
    archive."""
    now = datetime.now(UTC)
    points = _backend(ctx, env, spec, state_dir).points()
    if json:
        print_json([{"id": pt.id, "kind": pt.kind, "created": pt.created.isoformat(),
                     "age_s": round((now - pt.created).total_seconds(), 1),
                     "size_mb": pt.size_mb, "status": pt.status, "ours": pt.ours}
                    for pt in points])
        return
    if not points:
        console.print("no restore points yet")
        return
    table, notes = points_table(points, now)
    console.print(table)
    for line in notes:
        console.print(line, highlight=False, markup=False, soft_wrap=True)


KIND_LABELS = {"base-backup": "snapshot", "recovery-point": "recovery pt",
               "snapshot": "snapshot", "wal": "WAL end"}


def points_table(points: "list[RestorePoint]", now: datetime) -> "tuple[Table, list[str]]":
    """A header and short cells that fit 80 columns (the rows were 124 characters, with no
    header); a status other than AVAILABLE and what the WAL row means go below it."""
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False)
    table.add_column("point", overflow="fold")
    for col in ("kind", "taken (UTC)", "age", "size"):
        table.add_column(col, no_wrap=True, justify="right" if col in ("age", "size") else
                         "left")
    notes: list[str] = []
    for pt in points:
        size = f"{pt.size_mb:,.0f} MB" if pt.size_mb is not None else "?"
        table.add_row(plain(pt.id), KIND_LABELS.get(pt.kind, pt.kind),
                      f"{pt.created:%Y-%m-%d %H:%M}", _age(pt.created, now), size)
        if pt.status != "AVAILABLE":
            notes.append(f"{pt.id}: {pt.status} (not restorable yet)")
        if pt.kind == "wal":
            notes.append(f"{pt.id}: WAL archived up to {pt.created:%Y-%m-%d %H:%M:%S} UTC; "
                         "`backup restore --at TIME` reaches a time between a snapshot and "
                         "the newest archived commit")
    return table, notes


@app.command("snapshot")
def snapshot_cmd(ctx: typer.Context, env: EnvOption = None, spec: SpecOption = None,
                 state_dir: StateDirOption = None, tf_outputs: TfOutputsOption = None,
                 name: Annotated[str | None, typer.Option(
                     "--name", help="Snapshot name (default rsfleet-<producer>-<time>).")] = None,
                 retention_days: Annotated[int | None, typer.Option(
                     "--retention-days", min=1, max=3653,
                     help="AWS: keep it this many days (default: the policy's).")] = None,
                 ) -> None:
    """Take a snapshot now, recording rows + a checksum per shared table at that point."""
    point = _backend(ctx, env, spec, state_dir, tf_outputs).snapshot(
        name=name, retention_days=retention_days)
    console.print(f"[green]snapshot[/] {point.id} ({point.status})", highlight=False)


@app.command("status")
def status_cmd(ctx: typer.Context, env: EnvOption = None, spec: SpecOption = None,
               state_dir: StateDirOption = None, json: JsonOption = False) -> None:
    """Is the policy in force? The newest restore point's age is the current RPO."""
    doc = _backend(ctx, env, spec, state_dir).status(datetime.now(UTC))
    if json:
        print_json(doc.to_json())
    else:
        mark = "[green]✓[/]" if doc.policy_in_force else "[red]✗[/]"
        console.print(f"{mark} policy in force: {doc.policy_in_force}")
        for item in doc.pending:
            _say(f"  pending: {item}")
        for item in doc.notes:
            _say(f"  note: {item}")
        for line in status_lines(doc, datetime.now(UTC)):
            console.print(line, highlight=False, markup=False, soft_wrap=True)
    if doc.exit_code:
        raise typer.Exit(doc.exit_code)


def status_lines(doc: "BackupStatus", now: datetime) -> list[str]:
    """The newest point with its own age, then what a restore reaches now and the RPO: a
    snapshot 10 minutes old beside "RPO now 9 s" read as a contradiction."""
    if doc.newest_point is None or doc.newest_point_time is None:
        return ["newest restore point: none"]
    age = (now - doc.newest_point_time).total_seconds()
    lines = [f"newest restore point: {doc.newest_point}, taken "
             f"{doc.newest_point_time:%Y-%m-%d %H:%M:%S} UTC ({_ago(age)})"]
    reach = doc.restorable_time
    if reach is not None and reach != doc.newest_point_time:
        lines.append(f"restorable up to: {reach:%Y-%m-%d %H:%M:%S} UTC (archived WAL "
                     "after it; backup restore --at)")
    if doc.rpo_s is not None:
        lines.append(f"RPO now: {doc.rpo_s:.0f} s (the age of the newest restorable time)")
    return lines


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def _confirm(what: str, expected: str, yes: bool) -> None:
    """A typed confirmation: the user types `expected` back; no TTY -> refuse unless `yes`."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(f"{what} needs a typed confirmation and stdin is not a terminal",
                         hint="run it in a terminal, or pass --yes-in-place")
    typed = typer.prompt(f"{what}: type {expected!r} to go on")
    if typed.strip() != expected:
        raise UsageError(f"confirmation {typed.strip()!r} does not match {expected!r}: "
                         "nothing changed")


@app.command("restore")
def restore_cmd(
    ctx: typer.Context, env: EnvOption = None, spec: SpecOption = None,
    state_dir: StateDirOption = None,
    from_snapshot: Annotated[str | None, typer.Option(
        "--from", help="Snapshot (AWS) / restore point (local) to restore.")] = None,
    at: AtOption = None,
    to: Annotated[str | None, typer.Option(
        "--to", help="Name of the new copy to restore into (the producer is not touched). "
        "AWS: a new namespace + workgroup; local: a new scratch cluster under the state "
        "dir's backup/scratch/ (remove it with `backup discard --name NAME`). Not with "
        "--in-place.")] = None,
    in_place: Annotated[bool, typer.Option(
        "--in-place", help="Restore over the producer itself (asks for its name).")] = False,
    yes_in_place: Annotated[bool, typer.Option(
        "--yes-in-place", help="Skip the typed confirmation of --in-place (scripts).")] = False,
) -> None:
    """Restore a snapshot (--from) or a time (--at) into a new copy (--to) or in place.

    AWS: --to is a new namespace + workgroup. Local: --to is a new scratch cluster. --in-place (no --to) restores over the producer after its name (AWS: the producer's namespace; local: the environment) is typed back.
    """  # noqa: E501 - one paragraph, wrapped by the terminal
    if from_snapshot and at:
        raise UsageError("--from and --at exclude each other", hint="pass one of them")
    when = parse_time(at)
    now = datetime.now(UTC)
    if when is not None and when > now:
        raise UsageError(f"--at {at} is in the future", hint="give a time in the past")
    on_aws = app_context(ctx).backend is Backend.aws
    copy = "a new namespace + workgroup" if on_aws else "a new scratch cluster"
    if to is None and not in_place:
        raise UsageError(f"--to NAME is required: the name of {copy} to restore into (the "
                         "producer is not touched)",
                         hint="e.g. --to restored-1; or --in-place to restore over the producer")
    backend = _backend(ctx, env, spec, state_dir)
    producer = (f"the producer namespace {backend.producer}" if on_aws
                else f"the producer of the local fleet {backend.producer}")
    if in_place:
        if to is not None and to != backend.producer:
            raise UsageError(f"--in-place restores {producer} over itself; --to {to} names "
                             "another target", hint=f"drop --to, or drop --in-place to "
                             f"restore into {copy} named {to}")
        _confirm(f"restore over {producer}", backend.producer, yes_in_place)
    done = backend.restore(point=from_snapshot, at=when, to=to, in_place=in_place, log=_say)
    where = f": {done.address} (data in {done.data_dir}; stop with `rsfleet backup discard " \
        f"--name {done.into}`)" if done.address else ""
    console.print(f"[green]restored[/] {done.kind} {done.id} into {done.into}{where}",
                  highlight=False)
    if done.shares_verified:
        console.print("[green]✓[/] every consumer reads every shared object (share verify)")
    elif done.in_place:  # AWS: the datashares were maintained; the consumers read it now
        console.print("check that every consumer reads every shared object: "
                      "`rsfleet --backend aws share verify`", highlight=False, markup=False)


@app.command("discard")
def discard_cmd(env: EnvOption = None, spec: SpecOption = None,
                state_dir: StateDirOption = None,
                name: Annotated[str, typer.Option("--name", help="Scratch cluster name.")] = "",
                ) -> None:
    """Local: stop and delete a scratch cluster made by `backup restore --to NAME`."""
    _local_backup(env, spec, state_dir).discard(name)
    console.print(f"discarded scratch cluster {name}", highlight=False)


@app.command("drill")
def drill_cmd(ctx: typer.Context, env: EnvOption = None, spec: SpecOption = None,
              state_dir: StateDirOption = None, at: DrillAtOption = None,
              json_path: JsonPathOption = None) -> None:
    """Prove recovery: restore, verify rows + checksums, report RPO/RTO, tear down.

    Restores the newest snapshot taken by `rsfleet backup snapshot` (with --at: the newest at or before that time) into a scratch namespace / cluster, compares every recorded table, and deletes the scratch also on failure. The output names the snapshot and when it was taken (--json: point, point_time). Exit 1 when verification fails.
    """  # noqa: E501 - one paragraph, wrapped by the terminal
    from rsfleet.output import check_output_file

    if json_path is not None:  # before the drill: its result must not be lost at the end
        check_output_file(json_path, "--json")
    result = _backend(ctx, env, spec, state_dir).drill(at=parse_time(at))
    doc = result.to_json()
    if json_path is not None:
        json_path.write_text(jsonlib.dumps(doc, indent=2) + "\n", encoding="utf-8")
    mark = "[green]✓ verified[/]" if result.verified else "[red]✗ NOT verified[/]"
    taken = result.point_time.isoformat(timespec="seconds")
    console.print(f"{mark} snapshot {plain(result.point)} (taken {taken}): RPO "
                  f"{result.rpo_s:.1f} s, RTO {result.rto_s:.1f} s", highlight=False)
    for problem in result.problems:
        console.print(f"[red]✗[/] {problem}", highlight=False)
    if result.exit_code:
        raise FleetError(f"drill of {result.point}: {len(result.problems)} difference(s)")
