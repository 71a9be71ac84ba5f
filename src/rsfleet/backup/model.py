"""Backup policy (desired), what a backend observes, restore points and table records.

Pure data: no I/O. Names rsfleet gives what it creates (and so may change or delete):
the scheduled action `rsfleet-<project>-<env>-snapshots`, snapshots `rsfleet-...`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rsfleet.spec.models import FleetSpec
from rsfleet.spec.schedule import to_cron
from rsfleet.status import ExitStatus

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

    @property
    def exit_code(self) -> ExitStatus:
        return ExitStatus.SUCCESS if self.verified else ExitStatus.ERROR

    def to_json(self) -> dict[str, object]:
        return {"point": self.point, "point_time": self.point_time.isoformat(),
                "rpo_s": round(self.rpo_s, 3), "rto_s": round(self.rto_s, 3),
                "verified": self.verified, "problems": self.problems,
                "scratch": self.scratch, "torn_down": self.torn_down}


@dataclass(frozen=True)
class BackupStatus:
    """Is the policy in force, and how old is the newest restore point (the RPO now)."""

    # One meaning per field: newest_point is the newest snapshot / recovery point and
    # newest_point_time when it was taken; newest_restorable_time is the newest time a
    # restore can reach (locally a later archived WAL segment), and the RPO is its age.
    policy_in_force: bool
    newest_point: str | None
    newest_point_time: datetime | None
    rpo_s: float | None
    pending: tuple[str, ...] = ()  # AWS: what `backup apply` would still change
    notes: tuple[str, ...] = ()  # what status cannot judge (e.g. no role_arn in the spec)
    wal_archiving: bool | None = None  # local only
    last_archived_wal_time: datetime | None = None  # local only
    newest_restorable_time: datetime | None = None  # None: newest_point_time

    @property
    def exit_code(self) -> ExitStatus:
        return ExitStatus.SUCCESS if self.policy_in_force else ExitStatus.ERROR

    @property
    def restorable_time(self) -> datetime | None:
        return self.newest_restorable_time or self.newest_point_time

    def to_json(self) -> dict[str, object]:
        doc: dict[str, object] = {
            "policy_in_force": self.policy_in_force, "newest_point": self.newest_point,
            "newest_point_time": _iso(self.newest_point_time),
            "newest_restorable_time": _iso(self.restorable_time), "rpo_s": self.rpo_s,
            "pending": list(self.pending), "notes": list(self.notes)}
        if self.wal_archiving is not None:
            doc["wal_archiving"] = self.wal_archiving
            doc["last_archived_wal_time"] = _iso(self.last_archived_wal_time)
        return doc


def newest_status(points: list[RestorePoint], *, policy_in_force: bool, now: datetime,
                  pending: tuple[str, ...] = ()) -> BackupStatus:
    """The status from restore points: the newest AVAILABLE one's age is the RPO."""
    usable = [pt for pt in points if pt.status == "AVAILABLE"]
    newest = max(usable, key=lambda pt: pt.created) if usable else None
    return BackupStatus(policy_in_force, newest.id if newest else None,
                        newest.created if newest else None,
                        round((now - newest.created).total_seconds(), 1) if newest else None,
                        pending)


@dataclass(frozen=True)
class Restored:
    """What a restore did: restore point `id` (of `kind`) restored into `into` (a scratch
    copy or the producer)."""

    id: str  # snapshot / recovery point id; local: the base backup (and the target time)
    kind: str  # as RestorePoint.kind, or "time" (local: a point in time)
    into: str
    in_place: bool = False
    address: str | None = None  # local scratch cluster: 127.0.0.1:PORT
    data_dir: str | None = None  # local scratch cluster: its data
    shares_verified: bool = False  # in place: every consumer reads every shared object


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
