"""Backup policy (desired), what a backend observes, restore points and table records.

Pure data: no I/O. Names rsfleet gives what it creates (and so may change or delete):
the scheduled action `rsfleet-<project>-<env>-snapshots`, snapshots `rsfleet-...`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rsfleet.spec.models import FleetSpec
from rsfleet.spec.schedule import to_cron

MARK = "rsfleet"  # name prefix of everything rsfleet creates for backups
DESCRIPTION = "managed by rsfleet (rsfleet backup apply)"


@dataclass(frozen=True)
class CopyPolicy:
    region: str
    retention_days: int
    kms_key_id: str | None = None


@dataclass(frozen=True)
class Policy:
    namespace: str  # the producer's namespace (AWS) or node name (local)
    action_name: str  # the scheduled action rsfleet owns
    cron: str
    retention_days: int
    snapshot_prefix: str
    role_arn: str | None = None
    copy: CopyPolicy | None = None


def policy_from_spec(spec: FleetSpec) -> Policy | None:
    """The producer's backup policy, or None when the spec has no producer.backup."""
    b = spec.producer.backup
    if b is None:
        return None
    namespace = spec.workgroup_name()  # namespace and workgroup share the name (CONTRACTS §2)
    copy = None
    if b.copy_to is not None:
        copy = CopyPolicy(b.copy_to.region, b.copy_to.retention_days, b.copy_to.kms_key_id)
    return Policy(namespace=namespace, action_name=f"{MARK}-{namespace}-snapshots"[:60],
                  cron=to_cron(b.schedule), retention_days=b.retention_days,
                  snapshot_prefix=f"{MARK}-{namespace}"[:45], role_arn=b.role_arn, copy=copy)


@dataclass(frozen=True)
class ScheduleState:
    name: str
    namespace: str
    cron: str | None
    retention_days: int | None
    snapshot_prefix: str | None
    role_arn: str | None
    enabled: bool = True


@dataclass(frozen=True)
class CopyState:
    id: str
    region: str
    retention_days: int | None
    kms_key_id: str | None = None


@dataclass(frozen=True)
class Observed:
    schedules: dict[str, ScheduleState] = field(default_factory=dict)  # of this namespace
    copies: tuple[CopyState, ...] = ()


@dataclass(frozen=True)
class RestorePoint:
    """A snapshot (manual or scheduled) or an automatic recovery point."""

    id: str  # snapshot name / recovery point id / local restore point name
    kind: str  # "snapshot" | "recovery-point" | "base-backup"
    created: datetime
    size_mb: float | None = None
    status: str = "AVAILABLE"
    ours: bool = False  # created by rsfleet (name prefix)


@dataclass(frozen=True)
class TableRecord:
    table: str  # schema.table
    rows: int
    checksum: str


@dataclass(frozen=True)
class Verification:
    ok: bool
    problems: tuple[str, ...]


def compare(expected: list[TableRecord], found: list[TableRecord]) -> Verification:
    """Every recorded table must be there with the same row count and checksum."""
    have = {r.table: r for r in found}
    problems: list[str] = []
    for want in expected:
        got = have.get(want.table)
        if got is None:
            problems.append(f"{want.table}: missing after restore")
        elif got.rows != want.rows:
            problems.append(f"{want.table}: {got.rows} rows, recorded {want.rows}")
        elif got.checksum != want.checksum:
            problems.append(f"{want.table}: checksum {got.checksum}, recorded {want.checksum}")
    return Verification(not problems, tuple(problems))
