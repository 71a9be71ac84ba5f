"""One reported pass: `Controller.run_pass`, then what it says. The Lambda handler, the local
controller and `targets watch` all run this, in the one loop (`loop.py`).

Every pass, including one with nothing to do, says one sentence of what it saw and did
(`targets.controller.pass_sentence`), so "why is c2 out?" is answered by the log. In the
JSON form (Lambda, the local controller, `targets watch --json`) a pass writes: one line per
action (with its reason and result), one per planner warning, the ``pass`` line with the
sentence, and one CloudWatch Embedded Metric Format line; the last pass is recorded in the
shared state (`targets status` shows it). In the human form (`targets watch`) it writes the
sentence alone (the caller's ``emit`` adds the time).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rsfleet.controller.metrics import action_line, emf_line, event_line
from rsfleet.targets.controller import Controller, Pass

if TYPE_CHECKING:
    import threading

    from rsfleet.controller.loop import LoopResult
    from rsfleet.targets.api import TargetsContext

Emit = Callable[[str], None]


class ControllerService:
    def __init__(self, controller: Controller, fleet: str, *, source: str,
                 emit: Emit = print, clock: Callable[[], float] = time.time,
                 human: bool = False, interval: float | None = None) -> None:
        self.controller = controller
        self.interval = interval  # recorded with each pass (PassRecord.interval_s)
        self.fleet = fleet
        self.source = source
        self.emit = emit
        self.clock = clock
        self.human = human
        self.last: Pass | None = None

    def one_pass(self, n: int) -> Pass:
        try:
            done = self.controller.run_pass()
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            if self.human:
                self.emit(f"pass FAILED: {error}")
            else:
                self.emit(event_line(self.fleet, "pass_failed", passes=n, error=error))
                self.emit(emf_line(self.fleet, int(self.clock() * 1000),
                                   {"SuccessfulPasses": 0}))
            raise
        self.report(done, n)
        return done

    def report(self, done: Pass, n: int) -> None:
        if self.human:
            self.emit(done.sentence)
        else:
            for s in done.result.done:
                self.emit(action_line(self.fleet, s.action.kind, s.action.target,
                                      s.action.reason, s.result))
            for f in done.result.failed:
                self.emit(action_line(self.fleet, f.action.kind, f.action.target,
                                      f.action.reason, f.error, ok=False))
            for w in done.plan.warnings:
                self.emit(event_line(self.fleet, "warning", target=w.target, reason=w.reason))
            self.emit(event_line(self.fleet, "pass", passes=n, sentence=done.sentence))
            self.emit(emf_line(self.fleet, int(self.clock() * 1000), self.metrics(done)))
        self.controller.record(done, passes=n, source=self.source, interval_s=self.interval)
        self.last = done

    def metrics(self, done: Pass) -> dict[str, Any]:
        members = set(self.controller.members)
        rows = [r for r in done.status if r.name in members]
        latency = [round(ms, 1) for _ok, _why, ms in done.probes.values()]
        values: dict[str, Any] = {
            "ReadyTargets": sum(1 for r in rows if r.ready),
            "TargetsInRotation": sum(1 for r in rows if r.in_rotation),
            "ParkedTargets": sum(1 for r in rows if r.rotation == "parked"),
            "Actions": len(done.result.done),
            "ActionFailures": len(done.result.failed),
            "ProbeFailures": sum(1 for ok, _w, _ms in done.probes.values() if not ok),
            "PassDuration": round(done.duration_s, 3),
            "SuccessfulPasses": 1,
        }
        if latency:
            values["ProbeLatency"] = latency
        return values


def watch(ctx: TargetsContext, interval: float, *, rise: int = 2, fall: int = 2,
          emit: Emit = print, human: bool = True, stop: threading.Event | None = None,
          max_passes: int | None = None,
          log: Callable[[str], None] | None = None) -> LoopResult:
    """`rsfleet targets watch`: the controller's loop in the foreground, until Ctrl-C or
    SIGTERM. It carries the rise/fall counters on from the last recorded pass and records
    its own passes, as the Lambda and the local controller do. ``log``: the controller's
    own lines (each readiness change, each action with what the LB did)."""
    import os

    from rsfleet.controller.loop import run_until_stopped
    from rsfleet.errors import UsageError

    if interval <= 0:
        raise UsageError(f"--interval {interval}: must be more than 0 seconds")
    ctl = ctx.controller(rise=rise, fall=fall, log=log)
    ctl.resume(ctl.last_pass())
    service = ControllerService(ctl, ctx.name, source=f"watch pid {os.getpid()}", emit=emit,
                                human=human)
    return run_until_stopped(service.one_pass, interval=interval, stop=stop,
                             max_passes=max_passes)
