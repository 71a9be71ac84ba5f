"""AWS paths of the targets controller that do not need an NLB to be faked:
- consumer endpoints from the redshift-serverless API (botocore Stubber: a second page, a
  CREATING endpoint beside ACTIVE ones; the same discovery on the stateful emulator is in
  tests/emulated/test_targets_cli.py), then the NLB adapter on them (moto elbv2 + ec2);
- probe credentials from Secrets Manager (moto);
- the Redshift probe's SQL and its connection path against a real PostgreSQL."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from rsfleet.adapters import redshift_serverless as rss
from rsfleet.errors import FleetError, UsageError
from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.spec.loader import load_spec
from rsfleet.targets.api import aws_context, discover_outputs, sync
from rsfleet.targets.credentials import ProbeCredentials
from rsfleet.targets.readiness import ShareCheck, probe_redshift, redshift_read_sql

from .passes import done
from .test_nlb import aws, registered  # noqa: F401 - the moto NLB fixture

REGION = "us-east-1"
SPEC = """
environment = "dev"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = 8 }
  c2 = { base_capacity = 8 }
  c9 = { base_capacity = 8, behind_nlb = false }
}
nlb = { register_targets_with_terraform = false }
"""


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "dev.tfvars"
    path.write_text(SPEC, encoding="utf-8")
    return load_spec(path)


def eni(az: str, ip: str) -> dict:
    return {"availabilityZone": az, "privateIpAddress": ip, "networkInterfaceId": "eni-1",
            "subnetId": "subnet-1"}


def workgroup(name: str, enis: list[dict] | None = None, address: str | None = None) -> dict:
    ep = {"port": 5439, "vpcEndpoints": [{"vpcEndpointId": "vpce-1",
                                          "networkInterfaces": enis or []}]}
    if address is not False:
        ep["address"] = address or f"{name}.123456789012.{REGION}.redshift-serverless.amazonaws.com"
    return {"workgroup": {"workgroupName": name, "namespaceName": name, "status": "AVAILABLE",
                          "endpoint": ep}}


def access(name: str, status: str, *enis: dict) -> dict:
    return {"endpointName": f"{name}-ep", "endpointStatus": status, "workgroupName": name,
            "port": 5439, "address": "x", "subnetIds": ["subnet-1"],
            "vpcEndpoint": {"vpcEndpointId": "vpce-2", "networkInterfaces": list(enis)}}


def rs_client():
    return boto3.client("redshift-serverless", region_name=REGION, aws_access_key_id="x",
                        aws_secret_access_key="x")  # Stubber: never sent


def test_endpoint_ips_from_managed_endpoints_every_page_active_only():
    rs = rs_client()
    with Stubber(rs) as st:
        st.add_response("get_workgroup", workgroup("rsfleet-dev-c1", [eni("us-east-1a",
                                                                          "10.40.0.5")]),
                        {"workgroupName": "rsfleet-dev-c1"})
        st.add_response("list_endpoint_access", {
            "endpoints": [access("rsfleet-dev-c1", "ACTIVE", eni("us-east-1a", "10.40.0.10")),
                          access("rsfleet-dev-c1", "CREATING", eni("us-east-1c", "10.40.4.10"))],
            "nextToken": "p2"}, {"workgroupName": "rsfleet-dev-c1"})
        st.add_response("list_endpoint_access", {
            "endpoints": [access("rsfleet-dev-c1", "ACTIVE", eni("us-east-1b", "10.40.2.10"))]},
            {"workgroupName": "rsfleet-dev-c1", "nextToken": "p2"})
        ep = rss.workgroup_endpoint(rs, "rsfleet-dev-c1")
        st.assert_no_pending_responses()
    # the managed endpoints (NLB targets), not the workgroup's own VPC endpoint
    assert ep.endpoint_ips == {"us-east-1a": "10.40.0.10", "us-east-1b": "10.40.2.10"}
    assert ep.port == 5439 and ep.address.startswith("rsfleet-dev-c1.")


def test_without_managed_endpoints_the_workgroup_endpoint_is_used():
    rs = rs_client()
    with Stubber(rs) as st:
        st.add_response("get_workgroup", workgroup("rsfleet-dev-w", [eni("us-east-1a", "10.40.0.5")]))
        st.add_response("list_endpoint_access", {"endpoints": []})
        assert rss.workgroup_endpoint(rs, "rsfleet-dev-w").endpoint_ips == {"us-east-1a": "10.40.0.5"}


def test_api_errors_are_fleet_errors():
    rs = rs_client()
    with Stubber(rs) as st:
        st.add_client_error("get_workgroup", "ResourceNotFoundException",
                            "Workgroup rsfleet-dev-c1 not found")
        with pytest.raises(FleetError, match="not found") as exc:
            rss.workgroup_endpoint(rs, "rsfleet-dev-c1")
        assert "rsfleet apply" in (exc.value.hint or "")
        st.add_response("get_workgroup", workgroup("rsfleet-dev-w", address=False))
        with pytest.raises(FleetError, match="has no endpoint yet"):
            rss.workgroup_endpoint(rs, "rsfleet-dev-w")


def test_discovered_endpoints_drive_the_nlb(aws, spec, tmp_path):  # noqa: F811
    elbv2, tg, _outputs = aws
    rs = rs_client()
    with Stubber(rs) as st:
        for name, ip in (("c1", "10.40.0.11"), ("c2", "10.40.2.12")):
            wg = f"rsfleet-dev-{name}"
            st.add_response("get_workgroup", workgroup(wg), {"workgroupName": wg})
            st.add_response("list_endpoint_access",
                            {"endpoints": [access(wg, "ACTIVE", eni("us-east-1a", ip))]},
                            {"workgroupName": wg})
        outputs = discover_outputs(spec, tg, rs_client=rs)
        st.assert_no_pending_responses()
    assert set(outputs.consumers) == {"c1", "c2"}  # c9 is not behind the LB
    ctx = aws_context(spec, outputs, tmp_path, client=elbv2)
    ctx.probe = lambda name: (True, "ok")  # readiness itself is tested elsewhere
    res = sync(ctx)
    assert done(res) == [("enable", "c1"), ("enable", "c2")]
    assert set(registered(elbv2, tg)) == {"10.40.0.11", "10.40.2.12"}
    with pytest.raises(UsageError, match="not a target group ARN"):
        discover_outputs(spec, "tg-123", rs_client=rs)


@mock_aws
def test_probe_credentials_from_secrets_manager():
    sm = boto3.client("secretsmanager", region_name=REGION)
    js = sm.create_secret(Name="reader", SecretString=json.dumps(
        {"username": "rsfleet_probe", "password": "pw1"}))["ARN"]
    plain = sm.create_secret(Name="plain", SecretString="pw2")["ARN"]
    broken = sm.create_secret(Name="broken", SecretString=json.dumps({"user": "x"}))["ARN"]
    # Reading secrets itself is tested in tests/adapters/test_secretsmanager.py; here what
    # the probe adds: it has no default role, so a secret without a username needs --user.
    with pytest.raises(UsageError, match="--secret-arn 'reader' is not a Secrets Manager"):
        ProbeCredentials.choose(secret_arn="reader", user=None, password=None,
                                probe_as_admin=False, outputs=FleetOutputs(), client=sm)
    plain_creds = ProbeCredentials.choose(secret_arn=plain, user=None, password=None,
                                          probe_as_admin=False, outputs=FleetOutputs(), client=sm)
    assert plain_creds is not None
    with pytest.raises(FleetError, match="no username and no --user"):
        plain_creds("c1")
    plain_creds = ProbeCredentials.choose(secret_arn=plain, user="reader", password=None,
                                          probe_as_admin=False, outputs=FleetOutputs(), client=sm)
    assert plain_creds is not None and plain_creds("c1") == ("reader", "pw2")
    broken_creds = ProbeCredentials.choose(secret_arn=broken, user="reader", password=None,
                                           probe_as_admin=False, outputs=FleetOutputs(), client=sm)
    assert broken_creds is not None
    with pytest.raises(FleetError, match="no 'password' key"):
        broken_creds("c1")

    creds = ProbeCredentials.choose(secret_arn=js, user=None, password=None,
                                    probe_as_admin=False, outputs=FleetOutputs(), client=sm)
    assert creds is not None and creds("c1") == creds("c2") == ("rsfleet_probe", "pw1")
    admin = ProbeCredentials.choose(
        secret_arn=None, user=None, password=None, probe_as_admin=True, client=sm,
        outputs=FleetOutputs.of({"consumers": {"c1": {"admin_secret_arn": js},
                                               "c2": {"admin_secret_arn": plain}}}))
    assert admin is not None and admin("c1") == ("rsfleet_probe", "pw1")
    with pytest.raises(FleetError, match="no username and no --user"):
        admin("c2")
    with pytest.raises(UsageError, match="no admin_secret_arn in the outputs for c2"):
        ProbeCredentials.choose(secret_arn=None, user=None, password=None, probe_as_admin=True,
                                outputs=FleetOutputs.of({"consumers": {
                                    "c1": {"admin_secret_arn": js}, "c2": {}}}))
    env = ProbeCredentials.choose(secret_arn=None, user="u", password="p",
                                  probe_as_admin=False, outputs=FleetOutputs())
    assert env is not None and env("c1") == ("u", "p")
    assert ProbeCredentials.choose(secret_arn=None, user="u", password=None,
                                   probe_as_admin=False, outputs=FleetOutputs()) is None


def test_redshift_probe_reads_shared_tables_with_three_part_names():
    text = redshift_read_sql("sales_db", "sales", "select").as_string(None)
    assert text == 'SELECT 1 FROM "sales_db"."sales"."select" LIMIT 1'  # reserved word quoted


@pytest.mark.fleet
def test_redshift_probe_connects_and_says_why(pg_server_factory):
    from conftest import free_port

    server = pg_server_factory("c1")
    kw = server.tcp_kwargs(dbname="postgres")
    # timeout 10 s: it only bounds a hang (the default 2 s may pass on a loaded host)
    assert probe_redshift(kw, [], 10) == (True, "SELECT 1 ok, 0 shared table(s) readable")
    ok, why = probe_redshift(kw, [ShareCheck("sales_db", ("sales",), ())], 10)
    assert not ok and "svv_redshift_tables" in why  # PostgreSQL has no Redshift catalog
    ok, why = probe_redshift({**kw, "port": free_port()}, [])
    assert not ok and why.startswith("cannot connect")


def test_cli_aws_options_are_checked(tmp_path):
    from typer.testing import CliRunner

    from rsfleet.cli import app

    spec = tmp_path / "dev.tfvars"
    spec.write_text(SPEC, encoding="utf-8")
    run = CliRunner().invoke
    res = run(app, ["--backend", "local", "targets", "status", "--target-group-arn", "x",
                    "--state-dir", str(tmp_path)])
    assert res.exit_code == 2 and "only with --backend aws" in res.output
    res = run(app, ["--backend", "aws", "targets", "status", "--spec", str(spec),
                    "--target-group-arn", "tg-1"])
    assert res.exit_code == 2 and "not a target group ARN" in res.output
    for spelling in ("--tf-outputs", "--outputs"):  # --outputs: the old name, still accepted
        res = run(app, ["--backend", "aws", "targets", "status", "--spec", str(spec),
                        spelling, str(tmp_path / "o.json"), "--target-group-arn", "tg-1"])
        assert res.exit_code == 2, res.output
        assert "--tf-outputs and --target-group-arn exclude each other" in res.output
    out = tmp_path / "o.json"
    out.write_text(json.dumps({"nlb": {"value": {"target_group_arn": "arn:aws:x"}},
                               "consumers": {"value": {}}}), encoding="utf-8")
    res = run(app, ["--backend", "aws", "targets", "status", "--spec", str(spec),
                    "--tf-outputs", str(out), "--secret-arn", "nope"])
    assert res.exit_code == 2 and "not a Secrets Manager secret ARN" in res.output
