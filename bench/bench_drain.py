"""A planned drain under steady load, beside a removal without draining, in one run.

Both HAProxies front the same PostgreSQL consumers; persistent sessions live 3 s each and
then reconnect (a pool recycling its connections), new sessions arrive at a steady rate.
- rsfleet: `rsfleet.targets.api.drain(name, wait=True)`: state drain, wait until the
  consumer's sessions have ended (or the deregistration delay), then shutdown + maint.
- baseline: what a hand-run removal does: `set server ... state maint` and
  `shutdown sessions server` at once.
Per drain: queries that failed, new sessions that still reached the drained consumer, and
how long the drain took until the consumer held no session.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench._fleet import Load, bench_fleet, controller_for

QUERY = "SELECT count(*), sum(amount) FROM sales.orders WHERE region = 'r3'"


def main(quick: bool = False) -> dict:
    from rsfleet.adapters.haproxy import HaproxyRuntime
    from rsfleet.targets.api import drain, sync, undrain

    rounds = 1 if quick else 4
    names = ("c1", "c2", "c3")
    rows: list[dict[str, Any]] = []
    with bench_fleet(names) as fleet:
        ctx = controller_for(fleet, delay=30.0)
        sync(ctx)
        base = HaproxyRuntime(fleet.lbs["baseline"][0].socket)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not all(
                s.in_rotation for p in ("rsfleet", "baseline")
                for s in HaproxyRuntime(fleet.lbs[p][0].socket).servers("consumers")):
            time.sleep(0.1)
        loads = {p: Load(fleet.kwargs(port), new_per_s=40, persistent=9,
                         persistent_for=3.0, query=QUERY).start()
                 for p, (_, port) in fleet.lbs.items()}
        marks: list[tuple[str, float, float]] = []
        try:
            time.sleep(2.0)
            for i in range(rounds):
                victim = names[i % len(names)]
                t0 = time.monotonic()
                base.set_server_state("consumers", victim, "maint")
                base.shutdown_sessions("consumers", victim)
                drain(ctx, victim, wait=True, timeout=30)
                t1 = time.monotonic()
                marks.append((victim, t0, t1))
                time.sleep(1.0)
                undrain(ctx, victim)
                base.set_server_state("consumers", victim, "ready")
                time.sleep(2.5)
        finally:
            events = {p: ld.stop() for p, ld in loads.items()}
    bounds = [t0 for _, t0, _ in marks[1:]] + [float("inf")]
    for (victim, t0, t1), nxt in zip(marks, bounds, strict=True):
        row: dict[str, Any] = {"victim": victim, "rsfleet_drain_s": round(t1 - t0, 2)}
        for p, evs in events.items():
            window = [e for e in evs if t0 <= e.t < nxt]
            row[p] = {
                "queries": len(window),
                "failed_queries": sum(not e.ok for e in window),
                "new_sessions_to_drained_after_1s": sum(
                    1 for e in window if not e.persistent and e.consumer == victim
                    and e.t > t0 + 0.05 and e.t < t1 + 1.0),
            }
        rows.append(row)
    summary = {p: {"failed_queries": sum(r[p]["failed_queries"] for r in rows),
                   "queries": sum(r[p]["queries"] for r in rows),
                   "new_sessions_to_drained": sum(r[p]["new_sessions_to_drained_after_1s"]
                                                  for r in rows)} for p in events}
    summary["rsfleet"]["median_drain_s"] = round(statistics.median(
        r["rsfleet_drain_s"] for r in rows), 2)
    print(f"{rounds} planned removal(s) under load (40 new sessions/s + 9 persistent sessions "
          "recycled every 3 s, per LB):")
    print(f"{'LB':<44}{'failed queries':>20}{'new sessions to it':>22}{'drain took':>12}")
    for p, s in summary.items():
        how = "drain --wait" if p == "rsfleet" else "maint + shutdown sessions"
        took = f"{s['median_drain_s']:.2f}s" if "median_drain_s" in s else "0s"
        failed = f"{s['failed_queries']} of {s['queries']}"
        print(f"{p + ' (' + how + ')':<44}{failed:>20}"
              f"{s['new_sessions_to_drained']:>22}{took:>12}")
    return {"rounds": rows, "summary": summary}
