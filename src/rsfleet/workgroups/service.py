"""The fleet's workgroups and what rsfleet enforces on each (used by `rsfleet enforce`,
`rsfleet apply` after Terraform, `rsfleet diagnose` and the rolling change)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rsfleet.workgroups.enforce import WorkgroupUpdater
from rsfleet.workgroups.plan import UpdateCall, desired_for

if TYPE_CHECKING:  # types only, nothing imported at run time
    from rsfleet.spec.models import FleetSpec


def fleet_workgroups(spec: FleetSpec) -> list[tuple[str, str | None]]:
    """(AWS workgroup name, consumer name or None for the producer), producer first."""
    return [(spec.workgroup_name(None), None),
            *((spec.workgroup_name(c), c) for c in sorted(spec.consumers))]


def enforce_fleet(spec: FleetSpec, updater: WorkgroupUpdater, *, dry_run: bool = False,
                  report: Callable[[str], None] = lambda _line: None
                  ) -> dict[str, list[UpdateCall]]:
    """Plan (dry run) or apply the UpdateWorkgroup calls of every workgroup, one at a time."""
    done: dict[str, list[UpdateCall]] = {}
    for wg, consumer in fleet_workgroups(spec):
        desired = desired_for(spec, consumer)
        calls = (updater.plan(wg, desired) if dry_run
                 else updater.enforce(wg, desired).applied)
        done[wg] = calls
        verb = "would update" if dry_run else "updated"
        for c in calls:
            report(f"{wg}: {verb} {c.describe()}")
        if not calls:
            report(f"{wg}: in sync")
    return done
