"""One shape for the backup policy, whatever the backend: observe -> plan (pure) -> execute.

`BackupBackend` is what a backend provides: `AwsBackup` (`service.py`: scheduled actions,
copy configurations, snapshots and restores through the redshift-serverless API) and
`LocalBackup` (`local.py`: WAL archive, base backups and point-in-time restores of the local
fleet's producer). `sync(plan, backend, dry_run)` is the one way a policy plan is carried
out; the other use cases (list, snapshot, status, restore, drill) are one method each and
return typed results with their exit code. `commands/backup.py` only parses options, builds
the backend and renders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from rsfleet.backup.model import BackupStatus, DrillResult, Restored, RestorePoint
from rsfleet.backup.planner import Action, Plan
from rsfleet.fleet.desired import SyncResult, shown

OnStep = Callable[[Action], None]
Log = Callable[[str], None]
BackupSyncResult = SyncResult[Plan, Action]


class BackupBackend(Protocol):
    """Backups of the producer of one kind of fleet."""

    @property
    def producer(self) -> str:
        """The producer's name: what an in-place restore's confirmation types back."""
        ...

    def plan(self) -> Plan:
        """Observe what is in force and plan the spec's policy (pure core). Changes nothing."""
        ...

    def execute(self, plan: Plan, *, on_step: OnStep | None) -> Sequence[Action]:
        """Carry `plan` out in order, stopping at the first failure (the next plan resumes);
        returns the actions done."""
        ...

    def points(self) -> list[RestorePoint]:
        """Restore points, newest first."""
        ...

    def status(self, now: datetime) -> BackupStatus: ...

    def snapshot(self, *, name: str | None, retention_days: int | None) -> RestorePoint:
        """A snapshot now, with rows + a checksum per shared table recorded at that point."""
        ...

    def restore(self, *, point: str | None, at: datetime | None, to: str | None,
                in_place: bool, log: Log) -> Restored:
        """Restore snapshot `point` (or the time `at`, or the newest) into a new copy `to`,
        or (in_place, confirmed by the caller) over the producer."""
        ...

    def drill(self, *, at: datetime | None) -> DrillResult:
        """Restore the newest recorded snapshot at or before `at` into a scratch copy,
        compare every recorded table, tear the scratch down (also on failure)."""
        ...


def sync(plan: Plan, backend: BackupBackend, dry_run: bool, *,
         on_step: OnStep | None = None) -> BackupSyncResult:
    """Carry out `plan` (dry: only show it, step by step)."""
    if dry_run or plan.empty:
        return SyncResult(plan, shown(plan.actions, on_step), dry_run=dry_run)
    return SyncResult(plan, backend.execute(plan, on_step=on_step))
