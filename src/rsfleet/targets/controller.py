"""One controller pass over any TargetAdapter (`Controller.run_pass`) and its sentence.

A pass: observe (probe every member's readiness in parallel, fold the results into the
rise/fall counters, read the shared state and the LB, once), plan (pure: reconciler.py),
`sync` the plan onto the LB (sync.py), and record when each drain started (HAProxy has no
memory of it; the deregistration delay is counted from there). The loop around passes is
the controller's (`rsfleet.controller.loop`): the same for Lambda, the local controller and
`targets watch`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rsfleet.errors import RsfleetError
from rsfleet.targets.actions import Disable, Drain, Enable, Park, Remove, Unpark
from rsfleet.targets.protocol import TargetAdapter
from rsfleet.targets.readiness import Probe, probe_all
from rsfleet.targets.reconciler import (
    ActualTarget,
    Inputs,
    Observation,
    Plan,
    Settings,
    apply_actions,
    observe,
    plan,
)
from rsfleet.targets.rotation import PARKED, Load, RotationSettings
from rsfleet.targets.sessions import PARKED_IDLE_SECONDS, SessionCloser
from rsfleet.targets.store import Drain as DrainRecord
from rsfleet.targets.store import PassRecord, StateStore, TargetsState
from rsfleet.targets.sync import Applied, Failed, TargetsResult, sync

Log = Callable[[str], None]


@dataclass
class TargetStatus:
    name: str
    member: bool
    lb_state: str
    lb_health: str
    sessions: int
    in_rotation: bool
    ready: bool | None
    reason: str
    drained: bool
    drain_why: str = ""
    drain_who: str = ""
    drain_since: float | None = None
    # in_rotation | parked | drained | unready | out (a member out for another reason:
    # never probed, rising, not in the LB) | removed (no longer a member)
    rotation: str = ""

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


ProbeResult = tuple[bool, str, float]  # ready, reason, milliseconds


@dataclass(frozen=True)
class Snapshot:
    """What one pass saw, read once (Patroni's cluster view per cycle): the planner's inputs,
    the probe results and the shared state they were built from."""

    inputs: Inputs
    probes: Mapping[str, ProbeResult]
    state: TargetsState


@dataclass(frozen=True)
class Pass:
    """One controller pass: what it saw, planned and did, and the sentence that says so."""

    snapshot: Snapshot
    plan: Plan
    result: TargetsResult
    status: list[TargetStatus]
    sentence: str
    duration_s: float = 0.0
    conflicts: int = 0  # conflicting state writes retried during the pass

    @property
    def probes(self) -> Mapping[str, ProbeResult]:
        return self.snapshot.probes

    @property
    def dry_run(self) -> bool:
        return self.result.dry_run


_DID = {Enable: "in", Drain: "drained", Disable: "switched off", Remove: "removed",
        Unpark: "in", Park: "drained"}


def pass_sentence(members: Iterable[str], plan: Plan, result: TargetsResult,
                  after: Mapping[str, ActualTarget]) -> str:
    """One sentence for the log, whatever the pass did, so that "why is c2 out?" is answered
    by the last line: each target that changed or is out with its reason, what the planner
    warned about, how many are in rotation. E.g. "c2 out: not ready: cannot read
    sales.orders (2 failed probe(s) in a row); 2 of 3 in rotation; no change"."""
    members = sorted(members)
    acted: dict[str, Applied | Failed] = {s.action.target: s for s in result.done}
    acted.update({f.action.target: f for f in result.failed})
    would = "would be " if result.dry_run else ""
    parts: list[str] = []
    for name in sorted(set(members) | set(plan.verdicts)):
        v = plan.verdicts.get(name)
        step = acted.get(name)
        if isinstance(step, Failed):
            parts.append(f"{name} {step.action.kind} FAILED: {step.error}")
        elif step is not None:
            parts.append(f"{name} {would}{_DID[type(step.action)]}: {step.action.reason}")
        elif v is not None and v.cause == "kept_last":
            parts.append(f"{name} kept in as the last one: {v.why}")
        elif v is not None and v.want != "in" and name in members:
            cur = after.get(name)
            state = cur.state if cur else "absent"
            if state == "in_rotation":
                continue  # never probed yet, kept as it is: counted below
            left = f", {cur.sessions} session(s) left" if cur and state == "draining" else ""
            where = "" if state in ("maint", "absent") else f" ({state}{left})"
            parts.append(f"{name} out{where}: {v.why}")
    for w in plan.warnings:
        if w.target == "*" or w.target not in members:
            parts.append(f"WARNING {w.target}: {w.reason}")
    if plan.rotation is not None:
        parts.append(f"rotation: {plan.rotation.why}")
    live = sum(1 for n in members if (a := after.get(n)) and a.state == "in_rotation")
    parts.append(f"{live} of {len(members)} in rotation")
    if not plan.actions:
        parts.append("no change")
    elif result.dry_run:
        parts.append("dry run")
    return "; ".join(parts)


def _rotation_state(member: bool, a: ActualTarget, obs: Observation | None,
                    d: DrainRecord | None) -> str:
    if not member:
        return "removed"
    if a.state == "in_rotation":
        return "in_rotation"
    if d is not None:
        return "parked" if d.why == PARKED else "drained"
    return "unready" if obs is not None and not obs.ready else "out"


class Controller:
    def __init__(self, adapter: TargetAdapter, members: list[str], probe: Probe | None,
                 store: StateStore, *, rise: int = 2, fall: int = 2,
                 clock: Callable[[], float] = time.time, log: Log | None = None,
                 rotation: RotationSettings | None = None,
                 load: Callable[[], Load] | None = None,
                 sessions: SessionCloser | None = None) -> None:
        """``rotation``: elastic rotation's settings (None: off); ``load``: its signal, read
        once per pass (None: the sessions the LB reports per target, nothing queued);
        ``sessions``: closes a draining consumer's sessions between transactions (None: the
        LB's drain timeout closes what is left)."""
        self.adapter = adapter
        self.members = list(members)
        self.probe = probe
        self.store = store
        self.settings = Settings(rise=rise, fall=fall,
                                 deregistration_delay=adapter.deregistration_delay,
                                 lb_finishes_drain=adapter.lb_finishes_drain,
                                 owns_membership=adapter.owns_membership)
        self.clock = clock
        self.log = log or (lambda _m: None)
        self.readiness: dict[str, Observation] = {}
        self.data_checks: dict[str, tuple[float, bool, str]] = {}  # TieredProbe.last
        self.rotation = rotation
        self.load = load
        self.low_since: float | None = None  # elastic rotation: demand lower since then
        self.sessions = sessions

    def _actual(self, drain_started: dict[str, float]) -> dict[str, ActualTarget]:
        actual = self.adapter.observe()
        out = {}
        for name, a in actual.items():
            if a.state == "draining" and a.draining_since is None:
                # unknown start (drained by hand or by HAProxy itself): count from now
                a = ActualTarget(a.state, a.sessions, a.lb_health,
                                 drain_started.get(name, self.clock()), a.complete)
            out[name] = a
        return out

    def _probe(self) -> dict[str, tuple[bool, str, float]]:
        """Probe every member in parallel; (ready, reason, milliseconds) per member."""
        if not self.probe:
            return {}
        probe = self.probe

        def timed(name: str) -> tuple[bool, str]:
            t0 = time.monotonic()
            ok, why = probe(name)
            spent[name] = (time.monotonic() - t0) * 1000.0
            return ok, why

        spent: dict[str, float] = {}
        out = probe_all(timed, self.members)
        return {n: (ok, why, spent.get(n, 0.0)) for n, (ok, why) in out.items()}

    def observe(self) -> Snapshot:
        """Probe every member, fold the results into the rise/fall counters, read the shared
        state and the LB: the planner's inputs, once."""
        probes = self._probe()
        for name, (ok, reason, _ms) in probes.items():
            prev = self.readiness.get(name)
            cur = observe(prev, ok, reason)
            if prev is None or prev.ready != cur.ready:
                self.log(f"{name}: {'ready' if ok else 'NOT READY'}: {reason}")
            self.readiness[name] = cur
        state = self.store.load()
        now = self.clock()
        actual = self._actual(state.drain_started)
        parked = frozenset(n for n, d in state.drains.items() if d.why == PARKED)
        load = Load(sum(a.sessions for a in actual.values()))
        rotation = self.rotation
        if rotation is not None and self.load is not None:
            try:
                load = self.load()
            except RsfleetError as exc:
                # no signal (CloudWatch unreachable, throttled...): rotation is off for this
                # pass, so every ready consumer serves (parked ones come back): fail open,
                # never park on a guess
                self.log(f"elastic rotation off this pass: cannot read the load: {exc}")
                rotation = None
        inp = Inputs(frozenset(self.members), actual, dict(self.readiness),
                     frozenset(state.drains) - parked, now, self.settings,
                     rotation=rotation, parked=parked, load=load,
                     low_since=self.low_since)
        return Snapshot(inp, probes, state)

    def run_pass(self, *, dry_run: bool = False) -> Pass:
        """Observe, plan (pure), ``sync`` the plan onto the LB, record what changed.

        The state is read once; the actions are applied outside any lock; what they changed
        (when a drain started or ended) is written back with ``store.modify``, which
        re-reads and re-applies on a conflicting write (an operator's drain in between is
        kept, never lost). An ``Enable`` is checked against a fresh read first, so an
        operator drain written during the pass is not undone."""
        t0 = time.monotonic()
        snap = self.observe()
        the_plan = plan(snap.inputs)
        state = snap.state
        conflicts_before = getattr(self.store, "conflicts", 0)
        if not dry_run and any(isinstance(a, Enable) for a in the_plan.actions):
            fresh = self.store.load()
            if fresh.version != state.version:
                late = {a.target for a in the_plan.actions if isinstance(a, Enable)} & set(
                    fresh.drains)
                for name in sorted(late):
                    self.log(f"{name}: drained by the operator during the pass; not enabled")
                the_plan = the_plan.without_enables(late)
                state = fresh
        for w in the_plan.warnings:
            self.log(f"WARNING {w.target}: {w.reason}")
        result = sync(the_plan, self.adapter, dry_run, on_step=self._log_step)
        applied = [s.action for s in result.done]
        now = snap.inputs.now
        # ready consumers the rotation keeps out that are already out of the LB (never put
        # in, or out for another reason before): recorded as parked too, with no LB change
        unrecorded = [n for n, v in the_plan.verdicts.items()
                      if v.cause == "parked" and n not in snap.inputs.parked
                      and not any(a.target == n for a in applied)]
        if (applied or unrecorded) and not dry_run:
            def record(st: TargetsState) -> None:
                for n in unrecorded:
                    st.drains.setdefault(n, DrainRecord(PARKED, "controller", now))
                for a in applied:
                    if isinstance(a, Park):  # an operator's drain, if any, stays
                        st.drains.setdefault(a.target, DrainRecord(PARKED, "controller", now))
                    elif isinstance(a, Unpark) and (d := st.drains.get(a.target)) is not None \
                            and d.why == PARKED:
                        del st.drains[a.target]
                    if isinstance(a, Drain):
                        st.drain_started[a.target] = now
                    else:
                        st.drain_started.pop(a.target, None)

            self.store.modify(record)
            state = self.store.load()
        if not dry_run:
            self.low_since = the_plan.rotation.low_since if the_plan.rotation else None
        after = apply_actions(snap.inputs.actual, applied, now)
        if not dry_run:
            self._close_drained_sessions(after, now)
        return Pass(snap, the_plan, result, self._status(after, state),
                    pass_sentence(self.members, the_plan, result, after),
                    duration_s=time.monotonic() - t0,
                    conflicts=getattr(self.store, "conflicts", 0) - conflicts_before)

    def _close_drained_sessions(self, after: dict[str, ActualTarget], now: float) -> None:
        """Every consumer draining after this pass (parked, unready, an operator's drain)
        has its reader sessions closed between transactions, as `targets drain --wait` and
        rollouts do, so application pools move on without an error instead of being cut at
        the drain timeout (issue 26). In the first half of the drain only sessions idle for a
        while (a pool validates those before reuse), then every one between transactions.
        Only where there is something to close: the LB counts sessions on it (HAProxy), or
        the NLB's drain is still running (it counts none); a parked consumer with nothing
        open is not queried (a query on Redshift Serverless is billed)."""
        if self.sessions is None:
            return
        delay = self.settings.deregistration_delay
        for name, a in sorted(after.items()):
            if a.state != "draining":
                continue
            since = a.draining_since if a.draining_since is not None else now
            nlb_draining = self.settings.lb_finishes_drain and now - since < delay
            if a.sessions <= 0 and not nlb_draining:
                continue
            min_idle = PARKED_IDLE_SECONDS if now - since < delay / 2 else 0.0
            closed = self.sessions.close(name, idle_only=True, min_idle=min_idle)
            if closed.closed:
                self.log(f"{name}: closed {closed.closed} session(s) between transactions "
                         f"(draining, {closed.busy} busy)")

    def _log_step(self, step: Applied | Failed) -> None:
        if isinstance(step, Failed):
            self.log(f"FAILED {step.action}: {step.error}")
        else:
            self.log(f"{step.action} -> {step.result}")

    def record(self, done: Pass, *, passes: int = 1, source: str = "",
               interval_s: float | None = None) -> PassRecord:
        """Write the pass into the store's last-pass record (`targets status` shows it)."""
        rec = PassRecord(
            at=self.clock(), duration_s=round(done.duration_s, 3),
            actions=[s.action.describe() for s in done.result.done]
            + [w.describe() for w in done.plan.warnings],
            errors=[f"{f.action.kind} {f.action.target}: {f.error}" for f in done.result.failed],
            passes=passes, source=source, sentence=done.sentence, low_since=self.low_since,
            readiness={n: [o.ready, o.reason, o.consecutive_ok, o.consecutive_fail]
                       for n, o in self.readiness.items()},
            data_checks={n: list(v) for n, v in self.data_checks.items()},
            interval_s=interval_s)
        self.store.record_pass(rec)
        return rec

    def resume(self, record: PassRecord | None, *, max_age: float = 120.0) -> None:
        """Carry the rise/fall counters over from the last pass (a new Lambda container
        starts with none), when that pass is recent."""
        if record is None or self.clock() - record.at > max_age:
            return
        if self.low_since is None:  # elastic rotation's wait goes on where it was
            self.low_since = record.low_since
        for name, v in record.readiness.items():
            if name in self.members and name not in self.readiness:
                self.readiness[name] = Observation(bool(v[0]), str(v[1]), int(v[2]), int(v[3]))

    def _status(self, actual: dict[str, ActualTarget],
                state: TargetsState) -> list[TargetStatus]:
        out = []
        for name in sorted(set(self.members) | set(actual)):
            a = actual.get(name, ActualTarget("absent"))
            obs = self.readiness.get(name)
            d = state.drains.get(name)
            out.append(TargetStatus(
                name=name, member=name in self.members, lb_state=a.state,
                lb_health=a.lb_health, sessions=a.sessions,
                in_rotation=a.state == "in_rotation", ready=None if obs is None else obs.ready,
                reason="" if obs is None else obs.reason, drained=name in state.drains,
                drain_why=d.why if d else "", drain_who=d.who if d else "",
                drain_since=d.since if d else None,
                rotation=_rotation_state(name in self.members, a, obs, d)))
        return out

    def status(self) -> list[TargetStatus]:
        """Observe and probe, change nothing."""
        probes = probe_all(self.probe, self.members) if self.probe else {}
        for name, (ok, reason) in probes.items():
            self.readiness[name] = observe(self.readiness.get(name), ok, reason)
        state = self.store.load()
        return self._status(self._actual(state.drain_started), state)

    def last_pass(self) -> PassRecord | None:
        return self.store.last_pass()
