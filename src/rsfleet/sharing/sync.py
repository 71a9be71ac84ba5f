"""One shape for datashares, whatever the backend: observe -> plan (pure) -> execute -> verify.

`ShareBackend` is what a backend provides (Redshift datashares through the Data API in
`redshift.py`, logical replication on the local fleet in `local.py`); `sync(plan, backend,
dry_run)` is the one way a plan is carried out, and `verify(backend)` the one check. Both
return a result with its exit code; `commands/share.py` only parses options and renders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rsfleet.fleet import desired
from rsfleet.sharing.model import Problem


class ShareStep(Protocol):
    """One statement of a plan: where it runs and what."""

    @property
    def target(self) -> str:
        """"producer" | "consumer c1 (sales_db)" | ..."""
        ...

    @property
    def where(self) -> str:
        """What the output names it by (the local target, or the AWS workgroup)."""
        ...

    @property
    def statement(self) -> str:
        """The SQL as shown (with its final `;`)."""
        ...

    def to_json(self) -> dict[str, str]: ...


OnStep = Callable[[ShareStep], None]


@dataclass(frozen=True)
class SharePlan:
    steps: Sequence[ShareStep]
    text: str  # the plan as SQL per target, as `share plan` prints it
    would_prune: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  # consumers left out (unreachable)
    notes: tuple[str, ...] = ()  # what the plan leaves alone, and why (one line each)

    @property
    def empty(self) -> bool:
        return not self.steps


class ShareBackend(Protocol):
    """Datashares on one kind of fleet."""

    def plan(self, *, prune: bool) -> SharePlan:
        """Observe the fleet and plan (pure core: `planner.plan`). Changes nothing."""
        ...

    def execute(self, plan: SharePlan, *, prune: bool,
                on_step: OnStep | None) -> Sequence[ShareStep]:
        """Carry `plan` out in order, stopping at the first failure (the next plan resumes);
        returns the statements run. Called with an empty plan too (a backend may record
        the spec it now runs)."""
        ...

    def verify(self) -> list[Problem]:
        """Every consumer reads every shared object; one Problem per thing that is wrong."""
        ...


# the generic shape every desired-state feature returns (fleet/desired.py)
SyncResult = desired.SyncResult[SharePlan, ShareStep]
VerifyResult = desired.VerifyResult[Problem]


def sync(plan: SharePlan, backend: ShareBackend, dry_run: bool, *, prune: bool = False,
         on_step: OnStep | None = None) -> SyncResult:
    """Carry out `plan` (dry: only show it, step by step)."""
    if dry_run:
        for step in plan.steps:
            if on_step is not None:
                on_step(step)
        return SyncResult(plan, list(plan.steps), dry_run=True)
    return SyncResult(plan, backend.execute(plan, prune=prune, on_step=on_step))


def verify(backend: ShareBackend) -> VerifyResult:
    return VerifyResult(backend.verify())
