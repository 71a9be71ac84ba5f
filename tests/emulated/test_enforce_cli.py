"""`rsfleet enforce` against the emulator: workgroups built as Terraform leaves them (default
parameters, spec capacities), then set one UpdateWorkgroup call at a time, which the
redshift-serverless backend insists on (several attributes in one call: ValidationException;
a call while MODIFYING: ConflictException)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aws_emulator import mock_aws, transitions
from aws_emulator.fleet import EmulatedFleet, build_fleet
from typer.testing import CliRunner

from rsfleet.cli import app
from rsfleet.spec.loader import load_spec

SPEC = """
environment = "emu"
producer    = { base_capacity = 8, max_capacity = 16 }
consumers   = {
  c1 = { base_capacity = 8, max_capacity = 16, query_timeout_seconds = 3600 }
  c2 = { base_capacity = 8, query_timeout_seconds = 1800 }
}
"""


@pytest.fixture
def fleet(tmp_path, monkeypatch) -> Iterator[EmulatedFleet]:
    env_dir = tmp_path / "terraform" / "environments" / "emu"
    env_dir.mkdir(parents=True)
    (env_dir / "terraform.tfvars").write_text(SPEC, encoding="utf-8")
    monkeypatch.setenv("RSFLEET_ROOT", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "80")
    with mock_aws(), transitions({"progression": "immediate"}):
        yield build_fleet(load_spec(env_dir / "terraform.tfvars"))


def config(wg: dict) -> dict[str, str]:
    return {p["parameterKey"]: p["parameterValue"] for p in wg["configParameters"]}


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_enforce_dry_run_then_apply_then_nothing_left(fleet: EmulatedFleet) -> None:
    before = {c: config(fleet.workgroup(c)) for c in (None, "c1", "c2")}
    assert before[None]["require_ssl"] == "false"  # a new workgroup's default here

    dry = run("enforce", "--env", "emu", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "require_ssl" in dry.output and "max_query_execution_time" in dry.output
    assert {c: config(fleet.workgroup(c)) for c in (None, "c1", "c2")} == before

    done = run("enforce", "--env", "emu")
    assert done.exit_code == 0, done.output
    for consumer, timeout in ((None, None), ("c1", "3600"), ("c2", "1800")):
        wg = fleet.workgroup(consumer)
        got = config(wg)
        assert got["require_ssl"] == "true" and got["enable_user_activity_logging"] == "true"
        if timeout:
            assert got["max_query_execution_time"] == timeout
        assert got["auto_mv"] == "true"  # a parameter rsfleet does not manage: kept
        assert wg["status"] == "AVAILABLE"

    again = run("enforce", "--env", "emu")
    assert again.exit_code == 0, again.output
    assert "->" not in again.output  # nothing to change


def test_enforce_puts_back_capacity_changed_outside(fleet: EmulatedFleet) -> None:
    name = fleet.spec.workgroup_name("c1")
    fleet.rs.update_workgroup(workgroupName=name, maxCapacity=64)
    fleet.rs.update_workgroup(workgroupName=name, baseCapacity=32)
    done = run("enforce", "--env", "emu")
    assert done.exit_code == 0, done.output
    wg = fleet.workgroup("c1")
    assert (wg["baseCapacity"], wg["maxCapacity"]) == (8, 16)
    assert "baseCapacity: 32 -> 8" in done.output and "maxCapacity: 64 -> 16" in done.output
