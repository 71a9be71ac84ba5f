"""A rolling restart of 3 consumers under steady load, beside a naive restart of each
consumer without draining, in the same run on the same fleet.

One `rsfleet local up` fleet (3 consumers sharing `sales` by logical replication, HAProxy
`rsfleet` profile). Load through HAProxy for the whole run: new sessions at a steady rate
(connect, ask which consumer answers, one aggregate, close) and persistent sessions that run
the aggregate in a loop and are recycled every few seconds (a client pool with a maximum
connection lifetime shorter than the deregistration delay).
- rsfleet: `rsfleet local rollout --restart` (rsfleet.rollout.local.rollout): per consumer,
  drain, wait until HAProxy counts no session on it (at most the deregistration delay), restart
  its PostgreSQL, wait until the readiness probe passes a real query, undrain.
- naive: per consumer, `pg_ctl restart -m fast` without draining, then wait until HAProxy
  has it UP again before the next one (what a hand-run restart loop does).
Per phase: failed queries (new sessions and persistent sessions), p50/p99 latency of the
successful queries, how long the phase took. Rounds alternate which phase runs first.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench._fleet import Ev, Load, local_fleet, wait_until

QUERY = "SELECT count(*), sum(amount) FROM sales.orders WHERE quantity = 3"


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(p * len(s)))], 1)


def window(events: list[Ev], t0: float, t1: float) -> dict[str, Any]:
    evs = [e for e in events if t0 <= e.t <= t1]
    ok = [e.ms for e in evs if e.ok]
    errors: dict[str, int] = {}
    for e in evs:
        if not e.ok:
            key = e.error.split(":")[0][:60] or "error"
            errors[key] = errors.get(key, 0) + 1
    return {
        "queries": len(evs),
        "failed_queries": sum(not e.ok for e in evs),
        "failed_new_sessions": sum(not e.ok and not e.persistent for e in evs),
        "failed_persistent": sum(not e.ok and e.persistent for e in evs),
        "p50_ms": pct(ok, 0.50), "p99_ms": pct(ok, 0.99),
        "errors": errors,
    }


def _haproxy_up(fleet: Any, name: str) -> bool:
    from rsfleet.adapters.haproxy import HaproxyRuntime

    return any(s.name == name and s.in_rotation
               for s in HaproxyRuntime(fleet.haproxy_socket).servers("consumers"))


def naive_restart(fleet: Any) -> None:
    for name in fleet.spec.consumers:
        node = fleet.node(name)
        node.stop("fast")
        node.start()
        # like a hand-run loop that waits for the LB before the next one
        wait_until(lambda n=name: _haproxy_up(fleet, n), 30, 0.1)


def main(quick: bool = False) -> dict:
    from rsfleet.rollout.local import rollout

    rounds = 1 if quick else 2
    new_per_s, persistent, recycle_s, delay = (15, 3, 2.0, 10.0) if quick else \
        (25, 6, 2.0, 10.0)
    phases: list[dict[str, Any]] = []
    with local_fleet(consumers=3, rows=20_000) as fleet:
        kwargs = {**fleet.connect_kwargs("lb"), "connect_timeout": 5}
        wait_until(lambda: all(_haproxy_up(fleet, n) for n in fleet.spec.consumers), 30, 0.1)
        load = Load(kwargs, new_per_s, persistent, recycle_s, query=QUERY,
                    pause=0.05).start(workers=2)
        marks: list[tuple[str, float, float, list[int | None]]] = []
        try:
            time.sleep(2.0)
            for r in range(rounds):
                order = ("rsfleet", "naive") if r % 2 == 0 else ("naive", "rsfleet")
                for how in order:
                    before = [fleet.node(n).pid for n in fleet.spec.consumers]
                    t0 = time.monotonic()
                    if how == "rsfleet":
                        rollout(fleet, restart=True, drain_timeout=delay)
                    else:
                        naive_restart(fleet)
                    t1 = time.monotonic()
                    after = [fleet.node(n).pid for n in fleet.spec.consumers]
                    assert all(a is not None and a != b for a, b in zip(after, before,
                                                                        strict=True))
                    marks.append((how, t0, t1, after))
                    time.sleep(2.0)  # settle: pools refill, every consumer in rotation
        finally:
            events = load.stop()
    for how, t0, t1, _ in marks:
        phases.append({"how": how, "seconds": round(t1 - t0, 1), **window(events, t0, t1)})
    summary: dict[str, Any] = {}
    for how in ("rsfleet", "naive"):
        ps = [p for p in phases if p["how"] == how]
        t_ok = [e.ms for how2, t0, t1, _ in marks if how2 == how
                for e in events if t0 <= e.t <= t1 and e.ok]
        summary[how] = {
            "restarts": 3 * len(ps),
            "queries": sum(p["queries"] for p in ps),
            "failed_queries": sum(p["failed_queries"] for p in ps),
            "failed_new_sessions": sum(p["failed_new_sessions"] for p in ps),
            "failed_persistent": sum(p["failed_persistent"] for p in ps),
            "p50_ms": pct(t_ok, 0.50), "p99_ms": pct(t_ok, 0.99),
            "median_seconds": statistics.median(p["seconds"] for p in ps),
        }
    calm = [e.ms for e in events if e.ok and not any(t0 <= e.t <= t1 for _, t0, t1, _ in marks)]
    summary["steady"] = {"p50_ms": pct(calm, 0.50), "p99_ms": pct(calm, 0.99)}
    print(f"rolling restart of 3 consumers x {rounds} round(s) under load ({new_per_s} new "
          f"sessions/s + {persistent} persistent sessions recycled every {recycle_s:g} s):")
    print(f"{'':<34}{'failed queries':>22}{'new / persistent':>18}{'p99 ms':>9}"
          f"{'took':>8}")
    for how, label in (("rsfleet", "rsfleet (local rollout --restart)"),
                       ("naive", "naive (restart, no drain)")):
        s = summary[how]
        print(f"{label:<34}{of(s['failed_queries'], s['queries']):>22}"
              f"{s['failed_new_sessions']:>9} / {s['failed_persistent']:<6}"
              f"{s['p99_ms'] or 0:>9.1f}{s['median_seconds']:>7.1f}s")
    print(f"steady load outside the restarts: p99 {summary['steady']['p99_ms']} ms")
    return {"load": {"new_sessions_per_s": new_per_s, "persistent_sessions": persistent,
                     "recycle_s": recycle_s, "deregistration_delay_s": delay,
                     "rounds": rounds, "consumers": 3},
            "phases": phases, "summary": summary}


def of(failed: int, total: int) -> str:
    return f"{failed:,} of {total:,}"


if __name__ == "__main__":
    import argparse

    from bench.__main__ import main as run

    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    raise SystemExit(run(["rolling_restart", *(["--quick"] if a.quick else [])]))
