"""Draw docs/img/bench.png from bench/results/*.json (run after `make bench`)."""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "docs" / "img" / "bench.png"


def load(name: str) -> dict:
    return json.loads((HERE / "results" / f"{name}.json").read_text(encoding="utf-8"))["result"]


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    failover, drain, overhead = load("failover"), load("drain"), load("lb_overhead")
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    lbs = ["rsfleet", "baseline"]
    colors = ["#2a7ab0", "#c0504d"]

    ax = axes[0]
    for i, lb in enumerate(lbs):
        ys = [c[lb]["out_of_rotation_s"] for c in failover["crashes"]]
        ax.scatter([i] * len(ys), ys, color=colors[i], s=40)
    ax.axhline(10, ls="--", color="gray")
    ax.text(0.5, 10.3, "fastest NLB-only (5 s x 2)", ha="center", fontsize=8, color="gray")
    ax.set_xticks([0, 1], lbs)
    ax.set_ylabel("seconds")
    ax.set_ylim(0, 11.5)
    ax.set_title("crash: time until out of rotation")

    ax = axes[1]
    failed = [sum(c[lb]["failed_new_sessions"] for c in failover["crashes"]) for lb in lbs]
    failed_drain = [sum(r[lb]["failed_queries"] for r in drain["rounds"]) for lb in lbs]
    x = range(len(lbs))
    ax.bar([i - 0.2 for i in x], failed, 0.4, label="failed new sessions (crashes)",
           color="#888")
    ax.bar([i + 0.2 for i in x], failed_drain, 0.4, label="failed queries (planned removal)",
           color="#444")
    ax.set_xticks(list(x), lbs)
    ax.legend(fontsize=8)
    ax.set_title("failures, all runs")

    ax = axes[2]
    modes = ["direct", "rsfleet", "baseline"]
    ax.bar(modes, [overhead[m]["throughput_ratio"] for m in modes],
           color=["#999", colors[0], colors[1]])
    ax.axhline(0.85, ls="--", color="gray")
    ax.set_ylim(0, 1.1)
    ax.set_title("throughput vs direct (2 cores)")
    fig.suptitle("rsfleet local fleet: HAProxy + readiness controller vs a hand-configured "
                 "HAProxy, measured side by side", fontsize=10)
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=110)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
