"""Crash a consumer under steady load, behind two HAProxies at once, in one run.

- `rsfleet` profile (rsfleet.local.haproxy): checks every 500 ms (fastinter 250 ms), fall 2,
  `on-marked-down shutdown-sessions`, `option redispatch` + `retries 3`, plus the targets
  controller (`watch`, 0.5 s interval, readiness probe).
- `baseline` profile: a hand-written configuration (`inter 3s fall 3 rise 2`, no redispatch).

Both front the same PostgreSQL consumers, so every crash hits both the same instant. Per
crash and per LB: seconds from the SIGKILL to the LB taking the consumer out of rotation
(status leaves UP, polled every 10 ms on the runtime API), new sessions started after the
process was gone that failed (those started between kill() and its death, or earlier and
still in flight at the kill, are counted apart: they had reached the dying server), and
failed queries on persistent sessions (those in flight on the crashed consumer can fail).
Next to it, what NLB health checks imply (they cannot be faster than interval x threshold).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from bench._fleet import BenchFleet, Load, bench_fleet, controller_for, wait_until

QUERY = "SELECT count(*), sum(amount) FROM sales.orders WHERE region = 'r3'"
NLB = {"seed (30 s x 2)": (30, 2), "spec default (10 s x 2)": (10, 2),
       "fastest NLB (5 s x 2)": (5, 2)}


class RotationMonitor:
    """Polls `show stat` of each LB every 10 ms: when did server X leave / re-enter UP."""

    def __init__(self, fleet: BenchFleet) -> None:
        from rsfleet.adapters.haproxy import HaproxyRuntime

        self.rts = {p: HaproxyRuntime(proc.socket) for p, (proc, _) in fleet.lbs.items()}
        self.status: dict[str, dict[str, str]] = {}
        self.changes: list[tuple[float, str, str, str]] = []  # (t, profile, server, status)
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop_flag.is_set():
            for p, rt in self.rts.items():
                with contextlib.suppress(Exception):
                    for s in rt.servers("consumers"):
                        up = s.in_rotation
                        prev = self.status.setdefault(p, {}).get(s.name)
                        cur = "in" if up else "out"
                        if prev != cur:
                            self.status[p][s.name] = cur
                            self.changes.append((time.monotonic(), p, s.name, cur))
            self.stop_flag.wait(0.01)

    def first(self, profile: str, server: str, state: str, after: float) -> float | None:
        for t, p, s, st in self.changes:
            if t >= after and p == profile and s == server and st == state:
                return t
        return None

    def wait(self, pred: Callable[[], bool], timeout: float) -> bool:
        return wait_until(pred, timeout, step=0.02)

    def all_in(self) -> bool:
        return all(st == "in" for p in self.rts for st in self.status.get(p, {}).values()) \
            and all(self.status.get(p) for p in self.rts)


def nlb_implied() -> dict[str, float]:
    return {k: float(i * n) for k, (i, n) in NLB.items()}


def main(quick: bool = False) -> dict:
    from rsfleet.controller.service import watch
    from rsfleet.targets.api import sync

    crashes = 2 if quick else 5
    names = ("c1", "c2", "c3")
    result: dict[str, Any] = {"crashes": [], "settings": {
        "rsfleet": "inter 500ms fastinter 250ms fall 2 rise 2, on-marked-down "
                   "shutdown-sessions, redispatch + retries 3, controller watch 0.5s rise 2 "
                   "fall 2",
        "baseline": "inter 3s fall 3 rise 2, no redispatch"}}
    with bench_fleet(names) as fleet:
        ctx = controller_for(fleet)
        sync(ctx)  # the rsfleet profile starts its servers in maintenance
        mon = RotationMonitor(fleet)
        mon.thread.start()
        if not mon.wait(mon.all_in, 20):
            raise RuntimeError(f"not every server came up: {mon.status}")
        log: list[str] = []
        stop = threading.Event()
        watcher = threading.Thread(target=watch, args=(ctx, 0.5), kwargs={
            "stop": stop, "emit": lambda _line: None,
            "log": lambda m: log.append(f"{time.monotonic():.3f} {m}")}, daemon=True)
        watcher.start()
        loads = {p: Load(fleet.kwargs(port), new_per_s=40, persistent=6, query=QUERY).start()
                 for p, (_, port) in fleet.lbs.items()}
        kills: list[tuple[str, float]] = []
        dead_at: list[float] = []  # when the killed postmaster was really gone
        restart_at: list[float] = []  # restart begun / the postmaster accepting again
        restarted_at: list[float] = []
        try:
            time.sleep(2.0)
            for i in range(crashes):
                victim = names[i % len(names)]
                pid = fleet.consumers[victim].pid
                t_kill = time.monotonic()
                fleet.consumers[victim].kill()
                while pid and os.path.exists(f"/proc/{pid}") and time.monotonic() - t_kill < 5:
                    time.sleep(0.0005)
                kills.append((victim, t_kill))
                dead_at.append(time.monotonic())
                mon.wait(lambda v=victim, t=t_kill: all(
                    mon.first(p, v, "out", t) for p in fleet.lbs), 20)
                time.sleep(1.0)
                restart_at.append(time.monotonic())
                fleet.restart(victim)
                restarted_at.append(time.monotonic())
                mon.wait(mon.all_in, 30)
                time.sleep(1.5)
        finally:
            events = {p: ld.stop() for p, ld in loads.items()}
            stop.set()
            watcher.join(10)
            mon.stop_flag.set()
            mon.thread.join(5)
    # ---- per crash, per LB --------------------------------------------------------------
    bounds = [t for _, t in kills] + [float("inf")]
    for i, (victim, t_kill) in enumerate(kills):
        row: dict[str, Any] = {"victim": victim}
        for p in events:
            out_t = mon.first(p, victim, "out", t_kill)
            window = [e for e in events[p] if t_kill <= e.t < bounds[i + 1]]
            # a new session still in flight when the *next* crash came belongs to that crash
            # (it started just before that kill and failed with it), not to this one
            nxt = bounds[i + 1]
            new = [e for e in window if not e.persistent and e.t >= dead_at[i]
                   and (e.ok or e.end < nxt)]
            caught = [e for e in events[p] if not e.persistent and not e.ok
                      and e.t < t_kill <= e.end]
            racing = [e for e in window if not e.persistent and e.t < dead_at[i]] + caught
            pers = [e for e in window if e.persistent]
            row[p] = {
                "out_of_rotation_s": None if out_t is None else round(out_t - t_kill, 3),
                "new_sessions": len(new), "failed_new_sessions": sum(not e.ok for e in new),
                # started between kill() and the process being gone, or before the kill and
                # still in flight at it: they had reached the dying server
                "failed_new_sessions_during_kill": sum(not e.ok for e in racing),
                "persistent_queries": len(pers),
                "failed_persistent_queries": sum(not e.ok for e in pers),
                # failed on a session the crashed consumer was serving (in flight there)
                "failed_persistent_on_victim": sum(not e.ok and e.consumer == victim
                                                   for e in pers),
                "errors": sorted({e.error for e in window if not e.ok})[:5],
                # each failed new session: when it started, relative to the kill, to the
                # process being gone and to the restart (which phase it belongs to)
                "failed_new_detail": [
                    {"s_after_kill": round(e.t - t_kill, 3),
                     "s_after_death": round(e.t - dead_at[i], 3),
                     "s_after_restart_began": (round(e.t - restart_at[i], 3)
                                               if i < len(restart_at) else None),
                     "s_after_restarted": (round(e.t - restarted_at[i], 3)
                                           if i < len(restarted_at) else None),
                     "error": e.error} for e in new if not e.ok][:10],
            }
        result["crashes"].append(row)
    summary = {}
    for p in events:
        outs = [r[p]["out_of_rotation_s"] for r in result["crashes"]
                if r[p]["out_of_rotation_s"] is not None]
        summary[p] = {
            "median_out_of_rotation_s": round(statistics.median(outs), 3) if outs else None,
            "max_out_of_rotation_s": max(outs) if outs else None,
            "failed_new_sessions": sum(r[p]["failed_new_sessions"] for r in result["crashes"]),
            "failed_new_sessions_during_kill": sum(r[p]["failed_new_sessions_during_kill"]
                                                   for r in result["crashes"]),
            "new_sessions": sum(r[p]["new_sessions"] for r in result["crashes"]),
            "failed_persistent_queries": sum(r[p]["failed_persistent_queries"]
                                             for r in result["crashes"]),
            "persistent_queries": sum(r[p]["persistent_queries"] for r in result["crashes"]),
            "failed_persistent_on_victim": sum(r[p]["failed_persistent_on_victim"]
                                               for r in result["crashes"]),
        }
    result["summary"] = summary
    result["nlb_implied_detection_s"] = nlb_implied()
    result["controller_log"] = log[-60:]
    # ---- print --------------------------------------------------------------------------
    print(f"{crashes} crashes of a consumer under load (40 new sessions/s + 6 persistent "
          "sessions per LB), both LBs in front of the same consumers:")
    print(f"{'LB':<44}{'out of rotation (median / max)':>32}{'failed new sessions':>22}"
          f"{'failed persistent queries':>28}")
    for p, s in summary.items():
        med, mx = s["median_out_of_rotation_s"], s["max_out_of_rotation_s"]
        times = "-" if med is None else f"{med:.2f}s / {mx:.2f}s"
        print(f"{p:<44}{times:>32}"
              f"{str(s['failed_new_sessions']) + ' of ' + str(s['new_sessions']):>22}"
              f"{str(s['failed_persistent_queries']) + ' of ' + str(s['persistent_queries']):>28}")
    for k, v in nlb_implied().items():
        print(f"{'NLB health checks, ' + k:<44}{'up to ~' + format(v, 'g') + 's':>32}"
              f"{'(not measured here)':>22}")
    r, b = summary.get("rsfleet", {}), summary.get("baseline", {})
    if r.get("median_out_of_rotation_s") and b.get("median_out_of_rotation_s"):
        ratio = b["median_out_of_rotation_s"] / r["median_out_of_rotation_s"]
        result["baseline_over_rsfleet_detection"] = round(ratio, 1)
        print(f"baseline / rsfleet time out of rotation: {ratio:.1f}x")
    return result
