"""`rsfleet --backend aws backup restore|drill` against the emulator: a restore creates a new
namespace + workgroup in the producer's subnets and security groups and restores the chosen
point into it (a snapshot by name, or the newest point at or before --at), never over an
existing name; --in-place restores the producer itself; a drill restores into a scratch copy
and deletes it again. Transitions are immediate (the CLI polls every 15 real seconds); the
spec shares no table, so the drill has no row to compare through the Data API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aws_emulator import mock_aws, transitions
from aws_emulator.fleet import EmulatedFleet, build_fleet
from aws_emulator.moto_redshift_serverless import redshiftserverless_backends
from moto.core import DEFAULT_ACCOUNT_ID
from typer.testing import CliRunner

from rsfleet.cli import app
from rsfleet.spec.loader import load_spec

SPEC = """
environment = "emu"
producer    = { base_capacity = 8 }
consumers   = { c1 = { base_capacity = 8 } }
"""


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatedFleet]:
    monkeypatch.setenv("COLUMNS", "80")
    (tmp_path / "emu.tfvars").write_text(SPEC, encoding="utf-8")
    with mock_aws(), transitions({"progression": "immediate"}):
        yield build_fleet(load_spec(tmp_path / "emu.tfvars"))


def backup(tmp_path: Path, *args: str):
    return CliRunner().invoke(app, ["--backend", "aws", "backup", *args, "--spec",
                                    str(tmp_path / "emu.tfvars"), "--state-dir",
                                    str(tmp_path / "state")])


def restored_from(fleet: EmulatedFleet, namespace: str) -> str | None:
    backend = redshiftserverless_backends[DEFAULT_ACCOUNT_ID][fleet.region]
    return backend.namespaces[namespace].restored_from


def test_restore_into_a_new_copy_by_snapshot_or_time_never_over_an_existing_one(
        fleet: EmulatedFleet, tmp_path: Path) -> None:
    assert backup(tmp_path, "snapshot", "--name", "rsfleet-emu-s1").exit_code == 0
    done = backup(tmp_path, "restore", "--from", "rsfleet-emu-s1", "--to", "emu-copy")
    assert done.exit_code == 0, done.output
    copy = fleet.rs.get_workgroup(workgroupName="emu-copy")["workgroup"]
    producer = fleet.workgroup()
    assert copy["status"] == "AVAILABLE" and copy["namespaceName"] == "emu-copy"
    assert copy["subnetIds"] == producer["subnetIds"]
    assert copy["securityGroupIds"] == producer["securityGroupIds"]
    assert restored_from(fleet, "emu-copy") == "snapshot:rsfleet-emu-s1"
    tags = fleet.rs.list_tags_for_resource(resourceArn=fleet.rs.get_namespace(
        namespaceName="emu-copy")["namespace"]["namespaceArn"])["tags"]
    assert {"key": "managed-by", "value": "rsfleet"} in tags
    assert restored_from(fleet, fleet.spec.workgroup_name()) is None  # producer untouched

    again = backup(tmp_path, "restore", "--from", "rsfleet-emu-s1", "--to", "emu-copy")
    assert again.exit_code == 2 and "exists already" in again.output

    points = fleet.rs.list_recovery_points(namespaceName=fleet.spec.workgroup_name())[
        "recoveryPoints"]
    at = datetime.now(UTC).isoformat()
    by_time = backup(tmp_path, "restore", "--at", at, "--to", "emu-copy2")
    assert by_time.exit_code == 0, by_time.output
    assert restored_from(fleet, "emu-copy2") in {
        f"recovery-point:{p['recoveryPointId']}" for p in points} | {
        "snapshot:rsfleet-emu-s1"}


def test_in_place_restore_and_a_drill_that_cleans_up(fleet: EmulatedFleet,
                                                    tmp_path: Path) -> None:
    producer = fleet.spec.workgroup_name()
    assert backup(tmp_path, "snapshot", "--name", "rsfleet-emu-s2").exit_code == 0
    done = backup(tmp_path, "restore", "--from", "rsfleet-emu-s2", "--in-place",
                  "--yes-in-place")
    assert done.exit_code == 0, done.output
    assert restored_from(fleet, producer) == "snapshot:rsfleet-emu-s2"

    before = {n["namespaceName"] for n in fleet.rs.list_namespaces()["namespaces"]}
    drill = backup(tmp_path, "drill")
    assert drill.exit_code == 0, drill.output
    assert "verified snapshot rsfleet-emu-s2" in drill.output, drill.output
    after = {n["namespaceName"] for n in fleet.rs.list_namespaces()["namespaces"]}
    assert after == before  # the scratch namespace and workgroup are gone again
    assert {w["workgroupName"] for w in fleet.rs.list_workgroups()["workgroups"]} == {
        producer, fleet.spec.workgroup_name("c1")}
