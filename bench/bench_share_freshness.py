"""Share freshness: a commit on the producer -> the row visible on every consumer.

Three setups in the same run, measured in alternating rounds so drift hits both alike:

- rsfleet: the local fleet's datashare (rsfleet.sharing.local): TLS verify-full replication
  connections, a least-privilege replication role with a passfile, one slot per consumer,
  the fleet's settings (max_slot_wal_keep_size, wal_sender/receiver timeouts).
- baseline: a hand-built logical replication setup on the same PostgreSQL binaries: one
  plain `CREATE PUBLICATION ... FOR TABLES IN SCHEMA`, one `CREATE SUBSCRIPTION` per
  consumer, superuser, no TLS, default settings (wal_level=logical only).
- baseline_tls: the same with TLS on (sslmode=require), to tell TLS's share of a
  difference from that of rsfleet's roles and settings.

Each in two conditions: idle, and under a concurrent read load: every setup loaded at once,
READ_SESSIONS sessions per setup running an aggregate over the shared table back to back on
its consumers (6 CPU-bound sessions on this 2-core machine: the cores are saturated).
Visible = the consumer's apply worker has committed the row: an AFTER INSERT trigger enabled
ALWAYS on each consumer's copy of the table sends a NOTIFY, delivered at that commit, to a
listening session (no polling, which on 2 cores took CPU from the replication it measured).
The clock starts when the producer's INSERT (autocommit) has returned to the writer and stops
when the last consumer's notification arrives (0 if it arrived first).
"""

from __future__ import annotations

import contextlib
import random
import secrets
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg

from bench._fleet import local_fleet

CONSUMERS = 2
TABLE = "sales.heartbeat"
READ_SESSIONS = 2  # per setup
ROUNDS = 10
Connect = Callable[[], psycopg.Connection]


# -- the hand-built baseline ------------------------------------------------------------


@contextlib.contextmanager
def baseline_cluster(consumers: int, rows: int, *, tls: bool = False
                     ) -> Iterator[dict[str, Any]]:
    """Producer + consumers with a plain publication/subscription (superuser; no TLS, or
    with `tls` the same setup whose replication connections use TLS: that isolates TLS's
    share of any difference to rsfleet)."""
    from rsfleet.local.fleet import port_free
    from rsfleet.local.postgres import PgServer
    from rsfleet.local.tls import ensure_certificates

    root = Path(tempfile.mkdtemp(prefix="rsfleet-bench-baseline-", dir="/var/tmp"))
    root.chmod(0o711)
    while True:
        base = random.randint(20000, 60000)
        if all(port_free(base + i) for i in range(consumers + 1)):
            break
    password = secrets.token_urlsafe(16)
    hba = ["local all all scram-sha-256", "host all all 127.0.0.1/32 scram-sha-256",
           "host replication all 127.0.0.1/32 scram-sha-256"]
    nodes = [PgServer(n, root / n, base + i)
             for i, n in enumerate(["producer", *(f"b{i}" for i in range(1, consumers + 1))])]
    try:
        certs = ensure_certificates(root / "tls") if tls else None
        sslmode = "require" if tls else "disable"
        for node in nodes:
            node.init(superuser="postgres", password=password, hba=hba,
                      tls=(certs.server_cert, certs.server_key) if certs else None,
                      settings={"wal_level": "logical", "max_connections": "100"})
            node.start()

        def kwargs(node: PgServer) -> dict[str, Any]:
            return {"host": "127.0.0.1", "port": node.port, "user": "postgres",
                    "password": password, "dbname": "postgres", "sslmode": sslmode}

        ddl = ("CREATE SCHEMA sales; CREATE TABLE sales.orders (order_id bigint PRIMARY KEY, "
               "amount numeric(12,2) NOT NULL)")
        with psycopg.connect(**kwargs(nodes[0]), autocommit=True) as c:
            c.execute(ddl)
            c.execute("INSERT INTO sales.orders SELECT g, g %% 97 FROM generate_series(1, %s) g",
                      (rows,))
            c.execute("CREATE PUBLICATION bench FOR TABLES IN SCHEMA sales")
        for node in nodes[1:]:
            with psycopg.connect(**kwargs(node), autocommit=True) as c:
                c.execute(ddl)
                # The password travels in the conninfo here: that is what a plain setup does
                # (and one reason rsfleet uses a passfile instead).
                c.execute(f"CREATE SUBSCRIPTION bench_{node.name} CONNECTION 'host=127.0.0.1 "
                          f"port={nodes[0].port} user=postgres password={password} "
                          f"dbname=postgres sslmode={sslmode}' PUBLICATION bench")
        for node in nodes[1:]:
            _wait(lambda n=node: _synced(kwargs(n)), 60)
        consumers = [lambda n=n: psycopg.connect(**kwargs(n), autocommit=True)
                     for n in nodes[1:]]
        yield {"producer": lambda: psycopg.connect(**kwargs(nodes[0]), autocommit=True),
               "consumers": consumers, "consumer_admins": consumers}
    finally:
        for node in reversed(nodes):
            with contextlib.suppress(Exception):
                node.stop()
        shutil.rmtree(root, ignore_errors=True)


def _synced(kwargs: dict[str, Any]) -> bool:
    with psycopg.connect(**kwargs) as c:
        row = c.execute("SELECT count(*) FILTER (WHERE srsubstate <> 'r') FROM "
                        "pg_subscription_rel").fetchone()
    return row is not None and row[0] == 0


def _wait(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("replication did not catch up")
        time.sleep(0.1)


def rsfleet_setup(fleet: Any) -> dict[str, Any]:
    from rsfleet.local.fleet import ADMIN

    def connect(node: str, role: str, db: str) -> Connect:
        return lambda: psycopg.connect(**fleet.connect_kwargs(node, role, db), autocommit=True)

    return {"producer": connect("producer", "etl_writer", "dev"),
            "consumers": [connect(n, "app_reader", "sales_db") for n in fleet.spec.consumers],
            "consumer_admins": [connect(n, ADMIN, "sales_db") for n in fleet.spec.consumers]}


# -- measurement ------------------------------------------------------------------------


NOTIFY_FN = """
CREATE OR REPLACE FUNCTION public.bench_heartbeat_notify() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('bench_heartbeat', NEW.id::text); RETURN NEW;
END $$"""


class Prober:
    """Commits on the producer; each consumer tells when the row has arrived.

    The consumer's copy of the table gets an AFTER INSERT trigger enabled ALWAYS, so the
    logical-replication apply worker itself fires it: its NOTIFY is delivered when the
    applied transaction commits, i.e. when the row becomes visible there. One listening
    session per consumer waits on its socket; nothing polls, so the measurement takes no
    CPU from the replication it measures (on 2 cores, busy polling did)."""

    def __init__(self, setup: dict[str, Any], table: str) -> None:
        self.producer = setup["producer"]()
        self.table = table
        self.next_id = 1 + self.producer.execute(
            f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
        self.arrived: dict[int, list[float]] = {}
        self.cond = threading.Condition()
        self.listeners = []
        for i, admin in enumerate(setup["consumer_admins"]):
            with admin() as c:
                c.execute(NOTIFY_FN)
                c.execute(f"CREATE OR REPLACE TRIGGER bench_heartbeat AFTER INSERT ON {table} "
                          "FOR EACH ROW EXECUTE FUNCTION public.bench_heartbeat_notify()")
                c.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER bench_heartbeat")
            conn = setup["consumers"][i]()
            conn.execute("LISTEN bench_heartbeat")
            self.listeners.append(conn)
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._listen, args=(c,), daemon=True)
                        for c in self.listeners]
        for t in self.threads:
            t.start()

    def _listen(self, conn: psycopg.Connection) -> None:
        while not self.stop.is_set():
            for note in conn.notifies(timeout=0.2):
                t = time.perf_counter()
                with self.cond:
                    self.arrived.setdefault(int(note.payload), []).append(t)
                    self.cond.notify_all()

    def commit_and_wait(self, timeout: float = 10.0) -> float:
        i = self.next_id
        self.next_id += 1
        self.producer.execute(f"INSERT INTO {self.table} VALUES (%s)", (i,))  # autocommit
        t0 = time.perf_counter()  # the commit has returned to the writer
        want = len(self.listeners)
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.arrived.get(i, ())) >= want, timeout):
                raise RuntimeError(f"row {i} did not reach every consumer in {timeout} s")
            arrivals = self.arrived.pop(i)
        # a consumer can apply the row before the writer has read its commit reply: for
        # the writer it is then visible at once (0)
        return max(0.0, max(arrivals) - t0) * 1000

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=2)
        for c in (self.producer, *self.listeners):
            c.close()


def read_load(setups: list[dict[str, Any]], stop: threading.Event,
              sessions: int = READ_SESSIONS) -> list:
    def work(connect: Connect) -> None:
        with contextlib.suppress(psycopg.Error), connect() as c:
            while not stop.is_set():
                c.execute("SELECT count(*), sum(amount) FROM sales.orders").fetchall()

    threads = []
    for setup in setups:
        for i in range(sessions):
            connect = setup["consumers"][i % len(setup["consumers"])]
            threads.append(threading.Thread(target=work, args=(connect,), daemon=True))
    for t in threads:
        t.start()
    return threads


def alternate(probers: dict[str, Prober], commits: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {name: [] for name in probers}
    per_round = max(1, commits // ROUNDS)
    for r in range(ROUNDS):
        order = list(probers) if r % 2 == 0 else list(reversed(probers))
        for name in order:
            for _ in range(per_round):
                out[name].append(probers[name].commit_and_wait())
    return out


def summary(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {"n": len(s), "p50_ms": round(statistics.median(s), 3),
            "p99_ms": round(s[min(len(s) - 1, int(0.99 * len(s)))], 3),
            "max_ms": round(s[-1], 3)}


SETUPS = ("rsfleet", "baseline", "baseline_tls")


def main(quick: bool = False) -> dict[str, Any]:
    commits = 100 if quick else 1000
    rows = 20_000
    result: dict[str, Any] = {"commits_per_setup_and_condition": commits,
                              "consumers": CONSUMERS, "read_sessions_per_setup": READ_SESSIONS}
    with local_fleet(consumers=CONSUMERS, rows=rows) as fleet, \
            baseline_cluster(CONSUMERS, rows) as baseline, \
            baseline_cluster(CONSUMERS, rows, tls=True) as baseline_tls:
        setups = {"rsfleet": rsfleet_setup(fleet), "baseline": baseline,
                  "baseline_tls": baseline_tls}
        # the heartbeat table is created after sharing: rsfleet picks it up with share apply
        for setup in setups.values():
            with setup["producer"]() as c:
                c.execute(f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY)")
        from rsfleet.sharing.local import apply_local, consumer_ready

        apply_local(fleet)
        _wait(lambda: all(consumer_ready(fleet, n)[0] for n in fleet.spec.consumers), 60)
        # the baselines' subscribers need the table and a refresh, by hand
        for setup in (baseline, baseline_tls):
            for connect in setup["consumers"]:
                with connect() as c:
                    c.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigint PRIMARY KEY)")
                    sub = c.execute("SELECT subname FROM pg_subscription").fetchone()[0]
                    c.execute(f"ALTER SUBSCRIPTION {sub} REFRESH PUBLICATION")
            for connect in setup["consumers"]:
                _wait(lambda conn=connect: _synced_conn(conn), 60)
        probers = {name: Prober(setup, TABLE) for name, setup in setups.items()}
        for p in probers.values():  # warm-up
            for _ in range(10):
                p.commit_and_wait()
        idle = alternate(probers, commits)
        stop = threading.Event()
        threads = read_load(list(setups.values()), stop)
        try:
            time.sleep(0.5)
            loaded = alternate(probers, commits)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=10)
        for p in probers.values():
            p.close()
    for cond, samples in (("idle", idle), ("under_read_load", loaded)):
        result[cond] = {name: summary(v) for name, v in samples.items()}
        rs_s, base_s = result[cond]["rsfleet"], result[cond]["baseline"]
        tls_s = result[cond]["baseline_tls"]
        result[cond]["ratio_rsfleet_over_baseline"] = {
            "p50": round(rs_s["p50_ms"] / base_s["p50_ms"], 2),
            "p99": round(rs_s["p99_ms"] / base_s["p99_ms"], 2)}
        result[cond]["ratio_rsfleet_over_baseline_tls"] = {
            "p50": round(rs_s["p50_ms"] / tls_s["p50_ms"], 2),
            "p99": round(rs_s["p99_ms"] / tls_s["p99_ms"], 2)}
    print(f"{'condition':<18}{'setup':<14}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for cond in ("idle", "under_read_load"):
        for name in SETUPS:
            s = result[cond][name]
            print(f"{cond:<18}{name:<14}{s['p50_ms']:>9.2f}{s['p99_ms']:>9.2f}"
                  f"{s['max_ms']:>9.2f}")
        for other in ("baseline", "baseline_tls"):
            ratio = result[cond][f"ratio_rsfleet_over_{other}"]
            print(f"{cond:<18}rsfleet/{other}: p50 {ratio['p50']:.2f}x, "
                  f"p99 {ratio['p99']:.2f}x")
    result["method"] = ("from the producer's INSERT (autocommit) returning to the writer to the "
                        "NOTIFY that an ALWAYS trigger on each consumer's copy sends when the "
                        "apply worker commits the row, for the last consumer; rounds alternate "
                        f"between the setups; the read load ({READ_SESSIONS} sessions per "
                        "setup) runs on all setups at once; rsfleet's and baseline_tls's "
                        "replication use TLS, the baseline's does not")
    return result


def _synced_conn(connect: Connect) -> bool:
    with connect() as c:
        row = c.execute("SELECT count(*) FILTER (WHERE srsubstate <> 'r'), count(*) FROM "
                        "pg_subscription_rel").fetchone()
    return row is not None and row[0] == 0 and row[1] >= 2
