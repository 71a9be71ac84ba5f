"""A rolling change (`rsfleet apply --rolling`'s consumer part: rollout.aws.AwsExecutor and
rolling_apply) against the emulator: workgroups that keep state and pass through MODIFYING,
an UpdateWorkgroup refused with ConflictException because someone else changed the workgroup
just before (retried), the NLB's targets being the consumers' real endpoint ENI addresses,
drains in the controller's DynamoDB table, and the readiness probe a real query on a real
PostgreSQL server standing in for the endpoints. (Terraform's part of `apply --rolling` is
left to the Terraform round trip on the emulator.)"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from aws_emulator import mock_aws
from aws_emulator.fleet import build_fleet
from conftest import Clock

from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.rollout import engine
from rsfleet.rollout.aws import AwsExecutor, rolling_apply
from rsfleet.spec.loader import load_spec
from rsfleet.targets import api
from rsfleet.targets.readiness import probe_postgres
from rsfleet.workgroups.enforce import WorkgroupUpdater
from rsfleet.workgroups.plan import desired_for

pytestmark = pytest.mark.fleet  # a real PostgreSQL answers the readiness probe

SPEC = """
environment = "emu"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = %s, query_timeout_seconds = 3600 }
  c2 = { base_capacity = 8, query_timeout_seconds = 3600 }
}
"""


@pytest.fixture
def rollout(pg_server_factory, tmp_path):
    endpoint = pg_server_factory("endpoint")
    with mock_aws():
        path = tmp_path / "emu.tfvars"
        path.write_text(SPEC % 8, encoding="utf-8")
        fleet = build_fleet(load_spec(path))
        # the fleet as `rsfleet apply` leaves it: parameters enforced, so only capacity differs
        setup = WorkgroupUpdater(fleet.rs, poll=0, sleep=lambda s: None)
        for c in (None, "c1", "c2"):
            setup.enforce(fleet.spec.workgroup_name(c), desired_for(fleet.spec, c))
        probed: list[str] = []

        def probe(name: str) -> tuple[bool, str]:
            probed.append(name)
            return probe_postgres(lambda db: endpoint.tcp_kwargs(dbname="postgres"), [],
                                  timeout=10.0)

        def make(c1_base: int) -> tuple[AwsExecutor, Clock, Any]:
            path.write_text(SPEC % c1_base, encoding="utf-8")
            spec = load_spec(path)
            ctx = api.aws_context(spec, FleetOutputs.of(fleet.outputs), tmp_path,
                                  client=fleet.nlb.elbv2, dynamodb=fleet.ddb)
            ctx.probe = probe
            clock = Clock()
            updater = WorkgroupUpdater(fleet.rs, timeout=600, poll=5, sleep=clock.sleep,
                                       clock=clock)
            return AwsExecutor(spec, ctx, updater, poll=5, sleep=clock.sleep,
                               clock=clock), clock, ctx

        yield fleet, make, probed


def test_rolling_change_survives_a_concurrent_update_and_keeps_the_rest_in_rotation(rollout):
    fleet, make, probed = rollout
    ex, clock, ctx = make(16)
    everyone = fleet.in_target_group()
    c1_ips = set(fleet.endpoint_ips["c1"].values())
    assert len(c1_ips) == 3 and c1_ips <= everyone  # one ENI per AZ, all in the NLB

    plan = engine.plan_for(ex)
    assert [f"{s.kind} {s.consumer}" for s in plan.steps] == [
        "drain c1", "wait_drained c1", "change c1", "wait_available c1", "wait_ready c1",
        "undrain c1"]

    # someone else changes c1 just before rsfleet's first UpdateWorkgroup: the workgroup is
    # MODIFYING, the emulator refuses rsfleet's call with ConflictException
    other = boto3.client("redshift-serverless", region_name=fleet.region)
    conflicts: list[str] = []

    def concurrent_change(**_: Any) -> None:
        if not conflicts:
            conflicts.append("sent")
            other.update_workgroup(workgroupName=fleet.spec.workgroup_name("c1"),
                                   configParameters=[{"parameterKey": "auto_mv",
                                                      "parameterValue": "false"}])

    fleet.rs.meta.events.register("before-call.redshift-serverless.UpdateWorkgroup",
                                  concurrent_change)
    seen: list[set[str]] = []
    run_step = ex.run_step

    def spy(step):
        out = run_step(step)
        seen.append(fleet.in_target_group())
        return out

    ex.run_step = spy
    result = engine.sync(engine.plan_for(ex), ex, dry_run=False)
    assert result.changed == ["c1"]
    done = dict((f"{s.kind} {s.consumer}", w) for s, w in result.done)
    assert "maxCapacity: 8 -> 16, baseCapacity: 8 -> 16; 1 busy answer(s) retried" in \
        done["change c1"]
    assert all(not (c1_ips & s) and (everyone - c1_ips) <= s for s in seen[:5])
    assert fleet.in_target_group() == everyone
    wg = fleet.workgroup("c1")
    assert (wg["status"], wg["baseCapacity"], wg["maxCapacity"]) == ("AVAILABLE", 16, 16)
    assert {p["parameterKey"]: p["parameterValue"] for p in wg["configParameters"]}[
        "auto_mv"] == "false"  # the other change stays
    assert 5 in clock.sleeps  # waited while MODIFYING
    assert probed.count("c1") >= 2 and ctx.store.load().drains == {}
    c2 = fleet.workgroup("c2")
    assert (c2["baseCapacity"], c2["maxCapacity"]) == (8, 8)  # untouched

    again = rolling_apply(ex.spec, ex, saved_plan={"resource_changes": []}, rest=None)
    assert again.done == []  # converged: a second run has nothing to roll
