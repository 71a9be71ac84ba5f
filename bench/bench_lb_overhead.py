"""Load-balancer overhead: the same sessions and queries directly against the consumers
(client-side round robin) and through HAProxy — rsfleet's profile, the hand-written
baseline, and the baseline with HAProxy's default thread count — in alternating short rounds
so machine noise hits every mode alike.

Reports throughput and p50/p99 ratios against direct, and HAProxy's CPU share.

Why `nbthread 1`: HAProxy starts one thread per CPU by default. On a 2-core machine that
also runs the consumers and the client, a second HAProxy thread competes with them for the
same two cores for no gain (one thread forwards these few thousand small packets a second at
~5 % of a core). The `baseline-default-threads` mode measures that setting beside the others.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench._fleet import bench_fleet, start_lb
from bench._load import QUERY, cpu_seconds, run_sessions

DEFAULT_THREADS = "baseline-default-threads"


def add_default_threads_lb(fleet: Any) -> None:
    """The baseline configuration without `nbthread 1` (HAProxy then runs one thread per
    CPU), as one more LB in front of the same consumers."""

    def without_nbthread(text: str) -> str:
        if "  nbthread 1\n" not in text:
            raise RuntimeError("the baseline config no longer sets nbthread 1")
        return text.replace("  nbthread 1\n", "")

    # registered in fleet.lbs, so bench_fleet stops it
    fleet.lbs[DEFAULT_THREADS] = start_lb(fleet.root / "haproxy-default-threads",
                                          {n: pg.port for n, pg in fleet.consumers.items()},
                                          edit=without_nbthread)


# Two query mixes: `scan` (an aggregate over 20,000 rows, ~1,800 q/s here) and `point` (a
# primary-key lookup: many more, tiny queries, where the LB's per-packet cost weighs most).
MIXES = {"scan": QUERY, "point": "SELECT amount FROM sales.orders WHERE id = 4242"}


def main(quick: bool = False) -> dict[str, Any]:
    rounds, seconds, sessions = (2, 2.0, 8) if quick else (6, 5.0, 16)
    modes = ["direct", "rsfleet", "baseline", DEFAULT_THREADS]
    results: dict[tuple[str, str], list[dict[str, Any]]] = {
        (mix, m): [] for mix in MIXES for m in modes}
    with bench_fleet() as fleet:
        add_default_threads_lb(fleet)
        for profile in fleet.lbs:
            runtime = fleet.runtime(profile)
            for name in fleet.consumers:  # the rsfleet profile starts servers disabled
                runtime.set_server_state("consumers", name, "ready")
        ports = [pg.port for pg in fleet.consumers.values()]
        time.sleep(1.5)  # HAProxy's first checks (rise 2)
        for r in range(rounds):
            for mix, query in MIXES.items():
                for mode in modes[r % len(modes):] + modes[:r % len(modes)]:  # rotate order
                    if mode == "direct":
                        res = run_sessions(lambda i: fleet.kwargs(ports[i % len(ports)]),
                                           sessions, seconds, query)
                        res["lb_cpu_share"] = 0.0
                    else:
                        proc, port = fleet.lbs[mode]
                        cpu0 = cpu_seconds(proc.pid)
                        res = run_sessions(lambda i, p=port: fleet.kwargs(p), sessions,
                                           seconds, query)
                        res["lb_cpu_share"] = (cpu_seconds(proc.pid) - cpu0) / res["wall_s"]
                    results[(mix, mode)].append(res)
    summary: dict[str, Any] = {"rounds": rounds, "round_seconds": seconds,
                               "sessions": sessions, "queries": MIXES, "mixes": {}}
    print(f"{'mix':6} {'mode':26} {'q/s':>8} {'ratio':>6} {'p50 ms':>7} {'p50 x':>6} "
          f"{'p99 ms':>7} {'p99 x':>6} {'LB CPU':>7}")
    for mix in MIXES:
        def med(mode: str, key: str, mix: str = mix) -> float:
            return statistics.median(r[key] for r in results[(mix, mode)])

        out = summary["mixes"][mix] = {}
        for mode in modes:
            qps, p50, p99 = med(mode, "qps"), med(mode, "p50_ms"), med(mode, "p99_ms")
            cpu = med(mode, "lb_cpu_share")
            out[mode] = s = {
                "qps": round(qps, 1), "throughput_ratio": round(qps / med("direct", "qps"), 3),
                "p50_ms": round(p50, 3), "p50_ratio": round(p50 / med("direct", "p50_ms"), 3),
                "p99_ms": round(p99, 3), "p99_ratio": round(p99 / med("direct", "p99_ms"), 3),
                "lb_cpu_share_of_one_core": round(cpu, 3),
                "errors": sum(r["errors"] for r in results[(mix, mode)])}
            print(f"{mix:6} {mode:26} {qps:8.0f} {s['throughput_ratio']:6.2f} {p50:7.2f} "
                  f"{s['p50_ratio']:6.2f} {p99:7.2f} {s['p99_ratio']:6.2f} {cpu:7.1%}")
    return summary
