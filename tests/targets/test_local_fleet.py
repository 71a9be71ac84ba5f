"""The targets commands and the controller on a real local fleet (`rsfleet local up`:
PostgreSQL producer + consumers with logical-replication shares, TLS, HAProxy `rsfleet`
profile), from the shared `fleet_factory` fixture."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest
from typer.testing import CliRunner

from rsfleet.cli import app
from rsfleet.controller.service import watch
from rsfleet.sharing.local import consumer_ready
from rsfleet.targets import api

from .fleet import wait_for
from .load import Load

pytestmark = pytest.mark.fleet


def cli(fleet, *args: str):
    return CliRunner().invoke(app, ["--backend", "local", "targets", *args, "--state-dir",
                                    str(fleet.state_dir)])


def rows(res) -> dict[str, dict]:
    assert res.exit_code == 0, res.output
    return {r["name"]: r for r in json.loads(res.output)}


def test_cli_status_drain_undrain_sync(fleet_factory):
    fleet = fleet_factory()
    st = rows(cli(fleet, "status", "--json"))
    assert set(st) == {"c1", "c2", "c3"}
    assert all(r["in_rotation"] and r["ready"] for r in st.values())
    assert "shared table(s) readable" in st["c1"]["reason"]

    res = cli(fleet, "drain", "c1", "--wait", "--timeout", "30s", "--json")
    assert res.exit_code == 0, res.output
    assert "no sessions left" in json.loads(res.output)["result"]
    st = rows(cli(fleet, "status", "--json"))
    assert st["c1"]["drained"] and st["c1"]["lb_state"] == "maint"
    assert not st["c1"]["in_rotation"] and st["c1"]["ready"]  # ready, but drained

    res = cli(fleet, "sync", "--dry-run")
    assert res.exit_code == 0 and "converged" in res.output  # the drain is remembered
    # sessions through the LB never reach c1 now
    import psycopg

    served = set()
    for _ in range(9):
        with psycopg.connect(**fleet.connect_kwargs("lb")) as c:
            served.add(c.execute("SELECT current_setting('cluster_name')").fetchone()[0])
    assert served == {"c2", "c3"}

    res = cli(fleet, "undrain", "c1")
    assert res.exit_code == 0 and "state ready" in res.output
    st = rows(cli(fleet, "status", "--json"))
    assert st["c1"]["in_rotation"] and not st["c1"]["drained"]

    res = cli(fleet, "status")  # the human table
    assert res.exit_code == 0 and "c1" in res.output and "c3" in res.output
    # in a real 80-column terminal (the demo's): the compact layout, no line wider than 80
    proc = subprocess.run([sys.executable, "-m", "rsfleet", "--backend", "local", "targets",
                           "status", "--state-dir", str(fleet.state_dir)],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "COLUMNS": "80", "TERM": "dumb"})
    assert proc.returncode == 0, proc.stderr
    table = proc.stdout.split("controller:", 1)[0]  # the last-pass line is wrapped by the tty
    assert max(len(line) for line in table.splitlines()) <= 80, proc.stdout
    assert "in_rotation UP" in proc.stdout and "…" not in proc.stdout

    res = cli(fleet, "drain", "nope")
    assert res.exit_code == 2 and "not a consumer behind the load balancer" in res.output

    # c2 is ready but its server is gone from HAProxy's backend: status says so, exit 1
    from rsfleet.adapters.haproxy import HaproxyRuntime

    rt = HaproxyRuntime(fleet.haproxy_socket)
    rt.set_server_state("consumers", "c2", "maint")
    rt.del_server("consumers", "c2")
    res = cli(fleet, "status", "--json")
    assert res.exit_code == 1, res.output
    assert ("1 target(s) not serving: c2: ready but not in rotation (missing from the load "
            "balancer)") in res.stderr
    st = {r["name"]: r for r in json.loads(res.stdout)}
    assert st["c2"]["ready"] is True and st["c2"]["lb_state"] == "absent"
    res = CliRunner().invoke(app, ["local", "status", "--state-dir", str(fleet.state_dir)])
    assert res.exit_code == 1 and ("1 problem(s): c2: missing from HAProxy's backend"
                                   in res.stderr), res.output
    res = cli(fleet, "sync")  # puts it back (add server), then status is clean again
    assert res.exit_code == 0 and "c2" in res.output, res.output
    assert "c2 in: ready (1 good probe(s) in a row); 3 of 3 in rotation" in res.output
    assert rows(cli(fleet, "status", "--json"))["c2"]["in_rotation"]


def test_kill_under_load_with_watch_then_restart(fleet_factory):
    from rsfleet.lifecycle import restart

    fleet = fleet_factory()
    logs: list[str] = []
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(api.local_context(fleet, data_ready=consumer_ready), 0.25),
                               kwargs={"log": logs.append, "stop": stop,
                                       "emit": lambda _line: None}, daemon=True)
    watcher.start()
    load = Load(lambda: {**fleet.connect_kwargs("lb"), "connect_timeout": 10},
                new_per_s=30).start()
    try:
        wait_for(lambda: {e.consumer for e in list(load.events) if e.ok} == {"c1", "c2", "c3"})
        pid = fleet.kill("c2")
        # sessions that started before the postmaster was really gone were in flight on it
        wait_for(lambda: not os.path.exists(f"/proc/{pid}"), step=0.001)
        killed_at = time.monotonic()
        wait_for(lambda: any(m.startswith("disable c2") for m in logs))
        # enough new sessions after the kill to mean something, however loaded the machine
        wait_for(lambda: sum(e.start > killed_at for e in list(load.events)) > 15, timeout=60)
    finally:
        events = load.stop()
        stop.set()
        watcher.join(10)
    after = [e for e in events if e.start > killed_at]
    assert len(after) > 15 and [e.error for e in after if not e.ok] == []
    assert {e.consumer for e in after} <= {"c1", "c3"}
    assert any(m.startswith("drain c2") for m in logs), logs
    st = {s.name: s for s in api.status(api.local_context(fleet, data_ready=consumer_ready))}
    assert st["c2"].lb_state == "maint" and st["c2"].ready is False
    # the local lifecycle runs a targets sync once c2 is ready again. Right after a SIGKILL
    # `pg_ctl start` can fail while the old backends still exit (reported to the local fleet
    # owner); retry until it starts.
    from rsfleet.errors import FleetError

    deadline = time.monotonic() + 60  # bounds a hang only
    while True:
        try:
            restart(fleet, "c2")
            break
        except FleetError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    st = {s.name: s for s in api.status(api.local_context(fleet, data_ready=consumer_ready))}
    assert st["c2"].in_rotation and st["c2"].ready


def test_watch_command_logs_changes_and_stops_on_sigterm(fleet_factory):
    import os
    import signal
    import subprocess
    import sys

    fleet = fleet_factory()
    env = {**os.environ, "RSFLEET_STATE_DIR": str(fleet.state_dir), "COLUMNS": "200",
           "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "rsfleet", "targets", "watch", "--interval",
                             "200ms", "--rise", "1", "--fall", "1"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()

    def logged(text: str, timeout: float = 60) -> bool:  # waits for the watcher, not a clock
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            if any(text in line for line in list(lines)):
                return True
            time.sleep(0.05)
        return False

    try:
        assert logged("watching every"), "".join(lines)
        fleet.kill("c3")
        assert logged("c3 switched off: not ready"), "".join(lines)
        assert logged("; no change"), "".join(lines)  # a pass with nothing to do says so
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        reader.join(timeout=10)
    out = "".join(lines)
    assert proc.returncode == 0, out
    assert "watching every 0.2s" in out
    # one sentence per pass: what it did, and why c3 is out while nothing changes
    assert "c3 drained: not ready: " in out and "2 of 3 in rotation" in out
    assert any(ln.split(" ", 1)[1].startswith("c3 out: not ready: ") and "cannot connect" in ln
               and ln.rstrip().endswith("2 of 3 in rotation; no change") for ln in lines), out
    assert out.rstrip().endswith("stopped")

    # --json: the lines the Lambda and the local controller write, EMF included
    proc = subprocess.Popen([sys.executable, "-m", "rsfleet", "targets", "watch", "--interval",
                             "200ms", "--json"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        assert logged('"_aws"'), "".join(lines)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        reader.join(timeout=10)
    docs = [json.loads(ln) for ln in lines]
    assert proc.returncode == 0
    said = [d for d in docs if d.get("event") == "pass"]
    assert said and said[0]["sentence"].startswith("c3 out: not ready: "), said
    emf = [d for d in docs if "_aws" in d]
    assert emf and emf[0]["TargetsInRotation"] == 2 and emf[0]["Fleet"] == (
        f"{fleet.spec.project_name}/{fleet.spec.environment}"), emf
