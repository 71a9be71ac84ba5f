"""The local fleet's operations for real (PostgreSQL + HAProxy started by the test):
idempotent `up`, recovery from a crash of every process, `status --json`, credentials and
where secrets must not appear, TLS-only access, `down --purge`.

The last three tests pinned defects that are fixed: `up` after `scale` keeps the added
consumer, `scale` skips a port held by another process, `status` readiness agrees with the LB.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import stat
import subprocess
from pathlib import Path

import psycopg
import pytest
from conftest import served_by
from typer.testing import CliRunner

from rsfleet import lifecycle
from rsfleet.cli import app
from rsfleet.local.fleet import LocalFleet, wait_until
from rsfleet.local.pidfile import process_alive
from rsfleet.local.postgres import PgServer
from rsfleet.spec.loader import load_spec

pytestmark = pytest.mark.fleet
runner = CliRunner()

TWO = """
environment = "test"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = 8 }
  c2 = { base_capacity = 8 }
}
datashares  = { sales_share = { schemas = ["sales"], consumer_database = "sales_db" } }
"""


def spec_file(fleet: LocalFleet) -> Path:
    return fleet.state_dir.parent / "spec.tfvars"  # where fleet_factory wrote it


def cli(fleet: LocalFleet, *args: str):
    return runner.invoke(app, ["local", *args, "--state-dir", str(fleet.state_dir),
                               "--env", fleet.env])


def pids(fleet: LocalFleet) -> dict[str, int]:
    out = {n: fleet.node(n).pid for n in ["producer", *fleet.spec.consumers]}
    out["haproxy"] = fleet.haproxy.pid
    return out


def alive(pid: int | None) -> bool:
    return pid is not None and process_alive(pid, ("postgres", "haproxy"))


def test_up_is_idempotent_and_recovers_after_every_process_crashed(fleet_factory):
    fleet = fleet_factory(TWO, rows=500)
    before = pids(fleet)

    # a second `up` (CLI, default ports on the command line): nothing restarted, the fleet
    # keeps the ports it was created with
    result = runner.invoke(app, ["local", "up", "--spec", str(spec_file(fleet)),
                                 "--state-dir", str(fleet.state_dir)])
    assert result.exit_code == 0, result.output
    assert pids(fleet) == before
    # its hints repeat the state dir (a bare `--env test` finds no fleet there)
    assert f"`rsfleet local status --env test --state-dir {fleet.state_dir}`" in result.stdout
    assert f"export RSFLEET_STATE_DIR={fleet.state_dir}" in result.stdout
    assert LocalFleet.open(fleet.env, fleet.state_dir).ports == fleet.ports

    # hard crash of everything: pid files stay behind, naming dead processes
    for pid in before.values():
        os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: not any(alive(p) for p in before.values()), 30, 0.05)
    rows = {r.name: r for r in lifecycle.status(fleet)}
    assert not any(r.up for r in rows.values() if r.role != "controller")  # (supervised)
    assert (fleet.node("c1").data_dir / "postmaster.pid").exists()  # stale, on purpose

    result = runner.invoke(app, ["local", "up", "--spec", str(spec_file(fleet)),
                                 "--state-dir", str(fleet.state_dir)])
    assert result.exit_code == 0, result.output
    after = pids(fleet)
    assert all(alive(p) for p in after.values())
    assert not set(after.values()) & set(before.values())
    rows = {r.name: r for r in lifecycle.status(fleet)}
    assert all(rows[n].ready and rows[n].in_rotation for n in ("c1", "c2"))
    assert set(served_by(fleet, 6)) == {"c1", "c2"}
    with psycopg.connect(**fleet.connect_kwargs("lb", "app_reader", "sales_db")) as c:
        assert c.execute("SELECT count(*) FROM sales.orders").fetchone()[0] == 500


def test_status_json_credentials_and_secrets_stay_private(fleet_factory):
    fleet = fleet_factory(TWO, rows=100)
    result = cli(fleet, "status", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {"producer", "c1", "c2", "haproxy", "controller"}
    # no controller started here (fleet_factory): off, not a problem
    assert (rows["controller"]["state"], rows["controller"]["problem"]) == ("off", "")
    for name in ("producer", "c1", "c2"):
        assert rows[name]["port"] == fleet.ports[name] and rows[name]["up"]
        assert rows[name]["pid"] == fleet.node(name).pid
    assert rows["haproxy"]["port"] == fleet.lb_port
    assert all(rows[n]["ready"] and rows[n]["in_rotation"] for n in ("c1", "c2"))
    assert all(isinstance(rows[n]["lag_bytes"], int) for n in ("c1", "c2"))

    secrets = json.loads((fleet.state_dir / "secrets.json").read_text())
    assert stat.S_IMODE((fleet.state_dir / "secrets.json").stat().st_mode) == 0o600

    hidden = cli(fleet, "credentials", "--json")
    assert hidden.exit_code == 0
    assert not any(pw in hidden.stdout for pw in secrets.values())
    shown = json.loads(cli(fleet, "credentials", "--json", "--show").stdout)
    reader = next(r for r in shown if r["role"] == "app_reader")
    assert reader["password"] == secrets["app_reader"] and reader["port"] == fleet.lb_port
    kwargs = {k: v for k, v in reader.items() if k != "role"}
    with psycopg.connect(**kwargs) as c:  # verify-full through HAProxy with the fleet CA
        assert c.execute("SELECT current_setting('cluster_name')").fetchone()[0] in {"c1", "c2"}

    # the text form: a psql line per role that works as printed (user= included: without it
    # psql logs in as the OS user), one line each whatever the width, no password in it
    text = cli(fleet, "credentials").stdout
    psql_lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("psql ")]
    assert len(psql_lines) == 2 and not any(pw in text for pw in secrets.values())
    for line, role in zip(psql_lines, ("app_reader", "etl_writer"), strict=True):
        argv = [*shlex.split(line), "-XAtc", "SELECT current_user"]
        got = subprocess.run(argv, env={**os.environ, "PGPASSWORD": secrets[role]},
                             capture_output=True, text=True, timeout=30, check=False)
        assert got.returncode == 0 and got.stdout.strip() == role, got.stderr

    # no password in fleet.json, any server log, the HAProxy config, or any server's argv
    texts = [(fleet.state_dir / "fleet.json").read_text(),
             fleet.haproxy.config.read_text()]
    texts += [fleet.node(n).log_file.read_text(errors="replace")
              for n in ("producer", "c1", "c2")]
    for pid in pids(fleet).values():
        texts.append(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"))
    for pw in secrets.values():
        assert not any(pw in t for t in texts)


@pytest.fixture(scope="module")
def unseeded(local_fleet):
    """One unseeded fleet (the spec TWO) for the tests that only read it."""
    return local_fleet(spec_text=TWO, rows=0)


def test_tcp_access_is_tls_only(unseeded):
    fleet = unseeded
    kwargs = fleet.connect_kwargs("c1", "app_reader", "sales_db")
    with pytest.raises(psycopg.OperationalError, match="no encryption"):
        psycopg.connect(**{**kwargs, "sslmode": "disable"})
    # the certificate names 127.0.0.1 and localhost, nothing else
    with pytest.raises(psycopg.OperationalError, match="does not match host name"):
        psycopg.connect(**{**kwargs, "host": "rsfleet.invalid", "hostaddr": "127.0.0.1"})


def test_down_purge_leaves_nothing(fleet_factory):
    fleet = fleet_factory(TWO, rows=0)
    before = pids(fleet)
    result = cli(fleet, "down", "--purge")
    assert result.exit_code == 0, result.output
    assert not any(alive(p) for p in before.values())
    assert not fleet.state_dir.exists()
    again = cli(fleet, "down")
    assert again.exit_code == 0 and "nothing to stop" in again.stdout


def test_up_after_scale_does_not_lose_the_added_consumer(fleet_factory):
    fleet = fleet_factory(TWO, rows=0)
    fleet = lifecycle.scale(fleet, 3)
    c3 = fleet.node("c3")
    c3_pid = c3.pid
    try:
        lifecycle.up(load_spec(spec_file(fleet)), fleet.state_dir, lb_port=fleet.lb_port,
                     base_port=fleet.ports["producer"])
        lifecycle.down(LocalFleet.open(fleet.env, fleet.state_dir))
        assert not alive(c3_pid)
    finally:
        # today c3 is left running: stop it by its own pid file so nothing leaks
        PgServer("c3", c3.root, c3.port).stop()


def test_scale_skips_a_port_held_by_another_process(fleet_factory):
    fleet = fleet_factory(TWO, rows=0)
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        next_port = max(fleet.ports.values()) + 1
        try:
            blocker.bind(("127.0.0.1", next_port))
            blocker.listen()
        except OSError:
            pass  # another process holds it already: the situation under test exists anyway
        fleet = lifecycle.scale(fleet, 3)
        assert fleet.ports["c3"] != next_port and fleet.node("c3").is_running()
    finally:
        blocker.close()


def test_status_ready_agrees_with_the_lb_on_an_unseeded_fleet(unseeded):
    fleet = unseeded
    rows = {r.name: r for r in lifecycle.status(fleet)}
    assert [rows[n].ready for n in ("c1", "c2")] == [rows[n].in_rotation for n in ("c1", "c2")]


def test_down_stops_nodes_fleet_json_lost_even_when_it_is_corrupt(fleet_factory, tmp_path):
    fleet = fleet_factory(TWO, rows=0)
    fleet = lifecycle.scale(fleet, 3)
    c3_pid = fleet.node("c3").pid
    # as if a crash lost c3 from fleet.json: its node dir and pid file remain
    doc = json.loads((fleet.state_dir / "fleet.json").read_text())
    doc["ports"].pop("c3")
    doc["spec"]["consumers"].pop("c3")
    (fleet.state_dir / "fleet.json").write_text(json.dumps(doc))
    result = cli(fleet, "down")
    assert result.exit_code == 0, result.output
    assert "c3 (not in fleet.json)" in result.stdout
    assert not alive(c3_pid)

    # fleet.json unreadable: `down --purge` still stops what the dir's pid files name
    fleet = lifecycle.up(LocalFleet.open(fleet.env, fleet.state_dir).spec, fleet.state_dir,
                         lb_port=fleet.lb_port, base_port=fleet.ports["producer"])
    running = pids(fleet)
    assert all(alive(p) for p in running.values())
    (fleet.state_dir / "fleet.json").write_text("{corrupt")
    assert cli(fleet, "status").exit_code == 2
    result = cli(fleet, "down", "--purge")
    assert result.exit_code == 0, result.output
    assert not any(alive(p) for p in running.values())
    assert not fleet.state_dir.exists()

    # and never deletes a directory that is not a state dir
    other = tmp_path / "not-a-fleet"
    other.mkdir()
    (other / "precious.txt").write_text("keep me")
    result = runner.invoke(app, ["local", "down", "--purge", "--state-dir", str(other),
                                 "--env", "test"])
    assert result.exit_code == 2 and "not an rsfleet state dir" in result.stderr
    assert (other / "precious.txt").exists()


def test_scale_with_the_controller_running_keeps_the_new_consumer(fleet_factory):
    # The background controller reads fleet.json once: left running through `scale 3` it
    # never probed c3, took it for "no longer a member" and deleted it from HAProxy (c3
    # never served; `scale 2` then failed with "HAProxy refused `set server consumers/c3
    # state drain`: No such server"). `scale` now restarts it around the change.
    fleet = fleet_factory(TWO, rows=200)
    lifecycle.start_controller(fleet)
    log = fleet.state_dir / "controller.log"

    def passes() -> int:
        return log.read_text().count('"PassDuration"') if log.exists() else 0

    assert wait_until(lambda: passes() >= 1, 120, 0.1)  # it has read the fleet of 2
    fleet = lifecycle.scale(fleet, 3)
    seen = passes()
    assert wait_until(lambda: passes() >= seen + 3, 120, 0.1)  # three passes after the scale
    # the controller probes the consumers of the new fleet.json (a stale one: c1, c2)
    last = json.loads((fleet.state_dir / "targets-pass.json").read_text())
    assert set(last["readiness"]) == {"c1", "c2", "c3"}
    assert lifecycle.in_rotation(fleet) == {"c1", "c2", "c3"}
    assert "del server consumers/c3" not in log.read_text()
    assert "c3" in served_by(fleet, 12)
    fleet = lifecycle.scale(fleet, 2)
    seen = passes()
    assert wait_until(lambda: passes() >= seen + 2, 120, 0.1)
    assert lifecycle.in_rotation(fleet) == {"c1", "c2"}


def test_restart_does_not_wait_on_another_consumers_drain(fleet_factory):
    """`local restart c2` waited 30 s in silence while c1 was drained: it waited for every
    ready consumer to be in rotation, and a drained one never is."""
    import time

    fleet = fleet_factory(TWO, rows=100)
    where = ["--state-dir", str(fleet.state_dir), "--env", fleet.env]
    res = runner.invoke(app, ["targets", "drain", "c1", "--reason", "maintenance", *where])
    assert res.exit_code == 0, res.output
    assert lifecycle.rotation_expected(fleet, ["c1", "c2"]) == {"c2"}
    started = time.monotonic()
    res = cli(fleet, "restart", "c2")
    assert res.exit_code == 0, res.output
    assert time.monotonic() - started < 25  # the wait it had was 30 s
    assert lifecycle.in_rotation(fleet) == {"c2"}  # c1 stays drained
    # status says why c1 is out (it said nothing), and has no lag for a stopped consumer
    # (it said 0 B: the slot's WAL since it stopped)
    cli(fleet, "kill", "c2")
    rows = {r["name"]: r for r in json.loads(cli(fleet, "status", "--json").stdout)}
    assert rows["c1"]["drained"] == "maintenance" and rows["c2"]["lag_bytes"] is None
    assert isinstance(rows["c1"]["lag_bytes"], int)
    text = cli(fleet, "status").stdout
    assert "c1: drained by the operator: maintenance; `rsfleet targets undrain c1 --env " \
        "test --state-dir" in text
