"""Elastic rotation (issue 26): the same compressed day twice on one fleet of 4 consumers —
all consumers in rotation (the baseline: the controller without `rotation`), then elastic
(the controller with `rotation`, passes in a background thread) — and what each would be
billed on Redshift Serverless.

The load is the load test's engine (rsfleet.loadtest.runner.run, threads), one run per
piece of the profile, started at its offset; the bill is the load test's own `serverless`
block (rsfleet.loadtest.stats.serverless_bill -> rsfleet.cost.meter) over the query records.

Time is compressed: one bench second stands for SCALE real seconds (the rotation's
`scale_in_after_seconds` 600 s becomes 600 / SCALE). The bill is computed on the records
stretched back by SCALE (start and latency × SCALE), so AWS's 60-second minimum keeps its
real-day meaning (1 bench second at SCALE 60). The profile: quiet trickle, ramp in two
steps, peak of per-query sessions plus pooled sessions (a maximum lifetime: sticky sessions
leave a parked consumer at their next reconnect), a spike, quiet again.

`--quick`: a shorter day (SCALE 600, ~20 s a run).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._fleet import bench_fleet, controller_for, wait_until
from bench._load import QUERY

NAMES = ("c1", "c2", "c3", "c4")
TARGET = 2  # target_sessions_per_consumer: small, the machine has 2 cores
RPU = 8
FIGURE = Path(__file__).resolve().parent.parent / "docs" / "img" / "elastic.png"


@dataclass(frozen=True)
class Piece:
    """One load test run inside the day: `sessions` sessions from `at` for `seconds`."""

    step: str
    at: float
    seconds: float
    sessions: int
    mode: str = "per-query"  # or "pooled": per-session with a maximum lifetime


def profile(unit: float) -> tuple[list[tuple[str, float, float]], list[Piece]]:
    """The day in bench seconds (`unit` = length of a short step): its steps (name, start,
    end) and the pieces of load; sessions per step 1, 2, 4, 4+2 pooled, 8, 1."""
    steps = [("trickle", 0, 6), ("ramp 1", 6, 8), ("ramp 2", 8, 10), ("peak", 10, 14),
             ("spike", 14, 16), ("quiet", 16, 24)]
    sessions = {"trickle": 1, "ramp 1": 2, "ramp 2": 4, "peak": 4, "spike": 8, "quiet": 1}
    pieces = [Piece(n, a * unit, (b - a) * unit, sessions[n]) for n, a, b in steps]
    pieces.append(Piece("peak", 10 * unit, 4 * unit, 2, "pooled"))
    return [(n, a * unit, b * unit) for n, a, b in steps], pieces


def run_day(fleet: Any, pieces: list[Piece], lifetime: float) -> tuple[list[Any], float]:
    """Every piece through the LB with the load test's engine; query records on one clock."""
    from rsfleet.loadtest.queries import Query
    from rsfleet.loadtest.runner import Endpoint, RunSettings, run

    ep = Endpoint("local", fleet.kwargs(fleet.lbs["rsfleet"][1]), list(NAMES))
    mix = [Query("sum:sales.orders", QUERY)]
    out: list[Any] = []
    lock = threading.Lock()
    t0 = time.perf_counter()

    def one(i: int, p: Piece) -> None:
        time.sleep(max(0.0, t0 + p.at - time.perf_counter()))
        offset = time.perf_counter() - t0
        res = run(ep, mix, RunSettings(
            sessions=p.sessions, duration_s=p.seconds, seed=i,
            connect_mode="per-query" if p.mode == "per-query" else "per-session",
            session_lifetime_s=lifetime if p.mode == "pooled" else None))
        with lock:
            out.extend(q.model_copy(update={"start_s": q.start_s + offset})
                       for q in res.queries)

    threads = [threading.Thread(target=one, args=(i, p)) for i, p in enumerate(pieces)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return sorted(out, key=lambda q: q.start_s), time.perf_counter() - t0


class Sampler:
    """Which consumers HAProxy has in rotation, every 50 ms (bench seconds from start)."""

    def __init__(self, fleet: Any) -> None:
        self.fleet = fleet
        self.rows: list[tuple[float, frozenset[str]]] = []
        self.stop = threading.Event()
        self.t0 = 0.0

    def __enter__(self) -> Sampler:
        self.t0 = time.perf_counter()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def _loop(self) -> None:
        rt = self.fleet.runtime("rsfleet")
        while not self.stop.wait(0.05):
            live = frozenset(s.name for s in rt.servers("consumers") if s.in_rotation)
            self.rows.append((time.perf_counter() - self.t0, live))

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)


def in_rotation(fleet: Any) -> set[str]:
    return {s.name for s in fleet.runtime("rsfleet").servers("consumers") if s.in_rotation}


def controller_loop(ctx: Any, interval: float) -> tuple[threading.Event, threading.Thread,
                                                         list[str]]:
    """The controller's passes (the Lambda handler's service) in a background thread."""
    from rsfleet.controller.loop import run_until_stopped
    from rsfleet.controller.service import ControllerService

    lines: list[str] = []
    service = ControllerService(ctx.controller(rise=2, fall=2), "bench/elastic",
                                source="bench", emit=lines.append)
    stop = threading.Event()
    thread = threading.Thread(target=run_until_stopped, args=(service.one_pass,),
                              kwargs={"interval": interval, "stop": stop}, daemon=True)
    thread.start()
    return stop, thread, lines


def measure(fleet: Any, elastic: bool, pieces: list[Piece], *, interval: float,
            scale_in: float, lifetime: float) -> dict[str, Any]:
    from rsfleet.targets.rotation import RotationSettings

    ctx = controller_for(fleet, delay=lifetime + 2)  # pooled sessions leave before the delay
    if elastic:
        ctx.rotation = RotationSettings(min_in_rotation=1, target_sessions=TARGET,
                                        scale_in_after=scale_in)
        ctx.load = ctx.adapter.load
    stop, thread, lines = controller_loop(ctx, interval)
    try:
        want = 1 if elastic else len(NAMES)  # idle: the elastic fleet parks down to min
        assert wait_until(lambda: len(in_rotation(fleet)) == want,
                          (len(NAMES) + 1) * (scale_in + 3 * interval) + 30, 0.1), \
            f"never {want} in rotation before the run"
        with Sampler(fleet) as sampler:
            queries, wall = run_day(fleet, pieces, lifetime)
    finally:
        stop.set()
        thread.join(30)
    return {"queries": queries, "wall": wall, "rotation": sampler.rows, "passes": lines}


def bill(queries: list[Any], scale: float) -> Any:
    """The load test's `serverless` block over the records stretched back to the real day."""
    from rsfleet.loadtest.stats import serverless_bill

    real = [q.model_copy(update={"start_s": q.start_s * scale,
                                 "latency_ms": q.latency_ms * scale}) for q in queries]
    return serverless_bill(real, list(NAMES), {n: (RPU, None) for n in NAMES})


def cumulative_bill(queries: list[Any], scale: float, at: list[float]) -> list[float]:
    """RPU-seconds billed up to each bench time in `at` (the meter over the queries that
    started before it: each period counts whole once its 60 s minimum is open)."""
    out = []
    for t in at:
        b = bill([q for q in queries if q.start_s <= t], scale)
        out.append(b.rpu_seconds or 0.0)
    return out


def summarize(run: dict[str, Any], steps: list[tuple[str, float, float]],
              scale: float) -> dict[str, Any]:
    from rsfleet.loadtest.stats import latency

    qs = run["queries"]
    ok = [q.latency_ms for q in qs if q.ok]
    lat = latency(ok)
    b = bill(qs, scale)
    rows = run["rotation"]
    per_step = []
    for name, a, e in steps:
        inside = [r for r in rows if a <= r[0] < e]
        before = [r for r in rows if r[0] < a]
        start_set = before[-1][1] if before else (inside[0][1] if inside else frozenset())
        changes, prev = 0, start_set
        for _, live in inside:
            if live != prev:
                changes += 1
                prev = live
        new = [q for q in qs if q.ok and a <= q.start_s < e and q.consumer not in start_set]
        reaction = round(new[0].start_s - a, 2) if new else None
        counts = [len(r[1]) for r in inside]
        per_step.append({"step": name, "start_s": a, "in_rotation_at_start": len(start_set),
                         "in_rotation_max": max(counts, default=0),
                         "rotation_changes": changes,
                         "new_consumer_serving_after_s": reaction})
    return {"queries": len(qs), "failed_queries": sum(1 for q in qs if not q.ok),
            "p50_ms": lat.p50, "p95_ms": lat.p95, "wall_s": round(run["wall"], 1),
            "billed_s": b.billed_s, "rpu_seconds": b.rpu_seconds,
            "rpu_seconds_upper": b.rpu_seconds_upper,
            "per_consumer_billed_s": {c.name: c.billed_s for c in b.consumers},
            "steps": per_step}


def draw(runs: dict[str, dict[str, Any]], steps: list[tuple[str, float, float]],
         pieces: list[Piece], scale: float, path: Path = FIGURE) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    end = max(e for _, _, e in steps)
    colors = {"baseline": "#c0504d", "elastic": "#2a7ab0"}
    fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True)
    ax = axes[0]
    ts = [i * end / 400 for i in range(401)]
    load = [sum(p.sessions for p in pieces if p.at <= t < p.at + p.seconds) for t in ts]
    ax.step(ts, load, where="post", color="black")
    for name, a, _e in steps:
        ax.axvline(a, color="#dddddd", lw=0.8)
        ax.text(a + 0.1, max(load) * 1.02, name, fontsize=8)
    ax.set_ylim(0, max(load) * 1.2)
    ax.set_ylabel("client sessions")
    ax.set_title(f"the compressed day (1 bench s = {scale:g} real s); load: per-query + "
                 "pooled sessions", fontsize=10)
    ax = axes[1]
    for how, run in runs.items():
        rows = run["rotation"]
        ax.step([r[0] for r in rows], [len(r[1]) for r in rows], where="post",
                color=colors[how], label=how)
    ax.set_ylim(0, len(NAMES) + 0.5)
    ax.set_ylabel("consumers in rotation")
    ax.legend(fontsize=8, loc="upper left")
    ax = axes[2]
    for how, run in runs.items():
        cum = cumulative_bill(run["queries"], scale, ts)
        ax.plot(ts, [c / 3600 for c in cum], color=colors[how], label=how)
    ax.set_ylabel("billed RPU-hours (cumulative)")
    ax.set_xlabel("bench seconds")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")


def main(quick: bool = False) -> dict[str, Any]:
    unit = 0.8 if quick else 6.0  # bench seconds per short step
    scale = 600.0 if quick else 60.0  # real seconds per bench second
    interval = 0.5  # controller passes
    scale_in = 600 / scale
    lifetime = 2 * unit / 3  # pooled sessions' maximum lifetime (bench seconds)
    steps, pieces = profile(unit)
    runs: dict[str, dict[str, Any]] = {}
    with bench_fleet(NAMES, profiles=("rsfleet",)) as fleet:
        for how in ("baseline", "elastic"):
            runs[how] = measure(fleet, how == "elastic", pieces, interval=interval,
                                scale_in=scale_in, lifetime=lifetime)
    s = {how: summarize(run, steps, scale) for how, run in runs.items()}
    b, e = s["baseline"], s["elastic"]
    billed_ratio = round(e["rpu_seconds"] / b["rpu_seconds"], 3)
    p95_ratio = round(e["p95_ms"] / b["p95_ms"], 3)
    steps_out = e["steps"]
    reactions = [x["new_consumer_serving_after_s"] for x in steps_out
                 if x["new_consumer_serving_after_s"] is not None
                 and x["in_rotation_max"] > x["in_rotation_at_start"]]
    max_changes = max(x["rotation_changes"] for x in steps_out)
    print(f"compressed day: 1 bench s = {scale:g} real s; scale_in_after 600 s -> "
          f"{scale_in:g} s, controller every {interval:g} s, target {TARGET} sessions per "
          f"consumer, pooled lifetime {lifetime:g} s; 2 shared cores, heavily loaded")
    print(f"{'':10} {'RPU-s billed':>13} {'p50 ms':>8} {'p95 ms':>8} {'failed':>7} "
          f"{'queries':>8}")
    for how, x in s.items():
        print(f"{how:10} {x['rpu_seconds']:>13,.0f} {x['p50_ms']:>8.2f} {x['p95_ms']:>8.2f} "
              f"{x['failed_queries']:>7} {x['queries']:>8,}")
    print(f"billed_ratio {billed_ratio} (goal <= 0.5), p95_ratio {p95_ratio} (goal <= 1.1), "
          f"failed {e['failed_queries']} (goal 0)")
    print("elastic per step: in rotation at start -> max, changes, new consumer serving after")
    for x in steps_out:
        r = x["new_consumer_serving_after_s"]
        print(f"  {x['step']:8} {x['in_rotation_at_start']} -> {x['in_rotation_max']}, "
              f"{x['rotation_changes']} change(s)"
              + (f", {r:.2f} s ({r / interval:.1f} passes)" if r is not None else ""))
    # --quick (the CI smoke) draws beside its result, not over the README's picture
    draw(runs, steps, pieces, scale,
         FIGURE if not quick else Path(__file__).resolve().parent / "results"
         / "elastic-quick.png")
    return {
        "billed_ratio": billed_ratio, "p95_ratio": p95_ratio,
        "failed_queries": e["failed_queries"],
        "goals": {"billed_ratio": 0.5, "p95_ratio": 1.1, "failed_queries": 0,
                  "reaction_passes": 2, "rotation_changes_per_step": 2},
        "met": {"billed_ratio": billed_ratio <= 0.5, "p95_ratio": p95_ratio <= 1.1,
                "failed_queries": e["failed_queries"] == 0,
                "reaction_passes": all(r <= 2 * interval for r in reactions),
                "rotation_changes_per_step": max_changes <= 2},
        "reaction_s": reactions,
        "max_rotation_changes_per_step": max_changes,
        "scaling": {"real_s_per_bench_s": scale, "scale_in_after_s": scale_in,
                    "controller_interval_s": interval, "target_sessions_per_consumer": TARGET,
                    "pooled_lifetime_s": lifetime, "base_capacity_rpu": RPU,
                    "note": "bill on the records stretched by real_s_per_bench_s, so the "
                            "60-second minimum keeps its real-day meaning"},
        "profile": [p.__dict__ for p in pieces],
        "machine_note": "2 cores shared with ~8 other sessions' work: heavily loaded, "
                        "latencies noisy",
        "baseline": b, "elastic": e,
    }


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
