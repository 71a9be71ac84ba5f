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
from rsfleet.targets.store import StateStore

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

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class PassResult:
    actions: list[Action]
    done: list[tuple[Action, str]] = field(default_factory=list)  # (action, what happened)
    failed: list[tuple[Action, str]] = field(default_factory=list)
    status: list[TargetStatus] = field(default_factory=list)
    dry_run: bool = False


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

    def sync_once(self, *, dry_run: bool = False) -> PassResult:
        probes = probe_all(self.probe, self.members) if self.probe else {}
        for name, (ok, reason) in probes.items():
            prev = self.readiness.get(name)
            cur = observe(prev, ok, reason)
            if prev is None or prev.ready != cur.ready:
                self.log(f"{name}: {'ready' if ok else 'NOT READY'}: {reason}")
            self.readiness[name] = cur
        with self.store.edit() as state:
            now = self.clock()
            actual = self._actual(state.drain_started)
            inp = Inputs(frozenset(self.members), actual, dict(self.readiness),
                         frozenset(state.drained), now, self.settings)
            actions = reconcile(inp)
            result = PassResult(actions, dry_run=dry_run)
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
                if a.kind == "drain":
                    state.drain_started[a.target] = now
                elif a.kind in ("enable", "disable", "remove"):
                    state.drain_started.pop(a.target, None)
            after = apply_actions(actual, [a for a, _ in result.done] if not dry_run else
                                  actions, now)
            result.status = self._status(after, state.drained)
        return result

    def _status(self, actual: dict[str, ActualTarget],
                drained: dict[str, str]) -> list[TargetStatus]:
        out = []
        for name in sorted(set(self.members) | set(actual)):
            a = actual.get(name, ActualTarget("absent"))
            obs = self.readiness.get(name)
            out.append(TargetStatus(
                name=name, member=name in self.members, lb_state=a.state,
                lb_health=a.lb_health, sessions=a.sessions,
                in_rotation=a.state == "in_rotation", ready=None if obs is None else obs.ready,
                reason="" if obs is None else obs.reason, drained=name in drained))
        return out

    def status(self) -> list[TargetStatus]:
        """Observe and probe, change nothing."""
        probes = probe_all(self.probe, self.members) if self.probe else {}
        for name, (ok, reason) in probes.items():
            self.readiness[name] = observe(self.readiness.get(name), ok, reason)
        state = self.store.load()
        return self._status(self._actual(state.drain_started), state.drained)

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
                try:
                    self.sync_once()
                except Exception as exc:  # keep watching; say why
                    self.log(f"pass failed: {exc}")
                passes += 1
                if max_passes is not None and passes >= max_passes:
                    break
                stop.wait(max(0.0, interval - (time.monotonic() - start)))
        finally:
            for sig, handler in restore.items():
                signal.signal(sig, handler)
        self.log("stopped")
        return passes
