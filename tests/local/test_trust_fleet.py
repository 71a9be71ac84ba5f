"""Issue 13 on a running fleet: status exit codes, restart/kill of the LB, the probe's own
role, the scale bound, and an interrupted scale that `down` still stops entirely."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from rsfleet.local.fleet import PROBE, LocalFleet, wait_until
from rsfleet.local.pidfile import process_alive

pytestmark = pytest.mark.fleet  # every test here starts or uses a fleet


def rsfleet(fleet, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RSFLEET_STATE_DIR"}
    return subprocess.run([sys.executable, "-m", "rsfleet", *args, "--env", fleet.env,
                           "--state-dir", str(fleet.state_dir)], capture_output=True,
                          text=True, timeout=timeout, env={**env, "COLUMNS": "200"})


@pytest.fixture(scope="module")
def fleet(local_fleet):
    return local_fleet(2, rows=200)


def test_status_exits_1_while_a_component_is_down(fleet):
    ok = rsfleet(fleet, "local", "status")
    assert ok.returncode == 0, ok.stderr
    assert rsfleet(fleet, "targets", "status").returncode == 0
    rsfleet(fleet, "local", "kill", "c2")
    try:
        down = rsfleet(fleet, "local", "status")
        assert down.returncode == 1 and "Traceback" not in down.stderr
        assert down.stderr.strip() == "error: 1 problem(s): c2: down"
        rows = {r["name"]: r for r in json.loads(rsfleet(fleet, "local", "status",
                                                         "--json").stdout)}
        assert rows["c2"]["problem"] == "down" and rows["c1"]["problem"] == ""
        targets = rsfleet(fleet, "targets", "status")
        assert targets.returncode == 1 and "c2: " in targets.stderr
    finally:
        assert rsfleet(fleet, "local", "restart", "c2").returncode == 0
    assert rsfleet(fleet, "local", "status").returncode == 0


def test_restart_and_kill_the_lb(fleet):
    old = fleet.haproxy.pid
    proc = rsfleet(fleet, "local", "restart", "lb")
    assert proc.returncode == 0, proc.stderr
    assert fleet.haproxy.pid != old and fleet.haproxy.is_running()
    assert rsfleet(fleet, "local", "status").returncode == 0
    proc = rsfleet(fleet, "local", "kill", "haproxy")
    assert proc.returncode == 0 and not fleet.haproxy.is_running()
    status = rsfleet(fleet, "local", "status")
    assert status.returncode == 1 and "haproxy: down" in status.stderr
    assert rsfleet(fleet, "local", "restart", "haproxy").returncode == 0
    with psycopg.connect(**fleet.connect_kwargs("lb", "app_reader", "sales_db")) as c:
        assert c.execute("SELECT count(*) FROM sales.orders").fetchone()[0] == 200


def test_a_client_cannot_take_a_consumer_out_of_rotation(fleet):
    from rsfleet.lifecycle import readiness_probe

    kw = fleet.connect_kwargs("c1", "app_reader", "sales_db")
    with psycopg.connect(**kw, autocommit=True) as c:
        # PostgreSQL lets a role change its own password: the probe must not depend on it
        c.execute("ALTER ROLE app_reader PASSWORD 'taken-over'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute(f"ALTER ROLE {PROBE} PASSWORD 'x'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute(f"GRANT app_reader TO {PROBE}")  # no ADMIN OPTION on its own role
    try:
        ready, reason = readiness_probe(fleet)("c1")
        assert ready, reason
        # a fleet started before the probe role existed: the probe creates it on first use
        with psycopg.connect(**fleet.admin_kwargs("c1"), autocommit=True) as c:
            c.execute(f"DROP ROLE {PROBE}")
        ready, reason = readiness_probe(fleet)("c1")
        assert ready, reason
    finally:
        with psycopg.connect(**fleet.admin_kwargs("c1"), autocommit=True) as c:
            c.execute(psycopg.sql.SQL("ALTER ROLE app_reader PASSWORD {}").format(
                psycopg.sql.Literal(fleet.password("app_reader"))))


def test_scale_is_bounded_and_says_by_what(fleet):
    before = (fleet.state_dir / "fleet.json").read_text()
    proc = rsfleet(fleet, "local", "scale", "40")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "40 consumers need 40 replication slots" in proc.stderr
    assert "at most 30 consumers with 1 datashare(s) each (bound: the producer's " \
           "replication slots)" in proc.stderr
    assert (fleet.state_dir / "fleet.json").read_text() == before
    assert sorted(p.name for p in (fleet.state_dir / "nodes").iterdir()) == [
        "c1", "c2", "producer"]


def test_a_refused_scale_does_not_touch_the_controller(fleet):
    # the repro: `local scale 100000` stopped and restarted the controller, then refused
    from rsfleet.controller.local import ControllerProcess
    from rsfleet.lifecycle import start_controller, stop_controller

    start_controller(fleet)
    ctl = ControllerProcess(fleet.state_dir)
    try:
        pid = ctl.pid
        assert pid is not None and ctl.is_running()
        for count in ("100000", "40"):
            proc = rsfleet(fleet, "local", "scale", count)
            assert proc.returncode == 2 and "Traceback" not in proc.stderr
            assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
            assert "controller" not in proc.stdout, proc.stdout  # not stopped, not started
            assert ctl.pid == pid and ctl.is_running()
    finally:
        stop_controller(fleet.state_dir)


def test_one_change_at_a_time_the_second_is_refused_at_once(fleet):
    # the repro: two `local rollout --restart` at once, one failed with a raw
    # `database error: connection is bad … No such file`
    pids = {n: fleet.node(n).pid for n in ("producer", *fleet.spec.consumers)}
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time; from pathlib import Path; "
         "from rsfleet.local import state; "
         f"cm = state.locked(Path({str(fleet.state_dir)!r}), 'rsfleet local rollout "
         "--restart'); cm.__enter__(); print('held', flush=True); time.sleep(120)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        env = {k: v for k, v in os.environ.items() if k != "RSFLEET_STATE_DIR"}
        for cmd in (["local", "rollout", "--restart"], ["local", "scale", "3"],
                    ["local", "restart", "c1"], ["local", "down"], ["local", "up"]):
            proc = subprocess.run(  # --spec: `rollout` and `up` compare with the spec file
                [sys.executable, "-m", "rsfleet", *cmd, "--spec",
                 str(fleet.state_dir.parent / "spec.tfvars"), "--state-dir",
                 str(fleet.state_dir)], capture_output=True, text=True, timeout=120, env=env)
            assert proc.returncode == 2 and "Traceback" not in proc.stderr, (cmd, proc.stderr)
            lines = proc.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith(
                "error: another change is running on the fleet in "), (cmd, proc.stderr)
            assert f"pid {holder.pid} (`rsfleet local rollout --restart`) since " in lines[0]
        # nothing was touched: same postmasters, same consumers
        assert {n: fleet.node(n).pid for n in pids} == pids
        assert sorted(LocalFleet.open(fleet.env, fleet.state_dir).spec.consumers) == ["c1",
                                                                                      "c2"]
    finally:
        holder.kill()
        holder.wait()
    # its holder gone, the next change runs (a dead pid's lock blocks nobody)
    proc = rsfleet(fleet, "local", "restart", "c1")
    assert proc.returncode == 0, proc.stderr


def test_scale_dry_run_prints_the_plan_and_changes_nothing(fleet):
    before = (fleet.state_dir / "fleet.json").read_text()
    nodes = sorted(p.name for p in (fleet.state_dir / "nodes").iterdir())
    pids = {n: fleet.node(n).pid for n in ("c1", "c2")}

    grow = rsfleet(fleet, "local", "scale", "4", "--dry-run")
    assert grow.returncode == 0, grow.stderr
    assert "2 -> 4 consumer(s): c1, c2, c3, c4" in grow.stdout
    assert "would add c3 (127.0.0.1:" in grow.stdout and "c4 (127.0.0.1:" in grow.stdout
    assert "dry run: nothing was changed" in grow.stdout

    shrink = rsfleet(fleet, "local", "scale", "1", "--dry-run")
    assert shrink.returncode == 0, shrink.stderr
    assert "2 -> 1 consumer(s): c1" in shrink.stdout
    assert "would drain c2 (no new sessions; open ones get 30s, then are closed), then " \
           "stop c2, drop its subscription and replication slot" in shrink.stdout

    # --drain-timeout: what the removed consumer's open sessions get, shown in the plan
    timed = rsfleet(fleet, "local", "scale", "1", "--dry-run", "--drain-timeout", "7.5")
    assert timed.returncode == 0, timed.stderr
    assert "would drain c2 (no new sessions; open ones get 7.5s, then are closed)" \
        in timed.stdout
    for bad in ("-1", "3601", "nan"):
        refused = rsfleet(fleet, "local", "scale", "1", f"--drain-timeout={bad}")
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
        assert refused.stderr.strip().splitlines() == [
            f"error: --drain-timeout {bad}: must be 0-3600 seconds"], refused.stderr

    same = rsfleet(fleet, "local", "scale", "2", "--dry-run")
    assert "already 2 consumer(s) (c1, c2): nothing to do" in same.stdout
    # the same checks as the real scale: exit 2, one line
    bound = rsfleet(fleet, "local", "scale", "40", "--dry-run")
    assert bound.returncode == 2 and "40 consumers need 40 replication slots" in bound.stderr

    # nothing started, stopped, drained or written
    assert (fleet.state_dir / "fleet.json").read_text() == before
    assert sorted(p.name for p in (fleet.state_dir / "nodes").iterdir()) == nodes
    assert {n: fleet.node(n).pid for n in ("c1", "c2")} == pids
    st = {r["name"]: r for r in json.loads(rsfleet(fleet, "targets", "status", "--json").stdout)}
    assert set(st) == {"c1", "c2"} and all(r["in_rotation"] for r in st.values())


def test_an_interrupted_scale_leaves_nothing_down_cannot_stop(local_fleet):
    fleet = local_fleet(1, rows=0)
    env = {k: v for k, v in os.environ.items() if k != "RSFLEET_STATE_DIR"}
    scale = subprocess.Popen([sys.executable, "-m", "rsfleet", "local", "scale", "3", "--env",
                              fleet.env, "--state-dir", str(fleet.state_dir)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    pidfile = fleet.state_dir / "nodes" / "c2" / "data" / "postmaster.pid"
    try:
        # fleet.json lists c2 and c3 before either starts; kill -9 once c2 is running
        assert wait_until(pidfile.exists, 120, 0.05)
        listed = json.loads((fleet.state_dir / "fleet.json").read_text())["ports"]
        assert {"c2", "c3"} <= set(listed)
    finally:
        os.kill(scale.pid, signal.SIGKILL)
        scale.wait()
    time.sleep(0.5)  # a pg_ctl the scale started finishes on its own
    nodes = fleet.state_dir / "nodes"
    pids = [int((d / "data" / "postmaster.pid").read_text().split()[0])
            for d in nodes.iterdir() if (d / "data" / "postmaster.pid").exists()]
    assert len(pids) >= 2
    down = rsfleet(LocalFleet.open(fleet.env, fleet.state_dir), "local", "down")
    assert down.returncode == 0, down.stderr
    assert [p for p in pids if process_alive(p, ("postgres",))] == []
    assert not fleet.haproxy.is_running()


def test_three_concurrent_ups_one_fleet_no_traceback():
    import shutil

    from conftest import free_port_block, state_root

    from rsfleet.lifecycle import down

    root = state_root()
    spec = root / "spec.tfvars"
    spec.write_text('environment = "cc"\nproducer = { base_capacity = 8 }\n'
                    'consumers = { c1 = { base_capacity = 8 } }\n')
    sdir = root / "state"
    base = free_port_block(4)
    env = {k: v for k, v in os.environ.items() if k != "RSFLEET_STATE_DIR"}
    args = [sys.executable, "-m", "rsfleet", "local", "up", "--spec", str(spec), "--state-dir",
            str(sdir), "--lb-port", str(base + 3), "--base-port", str(base)]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env) for _ in range(3)]
    try:
        outs = [p.communicate(timeout=300) for p in procs]
        for p, (_, err) in zip(procs, outs, strict=True):
            assert "Traceback" not in err, err
            # the lock: one change at a time; one started the fleet, the others were refused
            # at once naming it (or came after it and found it running)
            assert p.returncode == 0 or (p.returncode == 2 and "`rsfleet local up`) since "
                                         in err and len(err.strip().splitlines()) == 1), err
        assert sum("started producer" in out for out, _ in outs) == 1
        fleet = LocalFleet.open("cc", sdir)
        assert fleet.producer.is_running() and fleet.node("c1").is_running()
        assert fleet.haproxy.is_running()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        with contextlib.suppress(Exception):
            down(LocalFleet.open("cc", sdir))
        shutil.rmtree(root, ignore_errors=True)
