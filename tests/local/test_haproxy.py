"""The local load balancer for real: HAProxy (both profiles) in front of real PostgreSQL
servers from `pg_server_factory`; started and stopped by its own pid file."""

from __future__ import annotations

import psycopg
import pytest
from conftest import free_port
from psycopg import sql

from rsfleet.adapters.haproxy import HaproxyRuntime
from rsfleet.local.fleet import wait_until
from rsfleet.local.haproxy import BACKEND, HaproxyProcess, HaproxyServer, render_config
from rsfleet.local.pidfile import process_alive

pytestmark = pytest.mark.fleet


def served_by(lb_port: int, server, n: int) -> list[str]:
    out = []
    for _ in range(n):
        kw = {**server.tcp_kwargs(), "port": lb_port, "connect_timeout": 3}
        with psycopg.connect(**kw) as c:
            out.append(c.execute("SHOW cluster_name").fetchone()[0])
    return out


def same_password(a, b) -> None:
    """Give b's superuser a's password, so one set of kwargs works on either through the LB."""
    with psycopg.connect(**b.admin_kwargs(), autocommit=True) as c:
        c.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
            sql.Identifier(b.superuser), sql.Literal(a.password)))


# the benchmarks' hand-written baseline (bench/_fleet.py) beside rsfleet's default
PROFILES = {"rsfleet": {}, "baseline": {"server_options": "check inter 3s fall 3 rise 2",
                                        "redispatch": False}}


def start(tmp, servers, profile):
    proc = HaproxyProcess(tmp / f"haproxy-{profile}")
    lb_port = free_port()
    proc.directory.mkdir(parents=True)
    proc.write(render_config([HaproxyServer(s.name, s.port) for s in servers], lb_port=lb_port,
                             socket_path=proc.socket, pid_file=proc.pid_file,
                             state_file=proc.state_file, **PROFILES[profile]))
    proc.start()
    return proc, lb_port


def test_rsfleet_profile_gates_reloads_and_stops(pg_server_factory, traversable_tmp):
    a = pg_server_factory("a")
    b = pg_server_factory("b")
    proc, lb_port = start(traversable_tmp, [a, b], "rsfleet")
    try:
        cfg = proc.config.read_text()
        assert "option redispatch" in cfg and "on-marked-down shutdown-sessions" in cfg
        runtime = HaproxyRuntime(proc.socket)
        # servers start in maintenance: nothing is served until the controller lets them in
        assert {s.name: s.admin for s in runtime.servers(BACKEND)} == {"a": "maint",
                                                                       "b": "maint"}
        with pytest.raises(psycopg.OperationalError):
            served_by(lb_port, a, 1)
        runtime.set_server_state(BACKEND, "a", "ready")
        assert wait_until(lambda: any(s.in_rotation for s in runtime.servers(BACKEND)), 30)
        assert set(served_by(lb_port, a, 4)) == {"a"}

        # reload: a new process takes over, the server states survive (server-state-file)
        old = proc.pid
        proc.start()
        assert proc.pid != old and proc.is_running()
        assert wait_until(lambda: not process_alive(old, ("haproxy",)), 30)
        states = {s.name: s.admin for s in HaproxyRuntime(proc.socket).servers(BACKEND)}
        assert states == {"a": "ready", "b": "maint"}
        assert set(served_by(lb_port, a, 4)) == {"a"}
    finally:
        pid = proc.pid
        proc.stop()
    assert not process_alive(pid, ("haproxy",)) and not proc.pid_file.exists()


def test_baseline_profile_serves_at_once(pg_server_factory, traversable_tmp):
    a = pg_server_factory("a")
    b = pg_server_factory("b")
    same_password(a, b)
    proc, lb_port = start(traversable_tmp, [a, b], "baseline")
    try:
        cfg = proc.config.read_text()
        assert "redispatch" not in cfg and "inter 3s fall 3 rise 2" in cfg
        runtime = HaproxyRuntime(proc.socket)
        assert wait_until(lambda: all(s.in_rotation for s in runtime.servers(BACKEND)), 30)
        assert set(served_by(lb_port, a, 6)) == {"a", "b"}  # roundrobin over both
    finally:
        proc.stop()
