"""One shape for rollouts, whatever the fleet: observe -> plan (pure) -> run the first wave
-> observe and plan again.

`RolloutBackend` is what a fleet provides (local: HAProxy + PostgreSQL in `local.py`; AWS:
NLB + workgroups in `aws.py`); `plan_for(backend, max_unavailable)` observes and plans, and
`sync(plan, backend, dry_run)` is the one way a rollout is carried out (dry: the ordered
steps with their reasons, nothing run). The commands (`rsfleet local rollout`, `rsfleet
apply --rolling`) only parse options, build the backend and render.

Planning again after every wave is what makes a rollout resumable and keeps the guards
true on the live fleet: a consumer that died meanwhile is no longer counted as ready, a
consumer changed by the previous wave has no changes left. The first failure stops the
rollout: every consumer of the failed wave that passes the readiness probe is put back in
rotation, the others stay drained by the rollout (a second run brings them back once they
are ready), and the error says which and why in one line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from rsfleet.errors import FleetError, UsageError
from rsfleet.fleet.desired import SyncResult
from rsfleet.rollout.planner import ConsumerState, Plan, Settings, Step, plan

Log = Callable[[str], None]


class RolloutBackend(Protocol):
    """One fleet's side of a rollout (local: HAProxy + PostgreSQL; AWS: NLB + workgroups)."""

    deregistration_delay: float

    def observe(self) -> list[ConsumerState]:
        """Every consumer now: rotation, readiness, drains, what differs from the spec."""
        ...

    def run_step(self, step: Step) -> str:
        """Carry out one step (blocking until its condition holds); return what was done.
        Raises on failure (FleetError with the reason)."""
        ...

    def recover(self, name: str) -> str:
        """After a failure: put ``name`` back in rotation if it is ready (undo the
        rollout's drain), else leave it drained. Returns what was done."""
        ...

    def converged(self) -> None:
        """The rollout is done (nothing left to change): forget what was kept to resume."""
        ...


class RolloutFailed(FleetError):
    pass


@dataclass(frozen=True)
class RolloutResult(SyncResult[Plan, tuple[Step, str]]):
    """`plan`: the first plan; `done`: each step run with what it did (dry: every step of
    the plan, with "")."""

    waves: int = 0

    @property
    def changed(self) -> list[str]:
        return [s.consumer for s, _ in self.done if s.kind == "change"]


def plan_for(backend: RolloutBackend, max_unavailable: int = 1) -> Plan:
    """Observe the fleet and plan (pure core: `planner.plan`). Changes nothing."""
    if max_unavailable < 1:
        raise UsageError(f"--max-unavailable {max_unavailable}: must be at least 1",
                         hint="1 takes one consumer out at a time")
    return plan(backend.observe(), Settings(max_unavailable=max_unavailable,
                                            deregistration_delay=backend.deregistration_delay))


def sync(first: Plan, backend: RolloutBackend, dry_run: bool, *, log: Log | None = None,
         max_waves: int = 1000) -> RolloutResult:
    """Carry out `first` one wave at a time, observing and planning again (with its
    settings) after every wave; dry: only `first`."""
    if dry_run:
        return RolloutResult(first, [(s, "") for s in first.steps], dry_run=True)
    log = log or (lambda _m: None)
    settings = first.settings
    done: list[tuple[Step, str]] = []
    waves = 0
    current = first
    changed: set[str] = set()
    while not current.empty:
        wave = current.waves()[0]
        again = {s.consumer for s in wave if s.kind == "change"} & changed
        if again:
            raise RolloutFailed(
                f"rollout stopped: {', '.join(sorted(again))} still differ(s) from the spec "
                "after the change was made", hint="see `rsfleet local status` and the "
                "consumer's log; nothing else was taken out of rotation")
        for step in wave:
            log(f"{step.kind} {step.consumer}: {step.reason}")
            try:
                what = backend.run_step(step)
            except Exception as exc:
                raise _stopped(backend, wave, step, exc, log) from None
            done.append((step, what))
            if what:
                log(f"  -> {what}")
            if step.kind == "change":
                changed.add(step.consumer)
        waves += 1
        if waves >= max_waves:
            raise RolloutFailed(f"rollout stopped after {max_waves} waves without converging")
        current = plan(backend.observe(), settings)
    if current.blocked:
        raise RolloutFailed(f"rollout stopped: {current.blocked}")
    backend.converged()
    return RolloutResult(first, done, waves=waves)


def _stopped(backend: RolloutBackend, wave: list[Step], failed: Step, exc: BaseException,
             log: Log) -> RolloutFailed:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    outcome: list[str] = []
    for name in dict.fromkeys(s.consumer for s in wave):  # wave order, once each
        try:
            what = backend.recover(name)
        except Exception as rexc:  # report, keep recovering the others
            what = f"could not be checked ({str(rexc).strip()[:120]})"
        log(f"recover {name}: {what}")
        outcome.append(f"{name} {what}")
    return RolloutFailed(
        f"rollout stopped at {failed.kind} {failed.consumer}: {reason}; "
        f"{'; '.join(outcome)}; no other consumer was touched",
        hint="fix the cause, then run the rollout again: it resumes where it stopped")
