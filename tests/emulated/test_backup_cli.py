"""`rsfleet --backend aws backup plan|apply|status|list|snapshot` against the emulator: the
policy (scheduled action + cross-region copy) reconciled through the redshift-serverless API
and read back from it, a second apply with nothing to do, a changed retention updated in
place, an operator's own schedule left alone, a manual snapshot tagged as rsfleet's and
listed beside the emulator's recovery points. (The spec shares nothing, so `snapshot` has no
table to record through the Data API, which moto answers only with canned rows.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aws_emulator import mock_aws
from aws_emulator.fleet import EmulatedFleet, build_fleet
from typer.testing import CliRunner

from rsfleet.cli import app
from rsfleet.spec.loader import load_spec

ROLE = "arn:aws:iam::123456789012:role/rsfleet-scheduler"
SPEC = """
environment = "emu"
producer    = {
  base_capacity = 8
  backup = {
    schedule       = "rate(6 hours)"
    retention_days = %d
    role_arn       = "%s"
    copy           = { region = "us-west-2", retention_days = 3 }
  }
}
consumers   = { c1 = { base_capacity = 8 } }
"""


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatedFleet]:
    monkeypatch.setenv("COLUMNS", "80")
    path = tmp_path / "emu.tfvars"
    path.write_text(SPEC % (14, ROLE), encoding="utf-8")
    with mock_aws():
        yield build_fleet(load_spec(path))


def cli(tmp_path: Path, *args: str, retention: int = 14):
    path = tmp_path / "emu.tfvars"
    path.write_text(SPEC % (retention, ROLE), encoding="utf-8")
    return CliRunner().invoke(app, ["--backend", "aws", "backup", *args, "--spec", str(path),
                                    "--state-dir", str(tmp_path / "state")])


def schedules(fleet: EmulatedFleet) -> dict[str, dict]:
    names = [a["scheduledActionName"] for a in fleet.rs.list_scheduled_actions(
        namespaceName=fleet.spec.workgroup_name())["scheduledActions"]]
    return {n: fleet.rs.get_scheduled_action(scheduledActionName=n)["scheduledAction"]
            for n in names}


def test_apply_reconciles_the_policy_through_the_api_and_status_reads_it_back(
        fleet: EmulatedFleet, tmp_path: Path) -> None:
    producer = fleet.spec.workgroup_name()
    fleet.rs.create_scheduled_action(  # an operator's own: never touched
        scheduledActionName="ops-weekly", namespaceName=producer, roleArn=ROLE,
        schedule={"cron": "cron(0 1 ? * SUN *)"},
        targetAction={"createSnapshot": {"namespaceName": producer,
                                         "snapshotNamePrefix": "ops"}})

    planned = cli(tmp_path, "plan", "--json")
    assert planned.exit_code == 0, planned.output
    assert len(json.loads(planned.output)["steps"]) == 2  # the schedule and the copy
    assert list(schedules(fleet)) == ["ops-weekly"]  # a plan changes nothing

    applied = cli(tmp_path, "apply")
    assert applied.exit_code == 0, applied.output
    ours = {n: a for n, a in schedules(fleet).items() if n.startswith("rsfleet-")}
    (name, action), = ours.items()
    assert action["schedule"] == {"cron": "cron(0 0/6 * * ? *)"}
    assert action["roleArn"] == ROLE and action["state"] == "ACTIVE"
    snap = action["targetAction"]["createSnapshot"]
    assert (snap["namespaceName"], snap["retentionPeriod"]) == (producer, 14)
    copies = fleet.rs.list_snapshot_copy_configurations(namespaceName=producer)[
        "snapshotCopyConfigurations"]
    assert [(c["destinationRegion"], c["snapshotRetentionPeriod"]) for c in copies] == [
        ("us-west-2", 3)]

    again = cli(tmp_path, "plan", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.output) == {"changes": False, "steps": [], "notes": []}
    status = cli(tmp_path, "status", "--json")
    assert status.exit_code == 0, status.output
    doc = json.loads(status.output)
    assert doc["policy_in_force"] is True and doc["pending"] == []

    changed = cli(tmp_path, "apply", retention=7)
    assert changed.exit_code == 0, changed.output
    after = schedules(fleet)
    assert after[name]["targetAction"]["createSnapshot"]["retentionPeriod"] == 7
    assert after[name]["scheduledActionUuid"] == action["scheduledActionUuid"]  # updated
    assert after["ops-weekly"] == schedules(fleet)["ops-weekly"]
    assert after["ops-weekly"]["schedule"] == {"cron": "cron(0 1 ? * SUN *)"}


def test_snapshot_is_taken_tagged_and_listed_with_the_recovery_points(
        fleet: EmulatedFleet, tmp_path: Path) -> None:
    taken = cli(tmp_path, "snapshot", "--name", "rsfleet-emu-manual")
    assert taken.exit_code == 0, taken.output
    snap = fleet.rs.get_snapshot(snapshotName="rsfleet-emu-manual")["snapshot"]
    assert snap["namespaceName"] == fleet.spec.workgroup_name()
    assert snap["snapshotRetentionPeriod"] == 14  # the policy's retention
    tags = fleet.rs.list_tags_for_resource(resourceArn=snap["snapshotArn"])["tags"]
    assert {"key": "managed-by", "value": "rsfleet"} in tags

    again = cli(tmp_path, "snapshot", "--name", "rsfleet-emu-manual")
    assert again.exit_code == 2 and "exists already" in again.output

    listed = cli(tmp_path, "list", "--json")
    assert listed.exit_code == 0, listed.output
    points = json.loads(listed.output)
    kinds = {p["kind"] for p in points}
    assert kinds == {"snapshot", "recovery-point"}
    ids = [p["id"] for p in points]
    assert "rsfleet-emu-manual" in ids
    created = [p["created"] for p in points]
    assert created == sorted(created, reverse=True)  # newest first
