"""The local links of the diagnose chain against a real local fleet (tests/conftest.py): its
PostgreSQL consumers behind HAProxy, TLS verified against the fleet's CA, the `sales` schema
shared into `sales_db`; c3 of the module's fleet has lost its shared data."""

from __future__ import annotations

import os
import signal
import time

import psycopg
import pytest
from conftest import fleet_spec
from psycopg import sql
from typer.testing import CliRunner

from rsfleet.cli import app
from rsfleet.diagnose import checks
from rsfleet.sharing.local import consumer_ready

pytestmark = pytest.mark.fleet
NAMES = ["c1", "c2", "c3"]


def dev_spec(consumers: int) -> str:
    return fleet_spec(consumers).replace('environment = "test"', 'environment = "dev"')


def ctx_for(fleet) -> checks.DiagContext:
    ctx = checks.DiagContext(backend="local", env="dev", timeout=10)  # bounds a hang only
    ctx.state_dir = fleet.state_dir  # as `diagnose --state-dir` sets it
    ctx.local_args = fleet.cli_args  # as the command layer passes it
    ctx.fleet = fleet
    ctx.spec = fleet.spec
    ctx.cafile = str(fleet.ca_file)
    return ctx


def unshare(fleet, name: str) -> None:
    """What a consumer looks like before `share apply`: its database, no shared tables."""
    with psycopg.connect(**fleet.admin_kwargs(name, "sales_db"), autocommit=True) as c:
        for (sub,) in c.execute("SELECT subname FROM pg_subscription").fetchall():
            c.execute(sql.SQL("DROP SUBSCRIPTION {}").format(sql.Identifier(sub)))
        c.execute("DROP SCHEMA sales CASCADE")


@pytest.fixture(scope="module")
def fleet(local_fleet):
    fleet = local_fleet(len(NAMES), spec_text=dev_spec(len(NAMES)))
    unshare(fleet, "c3")
    return fleet


def test_healthy_links(fleet):
    ctx = ctx_for(fleet)
    for link in (checks.check_dns, checks.check_tcp, checks.check_tls, checks.check_auth):
        got = link(ctx)
        assert [c.status for c in got] == ["ok"], got


def test_consumer_with_no_shared_data(fleet):
    got = {c.name: c for c in checks.check_datashare(ctx_for(fleet))}
    assert got["c1: sales_db mounted and readable"].status == "ok"
    c3 = got["c3: sales_db mounted and readable"]
    assert c3.status == "broken" and "sales" in c3.detail
    # the fix repeats the state dir: `--env dev` alone would look in .rsfleet/dev
    assert c3.fix == f"share the data: rsfleet share apply --env dev --state-dir {fleet.state_dir}"


def test_cli_stops_at_the_unshared_consumer(fleet):
    res = CliRunner().invoke(app, ["diagnose", "--env", "dev", "--state-dir",
                                   str(fleet.state_dir), "--all", "--timeout", "10"])
    assert res.exit_code == 1, res.output
    assert "BROKEN  datashare c3: sales_db mounted and readable" in res.output
    assert ("fix: share the data: rsfleet share apply --env dev --state-dir "
            f"{fleet.state_dir}") in res.output


def test_undrain_is_the_fix_only_for_a_drained_consumer(fleet):
    """diagnose said `targets undrain c3` (without --env) for c3, which nobody drained (it is
    not ready: no shared data); for a drained one the fix repeats --env/--state-dir."""
    from rsfleet.targets import api as targets_api

    tctx = targets_api.local_context(fleet, data_ready=consumer_ready)
    targets_api.sync(tctx)  # a controller pass: c3 (not ready) out of rotation
    got = {c.name: c for c in checks.check_targets(ctx_for(fleet))}
    assert got["c3 LB health"].status == "warning"
    assert "undrain" not in got["c3 LB health"].fix
    assert f"`rsfleet targets status {fleet.cli_args}` says why" in got["c3 LB health"].fix
    targets_api.drain(tctx, "c1", why="maintenance")
    try:
        got = {c.name: c for c in checks.check_targets(ctx_for(fleet))}
        assert got["c1 LB health"].fix == ("drained (maintenance): put it back with rsfleet "
                                           f"targets undrain c1 {fleet.cli_args}")
    finally:
        targets_api.undrain(tctx, "c1")


def test_wrong_password(fleet, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "not-the-password")
    (c,) = checks.check_auth(ctx_for(fleet))
    assert c.status == "broken" and "password authentication failed" in c.detail
    assert "PGPASSWORD" in c.fix


def test_stopped_consumer_then_stopped_haproxy(fleet_factory):
    fleet = fleet_factory(dev_spec(2))
    fleet.kill("c2")
    ctx = ctx_for(fleet)
    deadline = time.monotonic() + 30  # bounds a hang only
    while True:  # HAProxy needs fall 2 checks to see it
        got = {c.name: c for c in checks.check_targets(ctx)}
        if got["c2 LB health"].status == "broken" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert got["c1 LB health"].status == "ok" and got["c1 readiness"].status == "ok"
    assert got["c2 LB health"].status == "broken"
    assert got["c2 LB health"].detail.startswith("DOWN")
    assert got["c2 readiness"].status == "broken"
    assert "rsfleet local restart c2" in got["c2 readiness"].fix
    # auth through the LB still works: HAProxy sends sessions to c1
    assert checks.check_auth(ctx)[0].status == "ok"

    pid = fleet.haproxy.pid
    assert pid is not None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30  # bounds a hang only
    while time.monotonic() < deadline:
        (tcp,) = checks.check_tcp(ctx)
        if tcp.status == "broken":
            break
        time.sleep(0.1)
    assert tcp.status == "broken" and "HAProxy is not listening" in tcp.fix
    (tg,) = checks.check_targets(ctx)
    assert tg.status == "broken" and tg.name == "HAProxy runtime API"
