"""Shared pieces of the throughput benchmarks: a fixed-session load and CPU accounting."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

QUERY = "SELECT count(*), sum(amount) FROM sales.orders WHERE region = 'r3'"


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text("ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_sessions(targets: Callable[[int], dict[str, Any]], sessions: int, seconds: float,
                 query: str = QUERY) -> dict[str, Any]:
    """`sessions` threads, each with one connection (targets(i) gives its kwargs), running
    `query` back to back for `seconds`. Returns count, throughput and latencies (ms)."""
    latencies: list[list[float]] = [[] for _ in range(sessions)]
    errors = [0]
    start_gate = threading.Barrier(sessions + 1)
    stop_at = [0.0]

    def worker(i: int) -> None:
        try:
            conn = psycopg.connect(**targets(i), autocommit=True)
        except psycopg.Error:
            errors[0] += 1
            start_gate.wait()
            return
        with conn:
            start_gate.wait()
            while time.perf_counter() < stop_at[0]:
                t0 = time.perf_counter()
                try:
                    conn.execute(query).fetchall()
                except psycopg.Error:
                    errors[0] += 1
                    return
                latencies[i].append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(sessions)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + seconds + 3600
    start_gate.wait()
    t0 = time.perf_counter()
    stop_at[0] = t0 + seconds
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    flat = sorted(x for lat in latencies for x in lat)

    def pct(p: float) -> float:
        return flat[min(len(flat) - 1, int(p * len(flat)))] if flat else float("nan")

    return {"queries": len(flat), "qps": len(flat) / wall, "p50_ms": pct(0.50),
            "p99_ms": pct(0.99), "errors": errors[0], "wall_s": wall}
