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
import tempfile
import threading
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


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def port_block(size: int) -> int:
    """A base port with `size` free ports after it, below the kernel's ephemeral range: a
    port picked inside it can be taken as the source port of any client connection before
    the server binds it (seen: HAProxy "cannot bind socket" in the rolling restart smoke
    while other fleets ran beside it; tests/conftest.py picks its ports the same way)."""
    from rsfleet.local.fleet import port_free

    top = _ephemeral_low() - size
    for _ in range(500):
        base = random.randint(20000, top)
        if all(port_free(base + i) for i in range(size)):
            return base
    raise RuntimeError("no block of free ports below the ephemeral range")


def free_port() -> int:
    return port_block(1)


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
    from rsfleet.lifecycle import down, seed, up
    from rsfleet.local.fleet import LocalFleet
    from rsfleet.spec.loader import load_spec

    root = Path(tempfile.mkdtemp(prefix="rsfleet-bench-", dir="/var/tmp"))
    root.chmod(0o711)
    (root / "spec.tfvars").write_text(spec_text(consumers), encoding="utf-8")
    spec = load_spec(root / "spec.tfvars")
    base = port_block(consumers + 8)
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


# ---- load: new sessions at a steady rate + persistent sessions (reconnect on failure) ----

WHO = "SELECT current_setting('cluster_name')"


@dataclass
class Ev:
    """One new session (connect, which consumer, the query, close) or one query on a
    persistent session."""

    t: float  # when the session (new) or the query (persistent) started
    ok: bool
    consumer: str | None
    persistent: bool
    error: str = ""
    end: float = 0.0  # when it succeeded or failed

    def __post_init__(self) -> None:
        self.end = self.end or time.monotonic()

    @property
    def ms(self) -> float:
        return (self.end - self.t) * 1000


class Load:
    """New sessions at a steady rate + persistent sessions that reconnect through the LB when
    a query fails or, with ``persistent_for``, when they have lived that long (a pool's
    maximum connection lifetime); ``pause`` between the queries of a persistent session."""

    def __init__(self, kwargs: dict[str, Any], new_per_s: float, persistent: int,
                 persistent_for: float | None = None, *, query: str,
                 pause: float = 0.02) -> None:
        self.kwargs = kwargs
        self.query = query
        self.pause = pause
        self.new_per_s = new_per_s
        self.persistent = persistent
        self.persistent_for = persistent_for
        self.events: list[Ev] = []
        self.stop_flag = threading.Event()
        self.threads: list[threading.Thread] = []

    def _new(self, i: int, workers: int) -> None:
        period = workers / self.new_per_s
        nxt = time.monotonic() + i * period / workers
        while not self.stop_flag.is_set():
            t0 = time.monotonic()
            try:
                with psycopg.connect(**self.kwargs, autocommit=True) as c:
                    who = c.execute(WHO).fetchone()[0]
                    c.execute(self.query).fetchone()
                self.events.append(Ev(t0, True, who, False))
            except psycopg.Error as exc:
                self.events.append(Ev(t0, False, None, False, str(exc).strip()[:120]))
            nxt += period
            self.stop_flag.wait(max(0.0, nxt - time.monotonic()))

    def _persistent(self) -> None:
        while not self.stop_flag.is_set():
            began = time.monotonic()
            try:
                conn = psycopg.connect(**self.kwargs, autocommit=True)
            except psycopg.Error as exc:
                self.events.append(Ev(began, False, None, True, str(exc).strip()[:120]))
                self.stop_flag.wait(0.1)
                continue
            with conn:
                who = None
                while not self.stop_flag.is_set():
                    if self.persistent_for and time.monotonic() - began > self.persistent_for:
                        break  # this session ends normally; the client opens a new one
                    t0 = time.monotonic()
                    try:
                        who = who or conn.execute(WHO).fetchone()[0]
                        conn.execute(self.query).fetchone()
                        self.events.append(Ev(t0, True, who, True))
                    except psycopg.Error as exc:
                        self.events.append(Ev(t0, False, who, True, str(exc).strip()[:120]))
                        break  # reconnect: a new session through the LB
                    self.stop_flag.wait(self.pause)

    def start(self, workers: int = 4) -> Load:
        self.threads = [threading.Thread(target=self._new, args=(i, workers), daemon=True)
                        for i in range(workers)]
        self.threads += [threading.Thread(target=self._persistent, daemon=True)
                         for _ in range(self.persistent)]
        for t in self.threads:
            t.start()
        return self

    def stop(self) -> list[Ev]:
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=15)
        return sorted(self.events, key=lambda e: e.t)
