"""Targets like every desired-state feature: plan (pure, ``reconciler.plan``) -> ``sync(plan,
backend, dry_run)`` -> a result of the shape ``fleet/desired.py`` gives every feature.

The backend is the load balancer's adapter (``protocol.TargetAdapter``: HAProxy locally, the
NLB on AWS). Unlike a datashare plan, one target that fails does not stop the others: the
actions are independent (each moves one target), and leaving a ready consumer out because
another one's deregistration failed would cost capacity for nothing. The failures are in
the result and make its exit code 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rsfleet.fleet.desired import SyncResult
from rsfleet.status import ExitStatus
from rsfleet.targets.actions import Action
from rsfleet.targets.protocol import TargetAdapter
from rsfleet.targets.reconciler import Plan


@dataclass(frozen=True)
class Applied:
    """One action carried out (dry run: would be), with what the load balancer did."""

    action: Action
    result: str


@dataclass(frozen=True)
class Failed:
    action: Action
    error: str


@dataclass(frozen=True)
class TargetsResult(SyncResult[Plan, Applied]):
    failed: Sequence[Failed] = field(default_factory=list)

    def exit_status(self, *, detailed: bool = False) -> ExitStatus:
        """ERROR when an action failed (the others were still carried out)."""
        return ExitStatus.ERROR if self.failed else super().exit_status(detailed=detailed)


OnStep = Callable[[Applied | Failed], None]


def sync(plan: Plan, backend: TargetAdapter, dry_run: bool, *,
         on_step: OnStep | None = None) -> TargetsResult:
    """Carry out ``plan``'s actions in order (dry: only show them). Warnings are the plan's
    to show, not steps."""
    done: list[Applied] = []
    failed: list[Failed] = []
    for a in plan.actions:
        step: Applied | Failed
        try:
            step = Applied(a, "dry run: not applied" if dry_run else backend.apply(a))
            done.append(step)
        except Exception as exc:  # one failed target must not stop the rest
            step = Failed(a, str(exc))
            failed.append(step)
        if on_step is not None:
            on_step(step)
    return TargetsResult(plan, done, dry_run=dry_run, failed=failed)
