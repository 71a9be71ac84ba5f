"""Fleets for benchmarks.

- `bench_fleet`: consumers (real PostgreSQL, a seeded `sales` table, role app_reader) behind
  one HAProxy per profile — `rsfleet` (rsfleet.local.haproxy, readiness-gated) and
  `baseline` (a hand-written configuration: `inter 3s fall 3 rise 2`, round robin, no
  redispatch, no controller) — so every benchmark measures both side by side.
- `local_fleet`: a whole rsfleet local fleet (producer, consumers, datashare, TLS) in a
  private state dir, for the benchmarks that need replication.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

# What a user would add to a hand-written HAProxy config for a new server.
BASELINE_SERVER_OPTIONS = "check inter 3s fall 3 rise 2"
ROWS = 20_000


def wait_until(pred: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    """Poll `pred` every `step` seconds until it holds (True) or `timeout` passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# rsfleet's configuration is rsfleet.local.haproxy's default; `baseline` is what a user would
# configure by hand (inter 3s fall 3 rise 2, no redispatch, servers in rotation from the start).
LB_PROFILES: dict[str, dict[str, Any]] = {
    "rsfleet": {},
    "baseline": {"server_options": "check inter 3s fall 3 rise 2", "redispatch": False},
}


def start_lb(directory: Path, servers: dict[str, int], profile: str = "baseline", *,
             edit: Callable[[str], str] | None = None) -> tuple[Any, int]:
    """An HAProxy of `profile` in front of `servers` ({name: port}) on a free port; `edit`
    may change the rendered configuration. The caller stops it (`proc.stop()`)."""
    from rsfleet.local.haproxy import HaproxyProcess, HaproxyServer, render_config

    proc = HaproxyProcess(directory)
    port = free_port()
    text = render_config([HaproxyServer(n, p) for n, p in servers.items()], lb_port=port,
                         socket_path=proc.socket, pid_file=proc.pid_file,
                         **LB_PROFILES[profile])
    proc.write(edit(text) if edit else text)
    proc.start()
    return proc, port


# ---- consumers (PgServer) + one HAProxy per profile ------------------------------------

@dataclass
class BenchFleet:
    root: Path
    password: str
    admin_password: str
    consumers: dict[str, Any] = field(default_factory=dict)  # name -> PgServer
    lbs: dict[str, tuple[Any, int]] = field(default_factory=dict)  # profile -> (proc, port)

    def kwargs(self, port: int) -> dict[str, Any]:
        return {"host": "127.0.0.1", "port": port, "user": "app_reader",
                "password": self.password, "dbname": "sales_db", "sslmode": "disable",
                "connect_timeout": 3}

    def runtime(self, profile: str) -> Any:
        from rsfleet.adapters.haproxy import HaproxyRuntime

        return HaproxyRuntime(self.lbs[profile][0].socket)

    def start_consumer(self, name: str) -> Any:
        """A new, empty consumer: PostgreSQL running, no database or reader role yet."""
        from rsfleet.local.postgres import PgServer

        pg = PgServer(name, self.root / name, free_port())
        pg.init(superuser="rsfleet_admin", password=self.admin_password,
                settings={"max_connections": "300", "fsync": "off"}, tls=None,
                hba=["local all all scram-sha-256", "host all all 127.0.0.1/32 scram-sha-256"])
        pg.start()
        self.consumers[name] = pg
        return pg

    def seed_consumer(self, name: str, rows: int = ROWS) -> None:
        """What makes a consumer ready: the shared database, its table and the reader role."""
        pg = self.consumers[name]
        admin = pg.connect_kwargs("rsfleet_admin", self.admin_password, "postgres")
        with psycopg.connect(**admin, autocommit=True) as c:
            c.execute("CREATE DATABASE sales_db")
            c.execute(psycopg.sql.SQL("CREATE ROLE app_reader LOGIN PASSWORD {}").format(
                psycopg.sql.Literal(self.password)))
        with psycopg.connect(**{**admin, "dbname": "sales_db"}, autocommit=True) as c:
            c.execute("CREATE SCHEMA sales")
            c.execute("CREATE TABLE sales.orders (id int PRIMARY KEY, region text, "
                      "amount numeric)")
            c.execute("INSERT INTO sales.orders SELECT g, 'r' || (g %% 7), g * 1.5 "
                      "FROM generate_series(1, %s) g", (rows,))
            c.execute("GRANT USAGE ON SCHEMA sales TO app_reader")
            c.execute("GRANT SELECT ON ALL TABLES IN SCHEMA sales TO app_reader")

    def restart(self, name: str, timeout: float = 30) -> None:
        from rsfleet.errors import FleetError

        deadline = time.monotonic() + timeout
        while True:  # right after SIGKILL the old backends may still hold shared memory
            try:
                self.consumers[name].start()
                return
            except FleetError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)


@contextlib.contextmanager
def bench_fleet(names: tuple[str, ...] = ("c1", "c2", "c3"),
                profiles: tuple[str, ...] = ("rsfleet", "baseline")) -> Iterator[BenchFleet]:
    root = Path(tempfile.mkdtemp(prefix="rsfleet-bench-", dir="/var/tmp"))
    os.chmod(root, 0o755)  # noqa: S103 - the PostgreSQL user must traverse it
    fleet = BenchFleet(root, secrets.token_urlsafe(16), secrets.token_urlsafe(16))
    try:
        for n in names:
            fleet.start_consumer(n)
            fleet.seed_consumer(n)
        ports = {n: pg.port for n, pg in fleet.consumers.items()}
        for profile in profiles:
            fleet.lbs[profile] = start_lb(root / f"haproxy-{profile}", ports, profile)
        yield fleet
    finally:
        for proc, _ in fleet.lbs.values():
            proc.stop()
        for pg in fleet.consumers.values():
            pg.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def controller_for(fleet: BenchFleet, profile: str = "rsfleet", *, delay: float = 30.0,
                   log: Callable[[str], None] | None = None) -> Any:
    """rsfleet's targets context (readiness probe, HAProxy adapter) over the bench fleet's
    consumers as they are now (build a new one after adding a consumer)."""
    from rsfleet.targets.api import TargetsContext
    from rsfleet.targets.haproxy import HaproxyTargets
    from rsfleet.targets.readiness import ShareCheck, probe_postgres
    from rsfleet.targets.store import JsonFileStore as StateStore

    adapter = HaproxyTargets(fleet.runtime(profile),
                             {n: ("127.0.0.1", pg.port) for n, pg in fleet.consumers.items()},
                             deregistration_delay=delay)
    checks = [ShareCheck("sales_db", ("sales",), ())]

    def probe(name: str) -> tuple[bool, str]:
        port = fleet.consumers[name].port
        return probe_postgres(lambda db: fleet.kwargs(port), checks, timeout=1.0)

    return TargetsContext(adapter, sorted(fleet.consumers), probe,
                          StateStore(fleet.root / f"targets-{profile}.json"))


# ---- a whole rsfleet local fleet ----------------------------------------------------------

SPEC = """
environment = "bench"
producer    = { base_capacity = 8 }
consumers   = {
%s
}
datashares  = { sales_share = { schemas = ["sales"], consumer_database = "sales_db" } }
"""


def spec_text(consumers: int) -> str:
    return SPEC % "\n".join(f"  c{i} = {{ base_capacity = 8 }}" for i in range(1, consumers + 1))


@contextlib.contextmanager
def local_fleet(consumers: int = 2, rows: int = 10_000) -> Iterator[Any]:
    from rsfleet.local.fleet import LocalFleet, port_free
    from rsfleet.local.lifecycle import down, seed, up
    from rsfleet.spec.loader import load_spec

    root = Path(tempfile.mkdtemp(prefix="rsfleet-bench-", dir="/var/tmp"))
    root.chmod(0o711)
    (root / "spec.tfvars").write_text(spec_text(consumers), encoding="utf-8")
    spec = load_spec(root / "spec.tfvars")
    while True:
        base = random.randint(20000, 60000)
        if all(port_free(base + i) for i in range(consumers + 8)):
            break
    fleet = up(spec, root / "state", lb_port=base + consumers + 6, base_port=base)
    try:
        if rows:
            seed(fleet, rows)
        yield LocalFleet.open(spec.environment, root / "state")
    finally:
        with contextlib.suppress(Exception):
            fleet = LocalFleet.open(spec.environment, root / "state")
        down(fleet)
        shutil.rmtree(root, ignore_errors=True)
