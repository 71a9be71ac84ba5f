"""`rsfleet --backend aws diagnose` against the emulator, as far as the chain reaches: a real
PostgreSQL server stands in for the NLB's address (DNS, TCP, TLS, login), target health from
moto's NLB over the consumers' endpoint ENI addresses, the consumers' security groups as the
redshift-serverless API names them, and each workgroup's managed settings read back from it.
The broken links name their fix; after `rsfleet enforce` and the missing inbound rule the whole
chain is ok (exit 0). The spec shares nothing: moto's Data API answers only canned rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from aws_emulator import mock_aws, transitions
from aws_emulator.fleet import EmulatedFleet, build_fleet
from typer.testing import CliRunner

from rsfleet.cli import app
from rsfleet.spec.loader import load_spec

pytestmark = pytest.mark.fleet  # the PostgreSQL server behind the LB address

SPEC = """
environment = "emu"
vpc_cidr    = "10.40.0.0/16"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = 8 }
  c2 = { base_capacity = 8 }
}
"""


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatedFleet]:
    env_dir = tmp_path / "terraform" / "environments" / "emu"
    env_dir.mkdir(parents=True)
    (env_dir / "terraform.tfvars").write_text(SPEC, encoding="utf-8")
    monkeypatch.setenv("RSFLEET_ROOT", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "80")
    with mock_aws(), transitions({"progression": "immediate"}):
        yield build_fleet(load_spec(env_dir / "terraform.tfvars"))


def diagnose(fleet: EmulatedFleet, tmp_path: Path, server, monkeypatch) -> tuple[int, dict]:
    monkeypatch.setenv("PGPASSWORD", server.password)
    monkeypatch.setenv("PGSSLROOTCERT", str(server.ca_file))
    # the test server's CA stands in for the Amazon root CAs of the system bundle
    monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
    out = fleet.save_outputs(tmp_path / "outputs.json")
    res = CliRunner().invoke(app, [
        "--backend", "aws", "diagnose", "--env", "emu", "--tf-outputs", str(out), "--all",
        "--json", "--host", server.host, "--port", str(server.port), "--user",
        server.superuser])
    return res.exit_code, json.loads(res.output)


def by_name(doc: dict) -> dict[str, dict]:
    return {c["name"]: c for c in doc["checks"]}


def test_diagnose_names_the_broken_links_then_passes_once_fixed(
        fleet: EmulatedFleet, tmp_path: Path, pg_server_factory, monkeypatch) -> None:
    server = pg_server_factory("lb")
    with psycopg.connect(**server.tcp_kwargs(), autocommit=True) as c:
        c.execute("CREATE DATABASE dev")  # the producer's database: what the login asks for
    code, doc = diagnose(fleet, tmp_path, server, monkeypatch)
    assert code == 1 and doc["ok"] is False
    checks = by_name(doc)
    for link in ("dns", "tcp", "tls", "auth"):
        assert [c["status"] for c in doc["checks"] if c["link"] == link] == ["ok"], [c for c in doc["checks"] if c["link"] == link]
    for c in ("c1", "c2"):
        health = checks[f"{c} LB health"]
        assert health["status"] == "ok"
        assert all(ip in health["detail"] for ip in fleet.endpoint_ips[c].values())
        sg = checks[f"{c} admits 5439 from the NLB"]
        assert sg["status"] == "broken" and "inbound rule tcp/5439" in sg["fix"]
        wg = checks[f"{c} settings"]
        assert wg["status"] == "broken" and "config:require_ssl is false" in wg["detail"]
        assert "rsfleet enforce" in wg["fix"]

    enforced = CliRunner().invoke(app, ["enforce", "--env", "emu"])
    assert enforced.exit_code == 0, enforced.output
    sg_id = fleet.workgroup("c1")["securityGroupIds"][0]
    fleet.nlb.ec2.authorize_security_group_ingress(GroupId=sg_id, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 5439, "ToPort": 5439,
        "IpRanges": [{"CidrIp": "10.40.0.0/16"}]}])

    code, doc = diagnose(fleet, tmp_path, server, monkeypatch)
    bad = [c for c in doc["checks"] if c["status"] != "ok"]
    assert code == 0 and doc["ok"] is True, bad
    assert {c["link"] for c in doc["checks"]} >= {
        "spec", "outputs", "dns", "tcp", "tls", "auth", "targets", "security-groups",
        "workgroups"}
