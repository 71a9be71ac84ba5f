"""The AWS executor of a rolling change: redshift-serverless through botocore's Stubber
(exact call sequences and refusals the emulator does not make; the same rollout against the
stateful emulator is tests/emulated/test_rolling_emulated.py), the NLB through moto elbv2 +
ec2, the drains in the controller's DynamoDB table through moto, the readiness probe a real
query on a real PostgreSQL server standing in for the workgroup endpoints."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from conftest import Clock, moto_nlb
from moto import mock_aws

from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.rollout import engine
from rsfleet.rollout.aws import AwsExecutor
from rsfleet.spec.loader import load_spec
from rsfleet.targets import api
from rsfleet.targets.readiness import probe_postgres
from rsfleet.targets.store import Drain, DynamoStore
from rsfleet.workgroups.enforce import WorkgroupUpdater
from rsfleet.workgroups.plan import ALWAYS

REGION = "us-east-1"
TABLE = "rsfleet-test-controller"
IPS = {"c1": {"a": "10.40.0.10", "b": "10.40.2.10"}, "c2": {"a": "10.40.0.20"},
       "c3": {"b": "10.40.2.30"}}
SPEC = """
environment = "test"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = %s }
  c2 = { base_capacity = %s }
  c3 = { base_capacity = 8 }
}
"""


def wg(name: str, base: int = 8, mx: int = 8, status: str = "AVAILABLE") -> dict:
    config = {**ALWAYS, "max_query_execution_time": "3600", "auto_mv": "true",
              "enable_large_strings_opt_in": "false"}
    return {"workgroup": {"workgroupName": f"rsfleet-test-{name}", "status": status,
                          "baseCapacity": base, "maxCapacity": mx,
                          "configParameters": [{"parameterKey": k, "parameterValue": v}
                                               for k, v in config.items()]}}


def get(stub, name: str, base: int = 8, mx: int = 8, status: str = "AVAILABLE") -> None:
    stub.add_response("get_workgroup", wg(name, base, mx, status),
                      {"workgroupName": f"rsfleet-test-{name}"})


def update(stub, name: str, **kwargs) -> None:
    stub.add_response("update_workgroup", wg(name, status="MODIFYING"),
                      {"workgroupName": f"rsfleet-test-{name}", **kwargs})


def update_fails(stub, name: str, code: str, message: str, http_status: int,
                 **kwargs) -> None:
    stub.add_client_error("update_workgroup", service_error_code=code,
                          service_message=message, http_status_code=http_status,
                          expected_params={"workgroupName": f"rsfleet-test-{name}", **kwargs})


def observe(stub, caps: dict[str, int]) -> None:
    for n in ("c1", "c2", "c3"):
        get(stub, n, caps.get(n, 8), caps.get(n, 8))


@pytest.fixture
def fleet(pg_server_factory, tmp_path):
    """(spec text -> (executor, stub, clock, ctx, elbv2, tg)) with every consumer in the NLB."""
    endpoint = pg_server_factory("endpoint")
    with mock_aws():
        nlb = moto_nlb(REGION)
        tg = nlb.tg["TargetGroupArn"]
        ddb = boto3.client("dynamodb", region_name=REGION)
        ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        nlb.elbv2.register_targets(TargetGroupArn=tg, Targets=[
            {"Id": ip, "Port": 5439} for ips in IPS.values() for ip in ips.values()])
        outputs = {"aws_region": REGION, "controller": {"state_table": TABLE},
                   "nlb": {"target_group_arn": tg, "port": 5439},
                   "consumers": {n: {"port": 5439, "behind_nlb": True, "endpoint_ips": ips}
                                 for n, ips in IPS.items()}}
        rs = boto3.client("redshift-serverless", region_name=REGION,
                          aws_access_key_id="x", aws_secret_access_key="x")
        probed: list[str] = []

        def probe(name: str) -> tuple[bool, str]:
            probed.append(name)
            return probe_postgres(lambda db: endpoint.tcp_kwargs(dbname="postgres"), [],
                                  timeout=10.0)  # bounds a hang only

        def make(c1: int, c2: int):
            path = tmp_path / "test.tfvars"
            path.write_text(SPEC % (c1, c2), encoding="utf-8")
            spec = load_spec(path)
            ctx = api.aws_context(spec, FleetOutputs.of(outputs), tmp_path, client=nlb.elbv2, dynamodb=ddb)
            ctx.probe = probe
            clock = Clock()
            updater = WorkgroupUpdater(rs, timeout=600, poll=5, sleep=clock.sleep, clock=clock)
            ex = AwsExecutor(spec, ctx, updater, poll=5, sleep=clock.sleep, clock=clock)
            return ex, clock, ctx

        with Stubber(rs) as stub:
            yield make, stub, nlb.elbv2, tg, probed
            stub.assert_no_pending_responses()


def in_tg(elbv2, tg) -> set[str]:
    return {d["Target"]["Id"] for d in
            elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
            if d["TargetHealth"]["State"] != "draining"}


ALL_IPS = {ip for ips in IPS.values() for ip in ips.values()}


def test_drain_update_in_api_order_conflict_retried_wait_available_probe_undrain(fleet):
    make, stub, elbv2, tg, probed = fleet
    ex, _clock, ctx = make(16, 8)
    logs: list[str] = []
    # the plan: GetWorkgroup of every consumer; only c1 differs
    observe(stub, {})
    plan = engine.plan_for(ex)
    assert [f"{s.kind} {s.consumer}" for s in plan.steps] == [
        "drain c1", "wait_drained c1", "change c1", "wait_available c1", "wait_ready c1",
        "undrain c1"]
    assert "maxCapacity: 8 -> 16; rsfleet-test-c1 baseCapacity: 8 -> 16" in plan.steps[2].reason

    observe(stub, {})
    # change c1: max first (base 16 > current max 8), a ConflictException retried
    get(stub, "c1")
    update_fails(stub, "c1", "ConflictException", "The workgroup is currently being modified",
                 409, maxCapacity=16)
    get(stub, "c1")
    update(stub, "c1", maxCapacity=16)
    get(stub, "c1", 8, 16, "MODIFYING")
    get(stub, "c1", 8, 16)
    update(stub, "c1", baseCapacity=16)
    get(stub, "c1", 16, 16)  # verified
    get(stub, "c1", 8, 16, "MODIFYING")  # wait_available: still busy once
    get(stub, "c1", 16, 16)
    observe(stub, {"c1": 16})  # after the wave: nothing left

    drained_seen: list[set[str]] = []
    orig = ex.run_step

    def spy(step):
        out = orig(step)
        drained_seen.append(in_tg(elbv2, tg))
        return out

    ex.run_step = spy
    result = engine.sync(engine.plan_for(ex), ex, dry_run=False, log=logs.append)
    assert result.changed == ["c1"] and result.waves == 1
    steps = [f"{s.kind} {s.consumer}" for s, _ in result.done]
    assert steps == ["drain c1", "wait_drained c1", "change c1", "wait_available c1",
                     "wait_ready c1", "undrain c1"]
    # c1's IPs were out of the target group from the drain until the undrain, the others in
    c1_ips = set(IPS["c1"].values())
    assert all(not (c1_ips & s) and (ALL_IPS - c1_ips) <= s for s in drained_seen[:5])
    assert in_tg(elbv2, tg) == ALL_IPS
    change = dict((f"{s.kind} {s.consumer}", w) for s, w in result.done)["change c1"]
    assert "maxCapacity: 8 -> 16, baseCapacity: 8 -> 16; 1 busy answer(s) retried" in change
    assert probed.count("c1") >= 2  # two good probes in a row before the undrain
    assert ctx.store.load().drains == {}


def test_a_failed_update_stops_the_rollout_with_the_fleet_in_rotation(fleet):
    make, stub, elbv2, tg, _ = fleet
    ex, _clock, ctx = make(8, 16)
    logs: list[str] = []
    observe(stub, {})
    get(stub, "c2")
    update_fails(stub, "c2", "ValidationException", "maxCapacity is above the account's limit",
                 400, maxCapacity=16)
    with pytest.raises(engine.RolloutFailed) as err:
        engine.sync(engine.plan_for(ex), ex, dry_run=False, log=logs.append)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith("rollout stopped at change c2: UpdateWorkgroup rsfleet-test-c2 "
                          "(maxCapacity: 8 -> 16): ValidationException")
    assert "c2 is back in rotation (ready)" in msg and "resumes" in msg
    assert in_tg(elbv2, tg) == ALL_IPS  # the whole fleet in rotation
    assert ctx.store.load().drains == {}
    assert [m for m in logs if m.startswith(("drain", "change"))] == [
        m for m in logs if m.startswith(("drain c2", "change c2"))]  # nothing else touched


def test_a_second_run_resumes_what_a_stopped_run_left_drained(fleet):
    make, stub, elbv2, tg, _ = fleet
    ex, _clock, ctx = make(16, 8)
    # an earlier run drained c1, changed it, and stopped before the undrain
    elbv2.deregister_targets(TargetGroupArn=tg, Targets=[
        {"Id": ip, "Port": 5439} for ip in IPS["c1"].values()])
    ctx.store.modify(lambda st: st.drains.__setitem__("c1", Drain("rollout", "me@host", 1.0)))
    assert DynamoStore(TABLE, "rsfleet/test", client=ctx.store.client).load().drains
    observe(stub, {"c1": 16})
    observe(stub, {"c1": 16})
    result = engine.sync(engine.plan_for(ex), ex, dry_run=False)
    assert [f"{s.kind} {s.consumer}" for s, _ in result.done] == ["wait_ready c1",
                                                                  "undrain c1"]
    assert result.changed == [] and in_tg(elbv2, tg) == ALL_IPS
    assert ctx.store.load().drains == {}


def test_an_operator_drain_is_kept_and_the_change_needs_no_drain(fleet):
    make, stub, _elbv2, _tg, _ = fleet
    ex, _clock, ctx = make(16, 8)
    api.drain(ctx, "c1", why="disk check")
    observe(stub, {})
    plan = engine.plan_for(ex)
    assert [f"{s.kind} {s.consumer}" for s in plan.steps] == [
        "change c1", "wait_available c1", "wait_ready c1"]
    assert "drained by the operator (disk check): no drain needed" in plan.steps[0].reason


def test_no_probe_is_bad_input(fleet):
    make, _stub, *_ = fleet
    ex, _clock, ctx = make(8, 8)
    ctx.probe = None
    from rsfleet.errors import UsageError

    with pytest.raises(UsageError, match="needs the readiness probe"):
        AwsExecutor(ex.spec, ctx, ex.updater)


def _rc(address: str, *actions: str) -> dict:
    return {"address": address, "change": {"actions": list(actions)}}


WG_ADDR = 'module.consumer["{}"].module.workgroup.aws_redshiftserverless_workgroup.this'


def test_saved_plan_changes_per_consumer():
    from rsfleet.rollout.tfplan import changes_of

    pc = changes_of({"resource_changes": [
        _rc(WG_ADDR.format("c1"), "update"),
        _rc('module.consumer["c1"].aws_vpc_endpoint.x', "no-op"),
        _rc('module.consumer["c2"].module.workgroup.aws_redshiftserverless_usage_limit.this[0]',
            "create"),
        _rc(WG_ADDR.format("c3"), "delete", "create"),
        _rc("module.nlb.aws_lb_listener.this", "update"),
        _rc("data.aws_caller_identity.me", "read"),
    ]})
    assert pc.consumers == {
        "c1": [f"{WG_ADDR.format('c1')}: update"],
        "c2": ['module.consumer["c2"].module.workgroup.aws_redshiftserverless_usage_limit'
               '.this[0]: create'],
        "c3": [f"{WG_ADDR.format('c3')}: delete/create"]}
    assert pc.rest == ["module.nlb.aws_lb_listener.this: update"]
    assert pc.replaced_workgroups == ["c3"]


def test_after_the_rolling_part_only_changes_the_reviewed_plan_had_are_applied():
    from rsfleet.rollout.tfplan import changes_of

    reviewed = changes_of({"resource_changes": [
        _rc(WG_ADDR.format("c1"), "update"), _rc("module.nlb.aws_lb_listener.this", "update")]})
    fresh = changes_of({"resource_changes": [
        _rc("module.nlb.aws_lb_listener.this", "update"),  # reviewed: may go on
        _rc(WG_ADDR.format("c1"), "update"),  # reviewed (its drift after the rolling part)
        _rc("module.monitoring.aws_cloudwatch_dashboard.this", "delete")]})  # not reviewed
    assert fresh.new_since(reviewed) == [
        "module.monitoring.aws_cloudwatch_dashboard.this: delete"]
    assert reviewed.new_since(reviewed) == []


def test_rolling_apply_refuses_a_replaced_workgroup_before_any_change(fleet):
    from rsfleet.errors import UsageError
    from rsfleet.rollout.aws import rolling_apply

    make, _stub, elbv2, tg, _ = fleet
    ex, _clock, _ctx = make(16, 8)
    ran: list[str] = []
    with pytest.raises(UsageError, match="replaces or deletes the workgroup of c2"):
        rolling_apply(ex.spec, ex, saved_plan={"resource_changes": [
            _rc(WG_ADDR.format("c2"), "create", "delete")]}, rest=lambda: ran.append("tf"))
    assert ran == [] and in_tg(elbv2, tg) == ALL_IPS  # no API call (Stubber), no drain


def test_rolling_apply_rolls_the_consumers_then_runs_terraform_for_the_rest(fleet):
    from rsfleet.rollout.aws import rolling_apply

    make, stub, _elbv2, _tg, _ = fleet
    ex, _clock, _ctx = make(8, 8)
    observe(stub, {})  # every workgroup as the spec wants it: no rolling step
    ran: list[str] = []
    logs: list[str] = []
    result = rolling_apply(ex.spec, ex, saved_plan={"resource_changes": [
        _rc(WG_ADDR.format("c1"), "update")]}, rest=lambda: ran.append("tf"), log=logs.append)
    assert result.done == [] and ran == ["tf"]
    assert any("saved plan, consumer c1" in m for m in logs)


def test_apply_rolling_options_are_checked_first():
    from typer.testing import CliRunner

    from rsfleet.cli import app

    res = CliRunner().invoke(app, ["apply", "--env", "nope", "--max-unavailable", "2"])
    assert res.exit_code == 2 and "--max-unavailable: only with --rolling" in res.output
    res = CliRunner().invoke(app, ["apply", "--env", "nope", "--rolling", "--max-unavailable",
                                   "0"])
    assert res.exit_code == 2 and "must be at least 1" in res.output
