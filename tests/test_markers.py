"""`make test-fast` (-m "not fleet and not terraform") relies on truthful markers: a test
without `fleet` cannot start PostgreSQL or HAProxy, one without `terraform` cannot run
terraform (tests/conftest.py puts refusing guards first on PATH and in RSFLEET_PG_BIN)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


@pytest.mark.parametrize(("tool", "marker"), [("haproxy", "fleet"), ("initdb", "fleet"),
                                              ("pg_ctl", "fleet"), ("terraform", "terraform")])
def test_unmarked_test_cannot_start_servers(tool: str, marker: str):
    path = shutil.which(tool)
    assert path is not None and "rsfleet-guard-" in path
    env = {k: v for k, v in os.environ.items() if k != "RSFLEET_GUARD_LOG"}  # not this test
    proc = subprocess.run([path, "-v"], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 97
    assert f"without @pytest.mark.{marker}" in proc.stderr


def test_rsfleet_finds_the_guard_for_postgresql():
    from rsfleet.local.postgres import pg_bin_dir

    assert "rsfleet-guard-" in str(pg_bin_dir())


@pytest.mark.fleet
def test_marked_test_gets_the_real_programs():
    path = shutil.which("haproxy")
    assert path is not None and "rsfleet-guard-" not in path
    assert subprocess.run([path, "-v"], capture_output=True, check=False).returncode == 0


def test_fixture_users_are_marked(request: pytest.FixtureRequest):
    # a test asking for a fleet fixture is marked even without the decorator; checked on
    # this session's collected items
    items = request.session.items
    users = [i for i in items if {"fleet_factory", "local_fleet", "pg_server_factory"}
             & set(getattr(i, "fixturenames", ()))]
    assert all(i.get_closest_marker("fleet") for i in users)
