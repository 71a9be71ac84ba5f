"""The pure core of the targets controller: no I/O, no clock (``now`` is an input).

Inputs: the desired members (consumers behind the LB in the spec), readiness observations
with rise/fall counters, operator drains, and the LB's actual state per target.
Output: the ordered actions that bring the LB to the desired state.

Rules
- A desired consumer is in rotation when it is effectively ready and not drained by the
  operator. Effective readiness has hysteresis: a target in rotation leaves only after
  ``fall`` consecutive failed probes; a target out of rotation returns only after ``rise``
  consecutive good probes (flapping control).
- Never take the last consumer out of rotation for readiness alone: when every target that
  would stay in rotation is unready, keep them and emit a loud ``warn`` instead (an LB with
  no target refuses every session; the NLB would even fail open).
- Leaving rotation is always ``drain`` first (no new sessions, existing ones finish), then
  ``disable`` (desired consumer: maintenance) or ``remove`` (consumer no longer desired) once
  its sessions are gone or the deregistration delay has elapsed.
- Converged input -> no actions.
- On an LB that finishes draining itself (NLB: the deregistration delay, then the target is
  gone) ``draining`` already counts as out; no ``disable``/``remove`` is emitted after it.
- When membership is owned by Terraform (``owns_membership=False``) rsfleet never removes a
  target that is not desired; it warns instead (``terraform apply`` removes it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

LbState = Literal["in_rotation", "draining", "maint", "absent"]
ActionKind = Literal["enable", "drain", "disable", "remove", "warn"]
ACTION_ORDER: dict[str, int] = {"enable": 0, "drain": 1, "disable": 2, "remove": 3, "warn": 4}


@dataclass(frozen=True)
class Observation:
    """The readiness history of one consumer: last result and consecutive counters."""

    ready: bool
    reason: str = ""
    consecutive_ok: int = 0
    consecutive_fail: int = 0


def observe(prev: Observation | None, ready: bool, reason: str = "") -> Observation:
    """Fold one probe result into the counters (pure)."""
    if ready:
        ok = (prev.consecutive_ok if prev and prev.ready else 0) + 1
        return Observation(True, reason, consecutive_ok=ok, consecutive_fail=0)
    fail = (prev.consecutive_fail if prev and not prev.ready else 0) + 1
    return Observation(False, reason, consecutive_ok=0, consecutive_fail=fail)


@dataclass(frozen=True)
class ActualTarget:
    """What the LB says about one target (a consumer; on the NLB all its endpoint IPs)."""

    state: LbState
    sessions: int = 0
    lb_health: str = "unknown"  # HAProxy UP/DOWN/..., NLB healthy/unhealthy/...
    draining_since: float | None = None
    complete: bool = True  # NLB: every endpoint IP of the consumer is registered


@dataclass(frozen=True)
class Settings:
    rise: int = 2
    fall: int = 2
    deregistration_delay: float = 30.0
    lb_finishes_drain: bool = False  # NLB: deregistration delay then gone, by itself
    owns_membership: bool = True  # False: Terraform owns attachments (NLB default)


@dataclass(frozen=True)
class Inputs:
    desired: frozenset[str]
    actual: Mapping[str, ActualTarget]
    readiness: Mapping[str, Observation] = field(default_factory=dict)
    drained: frozenset[str] = frozenset()  # operator drains
    now: float = 0.0
    settings: Settings = Settings()


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    target: str
    reason: str

    def __str__(self) -> str:
        return f"{self.kind} {self.target}: {self.reason}"


def effective_ready(name: str, inp: Inputs) -> bool | None:
    """Readiness with hysteresis; None when the consumer was never probed."""
    obs = inp.readiness.get(name)
    if obs is None:
        return None
    act = inp.actual.get(name)
    if act is not None and act.state == "in_rotation":
        return obs.consecutive_fail < inp.settings.fall
    return obs.ready and obs.consecutive_ok >= inp.settings.rise


def _readiness_text(obs: Observation | None) -> str:
    if obs is None:
        return "never probed"
    if obs.ready:
        return f"ready ({obs.consecutive_ok} good probe(s) in a row)"
    return f"not ready: {obs.reason or 'probe failed'} ({obs.consecutive_fail} in a row)"


def _drain_done(act: ActualTarget, inp: Inputs) -> str | None:
    """Why a draining target may now be switched off, or None to keep waiting."""
    if act.sessions <= 0:
        return "no sessions left"
    if act.draining_since is None:
        return None
    waited = inp.now - act.draining_since
    if waited >= inp.settings.deregistration_delay:
        return (f"deregistration delay {inp.settings.deregistration_delay:g}s elapsed, "
                f"closing {act.sessions} session(s)")
    return None


def reconcile(inp: Inputs) -> list[Action]:
    """The actions that move the LB towards the desired state (empty when converged)."""
    s = inp.settings
    actions: list[Action] = []
    # Per target: does it belong in rotation? None = keep as is (never probed).
    want: dict[str, bool | None] = {}
    why_out: dict[str, str] = {}
    for name in sorted(inp.desired | set(inp.actual)):
        if name not in inp.desired:
            want[name] = False
            why_out[name] = "no longer a member (not behind the LB in the spec)"
        elif name in inp.drained:
            want[name] = False
            why_out[name] = "drained by the operator"
        else:
            ready = effective_ready(name, inp)
            want[name] = ready
            if ready is False:
                why_out[name] = _readiness_text(inp.readiness.get(name))

    def state(name: str) -> LbState:
        act = inp.actual.get(name)
        return act.state if act else "absent"

    # Last-ready guard: readiness alone must not empty the rotation.
    staying = {n for n, w in want.items() if w is True or (w is None and state(n) == "in_rotation")}
    readiness_out = {n for n, w in want.items()
                     if w is False and n in inp.desired and n not in inp.drained
                     and state(n) == "in_rotation"}
    if not staying and readiness_out:
        for n in sorted(readiness_out):
            want[n] = None  # keep it in rotation
            actions.append(Action(
                "warn", n, f"LAST TARGET IN ROTATION IS NOT READY, kept in rotation: "
                f"{why_out[n]}"))
        staying = set(readiness_out)
    if not staying and any(state(n) == "in_rotation" for n in want):
        actions.append(Action("warn", "*", "no target will be left in rotation: every new "
                              "session will fail until a consumer is ready and undrained"))

    for name, w in want.items():
        act = inp.actual.get(name)
        st = state(name)
        if w is True:
            if st != "in_rotation" or (act is not None and not act.complete):
                if st == "in_rotation":
                    reason = "registering its missing endpoint IPs"
                elif name in inp.desired and st == "draining" and name not in inp.drained:
                    reason = f"{_readiness_text(inp.readiness.get(name))}; drain cancelled"
                else:
                    reason = _readiness_text(inp.readiness.get(name))
                actions.append(Action("enable", name, reason))
            continue
        if w is None:
            continue
        # w is False: out of rotation, through draining.
        member = name in inp.desired
        if not member and not s.owns_membership:
            if st != "absent":
                actions.append(Action("warn", name, "not a member in the spec, but Terraform "
                                      "owns the attachments: run `rsfleet apply`"))
            continue
        if st == "in_rotation":
            actions.append(Action("drain", name, why_out[name]))
        elif st == "draining" and act is not None and not s.lb_finishes_drain:
            done = _drain_done(act, inp)
            if done is not None:
                actions.append(Action("disable" if member else "remove", name,
                                      f"{why_out[name]}; {done}"))
        elif st == "maint" and not member:
            actions.append(Action("remove", name, why_out[name]))
    actions.sort(key=lambda a: (ACTION_ORDER[a.kind], a.target))
    return actions


def apply_actions(actual: Mapping[str, ActualTarget], actions: Iterable[Action],
                  now: float) -> dict[str, ActualTarget]:
    """The LB state after the actions succeed (used by --dry-run and the property tests)."""
    out = dict(actual)
    for a in actions:
        cur = out.get(a.target, ActualTarget("absent"))
        if a.kind == "enable":
            out[a.target] = replace(cur, state="in_rotation", draining_since=None, complete=True)
        elif a.kind == "drain":
            out[a.target] = replace(cur, state="draining", draining_since=now)
        elif a.kind == "disable":
            out[a.target] = replace(cur, state="maint", sessions=0, draining_since=None)
        elif a.kind == "remove":
            out.pop(a.target, None)
    return out


def in_rotation(actual: Mapping[str, ActualTarget]) -> set[str]:
    return {n for n, a in actual.items() if a.state == "in_rotation"}
