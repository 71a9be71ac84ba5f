"""The local fleet for real: PostgreSQL servers and HAProxy started by the test."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest
from conftest import free_port_block, served_by
from typer.testing import CliRunner

from rsfleet import lifecycle
from rsfleet.cli import app
from rsfleet.sharing.local import apply_local, verify_local

pytestmark = pytest.mark.fleet

runner = CliRunner()


def pids_alive(pids: list[int]) -> list[int]:
    from rsfleet.local.pidfile import process_alive

    return [p for p in pids if process_alive(p, ("postgres", "haproxy"))]


def test_lifecycle_scale_kill_restart_down(fleet_factory):
    fleet = fleet_factory()
    rows = {r.name: r for r in lifecycle.status(fleet)}
    assert set(rows) == {"producer", "c1", "c2", "c3", "haproxy", "controller"}
    # lifecycle.up starts no controller (the `local up` command does): its row says so
    assert rows["controller"].state == "off" and not rows["controller"].up
    assert all(rows[n].up for n in rows if n != "controller")
    assert all(rows[n].ready and rows[n].in_rotation for n in ("c1", "c2", "c3"))

    # sessions through HAProxy land on every consumer (TLS verify-full through the LB)
    assert set(served_by(fleet, 12)) == {"c1", "c2", "c3"}

    # scale 3 -> 4: the new consumer gets the shared data and joins when ready
    fleet = lifecycle.scale(fleet, 4)
    assert list(fleet.spec.consumers) == ["c1", "c2", "c3", "c4"]
    with psycopg.connect(**fleet.connect_kwargs("c4", "app_reader", "sales_db")) as c:
        assert c.execute("SELECT count(*) FROM sales.orders").fetchone()[0] == 2000
    assert "c4" in served_by(fleet, 16)

    # scale 4 -> 2: removed consumers are stopped, their replication slots dropped
    removed_pids = [fleet.node(n).pid for n in ("c3", "c4")]
    fleet = lifecycle.scale(fleet, 2)
    assert pids_alive([p for p in removed_pids if p]) == []
    with psycopg.connect(**fleet.admin_kwargs("producer", "dev")) as c:
        slots = {r[0] for r in c.execute("SELECT slot_name FROM pg_replication_slots")}
    assert slots == {"rsf_sales_share_c1", "rsf_sales_share_c2"}
    assert set(served_by(fleet, 8)) == {"c1", "c2"}

    # kill: reads continue on the other consumer; restart: it rejoins
    lifecycle.kill(fleet, "c1")
    assert not fleet.node("c1").is_running()
    lifecycle.sync_targets(fleet)
    assert set(served_by(fleet, 6)) == {"c2"}
    lifecycle.restart(fleet, "c1")
    assert set(served_by(fleet, 8)) == {"c1", "c2"}

    # down: nothing left running
    pids = [fleet.node(n).pid for n in ("producer", "c1", "c2")] + [fleet.haproxy.pid]
    lifecycle.down(fleet)
    assert pids_alive([p for p in pids if p]) == []


def test_sharing_is_idempotent_and_follows_new_tables(fleet_factory):
    fleet = fleet_factory()
    assert apply_local(fleet) == []  # second apply: nothing to do
    with psycopg.connect(**fleet.connect_kwargs("producer", "etl_writer", "dev")) as c:
        c.execute("CREATE TABLE sales.returns (id int PRIMARY KEY, reason text)")
        c.execute("INSERT INTO sales.returns VALUES (1, 'broken'), (2, 'late')")
        c.execute("INSERT INTO sales.orders SELECT 999999, 1, 1, 1, 9.99, now()")
    steps = apply_local(fleet)
    assert any("REFRESH PUBLICATION" in s.sql for s in steps)
    assert any('CREATE TABLE IF NOT EXISTS "sales"."returns"' in s.sql for s in steps)
    lifecycle.share_and_gate(fleet)
    for name in ("c1", "c2", "c3"):
        with psycopg.connect(**fleet.connect_kwargs(name, "app_reader", "sales_db")) as c:
            assert c.execute("SELECT count(*) FROM sales.returns").fetchone()[0] == 2
            assert c.execute("SELECT 1 FROM sales.orders WHERE order_id = 999999").fetchone()
    assert verify_local(fleet) == []


def test_writes_through_the_lb_are_denied(fleet_factory):
    fleet = fleet_factory()
    kwargs = fleet.connect_kwargs("lb", "app_reader", "sales_db")
    with psycopg.connect(**kwargs) as c, pytest.raises(
            psycopg.errors.InsufficientPrivilege, match="permission denied"):
        c.execute("INSERT INTO sales.customers VALUES (-1, 'x', 'y')")


def test_verify_fails_on_a_broken_consumer(fleet_factory):
    fleet = fleet_factory()
    with psycopg.connect(**fleet.admin_kwargs("c2", "sales_db"), autocommit=True) as c:
        c.execute("REVOKE SELECT ON sales.orders FROM app_reader")
    problems = verify_local(fleet)
    assert len(problems) == 1 and "c2" in problems[0].text and "sales.orders" in problems[0].text
    result = runner.invoke(app, ["share", "verify", "--state-dir", str(fleet.state_dir),
                                 "--env", fleet.env])
    assert result.exit_code == 1


def test_bad_input(fleet_factory, tmp_path, traversable_tmp):
    fleet = fleet_factory(rows=0)
    args = ["--state-dir", str(fleet.state_dir), "--env", fleet.env]
    result = runner.invoke(app, ["local", "kill", "c9", *args])
    assert result.exit_code == 2 and "unknown consumer 'c9'" in result.stderr
    assert "(consumers: c1, c2, c3; or producer, or lb (haproxy))" in result.stderr  # all it takes
    # a port already in use by someone else: one line, exit 2, nothing started
    spec = tmp_path / "x.tfvars"
    spec.write_text('environment = "xy"\nproducer = { base_capacity = 8 }\n'
                    'consumers = { c1 = { base_capacity = 8 } }\n', encoding="utf-8")
    state = traversable_tmp / "state"
    result = runner.invoke(app, ["local", "up", "--spec", str(spec), "--state-dir", str(state),
                                 "--lb-port", str(fleet.lb_port), "--base-port",
                                 str(fleet.ports["producer"] + 100)])
    assert result.exit_code == 2, result.output
    assert "already in use" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not state.exists()  # nothing created, nothing started
    # a corrupt state dir
    (state).mkdir(exist_ok=True)
    (state / "fleet.json").write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["local", "status", "--state-dir", str(state), "--env", "xy"])
    assert result.exit_code == 2 and "corrupt" in result.stderr
    # the traversal check: PostgreSQL's user must be able to enter the state dir
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    if os.geteuid() == 0:
        base = free_port_block(4)  # not the default ports: something on the host may use them
        result = runner.invoke(app, ["local", "up", "--spec", str(spec), "--state-dir",
                                     str(private / "s"), "--lb-port", str(base + 3),
                                     "--base-port", str(base)])
        assert result.exit_code == 2 and "cannot enter" in result.stderr


def test_missing_binaries_is_one_line(tmp_path):
    env = {**os.environ, "RSFLEET_PG_BIN": str(tmp_path)}
    spec = tmp_path / "x.tfvars"
    spec.write_text('environment = "xy"\nproducer = { base_capacity = 8 }\n'
                    'consumers = { c1 = { base_capacity = 8 } }\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "rsfleet", "local", "up", "--spec", str(spec),
                           "--state-dir", str(tmp_path / "s")], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "apt-get install" in proc.stderr
