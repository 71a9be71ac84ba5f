"""Runs a rollout with any executor: observe -> plan -> run the first wave -> again.

Planning again after every wave is what makes a rollout resumable and keeps the guards
true on the live fleet: a consumer that died meanwhile is no longer counted as ready, a
consumer changed by the previous wave has no changes left. The first failure stops the
rollout: every consumer of the failed wave that passes the readiness probe is put back in
rotation, the others stay drained by the rollout (a second run brings them back once they
are ready), and the error says which and why in one line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from rsfleet.errors import FleetError
from rsfleet.rollout.planner import ConsumerState, Plan, Settings, Step, plan

Log = Callable[[str], None]


class Executor(Protocol):
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


class RolloutFailed(FleetError):
    pass


@dataclass
class Result:
    first_plan: Plan
    done: list[tuple[Step, str]] = field(default_factory=list)
    waves: int = 0

    @property
    def changed(self) -> list[str]:
        return [s.consumer for s, _ in self.done if s.kind == "change"]


def dry_run(executor: Executor, max_unavailable: int = 1) -> Plan:
    return plan(executor.observe(), _settings(executor, max_unavailable))


def _settings(executor: Executor, max_unavailable: int) -> Settings:
    return Settings(max_unavailable=max_unavailable,
                    deregistration_delay=executor.deregistration_delay)


def run(executor: Executor, *, max_unavailable: int = 1, log: Log | None = None,
        max_waves: int = 1000) -> Result:
    log = log or (lambda _m: None)
    settings = _settings(executor, max_unavailable)
    first = plan(executor.observe(), settings)
    result = Result(first)
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
                what = executor.run_step(step)
            except Exception as exc:
                raise _stopped(executor, wave, step, exc, log) from None
            result.done.append((step, what))
            if what:
                log(f"  -> {what}")
            if step.kind == "change":
                changed.add(step.consumer)
        result.waves += 1
        if result.waves >= max_waves:
            raise RolloutFailed(f"rollout stopped after {max_waves} waves without converging")
        current = plan(executor.observe(), settings)
    if current.blocked:
        raise RolloutFailed(f"rollout stopped: {current.blocked}")
    return result


def _stopped(executor: Executor, wave: list[Step], failed: Step, exc: BaseException,
             log: Log) -> RolloutFailed:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    outcome: list[str] = []
    for name in dict.fromkeys(s.consumer for s in wave):  # wave order, once each
        try:
            what = executor.recover(name)
        except Exception as rexc:  # report, keep recovering the others
            what = f"could not be checked ({str(rexc).strip()[:120]})"
        log(f"recover {name}: {what}")
        outcome.append(f"{name} {what}")
    return RolloutFailed(
        f"rollout stopped at {failed.kind} {failed.consumer}: {reason}; "
        f"{'; '.join(outcome)}; no other consumer was touched",
        hint="fix the cause, then run the rollout again: it resumes where it stopped")
