"""NLB adapter and controller against moto's elbv2 + ec2 (VPC, subnets, ip target group)."""

from __future__ import annotations

import pytest
from conftest import moto_nlb
from moto import mock_aws

from rsfleet.errors import UsageError
from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.targets.controller import Controller
from rsfleet.targets.nlb import NlbTargets
from rsfleet.targets.store import Drain
from rsfleet.targets.store import JsonFileStore as StateStore

from .passes import done, planned

REGION = "us-east-1"
IPS = {"c1": {"a": "10.40.0.10", "b": "10.40.2.10"}, "c2": {"a": "10.40.0.20"},
       "c3": {"b": "10.40.2.30"}}


@pytest.fixture
def aws():
    with mock_aws():
        nlb = moto_nlb(REGION)
        elbv2, lb, tg = nlb.elbv2, nlb.lb, nlb.tg
        elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="TCP", Port=5439,
                              DefaultActions=[{"Type": "forward",
                                               "TargetGroupArn": tg["TargetGroupArn"]}])
        outputs = {
            "aws_region": REGION,
            "nlb": {"dns_name": lb["DNSName"], "arn": lb["LoadBalancerArn"],
                    "target_group_arn": tg["TargetGroupArn"], "port": 5439},
            "consumers": {n: {"port": 5439, "behind_nlb": True, "endpoint_ips": ips}
                          for n, ips in IPS.items()},
        }
        yield elbv2, tg["TargetGroupArn"], outputs


def registered(elbv2, tg) -> dict[str, str]:
    return {d["Target"]["Id"]: d["TargetHealth"]["State"]
            for d in elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]}


def controller(adapter, probe_results, tmp_path, members=("c1", "c2", "c3")):
    return Controller(adapter, list(members), lambda n: probe_results[n],
                      StateStore(tmp_path / "targets.json"), rise=1, fall=1)


def test_rsfleet_owned_registers_ready_members(aws, tmp_path):
    elbv2, tg, outputs = aws
    adapter = NlbTargets.from_outputs(FleetOutputs.of(outputs), register_with_terraform=False,
                                      deregistration_delay=30, client=elbv2)
    results = {"c1": (True, "ok"), "c2": (True, "ok"), "c3": (False, "share not mounted")}
    ctl = controller(adapter, results, tmp_path)
    res = ctl.run_pass()
    assert done(res) == [("enable", "c1"), ("enable", "c2")]
    assert set(registered(elbv2, tg)) == {"10.40.0.10", "10.40.2.10", "10.40.0.20"}
    # converged: a second pass does nothing
    assert ctl.run_pass().plan.actions == ()


def test_unready_member_is_deregistered_and_comes_back(aws, tmp_path):
    elbv2, tg, outputs = aws
    elbv2.register_targets(TargetGroupArn=tg, Targets=[
        {"Id": ip, "Port": 5439} for ips in IPS.values() for ip in ips.values()])
    adapter = NlbTargets.from_outputs(FleetOutputs.of(outputs), register_with_terraform=True,
                                      deregistration_delay=30, client=elbv2)
    results = {"c1": (True, "ok"), "c2": (False, "cannot connect"), "c3": (True, "ok")}
    ctl = controller(adapter, results, tmp_path)
    res = ctl.run_pass()
    assert done(res) == [("drain", "c2")]
    assert "10.40.0.20" not in registered(elbv2, tg) or \
        registered(elbv2, tg)["10.40.0.20"] == "draining"
    assert {s.name: s.in_rotation for s in res.status} == {"c1": True, "c2": False, "c3": True}
    results["c2"] = (True, "ok")
    res = ctl.run_pass()
    assert done(res) == [("enable", "c2")]
    assert "10.40.0.20" in registered(elbv2, tg)


def test_terraform_owned_never_removes_non_members(aws, tmp_path):
    elbv2, tg, outputs = aws
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.40.4.99", "Port": 5439},
                                                       {"Id": "10.40.0.10", "Port": 5439},
                                                       {"Id": "10.40.2.10", "Port": 5439}])
    adapter = NlbTargets.from_outputs(FleetOutputs.of(outputs), register_with_terraform=True,
                                      deregistration_delay=30, client=elbv2)
    ctl = controller(adapter, {"c1": (True, "ok")}, tmp_path, members=("c1",))
    res = ctl.run_pass()
    assert planned(res) == [("warn", "ip:10.40.4.99")]
    assert "10.40.4.99" in registered(elbv2, tg)


def test_rsfleet_owned_removes_non_members(aws, tmp_path):
    elbv2, tg, outputs = aws
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.40.4.99", "Port": 5439},
                                                       {"Id": "10.40.0.10", "Port": 5439},
                                                       {"Id": "10.40.2.10", "Port": 5439}])
    adapter = NlbTargets.from_outputs(FleetOutputs.of(outputs), register_with_terraform=False,
                                      deregistration_delay=30, client=elbv2)
    ctl = controller(adapter, {"c1": (True, "ok")}, tmp_path, members=("c1",))
    res = ctl.run_pass()
    assert done(res) == [("drain", "ip:10.40.4.99")]
    assert registered(elbv2, tg).get("10.40.4.99", "draining") == "draining"


def test_partial_registration_is_completed(aws, tmp_path):
    elbv2, tg, outputs = aws
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.40.0.10", "Port": 5439}])
    adapter = NlbTargets.from_outputs(FleetOutputs.of(outputs), register_with_terraform=True,
                                      deregistration_delay=30, client=elbv2)
    ctl = controller(adapter, {"c1": (True, "ok")}, tmp_path, members=("c1",))
    res = ctl.run_pass()
    assert done(res) == [("enable", "c1")]
    assert "missing endpoint" in res.result.done[0].action.reason
    assert {"10.40.0.10", "10.40.2.10"} <= set(registered(elbv2, tg))


def test_last_unready_target_stays_registered(aws, tmp_path):
    elbv2, tg, outputs = aws
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.40.0.20", "Port": 5439}])
    adapter = NlbTargets.from_outputs(FleetOutputs.of(outputs), register_with_terraform=True,
                                      deregistration_delay=30, client=elbv2)
    logs: list[str] = []
    ctl = Controller(adapter, ["c2"], lambda n: (False, "timeout"),
                     StateStore(tmp_path / "t.json"), rise=1, fall=1, log=logs.append)
    res = ctl.run_pass()
    assert res.result.done == [] and [k for k, _ in planned(res)] == ["warn"]
    assert "10.40.0.20" in registered(elbv2, tg)
    assert any("LAST TARGET" in line for line in logs)


def test_operator_drain_persists_across_controllers(aws, tmp_path):
    elbv2, tg, outputs = aws
    adapter = NlbTargets.from_outputs(FleetOutputs.of(outputs), register_with_terraform=False,
                                      deregistration_delay=30, client=elbv2)
    ok = {"c1": (True, "ok"), "c2": (True, "ok"), "c3": (True, "ok")}
    controller(adapter, ok, tmp_path).run_pass()
    store = StateStore(tmp_path / "targets.json")
    store.modify(lambda st: st.drains.__setitem__("c3", Drain("maintenance", "ops@host", 1.0)))
    res = controller(adapter, ok, tmp_path).run_pass()  # a fresh process, same state file
    assert done(res) == [("drain", "c3")]
    assert "10.40.2.30" not in registered(elbv2, tg) or \
        registered(elbv2, tg)["10.40.2.30"] == "draining"
    assert controller(adapter, ok, tmp_path).run_pass().result.done == []


def test_missing_outputs_are_a_usage_error(aws):
    elbv2, _tg, outputs = aws
    with pytest.raises(UsageError, match="target_group_arn"):
        NlbTargets.from_outputs(FleetOutputs.of({"consumers": {}}), register_with_terraform=True,
                                deregistration_delay=30, client=elbv2)
    bad = {**outputs, "consumers": {"c1": {"endpoint_ips": {}}}}
    with pytest.raises(UsageError, match=r"c1.*endpoint_ips"):
        NlbTargets.from_outputs(FleetOutputs.of(bad), register_with_terraform=True, deregistration_delay=30,
                                client=elbv2)


# ---- the commands on --backend aws (moto), outputs from a file --------------------------

def _cli_files(tmp_path, outputs, owned_by_terraform=True):
    import json

    spec = tmp_path / "dev.tfvars"
    spec.write_text(
        'environment = "dev"\nproducer = { base_capacity = 8 }\n'
        'consumers = { c1 = { base_capacity = 8 }, c2 = { base_capacity = 8 }, '
        'c3 = { base_capacity = 8 } }\n'
        f'nlb = {{ register_targets_with_terraform = {str(owned_by_terraform).lower()} }}\n',
        encoding="utf-8")
    out = tmp_path / "outputs.json"
    out.write_text(json.dumps({k: {"value": v} for k, v in outputs.items()}), encoding="utf-8")
    return ["--spec", str(spec), "--tf-outputs", str(out), "--state-dir", str(tmp_path / "st")]


def test_cli_sync_drain_undrain_status_on_aws(aws, tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from rsfleet.cli import app

    monkeypatch.delenv("PGUSER", raising=False)
    elbv2, tg, outputs = aws
    args = _cli_files(tmp_path, outputs, owned_by_terraform=False)
    run = CliRunner().invoke
    # no credentials: readiness is not probed, membership is still kept
    res = run(app, ["--backend", "aws", "targets", "sync", "--dry-run", "--json", *args])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["actions"] == [] and doc["dry_run"] is True  # never probed: nothing decided
    assert registered(elbv2, tg) == {}

    res = run(app, ["--backend", "aws", "targets", "undrain", "c1", *args])
    assert res.exit_code == 0, res.output
    assert set(registered(elbv2, tg)) == {"10.40.0.10", "10.40.2.10"}

    res = run(app, ["--backend", "aws", "targets", "drain", "c1", "--json", *args])
    assert res.exit_code == 0, res.output
    assert "deregistered 10.40.0.10, 10.40.2.10" in json.loads(res.output)["result"]
    assert all(s == "draining" for s in registered(elbv2, tg).values())

    res = run(app, ["--backend", "aws", "targets", "status", "--json", *args])
    # no credentials: c2 and c3 (members, not drained) cannot be probed: status exits 1
    assert res.exit_code == 1, res.output
    assert "2 target(s) not serving: c2: not probed; c3: not probed" in res.stderr
    rows = {r["name"]: r for r in json.loads(res.stdout)}
    assert rows["c1"]["drained"] is True and rows["c1"]["in_rotation"] is False
    assert rows["c2"]["lb_state"] == "absent"

    res = run(app, ["--backend", "aws", "targets", "drain", "nope", *args])
    assert res.exit_code == 2 and "not a consumer behind the load balancer" in res.output


def test_cli_bad_interval_is_exit_2(tmp_path):
    from typer.testing import CliRunner

    from rsfleet.cli import app

    res = CliRunner().invoke(app, ["--backend", "aws", "targets", "watch", "--interval",
                                   "soon", "--spec", str(tmp_path / "x.tfvars")])
    assert res.exit_code == 2 and "--interval" in res.output


def test_rotation_parks_after_the_wait_even_across_a_restart(aws, tmp_path):
    """Elastic rotation on the NLB adapter (the load given): idle, the first controller
    starts the scale-in wait; a fresh controller (a new Lambda container) carries the wait
    on from the last-pass record and parks one (deregistered, recorded as parked); load
    back: unparked (registered, record gone)."""
    from rsfleet.targets.rotation import Load, RotationSettings

    elbv2, tg, outputs = aws
    adapter = NlbTargets.from_outputs(FleetOutputs.of(outputs), register_with_terraform=False,
                                      deregistration_delay=30, client=elbv2)
    ok = {"c1": (True, "ok"), "c2": (True, "ok")}
    now = [1000.0]
    demand = [Load(60)]  # 2 wanted at 50 per consumer

    def ctl() -> Controller:
        c = Controller(adapter, ["c1", "c2"], lambda n: ok[n],
                       StateStore(tmp_path / "targets.json"), rise=1, fall=1,
                       clock=lambda: now[0], rotation=RotationSettings(scale_in_after=60),
                       load=lambda: demand[0])
        c.resume(c.last_pass())
        return c

    first = ctl()
    first.record(first.run_pass())  # both registered
    assert {"10.40.0.10", "10.40.0.20"} <= set(registered(elbv2, tg))
    demand[0] = Load(0)
    waiting = first.run_pass()
    first.record(waiting)
    assert waiting.plan.rotation.change == "hold" and waiting.plan.actions == ()
    now[0] += 61
    again = ctl()  # a new container: no memory but the record
    parked = again.run_pass()
    assert done(parked) == [("park", "c1")], parked.sentence
    assert "c1 drained: parked, 1 wanted (it had the fewest sessions)" in parked.sentence
    assert StateStore(tmp_path / "targets.json").load().drains["c1"].why == "parked"
    assert registered(elbv2, tg).get("10.40.0.10") in (None, "draining")
    demand[0] = Load(120)
    back = again.run_pass()
    assert done(back) == [("unpark", "c1")] and "10.40.0.10" in registered(elbv2, tg)
    assert "c1" not in StateStore(tmp_path / "targets.json").load().drains
