"""The AWS links of the diagnose chain: elbv2 and ec2 in moto, redshift-serverless and
redshift-data through botocore's Stubber (exact answers; moto's Data API has only canned
rows). The chain against the redshift-serverless emulator: tests/emulated/test_diagnose_cli.py."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import boto3
import pytest
from botocore.stub import ANY, Stubber
from conftest import moto_nlb
from moto import mock_aws
from typer.testing import CliRunner

from rsfleet.cli import app
from rsfleet.diagnose import checks
from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.spec.models import FleetSpec

REGION = "us-east-1"
SPEC = {
    "environment": "dev", "vpc_cidr": "10.40.0.0/16", "producer": {"base_capacity": 8},
    "consumers": {"c1": {"base_capacity": 8}, "c2": {"base_capacity": 8}},
    "datashares": {"sales_share": {"schemas": ["sales"], "consumer_database": "sales_db"}},
}


@pytest.fixture
def aws():
    groups: dict[str, str] = {}

    def security_groups(ec2, vpc: str) -> list[str]:
        groups["nlb"] = ec2.create_security_group(GroupName="nlb", Description="nlb",
                                                  VpcId=vpc)["GroupId"]
        groups["consumer"] = ec2.create_security_group(GroupName="consumer", Description="c",
                                                       VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=groups["nlb"], IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 5439, "ToPort": 5439,
            "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
        return [groups["nlb"]]

    with mock_aws():
        nlb = moto_nlb(REGION, security_groups=security_groups)
        ec2, elbv2, lb, tg = nlb.ec2, nlb.elbv2, nlb.lb, nlb.tg
        nlb_sg, c_sg = groups["nlb"], groups["consumer"]
        elbv2.register_targets(TargetGroupArn=tg["TargetGroupArn"],
                               Targets=[{"Id": "10.40.0.10", "Port": 5439},
                                        {"Id": "10.40.2.10", "Port": 5439}])
        outputs = {
            "aws_region": REGION,
            "nlb": {"dns_name": lb["DNSName"], "arn": lb["LoadBalancerArn"],
                    "target_group_arn": tg["TargetGroupArn"], "port": 5439},
            "producer": {"database_name": "dev", "workgroup_name": "rsfleet-dev-producer"},
            "consumers": {
                "c1": {"workgroup_name": "rsfleet-dev-c1", "namespace_id": "n1", "port": 5439,
                       "endpoint_ips": {"a": "10.40.0.10", "b": "10.40.2.10"}},
                "c2": {"workgroup_name": "rsfleet-dev-c2", "namespace_id": "n2", "port": 5439,
                       "endpoint_ips": {"a": "10.40.0.20"}},
            },
        }
        yield {"ec2": ec2, "elbv2": elbv2, "nlb_sg": nlb_sg, "c_sg": c_sg, "outputs": outputs}


def ctx_for(aws, **clients) -> checks.DiagContext:
    ctx = checks.DiagContext(backend="aws", env="dev",
                             clients={"ec2": aws["ec2"], "elbv2": aws["elbv2"], **clients})
    ctx.spec = FleetSpec.model_validate(SPEC)
    ctx.outputs = FleetOutputs.of(aws["outputs"])
    return ctx


def test_target_health_per_consumer(aws):
    got = {c.name: c for c in checks.check_targets(ctx_for(aws))}
    assert got["c1 LB health"].status == "ok"
    assert "10.40.0.10 healthy" in got["c1 LB health"].detail
    c2 = got["c2 LB health"]
    assert c2.status == "broken" and "rsfleet targets sync" in c2.fix


def _serverless(sgs_by_wg: dict[str, list[str]]):
    client = boto3.client("redshift-serverless", region_name=REGION)
    stub = Stubber(client)
    for wg, sgs in sgs_by_wg.items():
        stub.add_response("get_workgroup", {"workgroup": {
            "workgroupName": wg, "securityGroupIds": sgs}}, {"workgroupName": wg})
    stub.activate()
    return client, stub


def test_security_groups_missing_consumer_rule_then_fixed(aws):
    client, stub = _serverless({"rsfleet-dev-c1": [aws["c_sg"]], "rsfleet-dev-c2": [aws["c_sg"]]})
    got = checks.check_security_groups(ctx_for(aws, **{"redshift-serverless": client}))
    stub.assert_no_pending_responses()
    by = {c.name: c for c in got}
    c1 = by["c1 admits 5439 from the NLB"]
    assert c1.status == "broken" and aws["nlb_sg"] in c1.fix and "tcp/5439" in c1.fix
    assert by["NLB admits clients on 5439"].status == "ok"
    # moto gives a new group an allow-all egress rule
    assert by["NLB may reach targets on 5439"].status == "ok"

    aws["ec2"].authorize_security_group_ingress(GroupId=aws["c_sg"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 5439, "ToPort": 5439,
        "UserIdGroupPairs": [{"GroupId": aws["nlb_sg"]}]}])
    client, stub = _serverless({"rsfleet-dev-c1": [aws["c_sg"]], "rsfleet-dev-c2": [aws["c_sg"]]})
    got = checks.check_security_groups(ctx_for(aws, **{"redshift-serverless": client}))
    assert all(c.status == "ok" for c in got), got


def test_security_group_wrong_port_is_broken(aws):
    aws["ec2"].authorize_security_group_ingress(GroupId=aws["c_sg"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
        "UserIdGroupPairs": [{"GroupId": aws["nlb_sg"]}]}])
    client, _ = _serverless({"rsfleet-dev-c1": [aws["c_sg"]], "rsfleet-dev-c2": [aws["c_sg"]]})
    got = checks.check_security_groups(ctx_for(aws, **{"redshift-serverless": client}))
    assert [c.status for c in got if c.name.startswith("c")] == ["broken", "broken"]


def _data_api(tables_by_wg: dict[str, list[tuple[str, str]]]):
    client = boto3.client("redshift-data", region_name=REGION)
    stub = Stubber(client)
    for i, (wg, rows) in enumerate(tables_by_wg.items()):
        sid = f"00000000-0000-0000-0000-00000000000{i}"
        stub.add_response("execute_statement", {"Id": sid}, {
            "WorkgroupName": wg, "Database": "dev", "Sql": checks.AWS_SHARE_SQL,
            "Parameters": [{"name": "db", "value": "sales_db"}]})
        stub.add_response("describe_statement", {"Id": sid, "Status": "FINISHED"}, {"Id": sid})
        stub.add_response("get_statement_result", {
            "Records": [[{"stringValue": s}, {"stringValue": t}] for s, t in rows],
            "ColumnMetadata": [], "TotalNumRows": len(rows)}, {"Id": ANY})
    stub.activate()
    return client, stub


def test_datashare_mounted_on_each_consumer(aws):
    client, stub = _data_api({"rsfleet-dev-c1": [("sales", "orders")], "rsfleet-dev-c2": []})
    got = checks.check_datashare(ctx_for(aws, **{"redshift-data": client}))
    stub.assert_no_pending_responses()
    assert [(c.name, c.status) for c in got] == [("c1: sales_db mounted", "ok"),
                                                 ("c2: sales_db mounted", "broken")]
    assert "rsfleet share apply --env dev" in got[1].fix


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_chain_stops_at_tcp_and_skips_the_rest(tmp_path: Path):
    spec = tmp_path / "dev.tfvars"
    spec.write_text('environment = "dev"\nproducer = { base_capacity = 8 }\n'
                    'consumers = { c1 = { base_capacity = 8 } }\n', encoding="utf-8")
    outputs = tmp_path / "out.json"
    port = _free_port()  # nothing listens here
    outputs.write_text(json.dumps({
        "nlb": {"value": {"dns_name": "localhost", "port": port, "arn": "x",
                          "target_group_arn": "y"}},
        "producer": {"value": {"database_name": "dev"}},
        "consumers": {"value": {"c1": {"workgroup_name": "w"}}},
    }), encoding="utf-8")
    res = CliRunner().invoke(app, ["--backend", "aws", "diagnose", "--spec", str(spec),
                                   "--tf-outputs", str(outputs), "--json", "--timeout", "2"])
    assert res.exit_code == 1, res.output
    doc = json.loads(res.output)
    assert doc["stopped_at"] == "tcp" and doc["ok"] is False
    status = [(c["link"], c["status"]) for c in doc["checks"]]
    assert status[:4] == [("spec", "ok"), ("outputs", "ok"), ("dns", "ok"), ("tcp", "broken")]
    assert {s for _, s in status[4:]} == {"skipped"}
    assert [link for link, _ in status[4:]] == ["tls", "auth", "targets", "security-groups",
                                                "workgroups", "datashare"]


def test_chain_missing_outputs(tmp_path: Path):
    spec = tmp_path / "dev.tfvars"
    spec.write_text('environment = "dev"\nproducer = { base_capacity = 8 }\n'
                    'consumers = { c1 = { base_capacity = 8 } }\n', encoding="utf-8")
    outputs = tmp_path / "out.json"
    outputs.write_text("{}", encoding="utf-8")
    res = CliRunner().invoke(app, ["--backend", "aws", "diagnose", "--spec", str(spec),
                                   "--tf-outputs", str(outputs), "--all"])
    assert res.exit_code == 1
    assert "BROKEN" in res.output and "outputs" in res.output and "rsfleet apply" in res.output


def test_bad_spec_is_the_first_broken_link(tmp_path: Path):
    spec = tmp_path / "dev.tfvars"
    spec.write_text('environment = "dev"\nproducer = { base_capacity = 7 }\n'
                    'consumers = { c1 = { base_capacity = 8 } }\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["--backend", "aws", "diagnose", "--spec", str(spec),
                                   "--json"])
    doc = json.loads(res.output)
    assert res.exit_code == 1 and doc["stopped_at"] == "spec"
    assert "base_capacity" in doc["checks"][0]["detail"]


def _workgroups(config_by_wg: dict[str, dict[str, str]], capacity: tuple[int, int] = (8, 8)):
    """GetWorkgroup answers; every one also returns enable_large_strings_opt_in, which
    rsfleet does not manage and must not report."""
    client = boto3.client("redshift-serverless", region_name=REGION)
    stub = Stubber(client)
    base = {"require_ssl": "true", "enable_user_activity_logging": "true",
            "max_query_execution_time": "3600", "enable_large_strings_opt_in": "true"}
    for wg, config in config_by_wg.items():
        params = [{"parameterKey": k, "parameterValue": v} for k, v in {**base, **config}.items()]
        stub.add_response("get_workgroup", {"workgroup": {
            "workgroupName": wg, "status": "AVAILABLE", "baseCapacity": capacity[0],
            "maxCapacity": capacity[1], "configParameters": params}}, {"workgroupName": wg})
    stub.activate()
    return client, stub


WGS = ["rsfleet-dev-producer", "rsfleet-dev-c1", "rsfleet-dev-c2"]


def test_workgroups_in_sync_despite_unmanaged_parameter(aws):
    client, stub = _workgroups({wg: {} for wg in WGS})
    got = checks.check_workgroups(ctx_for(aws, **{"redshift-serverless": client}))
    stub.assert_no_pending_responses()
    assert [(c.name, c.status) for c in got] == [
        ("producer settings", "ok"), ("c1 settings", "ok"), ("c2 settings", "ok")]


def test_workgroup_drift_require_ssl_is_broken_timeout_is_a_warning(aws):
    client, stub = _workgroups({"rsfleet-dev-producer": {},
                                "rsfleet-dev-c1": {"require_ssl": "false"},
                                "rsfleet-dev-c2": {"max_query_execution_time": "60"}})
    got = {c.name: c for c in checks.check_workgroups(
        ctx_for(aws, **{"redshift-serverless": client}))}
    stub.assert_no_pending_responses()
    c1, c2 = got["c1 settings"], got["c2 settings"]
    assert c1.status == "broken" and "config:require_ssl is false, spec says true" in c1.detail
    assert c1.fix.startswith("rsfleet enforce --env dev")
    assert c2.status == "warning" and "max_query_execution_time is 60" in c2.detail
    assert "large_strings" not in c1.detail + c2.detail


def test_workgroup_capacity_drift_is_reported(aws):
    client, _ = _workgroups({wg: {} for wg in WGS}, capacity=(16, 16))
    got = checks.check_workgroups(ctx_for(aws, **{"redshift-serverless": client}))
    assert all(c.status == "warning" and "baseCapacity is 16, spec says 8" in c.detail
               for c in got)
