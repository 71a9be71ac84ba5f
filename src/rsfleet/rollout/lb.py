"""The load-balancer side of a rollout, shared by both executors: drain, wait until the
drain is done, wait for readiness, undrain, recover. It goes through the targets
controller's context (rsfleet.targets.api.TargetsContext): its LB adapter (HAProxy locally,
the NLB on AWS), its readiness probe, and its StateStore (JSON file, or the controller's
DynamoDB table), where the rollout's drains are recorded with ``why = "rollout"``. So a
running controller (`targets watch`, the Lambda) keeps a consumer the rollout drained out
of rotation, and a second rollout run finds the drains a stopped run left behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from rsfleet.errors import FleetError
from rsfleet.rollout.planner import ROLLOUT, Step
from rsfleet.targets import actions
from rsfleet.targets.store import Drain, TargetsState, operator

if TYPE_CHECKING:
    from rsfleet.targets.api import TargetsContext


class LbSteps:
    def __init__(self, ctx: TargetsContext, *, deregistration_delay: float,
                 ready_timeout: float = 60.0, ready_passes: int = 1, poll: float = 0.1,
                 in_rotation: Callable[[str], bool] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``in_rotation(name)``: the LB's own view that the target takes sessions again
        (HAProxy: its checks see it UP); waited for after an undrain when given."""
        self.ctx = ctx
        self.deregistration_delay = deregistration_delay
        self.ready_timeout = ready_timeout
        self.ready_passes = ready_passes
        self.poll = poll
        self.in_rotation = in_rotation
        self.sleep = sleep
        self.clock = clock

    def run_step(self, step: Step, *, change: Callable[[Step], str],
                 wait_available: Callable[[str], str]) -> str:
        """One engine step: the load-balancer ones here, the executor's own ``change`` (the
        step) and ``wait_available`` (the consumer's name) given by it."""
        name = step.consumer
        if step.kind == "drain":
            return self.drain(name)
        if step.kind == "wait_drained":
            return self.wait_drained(name)
        if step.kind == "change":
            return change(step)
        if step.kind == "wait_available":
            return wait_available(name)
        if step.kind == "wait_ready":
            return self.wait_ready(name)
        if step.kind == "undrain":
            return self.undrain(name)
        raise FleetError(f"unknown step {step.kind}")

    def drained_by(self) -> dict[str, str]:
        return self.ctx.store.load().drained

    def drain(self, name: str) -> str:
        ctx = self.ctx
        observed = ctx.adapter.observe()
        if not any(a.state == "in_rotation" for n, a in observed.items() if n != name):
            raise FleetError(f"{name} is the last consumer in rotation: not drained")
        now, who = time.time(), operator()

        def mark(state: TargetsState) -> None:
            state.drains.setdefault(name, Drain(why=ROLLOUT, who=who, since=now))

        ctx.store.modify(mark)
        cur = observed.get(name)
        if cur is None or cur.state != "in_rotation":
            return f"already out of rotation ({cur.state if cur else 'absent'})"
        what = ctx.adapter.apply(actions.Drain(name, "rolling change"))
        ctx.store.modify(lambda st: st.drain_started.__setitem__(name, now))
        return what

    def wait_drained(self, name: str) -> str:
        """HAProxy: until no session is left or the delay passed, then maintenance (closing
        what is left). NLB: until its IPs are gone from the target group (the NLB ends the
        drain after the deregistration delay) or the delay passed. Meanwhile the consumer's
        sessions are closed between transactions (rsfleet.targets.sessions)."""
        from rsfleet.targets.api import wait_for_drain

        ctx = self.ctx
        waited = wait_for_drain(ctx, name, self.deregistration_delay, poll=self.poll,
                                clock=self.clock, sleep=self.sleep)
        closed = f"; {waited.summary()}" if waited.summary() else ""
        if waited.gone:
            ctx.store.modify(lambda st: st.drain_started.pop(name, None))
            return f"out of the load balancer after {waited.waited:.1f}s{closed}"
        if ctx.adapter.lb_finishes_drain:
            return f"deregistration delay {self.deregistration_delay:g}s elapsed{closed}"
        why = ("no sessions left" if waited.left <= 0 else
               f"deregistration delay {self.deregistration_delay:g}s elapsed, closing "
               f"{waited.left} session(s)")
        done = ctx.adapter.apply(actions.Disable(name, why))
        ctx.store.modify(lambda st: st.drain_started.pop(name, None))
        return f"{why} after {waited.waited:.1f}s{closed}; {done}"

    def probe(self, name: str) -> tuple[bool, str]:
        if self.ctx.probe is None:
            return True, "no readiness probe"
        try:
            return self.ctx.probe(name)
        except Exception as exc:  # a probe reports, never raises
            return False, f"probe error: {str(exc).strip()[:160]}"

    def wait_ready(self, name: str) -> str:
        """``ready_passes`` good probes in a row (a real query each) within the timeout."""
        t0 = self.clock()
        good, reason = 0, "never probed"
        while True:
            ok, reason = self.probe(name)
            good = good + 1 if ok else 0
            if good >= self.ready_passes:
                return f"{reason} ({good} probe(s) in a row, after {self.clock() - t0:.1f}s)"
            if self.clock() - t0 >= self.ready_timeout:
                raise FleetError(f"{name} not ready after {self.ready_timeout:g}s: {reason}")
            self.sleep(max(self.poll, 0.25))

    def undrain(self, name: str, *, require_ready: bool = True) -> str:
        ctx = self.ctx

        def forget(state: TargetsState) -> str | None:
            d = state.drains.get(name)
            if d is not None and d.why != ROLLOUT:
                return d.why
            state.drains.pop(name, None)
            state.drain_started.pop(name, None)
            return None

        other = ctx.store.modify(forget)
        if other is not None:
            return f"stays drained ({other})"
        ok, reason = self.probe(name)
        if not ok:
            if require_ready:
                raise FleetError(f"{name} not ready: {reason}")
            return "not ready: the targets controller lets it in once it is ready"
        cur = ctx.adapter.observe().get(name)
        if cur is not None and cur.state == "in_rotation" and cur.complete:
            return "already in rotation"
        what = ctx.adapter.apply(actions.Enable(name, "rolling change done"))
        if self.in_rotation is None:
            return what
        t0 = self.clock()
        while not self.in_rotation(name):
            if self.clock() - t0 > 20:
                raise FleetError(f"{name}: the load balancer does not send it sessions 20s "
                                 "after it was put back")
            self.sleep(self.poll)
        return f"{what}; taking sessions after {self.clock() - t0:.1f}s"

    def recover(self, name: str) -> str:
        if self.drained_by().get(name) != ROLLOUT:
            return "left as it was (not drained by the rollout)"
        ok, reason = self.probe(name)
        if ok:
            self.undrain(name, require_ready=False)
            return "is back in rotation (ready)"
        return f"stays out of rotation, drained by the rollout (not ready: {reason})"
