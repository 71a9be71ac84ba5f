"""Consumers behind a real HAProxy for the targets tests, built from the shared fixtures:
PostgreSQL from `pg_server_factory` (tests/conftest.py, TLS + scram, stopped by it), HAProxy
from rsfleet.local.haproxy (the `rsfleet` profile that `rsfleet local up` writes), started
here and stopped by its pid file.

Each consumer gets database `sales_db`, role `app_reader` (SELECT only) and, when seeded,
table `sales.orders` with a few thousand rows: what a shared schema looks like on a consumer.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from conftest import free_port
from psycopg import sql

from rsfleet.adapters.haproxy import HaproxyRuntime
from rsfleet.local.haproxy import HaproxyProcess, HaproxyServer, render_config
from rsfleet.targets.api import TargetsContext
from rsfleet.targets.haproxy import HaproxyTargets
from rsfleet.targets.readiness import ShareCheck, probe_postgres
from rsfleet.targets.store import JsonFileStore as StateStore

CHECKS = [ShareCheck("sales_db", ("sales",), ())]


@dataclass
class TargetFleet:
    root: Path
    password: str  # app_reader's
    servers: dict[str, Any] = field(default_factory=dict)  # name -> PgServer
    lb: HaproxyProcess | None = None
    lb_port: int = 0

    @property
    def sock(self) -> Path:
        assert self.lb is not None
        return self.lb.socket

    @property
    def ports(self) -> dict[str, int]:
        return {n: s.port for n, s in self.servers.items()}

    def kwargs(self, port: int | None = None, dbname: str = "sales_db") -> dict[str, Any]:
        """app_reader through the LB (or straight to a consumer's port), TLS verify-full."""
        any_server = next(iter(self.servers.values()))
        return {"host": "127.0.0.1", "port": port or self.lb_port, "user": "app_reader",
                "password": self.password, "dbname": dbname, "sslmode": "verify-full",
                "sslrootcert": str(any_server.ca_file), "connect_timeout": 10}

    def admin(self, name: str, dbname: str = "sales_db") -> psycopg.Connection:
        return psycopg.connect(**self.servers[name].admin_kwargs(dbname), autocommit=True)

    def postmaster_pid(self, name: str) -> int:
        pid = self.servers[name].pid
        assert pid is not None
        return pid

    def kill(self, name: str) -> None:
        self.servers[name].kill()

    def context(self, delay: float = 5.0) -> TargetsContext:
        adapter = HaproxyTargets(HaproxyRuntime(self.sock),
                                 {n: ("127.0.0.1", p) for n, p in self.ports.items()},
                                 deregistration_delay=delay)

        def probe(name: str) -> tuple[bool, str]:
            # a generous timeout: a healthy consumer slowed down by a loaded host must not
            # look unready (a dead one refuses at once, whatever the timeout)
            return probe_postgres(lambda db: self.kwargs(self.ports[name], db or "sales_db"),
                                  CHECKS, timeout=10.0)

        return TargetsContext(adapter, sorted(self.servers), probe,
                              StateStore(self.root / "targets.json"))


def seed(conn: psycopg.Connection, rows: int = 2000) -> None:
    conn.execute("CREATE SCHEMA sales")
    conn.execute("CREATE TABLE sales.orders (id int PRIMARY KEY, region text, amount numeric)")
    conn.execute("INSERT INTO sales.orders SELECT g, 'r' || (g %% 7), g * 1.5 "
                 "FROM generate_series(1, %s) g", (rows,))
    conn.execute("GRANT USAGE ON SCHEMA sales TO app_reader")
    conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA sales TO app_reader")


def wait_for(pred: Callable[[], Any], timeout: float = 30.0, step: float = 0.05) -> Any:
    """Poll until ``pred()`` is truthy; ``timeout`` only bounds a hang."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (v := pred()):
            return v
        time.sleep(step)
    raise AssertionError("condition not reached")


@contextlib.contextmanager
def target_fleet(pg_server_factory: Callable[..., Any], root: Path,
                 names: tuple[str, ...] = ("c1", "c2", "c3"), *, unseeded: tuple[str, ...] = (),
                 in_rotation: bool = True) -> Iterator[TargetFleet]:
    """Start the consumers and HAProxy. ``in_rotation``: put every server in rotation and
    wait until HAProxy sees it UP (the `rsfleet` profile starts them in maintenance)."""
    fleet = TargetFleet(root, secrets.token_urlsafe(16))
    for n in names:
        server = pg_server_factory(n)
        fleet.servers[n] = server
        with psycopg.connect(**server.admin_kwargs("postgres"), autocommit=True) as c:
            c.execute("CREATE DATABASE sales_db")
            c.execute(sql.SQL("CREATE ROLE app_reader LOGIN PASSWORD {}").format(
                sql.Literal(fleet.password)))
        if n not in unseeded:
            with fleet.admin(n) as c:
                seed(c)
    fleet.lb = HaproxyProcess(root / "haproxy")
    try:
        for attempt in range(5):  # another xdist worker may take the port first
            fleet.lb_port = free_port()
            fleet.lb.write(render_config(
                [HaproxyServer(n, s.port) for n, s in fleet.servers.items()],
                lb_port=fleet.lb_port, socket_path=fleet.lb.socket, pid_file=fleet.lb.pid_file))
            try:
                fleet.lb.start()
                break
            except Exception:
                if attempt == 4:
                    raise
        rt = HaproxyRuntime(fleet.sock)
        if in_rotation:
            for n in names:
                rt.set_server_state("consumers", n, "ready")
            wait_for(lambda: all(s.status.startswith("UP") for s in rt.servers("consumers")))
        yield fleet
    finally:
        fleet.lb.stop()
