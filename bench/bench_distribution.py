"""Distribution over consumers: which consumer serves each of many new connections, through
rsfleet's HAProxy and through the hand-written baseline HAProxy over the same consumers.

Cases, per LB:
1. sequential: one client, N connections one after the other;
2. concurrent: 8 clients;
3. one drained: c3 drained (rsfleet: `targets drain`; baseline: `set server state drain`);
   it must get no new session;
4. one just added, c3 still drained: a new consumer c4 starts empty and is added to both
   LBs at once (rsfleet: `targets sync` registers it in maintenance; baseline: the server
   line a user adds, `check inter 3s fall 3 rise 2`, enabled). New sessions keep arriving
   while it gets its data; sessions that reach it before it has the shared data fail. Once
   it is ready (rsfleet: the readiness probe passes), it must get its share;
5. c3 back: all four even.

Evenness: chi-square p-value (scipy) against equal shares and the max/min ratio.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import psycopg

from bench._fleet import (
    BASELINE_SERVER_OPTIONS,
    BenchFleet,
    bench_fleet,
    controller_for,
    wait_until,
)

WHO = "SELECT current_setting('cluster_name')"
PROFILES = ("rsfleet", "baseline")
FAILED = "(failed)"


def connections(kwargs: dict[str, Any], *, n: int | None = None, seconds: float | None = None,
                workers: int = 8) -> Counter[str]:
    """Open connections (n in total, or for `seconds`) and count who served each; failed
    connections count under FAILED."""
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    until = time.monotonic() + seconds if seconds else None
    quota = [n // workers + (1 if i < n % workers else 0) for i in range(workers)] if n else \
        [-1] * workers

    def work(k: int) -> None:
        while k != 0 and (until is None or time.monotonic() < until):
            k -= 1
            try:
                with psycopg.connect(**kwargs) as c:
                    name = c.execute(WHO).fetchone()[0]
            except psycopg.Error:
                name = FAILED
                time.sleep(0.01)
            with lock:
                counts[name] += 1

    threads = [threading.Thread(target=work, args=(k,)) for k in quota]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts


def evenness(counts: Counter[str], names: list[str], **extra: Any) -> dict[str, Any]:
    from scipy.stats import chisquare

    observed = [counts.get(n, 0) for n in names]
    p = float(chisquare(observed).pvalue) if sum(observed) else float("nan")
    return {"counts": dict(zip(names, observed, strict=True)), "chi_square_p": round(p, 4),
            "max_min_ratio": round(max(observed) / max(1, min(observed)), 4),
            "failed": counts.get(FAILED, 0), **extra}


def both(fleet: BenchFleet, fn: Any) -> dict[str, Any]:
    """Run `fn(kwargs)` against each LB, one after the other."""
    return {p: fn(fleet.kwargs(fleet.lbs[p][1])) for p in PROFILES}


def in_rotation(fleet: BenchFleet, profile: str) -> set[str]:
    return {s.name for s in fleet.runtime(profile).servers("consumers") if s.in_rotation}


def main(quick: bool = False) -> dict[str, Any]:
    from rsfleet.controller.service import watch
    from rsfleet.targets.api import drain, sync, undrain

    n = 1000 if quick else 10_000
    out: dict[str, Any] = {"connections": n, "cases": {}}
    cases: dict[str, dict[str, Any]] = out["cases"]
    with bench_fleet(profiles=PROFILES) as fleet:
        names = list(fleet.consumers)
        ctx = controller_for(fleet)
        sync(ctx)  # rsfleet's servers start in maintenance: the probe puts them in rotation
        if not wait_until(lambda: all(in_rotation(fleet, p) == set(names) for p in PROFILES),
                          20):
            raise RuntimeError("not every consumer came into rotation")
        cases["sequential"] = {p: evenness(c, names) for p, c in both(
            fleet, lambda kw: connections(kw, n=n, workers=1)).items()}
        cases["concurrent"] = {p: evenness(c, names) for p, c in both(
            fleet, lambda kw: connections(kw, n=n)).items()}

        drained = names[-1]
        drain(ctx, drained)
        fleet.runtime("baseline").set_server_state("consumers", drained, "drain")
        kept = [x for x in names if x != drained]
        cases["one_drained"] = {p: evenness(c, kept, sessions_to_drained=c.get(drained, 0))
                                for p, c in both(fleet, lambda kw: connections(
                                    kw, n=n // 2)).items()}

        # a new consumer, empty, added to both LBs while new sessions keep coming
        added = "c4"
        fleet.start_consumer(added)
        t_added = time.monotonic()
        ctx = controller_for(fleet)  # knows c4 now; `drain` state of c3 persists
        sync(ctx)
        fleet.runtime("baseline").add_server("consumers", added, "127.0.0.1",
                                             fleet.consumers[added].port,
                                             options=BASELINE_SERVER_OPTIONS)
        fleet.runtime("baseline").set_server_state("consumers", added, "ready")
        unready: dict[str, Counter[str]] = {}
        load = [threading.Thread(target=lambda p=p: unready.__setitem__(p, connections(
            fleet.kwargs(fleet.lbs[p][1]), seconds=8.0, workers=2))) for p in PROFILES]
        for t in load:
            t.start()
        time.sleep(6.5)  # the baseline's checks pass (the port is open) before the data is there
        fleet.seed_consumer(added)
        ready_at = time.monotonic()
        for t in load:
            t.join()
        stop = threading.Event()
        watcher = threading.Thread(target=watch, args=(ctx, 0.5),
                                   kwargs={"stop": stop, "emit": lambda _line: None},
                                   daemon=True)
        watcher.start()
        try:
            wait_until(lambda: added in in_rotation(fleet, "rsfleet"), 20)
            in_rs = time.monotonic()
            members = [x for x in [*names, added] if x != drained]
            cases["one_drained_one_added"] = {}
            for p, c in both(fleet, lambda kw: connections(kw, n=n // 2)).items():
                cases["one_drained_one_added"][p] = evenness(
                    c, members, sessions_to_drained=c.get(drained, 0),
                    sessions_while_unready=dict(unready[p]),
                    failed_while_unready=unready[p].get(FAILED, 0))
            cases["one_drained_one_added"]["rsfleet"]["in_rotation_s_after_ready"] = round(
                in_rs - ready_at, 2)
            cases["one_drained_one_added"]["seconds_from_start_to_data"] = round(
                ready_at - t_added, 2)

            undrain(ctx, drained)
            fleet.runtime("baseline").set_server_state("consumers", drained, "ready")
            wait_until(lambda: drained in in_rotation(fleet, "rsfleet"), 20)
            all4 = [*names, added]
            cases["all_back"] = {p: evenness(c, all4) for p, c in both(
                fleet, lambda kw: connections(kw, n=n // 2)).items()}
        finally:
            stop.set()
            watcher.join(5)
    print(f"{'case':<24}{'LB':<10}{'counts':<44}{'p':>7}{'max/min':>9}{'failed':>8}")
    for case, per in cases.items():
        for p in PROFILES:
            r = per[p]
            print(f"{case:<24}{p:<10}{r['counts']!s:<44}{r['chi_square_p']:>7.3f}"
                  f"{r['max_min_ratio']:>9.3f}{r['failed']:>8}")
    added_case = cases["one_drained_one_added"]
    for p in PROFILES:
        r = added_case[p]
        print(f"{p}: first 8 s after adding empty c4 (its data arrived at "
              f"{added_case['seconds_from_start_to_data']:.1f} s): "
              f"{r['sessions_while_unready']} ({r['failed_while_unready']} failed)")
    return out
