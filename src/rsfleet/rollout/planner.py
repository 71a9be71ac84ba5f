"""The pure core of a rolling change: which consumers change, in what order, and why.

No I/O, no clock. Input: what each consumer is now (in rotation, ready, drained and by
whom) and what must change on it; output: ordered steps grouped in waves. The two executors
(local fleet: rsfleet.rollout.local, AWS: rsfleet.rollout.aws) run the first wave, observe
the fleet again and plan again, so a second run (or a run after a failure) starts from what
is actually left: consumers already changed have no changes and get no step.

Rules
- A consumer in rotation is changed only out of rotation: ``drain`` (no new sessions) ->
  ``wait_drained`` (its sessions end, or the deregistration delay passes and the rest are
  closed) -> ``change`` -> [``wait_available``: AWS, the workgroup is AVAILABLE again] ->
  ``wait_ready`` (the readiness probe passes a real query) -> ``undrain``.
- At most ``max_unavailable`` consumers are taken out of rotation per wave, and never the
  last ready consumer in rotation: a wave leaves at least one ready consumer in rotation.
  When even one cannot be taken out, the plan is ``blocked`` with the reason.
- Consumers already out of rotation (not behind the LB, drained by the operator, not
  ready) are changed first, in wave 0, without a drain; they cost no capacity. The
  operator's drain stays; only drains the rollout made (``drained_by == "rollout"``) are
  undone. A consumer a previous run left drained by the rollout is brought back in wave 0.
- A consumer that was not ready before its change is not waited for afterwards (the change
  is not what made it unready; the targets controller lets it in once it is ready).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

ChangeHow = Literal["session", "reload", "restart", "update"]
StepKind = Literal["drain", "wait_drained", "change", "wait_available", "wait_ready", "undrain"]
ROLLOUT = "rollout"  # drain note of the drains a rollout makes

_HOW_TEXT = {
    "session": "sessions opened afterwards get it",
    "reload": "the server reloads its configuration",
    "restart": "the server restarts",
    "update": "the workgroup is updated",
}


@dataclass(frozen=True)
class Change:
    """One thing that differs on a consumer. ``how``: what makes it effective."""

    what: str
    how: ChangeHow = "session"

    def __str__(self) -> str:
        return self.what


@dataclass(frozen=True)
class ConsumerState:
    name: str
    in_rotation: bool  # the LB sends it new sessions
    ready: bool  # the readiness probe passes
    drained_by: str | None = None  # None, "rollout", or the operator's reason
    behind_lb: bool = True
    sessions: int = 0
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Settings:
    max_unavailable: int = 1
    deregistration_delay: float = 30.0


@dataclass(frozen=True)
class Step:
    wave: int
    kind: StepKind
    consumer: str
    reason: str
    changes: tuple[Change, ...] = ()

    def __str__(self) -> str:
        return f"{self.kind} {self.consumer}: {self.reason}"


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...] = ()
    up_to_date: dict[str, str] = field(default_factory=dict)  # consumer -> why no step
    blocked: str | None = None  # why the rest cannot be done now
    settings: Settings = Settings()  # planned with these (the next wave is planned alike)

    @property
    def empty(self) -> bool:
        return not self.steps

    def waves(self) -> list[list[Step]]:
        out: dict[int, list[Step]] = {}
        for s in self.steps:
            out.setdefault(s.wave, []).append(s)
        return [out[w] for w in sorted(out)]

    def consumers(self) -> list[str]:
        seen: list[str] = []
        for s in self.steps:
            if s.consumer not in seen:
                seen.append(s.consumer)
        return seen


def summary(changes: Iterable[Change]) -> str:
    items = list(changes)
    hows = sorted({c.how for c in items})
    return "; ".join(str(c) for c in items) + f" ({', '.join(_HOW_TEXT[h] for h in hows)})"


def plan(consumers: Iterable[ConsumerState], settings: Settings = Settings()) -> Plan:
    """The ordered steps of a rolling change (empty when every consumer is up to date)."""
    if settings.max_unavailable < 1:
        raise ValueError("max_unavailable must be at least 1")
    states = sorted(consumers, key=lambda c: c.name)
    up_to_date: dict[str, str] = {}
    outside: list[ConsumerState] = []  # changed without a drain (wave 0)
    serving: list[ConsumerState] = []  # in rotation with changes: drained in waves
    for c in states:
        if not c.changes:
            if c.drained_by == ROLLOUT:
                outside.append(c)  # left drained by an earlier run: bring it back
            else:
                up_to_date[c.name] = "up to date"
            continue
        if c.behind_lb and c.in_rotation:
            serving.append(c)
        else:
            outside.append(c)

    steps: list[Step] = []
    wave = 0
    if outside:
        steps.extend(_outside_steps(outside, wave))
        wave += 1

    ready_in_rotation = [c for c in states if c.behind_lb and c.in_rotation and c.ready]
    # Unready consumers in rotation first (they serve badly anyway), then by name.
    serving.sort(key=lambda c: (c.ready, c.name))
    room = min(settings.max_unavailable, len(ready_in_rotation) - 1)
    blocked = None
    todo = list(serving)
    while todo:
        # a wave may take out unready consumers freely, ready ones only within `room`
        batch: list[ConsumerState] = []
        ready_out = 0
        for c in list(todo):
            if len(batch) >= settings.max_unavailable:
                break
            if c.ready:
                if ready_out >= room:
                    break
                ready_out += 1
            batch.append(c)
            todo.remove(c)
        if not batch:
            names = ", ".join(c.name for c in todo)
            only = ready_in_rotation[0].name if ready_in_rotation else "(none)"
            blocked = (f"cannot take {names} out of rotation: {only} is the last ready "
                       "consumer in rotation; add a consumer (`rsfleet local scale` / the "
                       "spec) or undrain one, then run the rollout again")
            break
        steps.extend(_serving_steps(batch, wave, ready_in_rotation, settings))
        wave += 1
    return Plan(tuple(steps), up_to_date, blocked, settings)


def _outside_steps(batch: list[ConsumerState], wave: int) -> list[Step]:
    steps: list[Step] = []
    for c in batch:
        if not c.changes:
            continue
        where = ("not behind the load balancer" if not c.behind_lb else
                 "left drained by an earlier rollout" if c.drained_by == ROLLOUT else
                 f"drained by the operator ({c.drained_by})" if c.drained_by else
                 "out of rotation (not ready)")
        steps.append(Step(wave, "change", c.name, f"{summary(c.changes)}; {where}: no drain "
                          "needed", c.changes))
    for c in batch:
        if c.changes and any(ch.how == "update" for ch in c.changes):
            steps.append(Step(wave, "wait_available", c.name,
                              "the workgroup must be AVAILABLE before it is probed", c.changes))
    for c in batch:
        if c.ready or c.drained_by == ROLLOUT:
            steps.append(Step(wave, "wait_ready", c.name,
                              "a real query (the readiness probe) must pass before it "
                              "takes sessions"))
        elif c.changes:
            pass  # it was not ready before: the change is not waited for
    for c in batch:
        if c.drained_by == ROLLOUT:
            steps.append(Step(wave, "undrain", c.name,
                              "ready: back in rotation (drained by an earlier rollout)"))
    return steps


def _serving_steps(batch: list[ConsumerState], wave: int,
                   ready_in_rotation: list[ConsumerState], s: Settings) -> list[Step]:
    names = {c.name for c in batch}
    others = [c.name for c in ready_in_rotation if c.name not in names]
    steps: list[Step] = []
    for c in batch:
        steps.append(Step(wave, "drain", c.name,
                          f"in rotation ({c.sessions} session(s)); the change is made with "
                          f"no session on it; new sessions go to {', '.join(others)}",
                          c.changes))
    for c in batch:
        steps.append(Step(wave, "wait_drained", c.name,
                          f"its sessions end, or after the deregistration delay "
                          f"({s.deregistration_delay:g}s) the rest are closed"))
    for c in batch:
        steps.append(Step(wave, "change", c.name, summary(c.changes), c.changes))
    for c in batch:
        if any(ch.how == "update" for ch in c.changes):
            steps.append(Step(wave, "wait_available", c.name,
                              "the workgroup must be AVAILABLE before it is probed"))
    for c in batch:
        if c.ready:
            steps.append(Step(wave, "wait_ready", c.name,
                              "a real query (the readiness probe) must pass before it takes "
                              "sessions again"))
    for c in batch:
        if c.drained_by not in (None, ROLLOUT):
            continue  # the operator's drain stays
        why = "ready: back in rotation" if c.ready else (
            "back to the targets controller, which lets it in once it is ready")
        steps.append(Step(wave, "undrain", c.name, why))
    return steps
