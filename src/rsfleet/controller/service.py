"""One reported pass: `Controller.sync_once`, then a JSON line per action, an EMF line and
the last-pass record. The Lambda handler and the local controller both run this."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rsfleet.controller.metrics import action_line, emf_line, event_line
from rsfleet.targets.controller import Controller, PassResult

Emit = Callable[[str], None]


class ControllerService:
    def __init__(self, controller: Controller, fleet: str, *, source: str,
                 emit: Emit = print, clock: Callable[[], float] = time.time) -> None:
        self.controller = controller
        self.fleet = fleet
        self.source = source
        self.emit = emit
        self.clock = clock
        self.last: PassResult | None = None

    def one_pass(self, n: int) -> PassResult:
        try:
            res = self.controller.sync_once()
        except Exception as exc:
            self.emit(event_line(self.fleet, "pass_failed", passes=n,
                                 error=f"{type(exc).__name__}: {exc}"))
            self.emit(emf_line(self.fleet, int(self.clock() * 1000),
                               {"SuccessfulPasses": 0}))
            raise
        self.report(res, n)
        return res

    def report(self, res: PassResult, n: int) -> None:
        for a, what in res.done:
            self.emit(action_line(self.fleet, a.kind, a.target, a.reason, what))
        for a, err in res.failed:
            self.emit(action_line(self.fleet, a.kind, a.target, a.reason, err, ok=False))
        for a in res.actions:
            if a.kind == "warn":
                self.emit(event_line(self.fleet, "warning", target=a.target, reason=a.reason))
        members = set(self.controller.members)
        rows = [r for r in res.status if r.name in members]
        latency = [round(ms, 1) for _ok, _why, ms in res.probes.values()]
        values: dict[str, Any] = {
            "ReadyTargets": sum(1 for r in rows if r.ready),
            "TargetsInRotation": sum(1 for r in rows if r.in_rotation),
            "Actions": len(res.done),
            "ActionFailures": len(res.failed),
            "ProbeFailures": sum(1 for ok, _w, _ms in res.probes.values() if not ok),
            "PassDuration": round(res.duration_s, 3),
            "SuccessfulPasses": 1,
        }
        if latency:
            values["ProbeLatency"] = latency
        self.emit(emf_line(self.fleet, int(self.clock() * 1000), values))
        self.controller.record(res, passes=n, source=self.source)
        self.last = res
