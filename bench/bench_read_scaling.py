"""Read scaling: throughput of a CPU-bound query mix through rsfleet's HAProxy with 1, 2, 3
and 4 consumers in rotation (the others drained), rounds alternating. On a 2-core machine
the cores, not the fleet, set the ceiling: the efficiency column says how much of the
ideal N x single-consumer throughput each size reaches."""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench._load import run_sessions
from bench.bench_failover import bench_fleet

CPU_QUERY = ("SELECT count(*), sum(amount * id) FROM sales.orders o "
             "JOIN generate_series(1, 3) s ON true WHERE region <> 'none'")


def main(quick: bool = False) -> dict[str, Any]:
    from rsfleet.adapters.haproxy import HaproxyRuntime

    sizes = [1, 2, 3, 4]
    rounds, seconds, sessions = (1, 2.0, 8) if quick else (3, 5.0, 16)
    qps: dict[int, list[float]] = {n: [] for n in sizes}
    with bench_fleet(names=("c1", "c2", "c3", "c4"), profiles=("rsfleet",)) as fleet:
        proc, port = fleet.lbs["rsfleet"]
        runtime = HaproxyRuntime(proc.socket)
        names = list(fleet.consumers)
        for r in range(rounds):
            for n in (sizes if r % 2 == 0 else sizes[::-1]):
                for i, name in enumerate(names):
                    runtime.set_server_state("consumers", name, "ready" if i < n else "maint")
                time.sleep(1.2)  # HAProxy's checks see the enabled servers up
                res = run_sessions(lambda i: fleet.kwargs(port), sessions, seconds, CPU_QUERY)
                qps[n].append(res["qps"])
    one = statistics.median(qps[1])
    out: dict[str, Any] = {"sessions": sessions, "rounds": rounds, "cpus": 2}
    print(f"{'consumers':>9} {'q/s':>8} {'speed-up':>9} {'efficiency':>11}")
    for n in sizes:
        q = statistics.median(qps[n])
        out[str(n)] = {"qps": round(q, 1), "speedup": round(q / one, 2),
                       "efficiency": round(q / one / n, 2)}
        print(f"{n:>9} {q:8.1f} {q / one:9.2f} {q / one / n:11.2f}")
    return out
