"""Distribution over consumers: which consumer serves each of many new connections through
rsfleet's HAProxy, sequential and concurrent; then with one consumer drained, then with it
back (a just-added consumer must get its share). Chi-square p-value and max/min ratio."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import psycopg

from bench.bench_failover import bench_fleet

WHO = "SELECT current_setting('cluster_name')"


def connections(kwargs: dict[str, Any], n: int, workers: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    per = [n // workers + (1 if i < n % workers else 0) for i in range(workers)]

    def work(k: int) -> None:
        for _ in range(k):
            with psycopg.connect(**kwargs) as c:
                name = c.execute(WHO).fetchone()[0]
            with lock:
                counts[name] += 1

    threads = [threading.Thread(target=work, args=(k,)) for k in per]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts


def evenness(counts: Counter[str], names: list[str]) -> dict[str, Any]:
    from scipy.stats import chisquare

    observed = [counts.get(n, 0) for n in names]
    p = float(chisquare(observed).pvalue) if sum(observed) else float("nan")
    return {"counts": dict(zip(names, observed, strict=True)), "chi_square_p": round(p, 4),
            "max_min_ratio": round(max(observed) / max(1, min(observed)), 4)}


def main(quick: bool = False) -> dict[str, Any]:
    import time

    from rsfleet.adapters.haproxy import HaproxyRuntime

    n = 1000 if quick else 10_000
    out: dict[str, Any] = {"connections": n}
    with bench_fleet(profiles=("rsfleet",)) as fleet:
        proc, port = fleet.lbs["rsfleet"]
        runtime = HaproxyRuntime(proc.socket)
        names = list(fleet.consumers)
        for name in names:
            runtime.set_server_state("consumers", name, "ready")
        time.sleep(1.5)
        kw = fleet.kwargs(port)
        out["sequential"] = evenness(connections(kw, n, 1), names)
        out["concurrent"] = evenness(connections(kw, n, 8), names)
        runtime.set_server_state("consumers", names[-1], "drain")
        drained = connections(kw, n // 2, 8)
        out["one_drained"] = {**evenness(drained, names[:-1]),
                              "sessions_to_drained": drained.get(names[-1], 0)}
        runtime.set_server_state("consumers", names[-1], "ready")
        out["back_in_rotation"] = evenness(connections(kw, n // 2, 8), names)
    for case in ("sequential", "concurrent", "one_drained", "back_in_rotation"):
        r = out[case]
        print(f"{case:17} {r['counts']}  p={r['chi_square_p']:.3f}  "
              f"max/min={r['max_min_ratio']:.3f}")
    return out
