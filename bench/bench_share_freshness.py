"""Share freshness on the local fleet (its TLS, roles and settings): a commit on the
producer -> visible on every consumer. p50/p99 over many commits, idle and under a
concurrent read load through HAProxy."""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

import psycopg

from bench._fleet import local_fleet


def measure(fleet: Any, commits: int) -> list[float]:
    producer = psycopg.connect(**fleet.connect_kwargs("producer", "etl_writer", "dev"),
                               autocommit=True)
    readers = [psycopg.connect(**fleet.connect_kwargs(n, "app_reader", "sales_db"),
                               autocommit=True) for n in fleet.spec.consumers]
    producer.execute("CREATE TABLE IF NOT EXISTS sales.heartbeat (id bigint PRIMARY KEY)")
    from rsfleet.local.lifecycle import share_and_gate

    share_and_gate(fleet)
    base = producer.execute("SELECT coalesce(max(id), 0) FROM sales.heartbeat").fetchone()[0]
    out = []
    for i in range(base + 1, base + commits + 1):
        producer.execute("INSERT INTO sales.heartbeat VALUES (%s)", (i,))
        t0 = time.perf_counter()
        pending = list(readers)
        while pending:
            pending = [r for r in pending if not r.execute(
                "SELECT 1 FROM sales.heartbeat WHERE id = %s", (i,)).fetchone()]
        out.append((time.perf_counter() - t0) * 1000)
    for c in (producer, *readers):
        c.close()
    return out


def read_load(fleet: Any, stop: threading.Event, sessions: int = 4) -> None:
    def work() -> None:
        try:
            with psycopg.connect(**fleet.connect_kwargs("lb", "app_reader", "sales_db")) as c:
                while not stop.is_set():
                    c.execute("SELECT count(*), sum(amount) FROM sales.orders").fetchall()
        except psycopg.Error:
            pass  # the fleet goes down under it at the end of the run

    threads = [threading.Thread(target=work, daemon=True) for _ in range(sessions)]
    for t in threads:
        t.start()


def summary(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {"n": len(s), "p50_ms": round(statistics.median(s), 2),
            "p99_ms": round(s[min(len(s) - 1, int(0.99 * len(s)))], 2),
            "max_ms": round(s[-1], 2)}


def main(quick: bool = False) -> dict[str, Any]:
    commits = 100 if quick else 1000
    with local_fleet(consumers=2, rows=20_000) as fleet:
        idle = summary(measure(fleet, commits))
        stop = threading.Event()
        read_load(fleet, stop)
        try:
            loaded = summary(measure(fleet, commits))
        finally:
            stop.set()
    print(f"idle:        {idle}")
    print(f"under reads: {loaded}")
    print(f"p99 ratio loaded/idle: {loaded['p99_ms'] / idle['p99_ms']:.2f}")
    return {"commits": commits, "idle": idle, "under_read_load": loaded,
            "note": "visible = the row answers a SELECT on both consumers (polled back to "
                    "back); includes the polling round trips"}
