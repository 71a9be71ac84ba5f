"""On AWS the CLI, `loadtest --drain` and the controller share one drain state (DynamoDB
through moto, NLB through moto elbv2 + ec2)."""

from __future__ import annotations

import json

import boto3
import pytest

from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.loadtest.faults import aws_injector
from rsfleet.spec.loader import load_spec
from rsfleet.targets import api
from rsfleet.targets.controller import Controller
from rsfleet.targets.store import DynamoStore

from .test_nlb import aws, registered  # noqa: F401 - the moto NLB fixture
from .test_store import TABLE, make_table

SPEC = """
environment = "dev"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = 8 }
  c2 = { base_capacity = 8 }
  c3 = { base_capacity = 8 }
}
nlb = { register_targets_with_terraform = false }
"""


@pytest.fixture
def setup(aws, tmp_path):  # noqa: F811
    elbv2, tg, outputs = aws
    path = tmp_path / "dev.tfvars"
    path.write_text(SPEC, encoding="utf-8")
    spec = load_spec(path)
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    make_table(ddb)
    outputs = {**outputs, "controller": {"state_table": TABLE}}
    ctx = api.aws_context(spec, FleetOutputs.of(outputs), tmp_path)
    ctx.probe = lambda _n: (True, "ok")
    Controller(ctx.adapter, ctx.members, ctx.probe, ctx.store, rise=1, fall=1).run_pass()
    assert set(registered(elbv2, tg).values()) <= {"initial", "healthy", "unused"}
    return spec, outputs, ctx, elbv2, tg


def test_loadtest_drain_goes_through_the_state_and_the_controller_keeps_it_out(setup, tmp_path):
    spec, outputs, ctx, elbv2, tg = setup
    # as the load test has them: the model, with its `controller` output
    said = aws_injector(spec, FleetOutputs.of(outputs), tmp_path)("drain", "c2")
    assert "undrain c2" in said and TABLE in said
    st = DynamoStore(TABLE, api.fleet_key(spec), client=ctx.store.client).load()
    assert st.drains["c2"].why == "loadtest --drain" and st.drains["c2"].who
    assert "c2" in st.drain_started
    assert registered(elbv2, tg).get("10.40.0.20") in (None, "draining")
    # a controller that starts afterwards (another process) keeps c2 out
    res = Controller(ctx.adapter, ctx.members, ctx.probe, ctx.store, rise=1,
                     fall=1).run_pass()
    assert [s for s in res.result.done if s.action.target == "c2"] == []
    assert registered(elbv2, tg).get("10.40.0.20") in (None, "draining")
    api.undrain(ctx, "c2")
    assert registered(elbv2, tg).get("10.40.0.20") not in (None, "draining")


def test_existing_local_file_is_imported_into_the_table(aws, tmp_path, capsys):  # noqa: F811
    _elbv2, _tg, outputs = aws
    path = tmp_path / "dev.tfvars"
    path.write_text(SPEC, encoding="utf-8")
    spec = load_spec(path)
    make_table(boto3.client("dynamodb", region_name="us-east-1"))
    (tmp_path / "targets-aws.json").write_text(json.dumps(
        {"version": 1, "drained": {"c3": "operator"}, "drain_started": {}}))
    outputs = {**outputs, "controller": {"state_table": TABLE}}
    ctx = api.aws_context(spec, FleetOutputs.of(outputs), tmp_path)
    assert ctx.store.load().drained == {"c3": "operator"}
    assert "imported 1 operator drain(s)" in capsys.readouterr().err
    api.aws_context(spec, FleetOutputs.of(outputs), tmp_path)
    assert capsys.readouterr().err == ""
