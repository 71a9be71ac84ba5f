"""`rsfleet connect NAME --iam` against the emulator: the workgroup's endpoint from
GetWorkgroup and a token from GetCredentials (durationSeconds checked by the service too);
the token is never printed or put in psql's argv."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aws_emulator import mock_aws
from aws_emulator.fleet import EmulatedFleet, build_fleet
from typer.testing import CliRunner

from rsfleet import connect
from rsfleet.cli import app
from rsfleet.errors import RsfleetError
from rsfleet.spec.loader import load_spec

SPEC = """
environment = "emu"
producer    = { base_capacity = 8 }
consumers   = { c1 = { base_capacity = 8 } }
"""


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[EmulatedFleet]:
    (tmp_path / "emu.tfvars").write_text(SPEC, encoding="utf-8")
    with mock_aws():
        yield build_fleet(load_spec(tmp_path / "emu.tfvars"))


def test_session_from_the_emulated_workgroup(fleet: EmulatedFleet) -> None:
    wg = fleet.workgroup("c1")
    session = connect.iam_session(fleet.rs, wg["workgroupName"], "dev", duration=3600)
    assert (session.host, session.port) == (wg["endpoint"]["address"], 5439)
    assert session.user.startswith("IAM")
    argv = connect.psql_argv(session, "verify-full")
    assert session.password not in " ".join(argv) and session.password not in repr(session)
    with pytest.raises(RsfleetError) as err:
        connect.iam_session(fleet.rs, "rsfleet-emu-c9", "dev")
    assert "ResourceNotFoundException" in str(err.value)
    assert err.value.hint == "check the name and --env"


def test_cli_print_names_the_endpoint_and_no_token(fleet: EmulatedFleet,
                                                   tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["connect", "c1", "--spec", str(tmp_path / "emu.tfvars"),
                                   "--iam", "--print"])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert fleet.workgroup("c1")["endpoint"]["address"] in out
    assert "get-credentials" in out and "dbPassword" in out
