"""The controller beside a real local fleet (PostgreSQL + HAProxy), as `rsfleet local up`
starts it: a background process with a pid file, stopped by `local down`."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from targets.load import Load  # the targets tests' load generator

from rsfleet.controller.local import ControllerProcess
from rsfleet.lifecycle import in_rotation, stop_controller
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

        def served(after: float) -> set[str | None]:
            return {e.consumer for e in list(load.events) if e.ok and e.start > after}

        try:
            # waits, not sleeps: the load's rate is whatever the host allows
            wait_for(lambda: served(0) == {"c1", "c2", "c3"})
            set_subscription(fleet, "c2", enabled=False)
            wait_for(lambda: "c2" not in in_rotation(fleet), step=0.01)
            assert in_rotation(fleet) == {"c1", "c3"}
            out_at = time.monotonic()
            wait_for(lambda: sum(e.start > out_at for e in list(load.events)) >= 10)
            enabled_at = time.monotonic()
            set_subscription(fleet, "c2", enabled=True)
            wait_for(lambda: "c2" in in_rotation(fleet))
            back_at = time.monotonic()
            wait_for(lambda: "c2" in served(back_at))  # serving again
            wait_for(lambda: len(load.events) > 40)
        finally:
            events = load.stop()
        failed = [e for e in events if not e.ok and not e.persistent]
        assert len(events) > 40 and failed == [], failed[:3]
        # while c2 was out: sessions went elsewhere
        while_out = {e.consumer for e in events if out_at < e.start and e.end < enabled_at}
        assert while_out and "c2" not in while_out, while_out
    finally:
        stop_controller(fleet.state_dir)
    assert not proc.is_running() and not proc.pid_file.exists()
    lines = [json.loads(x) for x in proc.log_file.read_text().splitlines() if x.startswith("{")]
    drains = [x for x in lines if x.get("event") == "action" and x["action"] == "drain"]
    assert drains and drains[0]["target"] == "c2" and "disabled" in drains[0]["reason"]
    # fall = 2: c2 left on the second pass in a row whose probe failed (counted in the log,
    # not against the clock): the drain's pass ends with the EMF line after its action line
    emf = [i for i, x in enumerate(lines) if "_aws" in x]
    at = lines.index(drains[0])
    drain_pass = next(i for i in emf if i > at)
    failing = 0
    for i in reversed([i for i in emf if i <= drain_pass]):
        if lines[i]["ProbeFailures"] == 0:
            break
        failing += 1
    assert failing == 2, lines[max(0, at - 6):drain_pass + 1]
    assert any(x.get("event") == "action" and x["action"] == "enable" and x["target"] == "c2"
               for x in lines)
    assert any("_aws" in x for x in lines)  # the same EMF lines the Lambda writes
    # every pass says one sentence, also those with nothing to do; while c2 is out the
    # sentence says why
    said = [x["sentence"] for x in lines if x.get("event") == "pass"]
    assert len(said) == len(emf), (len(said), len(emf))
    assert any(s.startswith("c2 drained: not ready: ") and "disabled" in s
               and s.endswith("; 2 of 3 in rotation") for s in said), said
    # rise = 2: the pass between its first and second good probe changes nothing and says so
    assert any(s == "c2 out: ready again, 1 of 2 good probe(s) before it returns; "
               "2 of 3 in rotation; no change" for s in said), said
    assert said[0] == "3 of 3 in rotation; no change", said[:3]
    assert lines[-1]["event"] == "stopped"
    # every line has its time (UTC, in order): a log file has no CloudWatch to stamp it
    times = [datetime.fromisoformat(x["time"]) for x in lines]
    assert all(t.tzinfo is not None for t in times) and times == sorted(times)
    assert times[at] < datetime.now(UTC)


def test_local_down_stops_it(fleet_factory):
    from rsfleet.lifecycle import down

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
    # `targets watch` beside it says so (it started a second loop without a word)
    import signal
    import subprocess
    import sys

    watch = subprocess.Popen([sys.executable, "-m", "rsfleet", "targets", "watch",
                              "--state-dir", str(f.state_dir), "--env", f.env],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:  # its first line on stdout, with or without the warning before it on stderr
        assert watch.stdout is not None and "watching every" in watch.stdout.readline()
    finally:
        watch.send_signal(signal.SIGTERM)
        _, stderr = watch.communicate(timeout=30)
    said = " ".join(stderr.split())
    assert f"the fleet's background controller (pid {pid}, started by `local up`) already " \
        "runs this loop" in said, said
    res = CliRunner().invoke(app, ["local", "down", "--state-dir", str(f.state_dir),
                                   "--env", f.env])
    assert res.exit_code == 0, res.output
    assert "stopped the readiness controller" in res.output and not proc.is_running()
