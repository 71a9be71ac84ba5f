"""The AWS executor of a rollout (`rsfleet apply --rolling`): the NLB and the consumer
workgroups, one consumer at a time (terraform/README.md, "Rolling changes").

Per consumer whose workgroup differs from the spec (capacity, managed parameters):
- drain: the drain is written to the controller's StateStore (DynamoDB table, or the local
  file) with ``why = "rollout"``, then the consumer's endpoint IPs are deregistered (the NLB
  stops new flows and drains the open ones for its deregistration delay);
- wait drained: until the IPs are gone from the target group, at most the delay;
- change: rsfleet's UpdateWorkgroup executor (rsfleet.workgroups.enforce): one change per
  call in the order the API accepts (max before base when raising), ConflictException and
  "wait until a snapshot exists" retried while the workgroup is MODIFYING, verified by a
  fresh GetWorkgroup
  (https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_UpdateWorkgroup.html);
- wait available: GetWorkgroup says AVAILABLE;
- wait ready: the readiness probe passes a real query ``ready_passes`` times in a row
  (connections right after AVAILABLE can still fail: aws/amazon-redshift-python-driver#150);
- undrain: the drain is removed and the IPs registered again.
A consumer whose workgroup does not exist yet is left to Terraform (created after the
rolling part, and it joins the NLB only once ready).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from rsfleet.errors import FleetError, UsageError
from rsfleet.rollout import engine
from rsfleet.rollout.lb import LbSteps
from rsfleet.rollout.planner import Change, ConsumerState, Step

if TYPE_CHECKING:  # types only, nothing imported at run time
    from rsfleet.adapters.terraform import TerraformCli
    from rsfleet.rollout.tfplan import PlanChanges
    from rsfleet.spec.models import FleetSpec
    from rsfleet.targets.api import TargetsContext
    from rsfleet.workgroups.enforce import WorkgroupUpdater
    from rsfleet.workgroups.plan import WorkgroupSettings, WorkgroupState

Log = Callable[[str], None]


class AwsExecutor:
    def __init__(self, spec: FleetSpec, ctx: TargetsContext, updater: WorkgroupUpdater, *,
                 drain_timeout: float | None = None, ready_timeout: float = 600.0,
                 ready_passes: int = 2, poll: float = 10.0,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if ctx.probe is None:
            raise UsageError("a rolling change needs the readiness probe (a real query on "
                             "each changed consumer before it takes sessions again)",
                             hint="pass --secret-arn ARN (a reader on every consumer), "
                             "--probe-as-admin, or --user with PGPASSWORD")
        self.spec = spec
        self.ctx = ctx
        self.probe = ctx.probe  # not None: checked above
        self.updater = updater
        self.deregistration_delay = float(spec.nlb.deregistration_delay
                                          if drain_timeout is None else drain_timeout)
        self.ready_timeout = ready_timeout
        self.poll = poll
        self.sleep = sleep
        self.clock = clock
        self.lb = LbSteps(ctx, deregistration_delay=self.deregistration_delay,
                          ready_timeout=ready_timeout, ready_passes=ready_passes,
                          poll=min(poll, 5.0), sleep=sleep, clock=clock)
        self.not_created: list[str] = []

    def _desired(self, name: str) -> WorkgroupSettings:
        from rsfleet.workgroups.plan import desired_for

        return desired_for(self.spec, name)

    def observe(self) -> list[ConsumerState]:
        from rsfleet.targets.readiness import probe_all
        from rsfleet.workgroups.plan import plan_updates

        names = sorted(self.spec.consumers)
        states: dict[str, WorkgroupState] = {}
        self.not_created = []
        for name in names:
            try:
                states[name] = self.updater.state(self.spec.workgroup_name(name))
            except UsageError:  # no such workgroup yet: Terraform creates it afterwards
                self.not_created.append(name)
        available = [n for n, st in states.items() if st.status.upper() == "AVAILABLE"]
        probes = probe_all(self.probe, available)
        actual = self.ctx.adapter.observe()
        drained = self.lb.drained_by()
        out = []
        for name, st in states.items():
            calls = plan_updates(st, self._desired(name))
            a = actual.get(name)
            out.append(ConsumerState(
                name, in_rotation=a is not None and a.state == "in_rotation",
                ready=probes.get(name, (False, ""))[0], drained_by=drained.get(name),
                behind_lb=name in self.ctx.members,
                changes=tuple(Change(f"{st.name} {c.describe()}", "update") for c in calls)))
        return out

    def run_step(self, step: Step) -> str:
        return self.lb.run_step(step, change=self._change, wait_available=lambda name:
                                self._wait_available(self.spec.workgroup_name(name)))

    def _change(self, step: Step) -> str:
        wg = self.spec.workgroup_name(step.consumer)
        res = self.updater.enforce(wg, self._desired(step.consumer))
        calls = ", ".join(c.describe() for c in res.applied) or "none needed"
        retried = f"; {res.retries} busy answer(s) retried" if res.retries else ""
        return f"UpdateWorkgroup {wg}: {calls}{retried}"

    def _wait_available(self, wg: str) -> str:
        t0 = self.clock()
        while True:
            st = self.updater.state(wg)
            if st.status.upper() == "AVAILABLE":
                return f"{wg} AVAILABLE after {self.clock() - t0:.0f}s"
            if self.clock() - t0 >= self.ready_timeout:
                raise FleetError(f"workgroup {wg} still {st.status} after "
                                 f"{self.ready_timeout:g}s")
            self.sleep(self.poll)

    def recover(self, name: str) -> str:
        return self.lb.recover(name)

    def converged(self) -> None:
        pass  # the drains are the only memory (the StateStore), and none is left


def rolling_apply(spec: FleetSpec, executor: AwsExecutor, *, max_unavailable: int = 1,
                  dry_run: bool = False, saved_plan: Mapping[str, Any] | None = None,
                  rest: Callable[[], None] | None = None, log: Log | None = None
                  ) -> engine.RolloutResult:
    """`rsfleet apply --rolling`: refuse a saved plan that replaces a consumer workgroup that
    exists, roll the consumer workgroups (`engine.sync` with ``executor``), then ``rest()``
    (Terraform for the producer, NLB, monitoring, new consumers). ``saved_plan``: `terraform
    show -json` of the saved plan, when there is one. Dry run: the plan, nothing run."""
    from rsfleet.rollout.tfplan import changes_of

    log = log or (lambda _m: None)
    if saved_plan is not None:
        pc = changes_of(saved_plan)
        existing = [n for n in pc.replaced_workgroups if n in spec.consumers]
        if existing:
            raise UsageError(f"the saved plan replaces or deletes the workgroup of "
                             f"{', '.join(existing)}: a rolling change cannot do that",
                             hint="drain it (rsfleet targets drain NAME --wait), then apply "
                             "without --rolling")
        for name, items in sorted(pc.consumers.items()):
            log(f"saved plan, consumer {name}: {'; '.join(items)}")
    result = engine.sync(engine.plan_for(executor, max_unavailable), executor, dry_run,
                         log=log)
    if rest is not None and not dry_run:
        log("consumer workgroups done; Terraform applies the rest")
        rest()
    return result


def terraform_rest(tf: TerraformCli, reviewed: PlanChanges, *, env: str,
                   after: Callable[[], None]) -> Callable[[], None]:
    """What `apply --rolling` runs after the consumer workgroups: Terraform plans again
    (`tf`: rsfleet.adapters.terraform.TerraformCli) and applies that plan only when it
    changes nothing the reviewed plan (`reviewed`: its PlanChanges) did not; then `after()`
    (the workgroup parameters Terraform cannot manage)."""
    from rsfleet.rollout.tfplan import changes_of

    def rest() -> None:
        fresh = tf.plan()
        new = changes_of(tf.show_json(fresh)).new_since(reviewed)
        if new:
            raise UsageError("after the rolling part Terraform plans changes the reviewed plan "
                             f"did not have: {'; '.join(new)}",
                             hint=f"review {fresh} (terraform show) and run `rsfleet apply "
                             f"--env {env}`")
        tf.apply(plan_file=fresh, auto_approve=False)
        after()

    return rest
