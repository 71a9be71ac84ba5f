"""`--report DIR`: report.png (matplotlib, Agg backend) and report.html embedding it.

The picture has four panels, drawn from the result's binned series (`result.series`, kept
with `--no-raw`), that share the time axis where it makes sense:
1. queries answered per consumer per second (the balancing, over time),
2. the latency distribution of successful queries (log scale, p50/p95/p99 marked),
3. the fault timeline: new sessions per consumer per second, failed queries, the faults,
4. what the run would cost on Redshift Serverless per consumer (`result.serverless`):
   RPU-seconds at base capacity and the bound with capacity growing with concurrency.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from rsfleet.loadtest import stats
from rsfleet.loadtest.model import LoadTestResult, Series
from rsfleet.loadtest.stats import bin_width

__all__ = ["bin_width", "panel_data", "render_html", "render_png", "write_report"]

PNG_NAME = "report.png"
HTML_NAME = "report.html"


def panel_data(result: LoadTestResult) -> Series:
    """What the three panels draw: the result's binned series (kept with `--no-raw`), or,
    for a result written before series existed, binned from its raw records."""
    if result.series is not None:
        return result.series
    return stats.series(consumers=[c.name for c in result.summary.consumers],
                        queries=result.queries, connections=result.connections,
                        duration_s=result.summary.duration_s)


def render_png(result: LoadTestResult, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    s = result.summary
    data = panel_data(result)
    width = data.bin_s
    duration = max(s.duration_s, width * data.bins, 0.001)
    edges = [i * width for i in range(data.bins)]
    centers = [e + width / 2 for e in edges]
    names = list(data.queries_ok)
    colors = {n: plt.get_cmap("tab10")(i % 10) for i, n in enumerate(names)}

    fig, axes = plt.subplots(4, 1, figsize=(11, 14), dpi=100,
                             gridspec_kw={"height_ratios": [3, 3, 3, 2]})
    title = (f"rsfleet loadtest - {result.config.sessions} sessions, "
             f"{result.config.connect_mode}, {s.throughput_qps:.0f} q/s, "
             f"{s.failed} failed of {s.queries}")
    fig.suptitle(title, fontsize=13)

    ax = axes[0]
    for name in names:
        ax.plot(centers, [c / width for c in data.queries_ok[name]], label=name,
                color=colors[name], linewidth=1.6)
    ax.set_title("Queries answered per consumer")
    ax.set_ylabel("queries / s")
    ax.set_xlim(0, duration)
    _mark_faults(ax, result)
    if names:
        ax.legend(loc="upper right", fontsize=9, ncol=min(len(names), 6))
    ax.grid(alpha=0.3)

    ax = axes[1]
    hist = data.latency
    if sum(hist.counts):
        ax.stairs(hist.counts, hist.edges_ms, fill=True, color="#4c72b0", alpha=0.85)
        ax.set_xscale("log")
        for label, value, style in (("p50", s.latency_ms.p50, "-"), ("p95", s.latency_ms.p95, "--"),
                                    ("p99", s.latency_ms.p99, ":")):
            if value:
                ax.axvline(value, color="black", linestyle=style, linewidth=1.2,
                           label=f"{label} {value:.2f} ms")
        ax.legend(loc="upper right", fontsize=9)
    else:
        ax.text(0.5, 0.5, "no successful query", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_title("Latency of successful queries")
    ax.set_xlabel("latency (ms, log scale)")
    ax.set_ylabel("queries")
    ax.grid(alpha=0.3)

    ax = axes[2]
    for name in names:
        ax.step(edges, data.new_sessions.get(name, [0] * data.bins), where="post",
                label=f"new sessions: {name}", color=colors[name], linewidth=1.3)
    if sum(data.queries_failed):
        ax.bar(centers, data.queries_failed, width=width * 0.8, color="red", alpha=0.55,
               label="failed queries")
    _mark_faults(ax, result, annotate=True)
    ax.set_title("Fault timeline: new sessions per consumer, failed queries")
    ax.set_xlabel("seconds since start")
    ax.set_ylabel(f"per {width:g} s")
    ax.set_xlim(0, duration)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=8,
              ncol=min(len(names) + 1, 5), frameon=False)

    _bill_panel(axes[3], result, colors)

    fig.tight_layout(rect=(0, 0, 1, 0.97))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def _bill_panel(ax: Any, result: LoadTestResult, colors: dict[str, Any]) -> None:
    """Per consumer: billed RPU-seconds at base capacity (bar) and the upper bound with
    capacity growing with concurrent queries (outline)."""
    bill = result.serverless
    if bill is None or not bill.consumers:
        ax.text(0.5, 0.5, "no Serverless bill in this result (older rsfleet)", ha="center",
                va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    rows = bill.consumers
    ys = list(range(len(rows)))
    priced = bill.rpu_seconds is not None
    base = [(r.rpu_seconds or 0) if priced else r.billed_s for r in rows]
    ax.barh(ys, base, color=[colors.get(r.name, "#4c72b0") for r in rows], alpha=0.85,
            label="at base capacity" if priced else "billed seconds")
    if priced:
        ax.barh(ys, [r.rpu_seconds_upper or 0 for r in rows], fill=False, edgecolor="black",
                linestyle="--", linewidth=1.2,
                label="upper bound: capacity growing with concurrent queries up to max")
    for y, r, v in zip(ys, rows, base, strict=True):
        ax.annotate(f"{r.billed_s:,} s billed in {r.periods} period(s), {r.queries:,} queries",
                    xy=(v, y), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize=8)
    ax.set_yticks(ys, [r.name + (f" ({r.base_capacity} RPU)" if r.base_capacity else "")
                       for r in rows])
    ax.invert_yaxis()
    total = (f"{bill.rpu_seconds:,.0f} RPU-s at base capacity, up to "
             f"{bill.rpu_seconds_upper:,.0f} with concurrency"
             if priced else f"{bill.billed_s:,} billed seconds (capacity unknown)")
    ax.set_title(f"On Redshift Serverless this run would bill {total}\n(per second while "
                 "queries run, at least 60 s a period; in $: rsfleet cost --from-loadtest)",
                 fontsize=11)
    ax.set_xlabel("RPU-seconds" if priced else "billed seconds")
    ax.set_xlim(0, max([*base, *[r.rpu_seconds_upper or 0 for r in rows], 1]) * 1.45)
    if priced:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), fontsize=8, ncol=2,
                  frameon=False)
    ax.grid(alpha=0.3, axis="x")


def _mark_faults(ax: Any, result: LoadTestResult, annotate: bool = False) -> None:
    for t in result.summary.faults:
        if t.applied_s is None:
            continue
        color = "crimson" if t.kind == "kill" else "darkorange"
        ax.axvline(t.applied_s, color=color, linewidth=2)
        ax.axvspan(t.applied_s, t.window_end_s, color=color, alpha=0.08)
        if annotate:
            rec = "never" if t.recovery_s is None else f"{t.recovery_s:.2f}s"
            ax.annotate(f"{t.kind} {t.target}\nfailed {t.failed_queries}, recovery {rec}",
                        xy=(t.applied_s, 1), xycoords=("data", "axes fraction"),
                        xytext=(4, -28), textcoords="offset points", fontsize=8, color=color)


def _row(cells: list[object], head: bool = False) -> str:
    tag = "th" if head else "td"
    return "<tr>" + "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in cells) + "</tr>"


def render_html(result: LoadTestResult, png: Path, path: Path) -> Path:
    s = result.summary
    c = result.config
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    lat = s.latency_ms

    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v:.2f}"

    summary_rows = [
        ("target", f"{c.host}:{c.port} ({c.backend}), database {c.database}, user {c.user}"),
        ("sessions / mode / engine", f"{c.sessions} / {c.connect_mode} / {c.engine}"),
        ("duration", f"{s.duration_s:.1f} s"),
        ("queries (ok / failed)", f"{s.queries} ({s.ok} / {s.failed})"),
        ("throughput", f"{s.throughput_qps:.1f} queries/s"),
        ("latency p50 / p95 / p99 / max",
         f"{ms(lat.p50)} / {ms(lat.p95)} / {ms(lat.p99)} / {ms(lat.max)} ms"),
        ("errors by kind", ", ".join(f"{k}: {v}" for k, v in s.errors_by_kind.items()) or "none"),
        ("errors outside fault windows", str(s.errors_outside_faults)),
        ("connections (failed) / reconnects",
         f"{s.connections} ({s.failed_connections}) / {s.reconnects}"),
    ]
    for chi in s.evenness:
        p = "-" if chi.p_value is None else f"{chi.p_value:.4g}"
        summary_rows.append((f"evenness of {chi.what} (chi-square p, {chi.window})", p))
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8"><title>rsfleet loadtest report</title>',
        "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
        "padding:4px 8px;text-align:left}th{background:#f0f0f0}img{max-width:100%}</style>",
        "</head><body>",
        f"<h1>rsfleet loadtest report</h1><p>{html.escape(result.started_at.isoformat())}, "
        f"rsfleet {html.escape(result.version)}, result schema v{result.schema_version}</p>",
        "<h2>Summary</h2><table>",
        *(_row([k, v]) for k, v in summary_rows),
        "</table><h2>Per consumer</h2><table>",
        _row(["consumer", "sessions", "session share", "queries", "query share"], head=True),
        *(_row([x.name, x.sessions, f"{x.session_share:.1%}", x.queries, f"{x.query_share:.1%}"])
          for x in s.consumers),
        "</table>",
    ]
    bill = result.serverless
    if bill is not None:
        parts += [
            "<h2>On Redshift Serverless</h2><p>Billed per second while queries run, at least "
            "60 s a billing period, at base capacity; the upper bound lets capacity grow with "
            "concurrent queries up to max capacity (docs/cost.md). "
            "<code>rsfleet cost --from-loadtest RESULT</code> prices it.</p><table>",
            _row(["consumer", "base RPU", "queries", "periods", "billed s", "RPU-s",
                  "RPU-s upper"], head=True),
            *(_row([b.name, "-" if b.base_capacity is None else b.base_capacity, b.queries,
                    b.periods, b.billed_s,
                    "-" if b.rpu_seconds is None else f"{b.rpu_seconds:,.0f}",
                    "-" if b.rpu_seconds_upper is None else f"{b.rpu_seconds_upper:,.0f}"])
              for b in bill.consumers),
            "</table>",
        ]
    if s.faults:
        parts += [
            "<h2>Faults</h2><table>",
            _row(["fault", "at (s)", "new sessions after", "last new session after (s)",
                  "failed queries", "sessions affected", "recovery (s)"], head=True),
            *(_row([f"{t.kind} {t.target}", "-" if t.applied_s is None else f"{t.applied_s:.2f}",
                    t.new_sessions_after,
                    "-" if t.last_new_session_after_s is None else t.last_new_session_after_s,
                    t.failed_queries, t.sessions_affected,
                    "never" if t.recovery_s is None else t.recovery_s])
              for t in s.faults),
            "</table>",
        ]
    parts += [
        "<h2>Plots</h2>",
        f'<img alt="queries per consumer, latency distribution, fault timeline, Serverless '
        f'bill" '
        f'src="data:image/png;base64,{data}">',
        "</body></html>",
    ]
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path


def write_report(result: LoadTestResult, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    png = render_png(result, directory / PNG_NAME)
    page = render_html(result, png, directory / HTML_NAME)
    return png, page
