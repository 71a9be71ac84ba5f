"""The generic part of a desired-state feature: observe -> plan (pure) -> execute -> verify.

Each feature (datashares, the backup policy, rollouts) has its own backend protocol and its
own `sync(plan, backend, dry_run)`; what they return has this one shape: the plan carried
out, the steps done (dry: the steps that would be), and the exit status a command ends with
(rsfleet.status: a dry run with steps is CHANGES_PENDING when the user asked for
--detailed-exitcode).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from rsfleet.status import ExitStatus

PlanT = TypeVar("PlanT")
StepT = TypeVar("StepT")
ProblemT = TypeVar("ProblemT")


@dataclass(frozen=True)
class SyncResult(Generic[PlanT, StepT]):
    plan: PlanT
    done: Sequence[StepT] = field(default_factory=list)  # run (or, dry, would run)
    dry_run: bool = False

    @property
    def pending(self) -> bool:
        """A dry run that found steps to carry out."""
        return self.dry_run and bool(self.done)

    def exit_status(self, *, detailed: bool = False) -> ExitStatus:
        """SUCCESS; with `detailed`, CHANGES_PENDING for a dry run with steps. A failing
        step raises (FleetError: exit 1) and stops the run, so it never gets here."""
        return ExitStatus.CHANGES_PENDING if detailed and self.pending else ExitStatus.SUCCESS

    @property
    def exit_code(self) -> ExitStatus:
        return self.exit_status()


@dataclass(frozen=True)
class VerifyResult(Generic[ProblemT]):
    problems: Sequence[ProblemT]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def exit_code(self) -> ExitStatus:
        return ExitStatus.SUCCESS if self.ok else ExitStatus.ERROR


def shown(steps: Sequence[StepT], on_step: Callable[[StepT], None] | None) -> list[StepT]:
    """A dry run: every step handed to `on_step` (to be shown), none carried out."""
    for step in steps:
        if on_step is not None:
            on_step(step)
    return list(steps)
