"""The controller beside a real local fleet (PostgreSQL + HAProxy), as `rsfleet local up`
starts it: a background process under its supervisor (restarted when killed, counted and
shown by `local status`), its log rotated at a size cap, stopped by `local down`."""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from targets.load import Load  # the targets tests' load generator

from rsfleet.controller.local import ControllerProcess
from rsfleet.lifecycle import in_rotation, stop_controller
from rsfleet.sharing.local import consumer_ready, subscription_name
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
    store = local_context(fleet, data_ready=consumer_ready).store
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
    # the controller's own last line, then its supervisor's
    assert [x.get("event") for x in lines[-2:]] == ["stopped", "supervisor_stopped"]
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


def cli(fleet, *args: str):
    from typer.testing import CliRunner

    from rsfleet.cli import app

    return CliRunner().invoke(app, [*args, "--env", fleet.env, "--state-dir",
                                    str(fleet.state_dir)])


def controller_row(fleet) -> tuple[int, dict]:
    res = cli(fleet, "local", "status", "--json")
    return res.exit_code, next(r for r in json.loads(res.stdout) if r["name"] == "controller")


def test_supervised_restarted_after_kill_9_and_local_status_names_it(fleet):
    # the repro: SIGKILL the controller and nothing restarted it; status said nothing
    proc = ControllerProcess(fleet.state_dir)
    store = local_context(fleet, data_ready=consumer_ready).store
    assert controller_row(fleet)[1]["state"] == "off"  # not started: no problem
    first = proc.start(interval=INTERVAL)
    sup = proc.supervisor_pid
    try:
        log = proc.log_file.read_text()[-3000:] if proc.log_file.exists() else "(no log)"
        assert sup is not None and proc.is_supervised() and proc.pid == first, log
        wait_for(lambda: passes(store) >= 1)
        code, row = controller_row(fleet)
        assert (code, row["state"], row["restarts"], row["pid"]) == (0, "running", 0, first)
        # held between the crash and its restart (the supervisor stopped for a moment):
        # `local status` exits 1 naming it, `targets status` warns of the missing passes
        os.kill(sup, signal.SIGSTOP)
        try:
            os.kill(first, signal.SIGKILL)
            wait_for(lambda: not proc.is_running())
            res = cli(fleet, "local", "status")
            assert res.exit_code == 1 and "controller: down" in res.stderr, res.output
            assert controller_row(fleet)[1]["state"] == "down"
            wait_for(lambda: time.time() - store.last_pass().at > 3 * INTERVAL + 0.5)
            res = cli(fleet, "targets", "status")
            assert "WARNING: no pass for" in res.stdout and "0.5s interval" in res.stdout
        finally:
            os.kill(sup, signal.SIGCONT)
        # back by itself, counted
        wait_for(lambda: proc.is_running() and proc.pid != first, timeout=15)
        second = proc.pid
        wait_for(lambda: controller_row(fleet)[1]["restarts"] == 1)
        # once more without holding the supervisor: back within a few seconds
        os.kill(second, signal.SIGKILL)
        wait_for(lambda: proc.is_running() and proc.pid not in (first, second), timeout=15)
        wait_for(lambda: passes(store) >= 1 and time.time() - store.last_pass().at < 1)
        code, row = controller_row(fleet)
        assert (code, row["state"], row["restarts"]) == (0, "running", 2)
        assert "WARNING" not in cli(fleet, "targets", "status").stdout
        # its supervisor killed: the controller stops by itself (no unsupervised one left),
        # status names both, and `local up`'s start brings both back
        third = proc.pid
        os.kill(sup, signal.SIGKILL)
        wait_for(lambda: not proc.is_running(), timeout=15)
        res = cli(fleet, "local", "status")
        assert res.exit_code == 1 and "its supervisor too" in res.stderr, res.output
        proc.start(interval=INTERVAL)
        assert proc.is_running() and proc.pid != third and proc.supervisor_pid != sup
    finally:
        stop_controller(fleet.state_dir)
    assert not proc.is_running() and not proc.is_supervised()
    assert controller_row(fleet)[1]["state"] == "off"


def test_controller_log_is_rotated_at_its_size_cap(fleet):
    # the repro: controller.log grew ~700 B/s with no cap
    proc = ControllerProcess(fleet.state_dir)
    for old in fleet.state_dir.glob("controller.log*"):  # the earlier tests' (no writer now)
        old.unlink()
    cap = 4096
    proc.start(interval=0.2, log_bytes=cap)
    try:
        logs = [proc.log_file.with_name(f"controller.log.{i}") for i in (1, 2, 3)]
        wait_for(lambda: logs[2].exists(), timeout=60)  # every backup written once
        # and once more: the oldest is dropped, never a fifth file
        first = logs[2].stat().st_ino
        wait_for(lambda: logs[2].stat().st_ino != first, timeout=60)
        files = sorted(p.name for p in fleet.state_dir.glob("controller.log*"))
        assert files == ["controller.log", "controller.log.1", "controller.log.2",
                         "controller.log.3"]
        for path in [proc.log_file, *logs]:
            assert path.stat().st_size <= cap
        # whole JSON lines on both sides of a rotation
        for path in logs:
            assert all(json.loads(x) for x in path.read_text().splitlines())
    finally:
        stop_controller(fleet.state_dir)
