"""`rsfleet --backend aws targets status|drain|undrain` against the emulator: the NLB targets
are the consumers' endpoint ENI addresses (from saved outputs, or found through the
redshift-serverless API with --target-group-arn), drains live in the controller's DynamoDB
table, and readiness is a real login with the consumer's managed admin secret (made by the
emulator in Secrets Manager) on a real PostgreSQL server standing in for the endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import psycopg
import pytest
from aws_emulator import mock_aws
from aws_emulator.fleet import EmulatedFleet, build_fleet
from conftest import free_port
from typer.testing import CliRunner

from rsfleet.cli import app
from rsfleet.spec.loader import load_spec

SPEC = """
environment = "emu"
producer    = { base_capacity = 8, admin_username = "emu_admin" }
consumers   = {
  c1 = { base_capacity = 8 }
  c2 = { base_capacity = 8 }
}
"""


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatedFleet]:
    monkeypatch.setenv("COLUMNS", "80")
    (tmp_path / "emu.tfvars").write_text(SPEC, encoding="utf-8")
    with mock_aws():
        yield build_fleet(load_spec(tmp_path / "emu.tfvars"))


def targets(tmp_path: Path, *args: str):
    return CliRunner().invoke(app, ["--backend", "aws", "targets", *args, "--spec",
                                    str(tmp_path / "emu.tfvars"), "--state-dir",
                                    str(tmp_path / "state")])


def rows(result) -> dict[str, dict]:
    return {r["name"]: r for r in json.loads(result.output[:result.output.rindex("]") + 1])}


@pytest.mark.fleet
def test_status_probes_with_the_managed_secret_drain_and_undrain(
        fleet: EmulatedFleet, tmp_path: Path, pg_server_factory) -> None:
    server = pg_server_factory("c1")
    sm = boto3.client("secretsmanager", region_name=fleet.region)
    admin = json.loads(sm.get_secret_value(
        SecretId=fleet.outputs["consumers"]["c1"]["admin_secret_arn"])["SecretString"])
    with psycopg.connect(**server.tcp_kwargs(), autocommit=True) as c:
        c.execute(f"CREATE ROLE {admin['username']} LOGIN PASSWORD '{admin['password']}'")
    # the endpoints: c1's is the PostgreSQL server, nothing listens at c2's
    fleet.outputs["consumers"]["c1"].update(endpoint_address=server.host, port=server.port,
                                            database_name="postgres")
    fleet.outputs["consumers"]["c2"].update(endpoint_address="127.0.0.1", port=free_port(),
                                            database_name="postgres")
    out = str(fleet.save_outputs(tmp_path / "outputs.json"))

    status = targets(tmp_path, "status", "--tf-outputs", out, "--probe-as-admin", "--json")
    assert status.exit_code == 1, status.output  # c2 is not serving
    got = rows(status)
    assert got["c1"]["ready"] is True and got["c1"]["in_rotation"] is True
    assert got["c2"]["ready"] is False
    for ip in fleet.endpoint_ips["c1"].values():
        assert ip in got["c1"]["lb_health"]

    drained = targets(tmp_path, "drain", "c1", "--tf-outputs", out, "--reason", "disk check")
    assert drained.exit_code == 0, drained.output
    c1_ips = set(fleet.endpoint_ips["c1"].values())
    assert not c1_ips & fleet.in_target_group()
    assert set(fleet.endpoint_ips["c2"].values()) <= fleet.in_target_group()
    item = fleet.ddb.scan(TableName="rsfleet-test-controller")["Items"]
    assert "disk check" in json.dumps(item)  # the drain is in the shared state table

    status = targets(tmp_path, "status", "--tf-outputs", out, "--probe-as-admin", "--json")
    got = rows(status)
    assert got["c1"]["drained"] is True and got["c1"]["drain_why"] == "disk check"
    assert got["c1"]["in_rotation"] is False

    undrained = targets(tmp_path, "undrain", "c1", "--tf-outputs", out)
    assert undrained.exit_code == 0, undrained.output
    assert c1_ips <= fleet.in_target_group()


@pytest.mark.fleet
def test_status_from_the_api_alone_probes_the_workgroup_endpoints(
        fleet: EmulatedFleet, tmp_path: Path, pg_server_factory, monkeypatch) -> None:
    """No outputs file: the target group named, every consumer's endpoint (address, port) and
    managed-endpoint IPs asked of the redshift-serverless API. The emulator's workgroups are
    pointed at a local PostgreSQL (c1) and a closed port (c2) with its ENDPOINT_TAG."""
    from aws_emulator.moto_redshift_serverless.models import ENDPOINT_TAG

    server = pg_server_factory("c1")
    with psycopg.connect(**server.tcp_kwargs(), autocommit=True) as c:
        c.execute("CREATE DATABASE dev")  # the database the probe logs into
    for consumer, where in (("c1", f"{server.host}:{server.port}"),
                            ("c2", f"127.0.0.1:{free_port()}")):
        fleet.rs.tag_resource(resourceArn=fleet.workgroup(consumer)["workgroupArn"],
                              tags=[{"key": ENDPOINT_TAG, "value": where}])
    monkeypatch.setenv("PGPASSWORD", server.password)
    status = targets(tmp_path, "status", "--target-group-arn", fleet.tg, "--user",
                     server.superuser, "--json")
    assert status.exit_code == 1, status.output
    got = rows(status)
    assert (got["c1"]["ready"], got["c2"]["ready"]) == (True, False), status.output
    for ip in fleet.endpoint_ips["c1"].values():
        assert ip in got["c1"]["lb_health"]


def test_drain_finds_the_endpoint_ips_through_the_api(fleet: EmulatedFleet,
                                                      tmp_path: Path) -> None:
    c2_ips = set(fleet.endpoint_ips["c2"].values())
    drained = targets(tmp_path, "drain", "c2", "--target-group-arn", fleet.tg)
    assert drained.exit_code == 0, drained.output
    for ip in c2_ips:
        assert ip in drained.output
    assert not c2_ips & fleet.in_target_group()
    assert set(fleet.endpoint_ips["c1"].values()) <= fleet.in_target_group()
    undrained = targets(tmp_path, "undrain", "c2", "--target-group-arn", fleet.tg)
    assert undrained.exit_code == 0, undrained.output
    assert c2_ips <= fleet.in_target_group()
