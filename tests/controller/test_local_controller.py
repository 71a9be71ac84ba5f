"""The controller beside a real local fleet (PostgreSQL + HAProxy), as `rsfleet local up`
starts it: a background process with a pid file, stopped by `local down`."""

from __future__ import annotations

import json
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from targets.load import Load  # the targets tests' load generator

from rsfleet.local.controller import ControllerProcess
from rsfleet.local.lifecycle import in_rotation, stop_controller
from rsfleet.sharing.local import subscription_name
from rsfleet.targets.api import local_context

pytestmark = pytest.mark.fleet
INTERVAL = 0.5


@pytest.fixture(scope="module")
def fleet(local_fleet):
    return local_fleet(3)


def wait_for(pred, timeout=30.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (v := pred()):
            return v
        time.sleep(step)
    raise AssertionError("condition not reached")


def passes(store) -> int:
    rec = store.last_pass()
    return rec.passes if rec else 0


def set_subscription(fleet, consumer: str, enabled: bool) -> None:
    name = subscription_name("sales_share", consumer)
    with psycopg.connect(**fleet.admin_kwargs(consumer, "sales_db"),
                         autocommit=True) as c:
        c.execute(sql.SQL("ALTER SUBSCRIPTION {} {}").format(
            sql.Identifier(name), sql.SQL("ENABLE" if enabled else "DISABLE")))


def test_broken_share_leaves_rotation_by_itself_and_returns(fleet):
    proc = ControllerProcess(fleet.state_dir)
    store = local_context(fleet).store
    pid = proc.start(interval=INTERVAL)
    try:
        assert proc.is_running() and proc.pid == pid
        assert proc.start(interval=INTERVAL) == pid  # idempotent: one controller
        wait_for(lambda: passes(store) >= 2)
        assert in_rotation(fleet) == {"c1", "c2", "c3"}
        load = Load(lambda: fleet.connect_kwargs("lb", "app_reader", "sales_db"),
                    new_per_s=20).start(workers=2)
        try:
            time.sleep(1.0)
            before = passes(store)
            set_subscription(fleet, "c2", enabled=False)
            wait_for(lambda: "c2" not in in_rotation(fleet), step=0.01)
            took = passes(store) - before
            # fall = 2: out on the second failed probe; the pass that was running when the
            # subscription was disabled may have probed c2 just before
            assert took <= 3, took
            assert in_rotation(fleet) == {"c1", "c3"}
            time.sleep(1.0)
            set_subscription(fleet, "c2", enabled=True)
            wait_for(lambda: "c2" in in_rotation(fleet))
            time.sleep(1.0)
        finally:
            events = load.stop()
        failed = [e for e in events if not e.ok and not e.persistent]
        assert len(events) > 40 and failed == [], failed[:3]
        assert {e.consumer for e in events if e.ok} == {"c1", "c2", "c3"}
    finally:
        stop_controller(fleet.state_dir)
    assert not proc.is_running() and not proc.pid_file.exists()
    lines = [json.loads(x) for x in proc.log_file.read_text().splitlines() if x.startswith("{")]
    drains = [x for x in lines if x.get("event") == "action" and x["action"] == "drain"]
    assert drains and drains[0]["target"] == "c2" and "disabled" in drains[0]["reason"]
    assert any(x.get("event") == "action" and x["action"] == "enable" and x["target"] == "c2"
               for x in lines)
    assert any("_aws" in x for x in lines)  # the same EMF lines the Lambda writes
    assert lines[-1]["event"] == "stopped"


def test_local_down_stops_it(fleet_factory):
    from rsfleet.local.lifecycle import down

    f = fleet_factory()
    proc = ControllerProcess(f.state_dir)
    pid = proc.start(interval=INTERVAL)
    wait_for(lambda: proc.log_file.exists() and "started" in proc.log_file.read_text())
    down(f)
    assert not proc.is_running() and proc.pid is None
    assert not Path(f"/proc/{pid}").exists()  # stopped and reaped


def test_cli_local_up_starts_it_and_no_controller_does_not(fleet_factory):
    from typer.testing import CliRunner

    from rsfleet.cli import app

    f = fleet_factory(rows=0)
    proc = ControllerProcess(f.state_dir)
    spec = f.state_dir.parent / "spec.tfvars"
    args = ["local", "up", "--spec", str(spec), "--state-dir", str(f.state_dir)]
    res = CliRunner().invoke(app, [*args, "--no-controller"])
    assert res.exit_code == 0, res.output
    assert not proc.is_running()
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert proc.is_running() and "started the readiness controller" in res.output
    pid = proc.pid
    res = CliRunner().invoke(app, args)  # idempotent: the same controller
    assert res.exit_code == 0 and proc.pid == pid
    res = CliRunner().invoke(app, ["local", "down", "--state-dir", str(f.state_dir),
                                   "--env", f.env])
    assert res.exit_code == 0, res.output
    assert "stopped the readiness controller" in res.output and not proc.is_running()
