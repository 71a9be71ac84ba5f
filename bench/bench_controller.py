"""The controller's loop (the Lambda handler's: `ControllerService.one_pass` in `run_passes`)
driven against local consumers behind HAProxy, at the Lambda's interval.

1. Unready -> removed: a consumer stops being ready while it still accepts TCP (its
   reader loses SELECT on the shared table: what a revoked grant or a dropped datashare
   does). Measured: seconds from the REVOKE to HAProxy no longer sending it new sessions
   (runtime API polled every 10 ms). Beside it, what NLB health checks give for a target
   that *dies* (they never see one that accepts TCP but cannot answer): the fastest NLB
   setting 5 s × 2 = 10 s, the seed's 30 s × 2 = 60 s (interval × unhealthy threshold; no
   AWS account here, so these are the documented floors, not measurements).
2. Pass duration for 2, 4 and 8 consumers (probe in parallel, reconcile, apply, record).

`--quick`: interval 1 s, 2 rounds, 2 and 4 consumers.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import psycopg

from bench._fleet import bench_fleet, controller_for, wait_until

NLB_FASTEST_S = 5 * 2  # health_check_interval 5 s × unhealthy_threshold 2
NLB_SEED_S = 30 * 2  # the seed's 30 s × 2


def _loop(ctx: Any, interval: float, fleet_name: str = "bench/controller") -> Any:
    """A controller + the handler's service, passes in a background thread until stopped."""
    import threading

    from rsfleet.controller.loop import run_until_stopped
    from rsfleet.controller.service import ControllerService

    ctl = ctx.controller(rise=2, fall=2)
    lines: list[str] = []
    service = ControllerService(ctl, fleet_name, source="bench", emit=lines.append)
    stop = threading.Event()
    durations: list[float] = []

    def one(n: int) -> None:
        res = service.one_pass(n)
        durations.append(res.duration_s)

    thread = threading.Thread(target=run_until_stopped, args=(one,),
                              kwargs={"interval": interval, "stop": stop}, daemon=True)
    thread.start()
    return stop, thread, durations, lines


def _grant(fleet: Any, name: str, on: bool) -> None:
    pg = fleet.consumers[name]
    kw = {**pg.connect_kwargs("rsfleet_admin", fleet.admin_password, "sales_db")}
    with psycopg.connect(**kw, autocommit=True) as c:
        c.execute(("GRANT" if on else "REVOKE") + " SELECT ON sales.orders "
                  + ("TO" if on else "FROM") + " app_reader")


def _in_rotation(fleet: Any, name: str) -> bool:
    return any(s.name == name and s.in_rotation
               for s in fleet.runtime("rsfleet").servers("consumers"))


def removal_times(interval: float, rounds: int) -> dict[str, Any]:
    with bench_fleet(("c1", "c2", "c3"), profiles=("rsfleet",)) as fleet:
        ctx = controller_for(fleet)
        stop, thread, _durations, lines = _loop(ctx, interval)
        try:
            assert wait_until(lambda: all(_in_rotation(fleet, n) for n in ("c1", "c2", "c3")),
                              30, 0.05), "consumers never entered rotation"
            times = []
            for r in range(rounds):
                name = ("c1", "c2", "c3")[r % 3]
                time.sleep(interval * 0.37 * (r % 3))  # vary the phase against the passes
                t0 = time.monotonic()
                _grant(fleet, name, on=False)
                assert wait_until(lambda n=name: not _in_rotation(fleet, n), 60, 0.01)
                times.append(round(time.monotonic() - t0, 3))
                _grant(fleet, name, on=True)
                assert wait_until(lambda n=name: _in_rotation(fleet, n), 60, 0.05)
        finally:
            stop.set()
            thread.join(30)
    drains = sum(1 for ln in lines if '"action": "drain"' in ln)
    mean = statistics.mean(times)
    return {"interval_s": interval, "rise": 2, "fall": 2, "rounds": rounds,
            "removal_s": times, "removal_mean_s": round(mean, 3),
            "removal_max_s": max(times), "drain_actions_logged": drains,
            "nlb_fastest_floor_s": NLB_FASTEST_S, "nlb_seed_floor_s": NLB_SEED_S,
            "ratio_vs_nlb_fastest": round(mean / NLB_FASTEST_S, 3),
            "ratio_vs_nlb_seed": round(mean / NLB_SEED_S, 3)}


def pass_durations(sizes: tuple[int, ...], passes: int, interval: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in sizes:
        names = tuple(f"c{i}" for i in range(1, n + 1))
        with bench_fleet(names, profiles=("rsfleet",)) as fleet:
            ctx = controller_for(fleet)
            stop, thread, durations, _lines = _loop(ctx, interval)
            try:
                assert wait_until(lambda d=durations: len(d) >= passes + 2, 120, 0.05)
            finally:
                stop.set()
                thread.join(30)
        steady = sorted(durations[2:])  # after the consumers entered rotation
        out[str(n)] = {"passes": len(steady),
                       "median_ms": round(statistics.median(steady) * 1000, 1),
                       "max_ms": round(max(steady) * 1000, 1)}
    return out


def main(quick: bool = False) -> dict[str, Any]:
    interval = 1.0 if quick else 5.0
    removal = removal_times(interval, 2 if quick else 6)
    durations = pass_durations((2, 4) if quick else (2, 4, 8), 3 if quick else 10,
                               0.5 if quick else 1.0)
    print(f"unready -> out of rotation, controller every {interval:g} s (rise 2, fall 2): "
          f"mean {removal['removal_mean_s']:.2f} s, max {removal['removal_max_s']:.2f} s "
          f"over {removal['rounds']} rounds")
    print(f"  NLB health checks for a dead target: >= {NLB_FASTEST_S} s at the fastest "
          f"(ratio {removal['ratio_vs_nlb_fastest']:.2f}), {NLB_SEED_S} s with the seed's "
          f"settings (ratio {removal['ratio_vs_nlb_seed']:.2f}); never for this unready one")
    print("pass duration (probe all in parallel, reconcile, apply, record):")
    for n, d in durations.items():
        print(f"  {n} consumers: median {d['median_ms']} ms, max {d['max_ms']} ms "
              f"({d['passes']} passes)")
    return {"removal": removal, "pass_duration": durations}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
