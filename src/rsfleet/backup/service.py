"""Backups on AWS: `AwsBackup`, the `BackupBackend` of a Redshift Serverless fleet.

The policy is reconciled through the redshift-serverless API (`aws.py`: scheduled actions,
copy configurations); snapshots record rows + checksums of the shared tables through the
Redshift Data API first; restores go into a new namespace + workgroup, or over the producer
with its datashares maintained; drills restore into a scratch namespace and delete it again.
Clients are passed in (tests hand in Stubber-wrapped ones).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rsfleet.backup import aws, records
from rsfleet.backup import planner as p
from rsfleet.backup.model import (
    MARK,
    BackupStatus,
    DrillResult,
    Restored,
    RestorePoint,
    TableRecord,
    compare,
    newest_status,
    policy_from_spec,
)
from rsfleet.backup.sync import Log, OnStep
from rsfleet.errors import FleetError, UsageError
from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.spec.identifiers import check_identifier
from rsfleet.spec.models import FleetSpec

if TYPE_CHECKING:  # types only, nothing imported at run time
    from mypy_boto3_redshift_serverless import RedshiftServerlessClient

    from rsfleet.adapters.redshift_data import DataApi, Target


def action_name(spec: FleetSpec) -> str:
    return f"{MARK}-{spec.workgroup_name()}-snapshots"[:60]


def producer_tables(api: DataApi, target: Target, spec: FleetSpec) -> list[str]:
    """The shared tables: the spec's tables plus every base table of a shared schema.
    Schema names go in as Data API parameters (`:s0`, ...), never pasted into the SQL
    (https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-calling.html#data-api-calling-considerations-parameters)."""
    schemas, tables = records.shared_schemas_and_tables(spec)
    found = set(tables)
    if schemas:
        params = {f"s{i}": check_identifier(s) for i, s in enumerate(schemas)}
        names = ", ".join(f":{k}" for k in params)
        rows = api.query("SELECT table_schema, table_name FROM svv_tables WHERE table_type = "
                         f"'BASE TABLE' AND table_schema IN ({names});", target,
                         parameters=params)
        found |= {f"{r['table_schema'].strip()}.{r['table_name'].strip()}" for r in rows}
    return sorted(found)


def table_records(api: DataApi, target: Target, tables: list[str]) -> list[TableRecord]:
    out = []
    for table in tables:
        schema, name = table.split(".", 1)
        cols = api.query(
            "SELECT column_name FROM svv_columns WHERE table_schema = :schema AND "
            "table_name = :table ORDER BY ordinal_position;", target,
            parameters={"schema": check_identifier(schema), "table": check_identifier(name)})
        row = api.query(records.redshift_checksum_sql(
            table, [c["column_name"].strip() for c in cols]), target)[0]
        out.append(TableRecord(table, int(row["n"]), str(row["checksum"])))
    return out


def snapshot_name(spec: FleetSpec, now: datetime, name: str | None) -> str:
    if name is None:
        return f"{MARK}-{spec.workgroup_name()}-{now:%Y%m%d-%H%M%S}"
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,254}", name):
        raise UsageError(f"--name {name!r}: snapshot names are lowercase letters, digits and "
                         "hyphens, starting with a letter")
    return name


def recorded_point(state_dir: Path, points: list[RestorePoint], at: datetime | None,
                   now: datetime) -> tuple[RestorePoint, records.PointRecord]:
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


class AwsBackup:
    """`BackupBackend` on Redshift Serverless. `rs`: a redshift-serverless client;
    `api_for(workgroup)`: a Data API (rsfleet.adapters.redshift_data.DataApi) for queries on
    that workgroup; `outputs`: the fleet's outputs (the producer's admin secret), asked of
    the API (`FleetOutputs.from_api`) when not given."""

    def __init__(self, spec: FleetSpec, rs: RedshiftServerlessClient, *,
                 api_for: Callable[[str], DataApi] | None = None, state_dir: Path | None = None,
                 outputs: FleetOutputs | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.spec = spec
        self.rs = rs
        self.api_for = api_for or (lambda _wg: _data_api(spec))
        self.state_dir = state_dir or Path(".")
        self.outputs = outputs
        self.now = now
        self.clock = clock
        self.sleep = sleep

    @property
    def producer(self) -> str:
        return self.spec.workgroup_name()

    # -- the policy ----------------------------------------------------------------------

    def plan(self) -> p.Plan:
        policy = policy_from_spec(self.spec)
        if policy is not None and policy.role_arn is None:
            raise UsageError("producer.backup.role_arn is not set: the Redshift scheduler "
                             "needs a role to assume for scheduled snapshots",
                             hint="add role_arn = \"arn:aws:iam::ACCOUNT:role/NAME\" (trusting "
                             "scheduler.redshift.amazonaws.com) to producer.backup")
        observed = aws.observe(self.rs, self.producer)
        return p.plan(policy, observed, action_name=action_name(self.spec))

    def execute(self, plan: p.Plan, *, on_step: OnStep | None) -> Sequence[p.Action]:
        done = []
        for action in plan.actions:
            if on_step is not None:
                on_step(action)
            aws.apply(self.rs, action)
            done.append(action)
        return done

    def points(self) -> list[RestorePoint]:
        return aws.restore_points(self.rs, self.producer)

    def status(self, now: datetime) -> BackupStatus:
        """Read-only (List/Get calls only). A policy without role_arn, which only `backup
        apply` needs, is reported rather than refused: the schedule in AWS is compared on
        every other field, and a note says what is missing."""
        from dataclasses import replace

        policy = policy_from_spec(self.spec)
        observed = aws.observe(self.rs, self.producer)
        notes: tuple[str, ...] = ()
        if policy is not None and policy.role_arn is None:
            have = observed.schedules.get(policy.action_name)
            policy = replace(policy, role_arn=(have.role_arn or "") if have else "")
            notes = ("producer.backup.role_arn is not set: `backup apply` cannot create or "
                     "change the snapshot schedule"
                     + (f" (the one in AWS assumes {have.role_arn})"
                        if have and have.role_arn else "")
                     + "; add a role trusting scheduler.redshift.amazonaws.com",)
        the_plan = p.plan(policy, observed, action_name=action_name(self.spec))
        in_force = self.spec.producer.backup is not None and the_plan.empty
        doc = newest_status(self.points(), policy_in_force=in_force, now=now,
                            pending=tuple(a.describe() for a in the_plan.actions))
        return replace(doc, notes=notes)

    # -- snapshots -----------------------------------------------------------------------

    def _producer_target(self) -> Target:
        from rsfleet.adapters.redshift_data import Target

        outputs = self.outputs or FleetOutputs.from_api(self.spec, self.rs, consumers=[])
        prod = outputs.require_producer()
        return Target(prod.workgroup_name or self.producer, self.spec.producer.database_name,
                      prod.admin_secret_arn or "")

    def snapshot(self, *, name: str | None, retention_days: int | None) -> RestorePoint:
        """Record rows + checksums of the shared tables, then CreateSnapshot (tagged as
        ours). Writes between the two make a later drill of this snapshot report a
        difference."""
        spec = self.spec
        snap = snapshot_name(spec, self.now(), name)
        retention = retention_days or (spec.producer.backup.retention_days
                                       if spec.producer.backup else 7)
        target = self._producer_target()
        api = self.api_for(target.workgroup)
        tables = table_records(api, target, producer_tables(api, target, spec))
        point = aws.create_snapshot(self.rs, self.producer, snap, retention)
        records.save(self.state_dir, snap, point.created, tables, kind="snapshot")
        return point

    # -- restore and drill ---------------------------------------------------------------

    def restore(self, *, point: str | None, at: datetime | None, to: str | None,
                in_place: bool, log: Log = lambda _m: None) -> Restored:
        """Restore into a NEW namespace + workgroup `to`, or (in_place, confirmed by the
        caller) into the producer itself with its datashares maintained."""
        rs, sleep, producer = self.rs, self.sleep, self.producer
        to = producer if in_place and to is None else to
        if to is None:
            raise UsageError("--to NAMESPACE is required", hint="or --in-place")
        chosen = aws.pick_point(aws.restore_points(rs, producer), snapshot=point, at=at,
                                now=self.now())
        done = Restored(chosen.id, chosen.kind, to, in_place=in_place)
        if to == producer:
            if not in_place:
                raise UsageError(f"--to {to} is the producer itself",
                                 hint="pass --in-place (and confirm) to restore over it")
            # maintainIntegration: the producer keeps its datashares; consumers read the
            # restored data (they hold no copy of their own).
            aws.restore(rs, chosen, namespace=producer, workgroup=producer, sleep=sleep,
                        maintain_integration=True)
            return done
        if in_place:
            raise UsageError(f"--in-place restores the producer ({producer}), not {to}",
                             hint=f"drop --in-place, or pass --to {producer}")
        if not re.fullmatch(r"[a-z0-9-]{3,64}", to):
            raise UsageError(f"--to {to!r}: namespace names are 3-64 lowercase letters, "
                             "digits, hyphens")
        scratch = aws.create_scratch(rs, to, producer, sleep=sleep)
        try:
            aws.restore(rs, chosen, namespace=scratch.namespace, workgroup=scratch.workgroup,
                        sleep=sleep)
        except BaseException as exc:
            _teardown_after(rs, scratch, sleep, exc)
            raise
        return done

    def drill(self, *, at: datetime | None, scratch_name: str | None = None) -> DrillResult:
        """Restore the newest recorded snapshot (at or before `at`) into a scratch namespace
        + workgroup, verify rows and checksums, and delete the scratch again (also on
        failure)."""
        from rsfleet.adapters.redshift_data import Target

        rs, sleep, spec = self.rs, self.sleep, self.spec
        start, started_at = self.clock(), self.now()
        point, rec = recorded_point(self.state_dir, aws.restore_points(rs, self.producer), at,
                                    started_at)
        name = scratch_name or f"{MARK}-drill-{spec.environment}-{started_at:%m%d%H%M%S}"
        scratch = aws.create_scratch(rs, name, self.producer, sleep=sleep)
        result = DrillResult(point.id, point.created,
                             (started_at - point.created).total_seconds(), 0.0, False,
                             scratch=name)
        try:
            aws.restore(rs, point, namespace=scratch.namespace, workgroup=scratch.workgroup,
                        sleep=sleep)
            ns = aws._call(rs.get_namespace, "GetNamespace", namespaceName=scratch.namespace)
            secret = ns["namespace"].get("adminPasswordSecretArn") or ""
            target = Target(scratch.workgroup, spec.producer.database_name, secret)
            found = table_records(self.api_for(scratch.workgroup), target,
                                  [t.table for t in rec["tables"]])
            check = compare(rec["tables"], found)
            result.verified, result.problems = check.ok, list(check.problems)
            result.rto_s = self.clock() - start
        except BaseException as exc:
            _teardown_after(rs, scratch, sleep, exc)
            raise
        aws.teardown(rs, scratch, sleep=sleep)
        result.torn_down = True
        return result


def _data_api(spec: FleetSpec) -> DataApi:
    from rsfleet.adapters.redshift_data import DataApi

    return DataApi(region=spec.aws_region)


def _teardown_after(rs: RedshiftServerlessClient, scratch: aws.Scratch,
                    sleep: Callable[[float], None],
                    exc: BaseException) -> None:
    """Tear the scratch down after `exc`; if that fails too, say both (and what is left)."""
    from rsfleet.errors import RsfleetError

    try:
        aws.teardown(rs, scratch, sleep=sleep)
    except RsfleetError as failed:
        raise FleetError(f"{exc}; tearing down {scratch.namespace} failed as well: {failed}",
                         hint=f"delete workgroup and namespace {scratch.namespace} by hand "
                         "(tag managed-by=rsfleet)") from None


def final_snapshot(spec: FleetSpec, rs: RedshiftServerlessClient, *, now: datetime,
                   retention_days: int,
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
