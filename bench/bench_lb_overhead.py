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
from typing import Any

from bench._fleet import bench_fleet, start_lb
from bench._load import cpu_seconds, run_sessions

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


def main(quick: bool = False) -> dict[str, Any]:
    from rsfleet.adapters.haproxy import HaproxyRuntime

    rounds, seconds, sessions = (2, 2.0, 8) if quick else (6, 5.0, 16)
    modes = ["direct", "rsfleet", "baseline", DEFAULT_THREADS]
    results: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    with bench_fleet() as fleet:
        add_default_threads_lb(fleet)
        for _profile, (proc, _) in fleet.lbs.items():
            runtime = HaproxyRuntime(proc.socket)
            for name in fleet.consumers:  # the rsfleet profile starts servers disabled
                runtime.set_server_state("consumers", name, "ready")
        ports = [pg.port for pg in fleet.consumers.values()]
        import time

        time.sleep(1.5)  # HAProxy's first checks (rise 2)
        for r in range(rounds):
            for mode in modes[r % len(modes):] + modes[:r % len(modes)]:  # rotate the order
                if mode == "direct":
                    res = run_sessions(lambda i: fleet.kwargs(ports[i % len(ports)]),
                                       sessions, seconds)
                    res["lb_cpu_share"] = 0.0
                else:
                    proc, port = fleet.lbs[mode]
                    cpu0 = cpu_seconds(proc.pid)
                    res = run_sessions(lambda i, p=port: fleet.kwargs(p), sessions, seconds)
                    res["lb_cpu_share"] = (cpu_seconds(proc.pid) - cpu0) / res["wall_s"]
                results[mode].append(res)
    summary: dict[str, Any] = {"rounds": rounds, "round_seconds": seconds, "sessions": sessions}
    direct_qps = statistics.median(r["qps"] for r in results["direct"])
    direct_p50 = statistics.median(r["p50_ms"] for r in results["direct"])
    direct_p99 = statistics.median(r["p99_ms"] for r in results["direct"])
    print(f"{'mode':26} {'q/s':>8} {'ratio':>6} {'p50 ms':>7} {'p50 x':>6} {'p99 ms':>7} "
          f"{'p99 x':>6} {'LB CPU':>7}")
    for mode in modes:
        qps = statistics.median(r["qps"] for r in results[mode])
        p50 = statistics.median(r["p50_ms"] for r in results[mode])
        p99 = statistics.median(r["p99_ms"] for r in results[mode])
        cpu = statistics.median(r["lb_cpu_share"] for r in results[mode])
        summary[mode] = {"qps": round(qps, 1), "throughput_ratio": round(qps / direct_qps, 3),
                         "p50_ms": round(p50, 2), "p50_ratio": round(p50 / direct_p50, 3),
                         "p99_ms": round(p99, 2), "p99_ratio": round(p99 / direct_p99, 3),
                         "lb_cpu_share_of_one_core": round(cpu, 3),
                         "errors": sum(r["errors"] for r in results[mode])}
        s = summary[mode]
        print(f"{mode:26} {qps:8.0f} {s['throughput_ratio']:6.2f} {p50:7.2f} "
              f"{s['p50_ratio']:6.2f} {p99:7.2f} {s['p99_ratio']:6.2f} {cpu:7.1%}")
    return summary
