"""`rsfleet destroy` cannot lose the producer's data silently: a final snapshot first, and
prod needs its name typed back. The snapshot taken and waited for runs against the
redshift-serverless emulator (tests/emulated/test_final_snapshot.py); here, through Stubber,
the FAILED snapshot the emulator never produces."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from rsfleet.backup.service import final_snapshot
from rsfleet.cli import app
from rsfleet.errors import FleetError
from rsfleet.spec.models import FleetSpec

NOW = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
NS = "rsfleet-prod-producer"
SPEC = FleetSpec.model_validate({"environment": "prod", "producer": {"base_capacity": 8},
                                 "consumers": {"c1": {"base_capacity": 8}}})
NAME = f"rsfleet-{NS}-final-20261130-180000"


def rs_client():
    return boto3.client("redshift-serverless", region_name="us-east-1", aws_access_key_id="x",
                        aws_secret_access_key="x")


def test_a_failed_final_snapshot_stops_the_destroy():
    rs = rs_client()
    with Stubber(rs) as st:
        st.add_response("get_namespace", {"namespace": {"namespaceName": NS}})
        st.add_response("list_snapshots", {"snapshots": []})
        st.add_response("create_snapshot", {"snapshot": {"snapshotName": NAME}})
        st.add_response("get_snapshot", {"snapshot": {"status": "FAILED"}})
        with pytest.raises(FleetError, match="still FAILED"):
            final_snapshot(SPEC, rs, now=NOW, retention_days=35, sleep=lambda s: None)


@pytest.fixture
def prod_project(tmp_path, monkeypatch):
    env_dir = tmp_path / "terraform" / "environments" / "prod"
    env_dir.mkdir(parents=True)
    (env_dir / "terraform.tfvars").write_text(
        'environment = "prod"\nproducer = { base_capacity = 8 }\n'
        "consumers = { c1 = { base_capacity = 8 } }\n", encoding="utf-8")
    monkeypatch.setenv("RSFLEET_ROOT", str(tmp_path))
    monkeypatch.setenv("TF_DATA_DIR", str(tmp_path / ".terraform"))
    return tmp_path


def test_prod_destroy_without_a_terminal_is_refused_before_anything(prod_project):
    result = CliRunner().invoke(app, ["destroy", "--env", "prod", "--auto-approve"])
    assert result.exit_code == 2
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "--yes-destroy-prod" in lines[0], result.output
    assert not (prod_project / ".terraform").exists()  # Terraform never ran


def test_destroy_without_aws_credentials_stops_before_terraform(prod_project, monkeypatch):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE",
                "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(prod_project / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(prod_project / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # boto3's default session caches the credentials it resolved for an earlier test in this
    # xdist worker (moto's fake keys): start from no session, as a fresh `rsfleet` process does.
    import boto3
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    result = CliRunner().invoke(app, ["destroy", "--env", "prod", "--auto-approve",
                                      "--yes-destroy-prod"])
    assert result.exit_code == 2, result.output
    assert "no AWS credentials" in result.output
    assert not (prod_project / ".terraform").exists()
