"""Test helper: the backup state a plan leads to, to prove convergence (moved here from
rsfleet.backup.planner: only tests use it)."""

from __future__ import annotations

from rsfleet.backup.model import CopyState, Observed, ScheduleState
from rsfleet.backup.planner import (
    Action,
    CreateCopy,
    CreateSchedule,
    DeleteSchedule,
    UpdateCopy,
    UpdateSchedule,
)


def apply_to_state(observed: Observed, actions: tuple[Action, ...]) -> Observed:
    """What the observation becomes after `actions` (tests prove idempotence with it)."""
    schedules = dict(observed.schedules)
    copies = list(observed.copies)
    for a in actions:
        if isinstance(a, CreateSchedule | UpdateSchedule):
            schedules[a.name] = ScheduleState(a.name, a.namespace, a.cron, a.retention_days,
                                              a.snapshot_prefix, a.role_arn, True)
        elif isinstance(a, DeleteSchedule):
            schedules.pop(a.name, None)
        elif isinstance(a, CreateCopy):
            copies.append(CopyState(f"new-{a.region}", a.region, a.retention_days,
                                    a.kms_key_id))
        elif isinstance(a, UpdateCopy):
            copies = [CopyState(c.id, c.region, a.retention_days, c.kms_key_id)
                      if c.id == a.id else c for c in copies]
    return Observed(schedules, tuple(copies))
