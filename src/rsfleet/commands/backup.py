"""`rsfleet backup plan | apply | list | snapshot | status | restore | drill`.

AWS: snapshot schedules and cross-region copies through the redshift-serverless API,
restores into a new namespace + workgroup. Local: WAL archive + base backups of the
producer in the state dir, point-in-time restores into scratch clusters.
"""

from __future__ import annotations

import json as jsonlib
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from rsfleet.context import (
    Backend,
    EnvOption,
    JsonOption,
    SpecOption,
    StateDirOption,
    TfOutputsOption,
    app_context,
    load_spec,
)
from rsfleet.errors import FleetError, UsageError
from rsfleet.output import console, print_json, warn

app = typer.Typer(
    no_args_is_help=True,
    help="Backups of the producer: policy as desired state (plan/apply), snapshots, "
    "point-in-time restore and recovery drills.",
)

DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Print the plan only.")]
AtOption = Annotated[str | None, typer.Option(
    "--at", help="A past time, ISO 8601 (UTC unless it carries an offset).")]
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


def _spec(env: str | None, spec: Path | None):
    return load_spec(env, spec)[0]


def _state_dir(spec_obj: Any, state_dir: Path | None) -> Path:
    from rsfleet.local.fleet import default_state_dir

    return state_dir or default_state_dir(spec_obj.environment)


def _rs(spec_obj: Any) -> Any:
    from rsfleet.adapters.redshift_serverless import client

    return client(spec_obj.aws_region)


def _data_api(spec_obj: Any) -> Any:
    from rsfleet.adapters.redshift_data import DataApi

    return DataApi(region=spec_obj.aws_region)


def _producer_target(spec_obj: Any, rs: Any, tf_outputs: Path | None) -> Any:
    from rsfleet.backup.service import producer_target

    if tf_outputs is not None:
        from rsfleet.adapters.terraform import read_outputs_file

        return producer_target(spec_obj, read_outputs_file(tf_outputs))
    from rsfleet.adapters.redshift_serverless import _call

    ns = _call(rs.get_namespace, "GetNamespace",
               namespaceName=spec_obj.workgroup_name())["namespace"]
    return producer_target(spec_obj, {"producer": {
        "workgroup_name": spec_obj.workgroup_name(),
        "admin_secret_arn": ns.get("adminPasswordSecretArn")}})


def _local(env: str | None, spec: Path | None, state_dir: Path | None):
    from rsfleet.local.fleet import LocalFleet

    if env is None and spec is not None:
        env = _spec(None, spec).environment
    return LocalFleet.open(env, state_dir)


def _show_plan(the_plan: Any, dry_run: bool) -> None:
    for note in the_plan.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    if the_plan.empty:
        console.print(NOTHING)
        return
    verb = "would" if dry_run else "will"
    for action in the_plan.actions:
        console.print(f"{verb} {action.describe()}", highlight=False, markup=False)


@app.command("plan")
def plan_cmd(ctx: typer.Context, env: EnvOption = None, spec: SpecOption = None,
             state_dir: StateDirOption = None, json: JsonOption = False) -> None:
    """Show what `backup apply` would change. Changes nothing."""
    if app_context(ctx).backend is Backend.aws:
        from rsfleet.backup.service import aws_plan

        spec_obj = _spec(env, spec)
        the_plan: Any = aws_plan(spec_obj, _rs(spec_obj))  # or the local plan: one _show_plan
        steps = [a.describe() for a in the_plan.actions]
        notes = list(the_plan.notes)
    else:
        from rsfleet.backup.local import plan_local

        local_plan = plan_local(_local(env, spec, state_dir))
        steps, notes = local_plan.steps, local_plan.notes
        the_plan = local_plan
    if json:
        print_json({"changes": bool(steps), "steps": steps, "notes": notes})
        return
    _show_plan(the_plan, dry_run=True)


@app.command("apply")
def apply_cmd(ctx: typer.Context, env: EnvOption = None, spec: SpecOption = None,
              state_dir: StateDirOption = None, dry_run: DryRunOption = False) -> None:
    """Make the spec's backup policy (producer.backup) the one in force.

    Safe to run twice: the second run does nothing."""
    if app_context(ctx).backend is Backend.aws:
        from rsfleet.backup import aws
        from rsfleet.backup.service import aws_plan

        spec_obj = _spec(env, spec)
        rs = _rs(spec_obj)
        the_plan = aws_plan(spec_obj, rs)
        _show_plan(the_plan, dry_run=dry_run)
        if dry_run or the_plan.empty:
            return
        for action in the_plan.actions:
            aws.apply(rs, action)
        console.print(f"[green]applied {len(the_plan.actions)} change(s)[/]")
        return
    from rsfleet.backup.local import apply_local

    fleet = _local(env, spec, state_dir)
    done = apply_local(fleet, dry_run=dry_run, log=lambda m: console.print(m, highlight=False,
                                                                            markup=False))
    if not done:
        console.print(NOTHING)


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
    if app_context(ctx).backend is Backend.aws:
        from rsfleet.backup import aws

        spec_obj = _spec(env, spec)
        points = aws.restore_points(_rs(spec_obj), spec_obj.workgroup_name())
    else:
        from rsfleet.backup.local import restore_points

        points = restore_points(_local(env, spec, state_dir))
    if json:
        print_json([{"id": pt.id, "kind": pt.kind, "created": pt.created.isoformat(),
                     "age_s": round((now - pt.created).total_seconds(), 1),
                     "size_mb": pt.size_mb, "status": pt.status, "ours": pt.ours}
                    for pt in points])
        return
    if not points:
        console.print("no restore points yet")
        return
    for pt in points:
        size = f"{pt.size_mb:.1f} MB" if pt.size_mb is not None else "?"
        console.print(f"{pt.kind:15} {pt.id:50} {pt.created:%Y-%m-%d %H:%M:%S}Z  "
                      f"age {_age(pt.created, now):>8}  {size:>10}  {pt.status}",
                      highlight=False, markup=False)


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
    now = datetime.now(UTC)
    if app_context(ctx).backend is Backend.aws:
        from rsfleet.backup.service import aws_snapshot

        spec_obj = _spec(env, spec)
        rs = _rs(spec_obj)
        point = aws_snapshot(spec_obj, rs, _data_api(spec_obj),
                             _producer_target(spec_obj, rs, tf_outputs),
                             _state_dir(spec_obj, state_dir), name=name,
                             retention_days=retention_days, now=now)
    else:
        from rsfleet.backup.local import snapshot

        point = snapshot(_local(env, spec, state_dir), name=name)
    console.print(f"[green]snapshot[/] {point.id} ({point.status})", highlight=False)


@app.command("status")
def status_cmd(ctx: typer.Context, env: EnvOption = None, spec: SpecOption = None,
               state_dir: StateDirOption = None, json: JsonOption = False) -> None:
    """Is the policy in force? The newest restore point's age is the current RPO."""
    from rsfleet.backup.service import status

    now = datetime.now(UTC)
    if app_context(ctx).backend is Backend.aws:
        from rsfleet.backup import aws
        from rsfleet.backup.service import aws_plan

        spec_obj = _spec(env, spec)
        rs = _rs(spec_obj)
        the_plan = aws_plan(spec_obj, rs)
        in_force = spec_obj.producer.backup is not None and the_plan.empty
        doc = status(aws.restore_points(rs, spec_obj.workgroup_name()),
                     policy_in_force=in_force, now=now)
        doc["pending"] = [a.describe() for a in the_plan.actions]
    else:
        from rsfleet.backup.local import local_status

        doc = local_status(_local(env, spec, state_dir), now=now)
    if json:
        print_json(doc)
    else:
        mark = "[green]✓[/]" if doc["policy_in_force"] else "[red]✗[/]"
        console.print(f"{mark} policy in force: {doc['policy_in_force']}")
        for item in doc.get("pending") or []:
            console.print(f"  pending: {item}", highlight=False, markup=False)
        rpo = doc["rpo_s"]
        console.print(f"newest restore point: {doc['newest_point'] or 'none'}"
                      + (f" (RPO now {rpo:.0f} s)" if rpo is not None else ""),
                      highlight=False)
    if not doc["policy_in_force"]:
        raise typer.Exit(1)


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
        "--to", help="AWS: new namespace (+ workgroup) name; local: scratch cluster name.")]
    = None,
    in_place: Annotated[bool, typer.Option(
        "--in-place", help="Restore over the producer itself (asks for its name).")] = False,
    yes_in_place: Annotated[bool, typer.Option(
        "--yes-in-place", help="Skip the typed confirmation of --in-place (scripts).")] = False,
) -> None:
    """Restore a snapshot (--from) or a time (--at) into a new copy (--to) or in place.

    AWS: --to is a new namespace + workgroup. Local: --to is a scratch cluster. --in-place
    restores over the producer after its name is typed back."""
    if from_snapshot and at:
        raise UsageError("--from and --at exclude each other", hint="pass one of them")
    when = parse_time(at)
    now = datetime.now(UTC)
    if when is not None and when > now:
        raise UsageError(f"--at {at} is in the future", hint="give a time in the past")
    if app_context(ctx).backend is Backend.aws:
        from rsfleet.backup.service import aws_restore

        spec_obj = _spec(env, spec)
        target = spec_obj.workgroup_name() if in_place and to is None else to
        if target is None:
            raise UsageError("--to NAMESPACE is required", hint="or --in-place")
        if in_place:
            _confirm(f"restore over the producer {target}", target, yes_in_place)
        point = aws_restore(spec_obj, _rs(spec_obj), snapshot=from_snapshot, at=when,
                            to=target, in_place=in_place, now=now, sleep=time.sleep)
        console.print(f"[green]restored[/] {point.kind} {point.id} into {target}",
                      highlight=False)
        return
    from rsfleet.backup import local

    fleet = _local(env, spec, state_dir)
    if in_place:
        _confirm(f"restore over the producer of {fleet.env}", fleet.env, yes_in_place)
        result = local.restore_in_place(fleet, at=when, point=from_snapshot,
                                        log=lambda m: console.print(m, highlight=False,
                                                                    markup=False))
        console.print(f"[green]restored[/] the producer to {result}", highlight=False)
        from rsfleet.sharing.local import verify_local

        problems = verify_local(fleet)  # = `share verify`: consumers rebuilt and readable
        if problems:
            raise FleetError(f"after the restore, {len(problems)} datashare problem(s): "
                             f"{problems[0]}", hint="run `rsfleet share apply`, then "
                             "`rsfleet share verify`")
        console.print("[green]✓[/] every consumer reads every shared object (share verify)")
        return
    if to is None:
        raise UsageError("--to NAME is required", hint="or --in-place")
    scratch = local.restore_scratch(fleet, at=when, point=from_snapshot, name=to)
    console.print(f"[green]restored[/] into {scratch.name}: 127.0.0.1:{scratch.port} "
                  f"(data in {scratch.root}; stop with `rsfleet backup discard --name {to}`)",
                  highlight=False)


@app.command("discard")
def discard_cmd(env: EnvOption = None, spec: SpecOption = None,
                state_dir: StateDirOption = None,
                name: Annotated[str, typer.Option("--name", help="Scratch cluster name.")] = "",
                ) -> None:
    """Local: stop and delete a scratch cluster made by `backup restore --to NAME`."""
    from rsfleet.backup import local

    local.discard_scratch(_local(env, spec, state_dir), name)
    console.print(f"discarded scratch cluster {name}", highlight=False)


@app.command("drill")
def drill_cmd(ctx: typer.Context, env: EnvOption = None, spec: SpecOption = None,
              state_dir: StateDirOption = None, at: AtOption = None,
              json_path: JsonPathOption = None) -> None:
    """Prove recovery: restore, verify rows + checksums, report RPO/RTO, tear down.

    Restores the newest (or --at) point rsfleet recorded into a scratch namespace / cluster,
    compares every recorded table, and deletes the scratch also on failure. Exit 1 when
    verification fails."""
    when = parse_time(at)
    if app_context(ctx).backend is Backend.aws:
        from rsfleet.backup.service import aws_drill

        spec_obj = _spec(env, spec)
        rs = _rs(spec_obj)
        result = aws_drill(spec_obj, rs, lambda _wg: _data_api(spec_obj),
                           _state_dir(spec_obj, state_dir), at=when,
                           now=lambda: datetime.now(UTC), clock=time.monotonic,
                           sleep=time.sleep)
    else:
        from rsfleet.backup.local import drill

        result = drill(_local(env, spec, state_dir), at=when)
    doc = result.to_json()
    if json_path is not None:
        json_path.write_text(jsonlib.dumps(doc, indent=2) + "\n", encoding="utf-8")
    mark = "[green]✓ verified[/]" if result.verified else "[red]✗ NOT verified[/]"
    console.print(f"{mark} {result.point}: RPO {result.rpo_s:.1f} s, RTO {result.rto_s:.1f} s",
                  highlight=False)
    for problem in result.problems:
        console.print(f"[red]✗[/] {problem}", highlight=False)
    if not result.verified:
        raise FleetError(f"drill of {result.point}: {len(result.problems)} difference(s)")


_ = warn
