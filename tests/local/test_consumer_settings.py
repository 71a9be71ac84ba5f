"""Spec -> PostgreSQL settings of the local consumers: the pure mapping, and on a real fleet
what the reader role gets at `local up` (SHOW statement_timeout as the reader, rolconnlimit),
and what `local up` says when the spec changes later."""

from __future__ import annotations

import psycopg
from typer.testing import CliRunner

from rsfleet.cli import app
from rsfleet.local.settings import (
    SERVERLESS_MAX_CONNECTIONS,
    RoleSettings,
    SettingChange,
    consumer_settings,
    diff,
)
from rsfleet.spec.models import Consumer

SPEC = """
environment = "test"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = 8, query_timeout_seconds = 90 }
  c2 = { base_capacity = 8 }
}
datashares  = { sales_share = { schemas = ["sales"], consumer_database = "sales_db" } }
"""


def test_consumer_settings_maps_the_query_timeout_and_the_serverless_connection_quota():
    got = consumer_settings(Consumer(base_capacity=8, query_timeout_seconds=120))
    assert got == {"app_reader": RoleSettings("120s", 2000)}
    assert SERVERLESS_MAX_CONNECTIONS == 2000
    assert consumer_settings(Consumer(base_capacity=8)) == {
        "app_reader": RoleSettings("3600s", 2000)}


def test_diff_names_each_setting_that_differs():
    want = {"app_reader": RoleSettings("120s", 2000)}
    assert diff(want, {"app_reader": RoleSettings("120s", 2000)}) == []
    assert diff(want, {"app_reader": RoleSettings("90s", 2000)}) == [
        SettingChange("app_reader", "statement_timeout", "90s", "120s")]
    assert [str(c) for c in diff(want, {"app_reader": None})] == [
        "statement_timeout of app_reader (none) -> 120s",
        "connection limit of app_reader unlimited -> 2000"]


def _show(fleet, name: str) -> tuple[str, int]:
    with psycopg.connect(**fleet.connect_kwargs(fleet.node(name), "app_reader",
                                                "sales_db")) as c:
        timeout = c.execute("SHOW statement_timeout").fetchone()[0]
        limit = c.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user"
                          ).fetchone()[0]
    return timeout, limit


def test_local_up_gives_the_reader_the_spec_settings_and_reports_a_changed_spec(fleet_factory):
    fleet = fleet_factory(SPEC, rows=100)
    assert _show(fleet, "c1") == ("90s", 2000)
    assert _show(fleet, "c2") == ("1h", 2000)

    spec_file = fleet.state_dir.parent / "spec.tfvars"
    spec_file.write_text(SPEC.replace("query_timeout_seconds = 90",
                                      "query_timeout_seconds = 120"), encoding="utf-8")
    res = CliRunner().invoke(app, ["local", "up", "--spec", str(spec_file), "--state-dir",
                                   str(fleet.state_dir)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())  # the console wraps long lines
    assert "c1 differs from the spec: statement_timeout of app_reader 90s -> 120s" in out
    assert "c2 differs" not in out
    assert "rsfleet local rollout" in out
    # up reports; it does not change a running consumer under its sessions
    assert _show(fleet, "c1") == ("90s", 2000)
