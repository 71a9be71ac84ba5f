"""Backup use cases on AWS: plan/apply the policy, list, snapshot (+ record), status,
restore and drill. Clients are passed in (tests hand in Stubber-wrapped ones)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rsfleet.backup import aws, records
from rsfleet.backup import planner as p
from rsfleet.backup.model import MARK, RestorePoint, TableRecord, compare, policy_from_spec
from rsfleet.errors import FleetError, UsageError
from rsfleet.fleet.outputs import FleetOutputs, WorkgroupOutputs
from rsfleet.spec.identifiers import check_identifier
from rsfleet.spec.models import FleetSpec


def action_name(spec: FleetSpec) -> str:
    return f"{MARK}-{spec.workgroup_name()}-snapshots"[:60]


def aws_plan(spec: FleetSpec, rs: Any) -> p.Plan:
    policy = policy_from_spec(spec)
    if policy is not None and policy.role_arn is None:
        raise UsageError("producer.backup.role_arn is not set: the Redshift scheduler needs a "
                         "role to assume for scheduled snapshots",
                         hint="add role_arn = \"arn:aws:iam::ACCOUNT:role/NAME\" (trusting "
                         "scheduler.redshift.amazonaws.com) to producer.backup")
    observed = aws.observe(rs, spec.workgroup_name())
    return p.plan(policy, observed, action_name=action_name(spec))


def aws_apply(spec: FleetSpec, rs: Any, *, on_action: Callable[[p.Action], None]) -> p.Plan:
    the_plan = aws_plan(spec, rs)
    for action in the_plan.actions:
        on_action(action)
        aws.apply(rs, action)
    return the_plan


def producer_tables(api: Any, target: Any, spec: FleetSpec) -> list[str]:
    """The shared tables: the spec's tables plus every base table of a shared schema."""
    schemas, tables = records.shared_schemas_and_tables(spec)
    found = set(tables)
    if schemas:
        names = ", ".join(f"'{check_identifier(s)}'" for s in schemas)  # validated
        rows = api.query("SELECT table_schema, table_name FROM svv_tables WHERE table_type = "
                         f"'BASE TABLE' AND table_schema IN ({names});", target)
        found |= {f"{r['table_schema'].strip()}.{r['table_name'].strip()}" for r in rows}
    return sorted(found)


def table_records(api: Any, target: Any, tables: list[str]) -> list[TableRecord]:
    out = []
    for table in tables:
        schema, name = table.split(".", 1)
        cols = api.query(
            "SELECT column_name FROM svv_columns WHERE table_schema = "
            f"'{check_identifier(schema)}' AND table_name = '{check_identifier(name)}' "
            "ORDER BY ordinal_position;", target)
        row = api.query(records.redshift_checksum_sql(
            table, [c["column_name"].strip() for c in cols]), target)[0]
        out.append(TableRecord(table, int(row["n"]), str(row["checksum"])))
    return out


def producer_target(spec: FleetSpec, outputs: FleetOutputs | Mapping[str, Any]):
    from rsfleet.adapters.redshift_data import Target

    prod = FleetOutputs.of(outputs).producer or WorkgroupOutputs()
    return Target(prod.workgroup_name or spec.workgroup_name(),
                  spec.producer.database_name, prod.admin_secret_arn or "")


def snapshot_name(spec: FleetSpec, now: datetime, name: str | None) -> str:
    if name is None:
        return f"{MARK}-{spec.workgroup_name()}-{now:%Y%m%d-%H%M%S}"
    import re

    if not re.fullmatch(r"[a-z][a-z0-9-]{0,254}", name):
        raise UsageError(f"--name {name!r}: snapshot names are lowercase letters, digits and "
                         "hyphens, starting with a letter")
    return name


def aws_snapshot(spec: FleetSpec, rs: Any, api: Any, target: Any, state_dir: Path, *,
                 name: str | None, retention_days: int | None, now: datetime) -> RestorePoint:
    """Record rows + checksums of the shared tables, then CreateSnapshot (tagged as ours).
    Writes between the two make a later drill of this snapshot report a difference."""
    snap = snapshot_name(spec, now, name)
    retention = retention_days or (spec.producer.backup.retention_days
                                   if spec.producer.backup else 7)
    tables = table_records(api, target, producer_tables(api, target, spec))
    point = aws.create_snapshot(rs, spec.workgroup_name(), snap, retention)
    records.save(state_dir, snap, point.created, tables, kind="snapshot")
    return point


@dataclass
class DrillResult:
    point: str
    point_time: datetime
    rpo_s: float
    rto_s: float
    verified: bool
    problems: list[str] = field(default_factory=list)
    scratch: str = ""
    torn_down: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"point": self.point, "point_time": self.point_time.isoformat(),
                "rpo_s": round(self.rpo_s, 3), "rto_s": round(self.rto_s, 3),
                "verified": self.verified, "problems": self.problems,
                "scratch": self.scratch, "torn_down": self.torn_down}


def recorded_point(state_dir: Path, points: list[RestorePoint], at: datetime | None,
                   now: datetime) -> tuple[RestorePoint, dict]:
    if at is not None and at > now:
        raise UsageError(f"--at {at.isoformat()} is in the future",
                         hint="give a time in the past (UTC, ISO 8601)")
    when = at or now
    for point in points:  # newest first
        if point.kind != "snapshot" or point.created > when or point.status != "AVAILABLE":
            continue
        rec = records.load(state_dir, point.id)
        if rec is not None:
            return point, rec
    raise UsageError(f"no snapshot taken by `rsfleet backup snapshot` at or before "
                     f"{when.isoformat()}: nothing recorded to verify against",
                     hint="run `rsfleet --backend aws backup snapshot` first")


def aws_drill(spec: FleetSpec, rs: Any, api_for: Callable[[str], Any], state_dir: Path, *,
              at: datetime | None, now: Callable[[], datetime], clock: Callable[[], float],
              sleep: Callable[[float], None], scratch_name: str | None = None) -> DrillResult:
    """Restore the newest recorded snapshot (at or before `at`) into a scratch namespace +
    workgroup, verify rows and checksums, and delete the scratch again (also on failure)."""
    from rsfleet.adapters.redshift_data import Target

    start, started_at = clock(), now()
    point, rec = recorded_point(state_dir, aws.restore_points(rs, spec.workgroup_name()), at,
                                started_at)
    name = scratch_name or f"{MARK}-drill-{spec.environment}-{started_at:%m%d%H%M%S}"
    scratch = aws.create_scratch(rs, name, spec.workgroup_name(), sleep=sleep)
    result = DrillResult(point.id, point.created, (started_at - point.created).total_seconds(),
                         0.0, False, scratch=name)
    try:
        aws.restore(rs, point, namespace=scratch.namespace, workgroup=scratch.workgroup,
                    sleep=sleep)
        ns = aws._call(rs.get_namespace, "GetNamespace", namespaceName=scratch.namespace)
        secret = ns["namespace"].get("adminPasswordSecretArn") or ""
        target = Target(scratch.workgroup, spec.producer.database_name, secret)
        found = table_records(api_for(scratch.workgroup), target,
                              [t.table for t in rec["tables"]])
        check = compare(rec["tables"], found)
        result.verified, result.problems = check.ok, list(check.problems)
        result.rto_s = clock() - start
    except BaseException as exc:
        _teardown_after(rs, scratch, sleep, exc)
        raise
    aws.teardown(rs, scratch, sleep=sleep)
    result.torn_down = True
    return result


def _teardown_after(rs: Any, scratch: Any, sleep: Callable[[float], None],
                    exc: BaseException) -> None:
    """Tear the scratch down after `exc`; if that fails too, say both (and what is left)."""
    from rsfleet.errors import RsfleetError

    try:
        aws.teardown(rs, scratch, sleep=sleep)
    except RsfleetError as failed:
        raise FleetError(f"{exc}; tearing down {scratch.namespace} failed as well: {failed}",
                         hint=f"delete workgroup and namespace {scratch.namespace} by hand "
                         "(tag managed-by=rsfleet)") from None


def aws_restore(spec: FleetSpec, rs: Any, *, snapshot: str | None, at: datetime | None,
                to: str, in_place: bool, now: datetime,
                sleep: Callable[[float], None]) -> RestorePoint:
    """Restore into a NEW namespace + workgroup `to`, or (in_place, confirmed by the caller)
    into the producer itself with its datashares maintained."""
    producer = spec.workgroup_name()
    point = aws.pick_point(aws.restore_points(rs, producer), snapshot=snapshot, at=at, now=now)
    if to == producer:
        if not in_place:
            raise UsageError(f"--to {to} is the producer itself",
                             hint="pass --in-place (and confirm) to restore over it")
        # maintainIntegration: the producer keeps its datashares; consumers read the
        # restored data (they hold no copy of their own).
        aws.restore(rs, point, namespace=producer, workgroup=producer, sleep=sleep,
                    maintain_integration=True)
        return point
    if in_place:
        raise UsageError(f"--in-place restores the producer ({producer}), not {to}",
                         hint=f"drop --in-place, or pass --to {producer}")
    import re

    if not re.fullmatch(r"[a-z0-9-]{3,64}", to):
        raise UsageError(f"--to {to!r}: namespace names are 3-64 lowercase letters, digits, "
                         "hyphens")
    scratch = aws.create_scratch(rs, to, producer, sleep=sleep)
    try:
        aws.restore(rs, point, namespace=scratch.namespace, workgroup=scratch.workgroup,
                    sleep=sleep)
    except BaseException as exc:
        _teardown_after(rs, scratch, sleep, exc)
        raise
    return point


def status(points: list[RestorePoint], *, policy_in_force: bool, now: datetime
           ) -> dict[str, Any]:
    usable = [pt for pt in points if pt.status == "AVAILABLE"]
    newest = max(usable, key=lambda pt: pt.created) if usable else None
    return {"policy_in_force": policy_in_force,
            "newest_point": newest.id if newest else None,
            "newest_point_time": newest.created.isoformat() if newest else None,
            "rpo_s": round((now - newest.created).total_seconds(), 1) if newest else None}


_ = FleetError


def final_snapshot(spec: FleetSpec, rs: Any, *, now: datetime, retention_days: int,
                   sleep: Callable[[float], None], timeout: float = 3600) -> str | None:
    """Before `rsfleet destroy`: a manual snapshot of the producer's namespace, waited for
    until AVAILABLE (a FAILED one stops the destroy). None when there is no namespace (never
    applied, or already gone): nothing to lose."""
    namespace = spec.workgroup_name()
    if not aws.namespace_exists(rs, namespace):
        return None
    name = f"{MARK}-{namespace}-final-{now:%Y%m%d-%H%M%S}"
    aws.create_snapshot(rs, namespace, name, retention_days)
    aws.wait_for(f"final snapshot {name}", lambda: aws._status(
        rs.get_snapshot, "snapshot", snapshotName=name), "AVAILABLE", timeout=timeout,
        sleep=sleep)
    return name
