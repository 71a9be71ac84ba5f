"""The targets planner, the pure core of the controller: no I/O, no clock (``now`` is an input).

Inputs: the desired members (consumers behind the LB in the spec), readiness observations
with rise/fall counters, operator drains, and the LB's actual state per target.
Output: a ``Plan``: what was decided for each target and why (``Verdict``), the typed
actions (``actions.py``) that bring the LB there, in order, and the warnings.

It decides in four steps, each a small function:
1. ``_verdict``: where each target belongs on its own (in, out, or as it is) and why;
2. ``_rotate``: with elastic rotation on, how many of the ready ones *should* be in
   (rotation.py, from the load): the others are ``parked``;
3. ``_keep_one_in_rotation``: readiness alone never empties the rotation;
4. ``_action``: the one change (or none) that moves a target towards its verdict, given its
   LB state.

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

from rsfleet.targets.actions import (
    ORDER,
    Action,
    Disable,
    Drain,
    Enable,
    Park,
    Remove,
    Unpark,
    Warn,
)
from rsfleet.targets.rotation import Candidate, Decision, Load, RotationSettings, decide

LbState = Literal["in_rotation", "draining", "maint", "absent"]
Want = Literal["in", "out", "as_is"]
# Why a target is where the plan wants it.
Cause = Literal["ready", "unready", "operator", "not_member", "unprobed", "kept_last", "parked"]


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
    # elastic rotation (None: off): the consumers parked now (drain state `why = parked`),
    # the load of this pass, and since when demand has been lower than what serves
    rotation: RotationSettings | None = None
    parked: frozenset[str] = frozenset()
    load: Load = field(default_factory=lambda: Load(0))
    low_since: float | None = None


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
    return (f"not ready: {obs.reason or 'probe failed'} ({obs.consecutive_fail} failed "
            "probe(s) in a row)")


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


@dataclass(frozen=True)
class Verdict:
    """Where the plan wants one target and why: ``in`` rotation, ``out`` of it, or ``as_is``
    (never probed, or kept in as the last one)."""

    want: Want
    cause: Cause
    why: str


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]  # the changes, in the order they run
    warnings: tuple[Warn, ...] = ()
    verdicts: Mapping[str, Verdict] = field(default_factory=dict)  # every target, by name
    rotation: Decision | None = None  # elastic rotation's decision (None: off)

    @property
    def empty(self) -> bool:
        return not self.actions

    def without_enables(self, targets: Iterable[str]) -> Plan:
        """The plan minus the ``Enable`` of ``targets`` (drained by the operator after the
        plan was made: an operator's drain wins)."""
        skip = set(targets)
        return replace(self, actions=tuple(a for a in self.actions
                                           if not (isinstance(a, Enable) and a.target in skip)))


def _verdict(name: str, inp: Inputs) -> Verdict:
    if name not in inp.desired:
        return Verdict("out", "not_member", "no longer a member (not behind the LB in the spec)")
    if name in inp.drained:
        return Verdict("out", "operator", "drained by the operator")
    ready = effective_ready(name, inp)
    obs = inp.readiness.get(name)
    text = _readiness_text(obs)
    if ready is None:
        return Verdict("as_is", "unprobed", text)
    if ready:
        return Verdict("in", "ready", text)
    if obs is not None and obs.ready:  # rising: good probes, not yet `rise` of them
        text = (f"ready again, {obs.consecutive_ok} of {inp.settings.rise} good probe(s) "
                "before it returns")
    return Verdict("out", "unready", text)


def _rotate(verdicts: dict[str, Verdict], inp: Inputs) -> tuple[dict[str, Verdict],
                                                                 Decision | None]:
    """Elastic rotation: of the ready, undrained members (verdict "in"), only as many as the
    load needs stay in; the others are parked (rotation.py decides how many and which)."""
    r = inp.rotation
    if r is None:
        return verdicts, None
    cands = [Candidate(n, _state(n, inp) == "in_rotation", _sessions(n, inp))
             for n, v in verdicts.items() if v.want == "in"]
    d = decide(cands, inp.load, r, members=len(inp.desired), now=inp.now,
               low_since=inp.low_since)
    out = dict(verdicts)
    for c in cands:
        if c.name not in d.keep:
            fewest = " (it had the fewest sessions)" if c.serving and d.change == "in" else ""
            out[c.name] = Verdict("out", "parked", f"parked, {d.wanted} wanted{fewest}")
        elif not c.serving:
            out[c.name] = Verdict("in", "ready", f"{out[c.name].why}; {d.wanted} wanted")
    return out, d


def _sessions(name: str, inp: Inputs) -> int:
    act = inp.actual.get(name)
    return act.sessions if act else 0


def _state(name: str, inp: Inputs) -> LbState:
    act = inp.actual.get(name)
    return act.state if act else "absent"


def _keep_one_in_rotation(verdicts: dict[str, Verdict],
                          inp: Inputs) -> tuple[dict[str, Verdict], list[Warn]]:
    """Readiness alone must not empty the rotation: when nothing would stay in, the unready
    targets in rotation stay (loudly). An operator's drain or a removal is obeyed, with a
    warning when it leaves nothing in rotation."""
    out = dict(verdicts)
    warnings: list[Warn] = []
    staying = [n for n, v in out.items()
               if v.want == "in" or (v.want == "as_is" and _state(n, inp) == "in_rotation")]
    unready_in = [n for n, v in out.items()
                  if v.cause == "unready" and _state(n, inp) == "in_rotation"]
    if not staying and unready_in:
        for n in unready_in:
            why = out[n].why
            out[n] = Verdict("as_is", "kept_last", why)
            warnings.append(Warn(n, f"LAST TARGET IN ROTATION IS NOT READY, kept in rotation: "
                                 f"{why}"))
    elif not staying and any(_state(n, inp) == "in_rotation" for n in out):
        warnings.append(Warn("*", "no target will be left in rotation: every new session "
                             "will fail until a consumer is ready and undrained"))
    return out, warnings


def _action(name: str, v: Verdict, inp: Inputs) -> Action | None:
    """The one change (or warning) that moves ``name`` towards its verdict, or None."""
    s = inp.settings
    act = inp.actual.get(name)
    st = _state(name, inp)
    if v.want == "as_is":
        return None
    if v.want == "in" and name in inp.parked:
        return Unpark(name, v.why)  # back in, and no longer recorded as parked
    if v.want == "in":
        if st == "in_rotation":
            complete = act is None or act.complete
            return None if complete else Enable(name, "registering its missing endpoint IPs")
        if st == "draining" and v.cause == "ready":
            return Enable(name, f"{v.why}; drain cancelled")
        return Enable(name, v.why)
    member = name in inp.desired
    if not member and not s.owns_membership:
        return None if st == "absent" else Warn(
            name, "not a member in the spec, but Terraform owns the attachments: run "
            "`rsfleet apply`")
    if st == "in_rotation":
        return Park(name, v.why) if v.cause == "parked" else Drain(name, v.why)
    if act is not None and st == "draining" and not s.lb_finishes_drain:
        done = _drain_done(act, inp)
        if done is None:
            return None
        return (Disable if member else Remove)(name, f"{v.why}; {done}")
    if st == "maint" and not member:
        return Remove(name, v.why)
    return None


def _ordered(actions: Iterable[Action]) -> tuple[Action, ...]:
    return tuple(sorted(actions, key=lambda a: (ORDER[type(a)], a.target)))


def plan(inp: Inputs) -> Plan:
    """What to change on the LB (no actions when converged), what was decided and why."""
    verdicts = {n: _verdict(n, inp) for n in sorted(inp.desired | set(inp.actual))}
    verdicts, decision = _rotate(verdicts, inp)
    verdicts, warnings = _keep_one_in_rotation(verdicts, inp)
    changes: list[Action] = []
    for name, v in verdicts.items():
        a = _action(name, v, inp)
        if isinstance(a, Warn):
            warnings.append(a)
        elif a is not None:
            changes.append(a)
    return Plan(_ordered(changes), tuple(w for w in _ordered(warnings)
                                         if isinstance(w, Warn)), verdicts, decision)


def apply_actions(actual: Mapping[str, ActualTarget], actions: Iterable[Action],
                  now: float) -> dict[str, ActualTarget]:
    """The LB state after the actions succeed (used by --dry-run and the property tests)."""
    out = dict(actual)
    for a in actions:
        cur = out.get(a.target, ActualTarget("absent"))
        match a:
            case Enable():
                out[a.target] = replace(cur, state="in_rotation", draining_since=None,
                                        complete=True)
            case Drain():
                out[a.target] = replace(cur, state="draining", draining_since=now)
            case Disable():
                out[a.target] = replace(cur, state="maint", sessions=0, draining_since=None)
            case Remove():
                out.pop(a.target, None)
    return out


def in_rotation(actual: Mapping[str, ActualTarget]) -> set[str]:
    return {n for n, a in actual.items() if a.state == "in_rotation"}
