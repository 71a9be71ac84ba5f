"""One reconcile pass (`sync_once`) and the `watch` loop over any TargetAdapter.

A pass: observe the LB, probe every member's readiness in parallel, fold the results into
the rise/fall counters, reconcile (pure), apply the actions in order, and record when each
drain started (HAProxy has no memory of it; the deregistration delay is counted from there).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rsfleet.targets.protocol import TargetAdapter
from rsfleet.targets.readiness import Probe, probe_all
from rsfleet.targets.reconciler import (
    Action,
    ActualTarget,
    Inputs,
    Observation,
    Settings,
    apply_actions,
    observe,
    reconcile,
)
from rsfleet.targets.store import PassRecord, StateStore, TargetsState

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

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class PassResult:
    actions: list[Action]
    done: list[tuple[Action, str]] = field(default_factory=list)  # (action, what happened)
    failed: list[tuple[Action, str]] = field(default_factory=list)
    status: list[TargetStatus] = field(default_factory=list)
    dry_run: bool = False
    probes: dict[str, tuple[bool, str, float]] = field(default_factory=dict)  # ok, why, ms
    duration_s: float = 0.0
    conflicts: int = 0  # conflicting state writes retried during the pass


class Controller:
    def __init__(self, adapter: TargetAdapter, members: list[str], probe: Probe | None,
                 store: StateStore, *, rise: int = 2, fall: int = 2,
                 clock: Callable[[], float] = time.time, log: Log | None = None) -> None:
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
        self.record_passes = False  # watch: write each pass as the last-pass record
        self.source = ""

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

    def sync_once(self, *, dry_run: bool = False) -> PassResult:
        """Probe, reconcile against the shared state, apply, record what was done.

        The state is read once; the actions are applied outside any lock; what they changed
        (when a drain started or ended) is written back with ``store.modify``, which
        re-reads and re-applies on a conflicting write (an operator's drain in between is
        kept, never lost). An ``enable`` is checked against a fresh read first, so an
        operator drain written during the pass is not undone."""
        t0 = time.monotonic()
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
        inp = Inputs(frozenset(self.members), actual, dict(self.readiness),
                     frozenset(state.drains), now, self.settings)
        actions = reconcile(inp)
        result = PassResult(actions, dry_run=dry_run, probes=probes)
        conflicts_before = getattr(self.store, "conflicts", 0)
        if not dry_run and any(a.kind == "enable" for a in actions):
            fresh = self.store.load()
            if fresh.version != state.version:
                late = {a.target for a in actions if a.kind == "enable"} & set(fresh.drains)
                for name in sorted(late):
                    self.log(f"{name}: drained by the operator during the pass; not enabled")
                actions = [a for a in actions if not (a.kind == "enable" and a.target in late)]
                state = fresh
        for a in actions:
            if a.kind == "warn":
                self.log(f"WARNING {a.target}: {a.reason}")
                continue
            if dry_run:
                continue
            try:
                what = self.adapter.apply(a)
            except Exception as exc:  # one failed target must not stop the rest
                result.failed.append((a, str(exc)))
                self.log(f"FAILED {a}: {exc}")
                continue
            result.done.append((a, what))
            self.log(f"{a.kind} {a.target}: {a.reason} -> {what}")
        done = [a for a, _ in result.done]
        if done:
            def record(st: TargetsState) -> None:
                for a in done:
                    if a.kind == "drain":
                        st.drain_started[a.target] = now
                    elif a.kind in ("enable", "disable", "remove"):
                        st.drain_started.pop(a.target, None)

            self.store.modify(record)
            state = self.store.load()
        result.conflicts = getattr(self.store, "conflicts", 0) - conflicts_before
        after = apply_actions(actual, done if not dry_run else actions, now)
        result.status = self._status(after, state)
        result.duration_s = time.monotonic() - t0
        return result

    def record(self, result: PassResult, *, passes: int = 1, source: str = "") -> PassRecord:
        """Write the pass into the store's last-pass record (`targets status` shows it)."""
        rec = PassRecord(
            at=self.clock(), duration_s=round(result.duration_s, 3),
            actions=[f"{a.kind} {a.target}: {a.reason}" for a, _ in result.done]
            + [f"warn {a.target}: {a.reason}" for a in result.actions if a.kind == "warn"],
            errors=[f"{a.kind} {a.target}: {e}" for a, e in result.failed],
            passes=passes, source=source,
            readiness={n: [o.ready, o.reason, o.consecutive_ok, o.consecutive_fail]
                       for n, o in self.readiness.items()},
            data_checks={n: list(v) for n, v in self.data_checks.items()})
        self.store.record_pass(rec)
        return rec

    def resume(self, record: PassRecord | None, *, max_age: float = 120.0) -> None:
        """Carry the rise/fall counters over from the last pass (a new Lambda container
        starts with none), when that pass is recent."""
        if record is None or self.clock() - record.at > max_age:
            return
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
                drain_since=d.since if d else None))
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

    def watch(self, interval: float, stop: threading.Event | None = None,
              max_passes: int | None = None) -> int:
        """Reconcile every `interval` seconds until SIGINT/SIGTERM (or `stop` is set).

        Returns the number of passes run."""
        stop = stop or threading.Event()
        restore: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                restore[sig] = signal.signal(sig, lambda *_: stop.set())
        passes = 0
        try:
            while not stop.is_set():
                start = time.monotonic()
                passes += 1
                try:
                    res = self.sync_once()
                    if self.record_passes:
                        self.record(res, passes=passes, source=self.source)
                except Exception as exc:  # keep watching; say why
                    self.log(f"pass failed: {exc}")
                if max_passes is not None and passes >= max_passes:
                    break
                stop.wait(max(0.0, interval - (time.monotonic() - start)))
        finally:
            for signum, handler in restore.items():
                signal.signal(signum, handler)
        self.log("stopped")
        return passes
