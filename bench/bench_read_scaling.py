"""Read scaling: throughput of a CPU-bound query mix with 1, 2, 3 and 4 consumers in
rotation (the others in maintenance), through rsfleet's HAProxy and through the hand-written
baseline HAProxy over the same consumers, in alternating rounds.

On a 2-core machine the cores, not the fleet, set the ceiling: every consumer, both LBs and
the client share the same two cores, so adding consumers cannot add throughput here. The
efficiency column says how much of the ideal N x single-consumer throughput each size
reaches; the rsfleet/baseline column says whether rsfleet's LB costs anything at each size.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from bench._fleet import bench_fleet
from bench._load import run_sessions

CPU_QUERY = ("SELECT count(*), sum(amount * id) FROM sales.orders o "
             "JOIN generate_series(1, 3) s ON true WHERE region <> 'none'")
PROFILES = ("rsfleet", "baseline")


def main(quick: bool = False) -> dict[str, Any]:
    sizes = [1, 2, 3, 4]
    rounds, seconds, sessions = (1, 2.0, 8) if quick else (3, 5.0, 16)
    qps: dict[tuple[str, int], list[float]] = {(p, n): [] for p in PROFILES for n in sizes}
    with bench_fleet(names=("c1", "c2", "c3", "c4"), profiles=PROFILES) as fleet:
        names = list(fleet.consumers)
        for r in range(rounds):
            for n in (sizes if r % 2 == 0 else sizes[::-1]):
                for p in (PROFILES if r % 2 == 0 else PROFILES[::-1]):
                    runtime = fleet.runtime(p)
                    for i, name in enumerate(names):
                        runtime.set_server_state("consumers", name,
                                                 "ready" if i < n else "maint")
                for p in (PROFILES if (r + n) % 2 == 0 else PROFILES[::-1]):
                    port = fleet.lbs[p][1]
                    # the enabled servers pass their checks: rsfleet's every 0.5 s, the
                    # baseline's every 3 s (a server leaving maint is checked at once)
                    time.sleep(1.2)
                    res = run_sessions(lambda i, port=port: fleet.kwargs(port), sessions,
                                       seconds, CPU_QUERY)
                    qps[(p, n)].append(res["qps"])
    out: dict[str, Any] = {"sessions": sessions, "rounds": rounds, "round_seconds": seconds,
                           "cpus": os.cpu_count()}
    print(f"{'consumers':>9} {'LB':>9} {'q/s':>8} {'speed-up':>9} {'efficiency':>11} "
          f"{'rsfleet/baseline':>17}")
    for p in PROFILES:
        one = statistics.median(qps[(p, 1)])
        out[p] = {}
        for n in sizes:
            q = statistics.median(qps[(p, n)])
            out[p][str(n)] = {"qps": round(q, 1), "speedup": round(q / one, 2),
                              "efficiency": round(q / one / n, 2)}
    for n in sizes:
        ratio = out["rsfleet"][str(n)]["qps"] / out["baseline"][str(n)]["qps"]
        out.setdefault("rsfleet_over_baseline", {})[str(n)] = round(ratio, 3)
        for p in PROFILES:
            s = out[p][str(n)]
            print(f"{n:>9} {p:>9} {s['qps']:8.1f} {s['speedup']:9.2f} {s['efficiency']:11.2f} "
                  f"{format(ratio, '.3f') if p == 'rsfleet' else '':>17}")
    return out
