"""The Lambda handler's loop against moto (DynamoDB, elbv2, ec2, Secrets Manager) and the
redshift-serverless emulator (tests/aws_emulator: each consumer a namespace + workgroup + one
managed endpoint whose ENI address is its NLB target), with real PostgreSQL servers as the
consumers' endpoints (the workgroups answer them through the emulator's moto:endpoint tag;
the probe connects over TLS and runs its SQL on them)."""

from __future__ import annotations

import json

import boto3
import psycopg
import pytest
from aws_emulator import mock_aws
from aws_emulator.moto_redshift_serverless.models import ENDPOINT_TAG
from conftest import moto_nlb

from rsfleet.controller import handler as lambda_handler
from rsfleet.controller.metrics import NAMESPACE
from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.spec.loader import load_spec
from rsfleet.targets import api
from rsfleet.targets.readiness import CONSUMER_LOCAL_DATABASE

REGION = "us-east-1"
TABLE = "rsfleet-dev-controller"
SPEC = """
environment = "dev"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = 8 }
  c2 = { base_capacity = 8 }
  c3 = { base_capacity = 8 }
}
nlb = { register_targets_with_terraform = false, deregistration_delay = 30 }
"""


def emulated_consumers(rs, nlb, servers: dict) -> dict[str, str]:
    """Per consumer: namespace, workgroup (its endpoint: the consumer's PostgreSQL server) and
    one managed endpoint in the first subnet; returns consumer -> the endpoint's ENI IP."""
    for name, server in sorted(servers.items()):
        wg = f"rsfleet-dev-{name}"
        rs.create_namespace(namespaceName=wg)
        arn = rs.create_workgroup(workgroupName=wg, namespaceName=wg, baseCapacity=8,
                                  subnetIds=nlb.subnet_ids)["workgroup"]["workgroupArn"]
        rs.tag_resource(resourceArn=arn, tags=[{"key": ENDPOINT_TAG,
                                                "value": f"127.0.0.1:{server.port}"}])
        while rs.get_workgroup(workgroupName=wg)["workgroup"]["status"] != "AVAILABLE":
            pass
        rs.create_endpoint_access(endpointName=f"{wg}-a", workgroupName=wg,
                                  subnetIds=nlb.subnet_ids[:1])
    ips: dict[str, str] = {}
    while len(ips) < len(servers):
        for ep in rs.list_endpoint_access()["endpoints"]:
            if ep["endpointStatus"] == "ACTIVE":
                name = ep["workgroupName"].removeprefix("rsfleet-dev-")
                ips[name] = ep["vpcEndpoint"]["networkInterfaces"][0]["privateIpAddress"]
    return ips


def health(elbv2, tg) -> dict[str, str]:
    return {d["Target"]["Id"]: d["TargetHealth"]["State"] for d in
            elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]}


@pytest.fixture
def world(pg_server_factory, tmp_path):
    servers = {n: pg_server_factory(n) for n in ("c1", "c2", "c3")}
    for s in servers.values():
        with psycopg.connect(**s.admin_kwargs("postgres"), autocommit=True) as c:
            c.execute(f"CREATE DATABASE {CONSUMER_LOCAL_DATABASE}")
            c.execute("CREATE ROLE probe LOGIN PASSWORD 'probe-pw-1'")  # the probing reader
    secret = json.dumps({"username": "probe", "password": "probe-pw-1"})
    path = tmp_path / "dev.tfvars"
    path.write_text(SPEC, encoding="utf-8")
    spec = load_spec(path)
    with mock_aws():
        nlb = moto_nlb(REGION)
        ddb = boto3.client("dynamodb", region_name=REGION)
        ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        rs = boto3.client("redshift-serverless", region_name=REGION)
        sm = boto3.client("secretsmanager", region_name=REGION)
        probe_secret = sm.create_secret(Name="rsfleet-dev-probe", SecretString=secret)["ARN"]
        ips = emulated_consumers(rs, nlb, servers)
        tg = nlb.tg["TargetGroupArn"]
        env = {"RSFLEET_SPEC": json.dumps(spec.model_dump(mode="json")),
               "RSFLEET_TARGET_GROUP_ARN": tg, "RSFLEET_STATE_TABLE": TABLE,
               "RSFLEET_PROBE_SECRET_ARN": probe_secret, "RSFLEET_RISE": "1",
               "RSFLEET_FALL": "1", "RSFLEET_DATA_CHECK_SECONDS": "0", "AWS_REGION": REGION,
               # fall 1: one probe slowed past the default 2 s by a loaded host would take a
               # healthy consumer out; a stopped one is refused at once, whatever the timeout
               "RSFLEET_PROBE_TIMEOUT_SECONDS": "10"}
        rt = lambda_handler.build(env, clients={"dynamodb": ddb, "elbv2": nlb.elbv2,
                                                "redshift-serverless": rs,
                                                "secretsmanager": sm})
        yield {"rt": rt, "servers": servers, "rs": rs, "ips": ips, "elbv2": nlb.elbv2,
               "tg": tg, "spec": spec, "tmp": tmp_path, "ddb": ddb, "env": env, "sm": sm}


def invoke_once(w, lines):
    return lambda_handler.invoke(w["rt"], lambda: 60.0, request_id="req-1",
                                 emit=lines.append, max_passes=1, sleep=lambda _s: None)


def cli_context(w):
    """What `rsfleet --backend aws targets drain` builds from the Terraform outputs."""
    outputs = {"aws_region": REGION,
               "nlb": {"target_group_arn": w["tg"], "port": 5439},
               "consumers": {n: {"port": 5439, "behind_nlb": True,
                                 "endpoint_ips": {"a": ip}} for n, ip in w["ips"].items()},
               "controller": {"state_table": TABLE}}
    cli_ddb = boto3.client("dynamodb", region_name=REGION)  # another process's client
    return api.aws_context(w["spec"], FleetOutputs.of(outputs), w["tmp"], client=w["elbv2"], dynamodb=cli_ddb)


def test_two_passes_unready_out_operator_drain_kept_conflict_retried(world):
    w = world
    lines: list[str] = []
    res = invoke_once(w, lines)
    assert res.passes == 1 and res.failed_passes == 0, res.errors
    assert set(health(w["elbv2"], w["tg"])) == set(w["ips"].values())
    actions = [json.loads(x) for x in lines if '"event": "action"' in x]
    assert sorted((a["action"], a["target"]) for a in actions) == [
        ("enable", "c1"), ("enable", "c2"), ("enable", "c3")]
    emf = [json.loads(x) for x in lines if "_aws" in x]
    assert len(emf) == 1 and emf[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == NAMESPACE
    assert emf[0]["ReadyTargets"] == 3 and emf[0]["TargetsInRotation"] == 3
    assert emf[0]["SuccessfulPasses"] == 1 and len(emf[0]["ProbeLatency"]) == 3
    # one sentence per pass, between the action lines and the EMF line
    [said] = [json.loads(x) for x in lines if '"event": "pass"' in x]
    assert said["sentence"].startswith("c1 in: ready (1 good probe(s) in a row); c2 in: ")
    assert said["sentence"].endswith("; 3 of 3 in rotation"), said
    assert lines.index(json.dumps(said, sort_keys=True)) == len(lines) - 3  # then EMF, invocation

    # c2 goes down; an operator drains c3 from the CLI while the controller is writing
    w["servers"]["c2"].kill()
    cli = cli_context(w)
    raced = []

    def operator_drains_c3(params, **_kw):
        if params["Item"]["pk"]["S"].endswith("#drains") and not raced:
            raced.append(True)
            api.drain(cli, "c3", why="kernel patch")

    ddb = w["rt"].store.client
    ddb.meta.events.register("before-parameter-build.dynamodb.PutItem", operator_drains_c3)
    lines.clear()
    res = invoke_once(w, lines)
    ddb.meta.events.unregister("before-parameter-build.dynamodb.PutItem", operator_drains_c3)
    assert raced and res.failed_passes == 0, res.errors
    actions = [json.loads(x) for x in lines if '"event": "action"' in x]
    assert [(a["action"], a["target"]) for a in actions] == [("drain", "c2")]
    assert "cannot connect" in actions[0]["reason"]
    hs = health(w["elbv2"], w["tg"])
    # (moto drops a deregistered target at once; AWS shows it "draining" for the delay)
    assert hs.get(w["ips"]["c2"]) in (None, "draining") and hs.get(w["ips"]["c3"]) in (None, "draining")
    assert hs[w["ips"]["c1"]] != "draining"
    assert w["rt"].store.conflicts == 1  # the controller's write lost the race, retried
    state = cli.store.load()
    assert state.drained == {"c3": "kernel patch"}  # the operator's drain is kept
    assert set(state.drain_started) == {"c2", "c3"}  # and the controller's record too

    # the next pass honours the operator drain (c3 is ready but stays out)
    lines.clear()
    res = invoke_once(w, lines)
    assert [x for x in lines if '"event": "action"' in x] == []
    emf = next(json.loads(x) for x in lines if "_aws" in x)
    assert emf["ReadyTargets"] == 2 and emf["ProbeFailures"] == 1
    last = api.last_pass(cli)
    assert last is not None and last.source == "lambda req-1" and last.errors == []
    rows = {r.name: r for r in api.status(cli)}
    assert rows["c3"].drained and rows["c3"].drain_why == "kernel patch"


def test_rotation_in_the_lambda_reads_cloudwatch_and_serves_with_what_the_load_needs(world):
    """Spec `rotation.enabled`: the Lambda reads the consumers' CloudWatch metrics (moto)
    and puts in only what the load needs (60 sessions: 2 of 3 at 50 each, one parked; with
    no signal read it would be 1); 130 sessions a minute later: all three. Without the
    signal wired, all three go in at once."""
    from datetime import UTC, datetime, timedelta

    w = world
    spec = w["spec"].model_copy(update={"rotation": w["spec"].rotation.model_copy(
        update={"enabled": True, "scale_in_after_seconds": 0})})
    env = dict(w["env"], RSFLEET_SPEC=json.dumps(spec.model_dump(mode="json")))
    cw = boto3.client("cloudwatch", region_name=REGION)
    rt = lambda_handler.build(env, clients={"dynamodb": w["ddb"], "elbv2": w["elbv2"],
                                            "redshift-serverless": w["rs"],
                                            "secretsmanager": w["sm"], "cloudwatch": cw})

    def connections(name: str, n: int) -> None:
        cw.put_metric_data(Namespace="AWS/Redshift-Serverless", MetricData=[{
            "MetricName": "DatabaseConnections", "Value": n,
            # a whole minute ago: the current minute's point is not complete yet
            "Timestamp": datetime.now(UTC) - timedelta(seconds=60),
            "Dimensions": [{"Name": "Workgroup", "Value": f"rsfleet-dev-{name}"}]}])

    connections("c1", 40)
    connections("c2", 20)
    lines: list[str] = []
    res = lambda_handler.invoke(rt, lambda: 60.0, request_id="req-r", emit=lines.append,
                                max_passes=1, sleep=lambda _s: None)
    assert res.failed_passes == 0, res.errors
    assert set(health(w["elbv2"], w["tg"])) == {w["ips"]["c1"], w["ips"]["c2"]}, lines
    emf = next(json.loads(x) for x in lines if "_aws" in x)
    assert emf["TargetsInRotation"] == 2 and emf["ParkedTargets"] == 1, emf
    assert rt.load is not None and rt.load.calls == 1
    connections("c1", 130)  # the newest point of the same minute: Maximum
    assert rt.load.last is not None
    rt.load.last.at -= 60  # a minute later (the container keeps the signal and its cache)
    lines.clear()
    res = lambda_handler.invoke(rt, lambda: 60.0, request_id="req-r2", emit=lines.append,
                                max_passes=1, sleep=lambda _s: None)
    assert res.failed_passes == 0, res.errors
    assert set(health(w["elbv2"], w["tg"])) == set(w["ips"].values()), lines
    assert rt.load.calls == 2


def test_a_consumer_the_api_cannot_describe_is_skipped_not_removed(world):
    w = world
    lines: list[str] = []
    assert invoke_once(w, lines).failed_passes == 0
    assert set(health(w["elbv2"], w["tg"])) == set(w["ips"].values())
    # c3's workgroup is being replaced: its managed endpoint and workgroup deleted, gone
    rs = w["rs"]
    rs.delete_endpoint_access(endpointName="rsfleet-dev-c3-a")
    while any(e["endpointName"] == "rsfleet-dev-c3-a"
              for e in rs.list_endpoint_access()["endpoints"]):
        pass
    rs.delete_workgroup(workgroupName="rsfleet-dev-c3")
    while "rsfleet-dev-c3" in {x["workgroupName"] for x in rs.list_workgroups()["workgroups"]}:
        pass
    lines.clear()
    res = lambda_handler.invoke(w["rt"], lambda: 60.0, emit=lines.append, max_passes=1,
                                sleep=lambda _s: None)
    assert res.failed_passes == 0, res.errors
    warned = [json.loads(x) for x in lines if '"event": "warning"' in x]
    assert any(x["target"] == "c3" and "skipped" in x["reason"] for x in warned)
    assert [x for x in lines if '"event": "action"' in x] == []  # c3's IP is not removed
    assert set(health(w["elbv2"], w["tg"])) == set(w["ips"].values())


def test_config_errors_are_one_line(monkeypatch):
    from rsfleet.controller.config import ControllerConfig
    from rsfleet.errors import UsageError

    with pytest.raises(UsageError, match="RSFLEET_TARGET_GROUP_ARN"):
        ControllerConfig.from_env({"RSFLEET_SPEC": "{}", "RSFLEET_STATE_TABLE": "t1x"})
    with pytest.raises(UsageError, match="RSFLEET_SPEC is not JSON"):
        ControllerConfig.from_env({"RSFLEET_SPEC": "{"})


def test_the_spec_terraform_passes_is_a_valid_fleet_spec():
    """The shape of RSFLEET_SPEC that terraform/main.tf jsonencode()s (nulls included)."""
    from rsfleet.controller.config import ControllerConfig

    spec = {"project_name": "rsfleet", "environment": "prod", "aws_region": "us-east-1",
            "producer": {"base_capacity": 16},
            "consumers": {"c1": {"base_capacity": 8, "behind_nlb": True},
                          "c9": {"base_capacity": 8, "behind_nlb": False}},
            "datashares": {"sales_share": {"schemas": ["sales"], "tables": [],
                                           "consumers": ["*"], "consumer_database": None}},
            "nlb": {"port": 5439, "deregistration_delay": 30,
                    "register_targets_with_terraform": True}}
    cfg = ControllerConfig.from_env({
        "RSFLEET_SPEC": json.dumps(spec), "RSFLEET_STATE_TABLE": "rsfleet-prod-controller",
        "RSFLEET_TARGET_GROUP_ARN": "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
                                    "targetgroup/rsfleet-prod/0123456789abcdef",
        "RSFLEET_INTERVAL_SECONDS": "5", "RSFLEET_DATA_CHECK_SECONDS": "3600"})
    fleet = cfg.fleet_spec()
    assert fleet.lb_consumers == ["c1"] and fleet.database_for("sales_share") == "sales_share_db"
    assert cfg.interval_seconds == 5 and cfg.data_check_seconds == 3600
    assert len(json.dumps(spec)) < 3000  # the module's limit (Lambda environment: 4 KB)


class LambdaContext:
    """The two attributes of the Lambda context object the handler reads
    (https://docs.aws.amazon.com/lambda/latest/dg/python-context.html): time left is
    plenty for the first check, then none, so one invocation runs exactly one pass."""

    aws_request_id = "req-entry"

    def __init__(self) -> None:
        self.calls = 0

    def get_remaining_time_in_millis(self) -> int:
        self.calls += 1
        return 60_000 if self.calls == 1 else 0


def test_the_lambda_entry_point_runs_a_pass_and_fails_the_invocation_when_all_fail(
        world, monkeypatch, capsys):
    w = world
    monkeypatch.setattr(lambda_handler, "_RUNTIME", w["rt"])  # a warm container
    ctx = LambdaContext()
    assert lambda_handler.handler({"source": "aws.scheduler"}, ctx) == {
        "passes": 1, "failed_passes": 0}
    assert ctx.calls >= 2  # the handler asked the context for the time left
    assert set(health(w["elbv2"], w["tg"])) == set(w["ips"].values())
    printed = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    (inv,) = [x for x in printed if x.get("event") == "invocation"]
    assert inv["passes"] == 1 and inv["failed_passes"] == 0
    last = api.last_pass(cli_context(w))
    assert last is not None and last.source == "lambda req-entry"

    # the target group is gone: every pass fails, so the invocation fails (the Errors alarm)
    w["elbv2"].delete_target_group(TargetGroupArn=w["tg"])
    with pytest.raises(RuntimeError, match=r"all 1 pass\(es\) failed"):
        lambda_handler.handler({}, LambdaContext())
