"""Turn bench/results/*.json into the README's benchmark table and docs/img/bench.png,
and docs/img/demo-report.json (written by `scripts/demo.py --publish`) into the README's
`make demo` figures.

`python bench/report.py` (run by `make bench`) rewrites the blocks between the
`<!-- bench:table -->` and `<!-- demo:figures -->` markers in README.md and redraws the
benchmark figure, so the README always shows the committed results. `--check` only reports
whether the README is up to date.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIGURE = ROOT / "docs" / "img" / "bench.png"
README = ROOT / "README.md"
START, END = "<!-- bench:table -->", "<!-- /bench:table -->"
DEMO = ROOT / "docs" / "img" / "demo-report.json"
DEMO_START, DEMO_END = "<!-- demo:figures -->", "<!-- /demo:figures -->"
LBS = ("rsfleet", "baseline")
COLORS = {"rsfleet": "#2a7ab0", "baseline": "#c0504d", "baseline_tls": "#e6a19f",
          "direct": "#999999"}


def load(name: str) -> dict[str, Any]:
    return json.loads((HERE / "results" / f"{name}.json").read_text(encoding="utf-8"))


def ok(passed: bool) -> str:
    return "✓" if passed else "✗"


def of(failed: int, total: int) -> str:
    return f"{failed:,} of {total:,}"


# ---- the table --------------------------------------------------------------------------

def rows() -> list[tuple[str, str, str, str]]:
    out: list[tuple[str, str, str, str]] = []
    fo = load("failover")["result"]
    s = fo["summary"]
    r, b = s["rsfleet"], s["baseline"]
    n = len(fo["crashes"])
    nlb = fo["nlb_implied_detection_s"]
    ratio = b["median_out_of_rotation_s"] / r["median_out_of_rotation_s"]
    out.append((f"crash → out of rotation, {n} crashes (median / max)",
                f"**{r['median_out_of_rotation_s']:.2f} s / {r['max_out_of_rotation_s']:.2f} s**",
                f"{b['median_out_of_rotation_s']:.2f} s / {b['max_out_of_rotation_s']:.2f} s "
                f"({ratio:.1f}× slower); NLB health checks alone: ≥ "
                f"{nlb['fastest NLB (5 s x 2)']:g} s at best, seed settings "
                f"~{nlb['seed (30 s x 2)']:g} s",
                f"≤ 1 s {ok(r['max_out_of_rotation_s'] <= 1)}"))
    out.append(("failed new sessions during those crashes (started after the process was "
                "gone)", f"**{of(r['failed_new_sessions'], r['new_sessions'])}** "
                f"(+{r['failed_new_sessions_during_kill']} in flight on the dying server)",
                f"{of(b['failed_new_sessions'], b['new_sessions'])} "
                f"(+{b['failed_new_sessions_during_kill']})",
                f"0 {ok(r['failed_new_sessions'] == 0)}"))
    out.append(("failed queries on open sessions",
                f"{of(r['failed_persistent_queries'], r['persistent_queries'])}, "
                f"{r['failed_persistent_on_victim']} of them in flight on the crashed consumer",
                f"{of(b['failed_persistent_queries'], b['persistent_queries'])}",
                "only in-flight "
                f"{ok(r['failed_persistent_queries'] == r['failed_persistent_on_victim'])}"))
    dr = load("drain")["result"]["summary"]
    out.append(("planned removal under load: failed queries",
                f"**{of(dr['rsfleet']['failed_queries'], dr['rsfleet']['queries'])}** "
                f"(`targets drain`, median {dr['rsfleet']['median_drain_s']:.2f} s)",
                f"{of(dr['baseline']['failed_queries'], dr['baseline']['queries'])} "
                "(maint + shutdown sessions)",
                f"0 {ok(dr['rsfleet']['failed_queries'] == 0)}"))
    rr = load("rolling_restart")["result"]
    r, n, ld = rr["summary"]["rsfleet"], rr["summary"]["naive"], rr["load"]
    out.append((f"rolling restart of {ld['consumers']} consumers under load "
                f"({r['restarts']} restarts; {ld['new_sessions_per_s']} new sessions/s + "
                f"{ld['persistent_sessions']} pooled sessions): failed queries, p99",
                f"**{of(r['failed_queries'], r['queries'])}**, p99 {r['p99_ms']:.0f} ms "
                f"(`local rollout --restart`, {r['median_seconds']:.1f} s per rollout)",
                f"{of(n['failed_queries'], n['queries'])} ({n['failed_new_sessions']} new, "
                f"{n['failed_persistent']} on open sessions), p99 {n['p99_ms']:.0f} ms "
                f"(restart each, no drain); p99 outside restarts "
                f"{rr['summary']['steady']['p99_ms']:.0f} ms",
                f"0 {ok(r['failed_queries'] == 0)}"))
    out += lb_overhead_rows(load("lb_overhead")["result"])
    di = load("distribution")["result"]
    cases = di["cases"]

    def even(case: str, lb: str) -> str:
        c = cases[case][lb]
        return (f"{' / '.join(f'{v:,}' for v in c['counts'].values())}, "
                f"p = {c['chi_square_p']:.2f}, max/min {c['max_min_ratio']:.3f}")

    worst = max(cases[c]["rsfleet"]["max_min_ratio"] for c in cases if "rsfleet" in cases[c])
    low_p = min(cases[c]["rsfleet"]["chi_square_p"] for c in cases if "rsfleet" in cases[c])
    out.append((f"distribution of {di['connections']:,} new connections over 3 consumers "
                "(sequential; concurrent alike)", even("sequential", "rsfleet"),
                even("sequential", "baseline"),
                f"p > 0.01, max/min ≤ 1.05 {ok(low_p > 0.01 and worst <= 1.05)} (all cases)"))
    add = cases["one_drained_one_added"]
    ra, ba = add["rsfleet"], add["baseline"]
    out.append(("c3 drained, empty c4 added under new sessions: sessions failed while c4 "
                "had no data; then the shares",
                f"**{ra['failed_while_unready']} failed**; then "
                f"{even('one_drained_one_added', 'rsfleet')}, "
                f"{ra['sessions_to_drained']} to the drained one; c4 in rotation "
                f"{ra['in_rotation_s_after_ready']:.1f} s after its data",
                f"{ba['failed_while_unready']} failed; then "
                f"{even('one_drained_one_added', 'baseline')}",
                f"new one gets its share {ok(ra['max_min_ratio'] <= 1.05)}"))
    fr = load("share_freshness")["result"]
    idle, busy = fr["idle"], fr["under_read_load"]

    def pp(cond: dict[str, Any], setup: str) -> str:
        return f"{cond[setup]['p50_ms']:.2f} / {cond[setup]['p99_ms']:.2f} ms"

    out.append((f"share freshness: producer commit → visible on {fr['consumers']} consumers "
                f"({fr['commits_per_setup_and_condition']:,} commits), p50 / p99",
                f"idle **{pp(idle, 'rsfleet')}**; under reads {pp(busy, 'rsfleet')}",
                f"hand-built logical replication: no TLS idle {pp(idle, 'baseline')}, under "
                f"reads {pp(busy, 'baseline')}; with TLS idle {pp(idle, 'baseline_tls')}, "
                f"under reads {pp(busy, 'baseline_tls')}",
                f"p99 ≤ 5 ms {ok(idle['rsfleet']['p99_ms'] <= 5)} idle, "
                f"{ok(busy['rsfleet']['p99_ms'] <= 5)} under reads"))
    so = load("scale_out")["result"]
    sr, sb = so["rsfleet"], so["baseline"]
    out.append((f"scale-out 2 → 3 with a {so['rows']:,}-row fact table",
                f"serving after {sr['first_session_on_new_s']:.1f} s; "
                f"**{sr['sessions_before_ready']} of {sr['sessions_on_new']}** sessions on it "
                f"saw an incomplete table, {sr['failed_sessions']} failed of "
                f"{sr['sessions_total']}",
                f"serving after {sb['first_session_on_new_s']:.1f} s; "
                f"{sb['sessions_before_ready']} of {sb['sessions_on_new']} incomplete, "
                f"{sb['failed_sessions']} failed",
                "0 early sessions "
                f"{ok(sr['sessions_before_ready'] == 0 and sr['failed_sessions'] == 0)}"))
    rsc = load("read_scaling")["result"]
    sizes = list(rsc["rsfleet"])
    eff = " / ".join(str(rsc["rsfleet"][k]["efficiency"]) for k in sizes)
    out.append((f"read scaling, CPU-bound query, {rsc['sessions']} sessions, "
                f"{' / '.join(sizes)} consumers (q/s)",
                " / ".join(f"{rsc['rsfleet'][k]['qps']:.0f}" for k in sizes)
                + f" (efficiency {eff})",
                " / ".join(f"{rsc['baseline'][k]['qps']:.0f}" for k in sizes),
                f"honest: {rsc['cpus']} cores are the ceiling"))
    bd = load("backup_drill")["result"]
    br, bb = bd["rsfleet"], bd["baseline"]
    out.append((f"backup drill, {bd['rows']:,}-row fact table: RTO / RPO at restore "
                "(backup took)",
                f"**{br['rto_s']:.1f} s** / {br['rpo_s']:.1f} s ({br['backup_s']:.1f} s) "
                f"`backup drill`, verified {ok(br['verified'])}; RPO bound in operation "
                f"{br['rpo_bound_s']} s (WAL archive)",
                f"{bb['rto_s']:.1f} s / {bb['rpo_s']:.1f} s ({bb['backup_s']:.1f} s) "
                f"pg_dump + pg_restore, verified {ok(bb['verified'])}; RPO bound: the dump "
                "interval",
                f"verified, RTO below dump/restore "
                f"{ok(br['verified'] and br['rto_s'] < bb['rto_s'])}"))
    out.append(elastic_row(load("elastic")["result"]))
    cs = load("cli_start")["result"]
    cpu = cs["cpu_ms"]
    out.append((f"`rsfleet --help` vs a bare Typer app with the same {cs['commands']} commands "
                f"and options (CPU time, median of {cs['runs']})",
                f"**{cpu['rsfleet']:.0f} ms** ({cs['ratio']:.2f}×)",
                f"{cpu['bare_typer']:.0f} ms (`python -c pass` {cpu['python']:.0f} ms)",
                f"≤ {cs['goal']}× {ok(cs['ratio'] <= cs['goal'])}"))
    return out


def elastic_row(el: dict[str, Any]) -> tuple[str, str, str, str]:
    """Elastic rotation vs all 4 consumers in rotation, the same compressed day."""
    b, e, sc, met = el["baseline"], el["elastic"], el["scaling"], el["met"]
    react = el["reaction_s"]
    return (f"elastic rotation, 4 consumers, a compressed day (1 s = "
            f"{sc['real_s_per_bench_s']:g} real s): Serverless bill, p95, failed, "
            "scale-out reaction, changes per load step",
            f"**billed ×{el['billed_ratio']:.2f}** ({e['rpu_seconds']:,.0f} RPU-s), p95 "
            f"{e['p95_ms']:.1f} ms (×{el['p95_ratio']:.2f}), "
            f"{of(e['failed_queries'], e['queries'])} failed, new consumer serving after "
            + (f"{min(react):.2f}–{max(react):.2f} s" if react else "–")
            + f" (passes every {sc['controller_interval_s']:g} s), ≤ "
            f"{el['max_rotation_changes_per_step']} change(s) per step",
            f"all in rotation: {b['rpu_seconds']:,.0f} RPU-s, p95 {b['p95_ms']:.1f} ms, "
            f"{of(b['failed_queries'], b['queries'])} failed",
            f"×0.5 {ok(met['billed_ratio'])}, p95 ×1.1 {ok(met['p95_ratio'])}, 0 failed "
            f"{ok(met['failed_queries'])}, ≤ 2 passes {ok(met['reaction_passes'])}, ≤ 2 "
            f"changes {ok(met['rotation_changes_per_step'])}")


LB_MIXES = {"point": "one-row primary-key lookup", "scan": "2,000 rows per query",
            "connect": "point lookup, new connection per query (pgbench -C)"}


def ratio(r: dict[str, float]) -> str:
    return f"{r['median']:.2f} ({r['min']:.2f}–{r['max']:.2f})"


def lb_overhead_rows(lo: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """pgbench through the LB vs direct: a row per mix, and one for the settings tried."""
    out = []
    for i, (mix, what) in enumerate(LB_MIXES.items()):
        m = lo["mixes"][mix]
        rs, bl, d = m["rsfleet"], m["baseline"], m["direct"]
        how = (f"{lo['client']}; {lo['rounds']} alternating rounds, median (min–max); "
               if i == 0 else "")
        out.append((f"throughput through the LB / direct, {mix}: {what} ({how}direct "
                    f"{d['tps']:,.0f} tps, pgbench {d['client_cores']:.2f} cores, host "
                    f"{d['host_busy']:.0%} busy)",
                    f"**{ratio(rs['throughput_ratio'])}** (p50 {rs['p50_ms']:.2f} ms vs "
                    f"{d['p50_ms']:.2f} direct; HAProxy {rs['lb_cores']:.2f} cores)",
                    f"plain HAProxy {ratio(bl['throughput_ratio'])} (p50 {bl['p50_ms']:.2f} ms)",
                    "not below the plain HAProxy "
                    f"{ok(rs['throughput_ratio']['median'] >= bl['throughput_ratio']['min'])}"))
    tried = lo.get("tried", [])
    if tried:
        def beats(name: str, mix: str) -> bool:
            return (lo["mixes"][mix][name]["throughput_ratio"]["min"]
                    > lo["mixes"][mix]["rsfleet"]["throughput_ratio"]["median"])

        cells = "; ".join(
            f"{name}: " + " / ".join(f"{lo['mixes'][mix][name]['throughput_ratio']['median']:.2f}"
                                     for mix in LB_MIXES) for name in tried)
        kept = [n for n in tried if all(beats(n, mix) for mix in ("point", "scan"))]
        out.append(("HAProxy settings tried on rsfleet's profile (ratio vs direct, point / "
                    "scan / connect, medians; same run)",
                    cells, "rsfleet as shipped: " + " / ".join(
                        f"{lo['mixes'][mix]['rsfleet']['throughput_ratio']['median']:.2f}"
                        for mix in LB_MIXES),
                    "kept if its worst round beats rsfleet's median on point and scan: "
                    + (", ".join(kept) if kept else "none")))
    return out


def table() -> str:
    docs = [load(n) for n in ("failover", "drain", "lb_overhead", "distribution",
                              "share_freshness", "scale_out", "read_scaling", "cli_start",
                              "rolling_restart", "backup_drill", "elastic")]
    m = docs[0]["machine"]
    dates = sorted(d["date"][:10] for d in docs)
    when = dates[0] if dates[0] == dates[-1] else f"{dates[0]} – {dates[-1]}"
    lines = [f"Measured on {m['cpus']} cores, {m['memory_gib']:g} GiB, Python {m['python']}, "
             f"{when} (full runs, `make bench`):", "",
             "| benchmark | rsfleet | baseline / reference | goal |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows()]
    return "\n".join(lines)


KINDS = {"connect_refused": "refused connections", "connection_lost": "lost connections",
         "timeout": "timeouts", "permission": "permission errors", "other": "other errors"}


def demo_figures() -> str:
    """The README's paragraph on what `make demo` measured, from its committed result."""
    d = json.loads(DEMO.read_text(encoding="utf-8"))
    s = d["loadtest"]
    m = d["machine"]
    kinds = ", ".join(f"{n:,} {KINDS.get(k, k)}" for k, n in s["errors_by_kind"].items())
    text = (f"Measured on {m['cpus']} cores, {d['date'][:10]} (figures from "
            f"`{DEMO.relative_to(ROOT)}`, written by `scripts/demo.py --publish`): "
            f"**{d['demo_seconds']:.0f} s** end to end; the load test answered "
            f"{s['ok']:,} of {s['queries']:,} queries ({s['throughput_qps']:,.0f} q/s), "
            f"{s['failed']:,} failed" + (f" ({kinds})" if kinds else "")
            + f", {s['errors_outside_faults']:,} of them outside the fault window")
    for f in s["faults"]:
        rec = ("no session failed" if f["sessions_affected"] == 0 else
               "a session never recovered" if f["recovery_s"] is None else
               f"every affected session ({f['sessions_affected']}) succeeded again "
               f"{f['recovery_s']:.2f} s after it")
        n = f["new_sessions_after"]
        reached = (f"no new session reached {f['target']}" if n == 0 else
                   f"{n:,} new session{'s' if n > 1 else ''} reached {f['target']}")
        text += f"; after the {f['kind']} of {f['target']}: {rec}, and {reached}"
    return textwrap.fill(text + ".", width=92, break_long_words=False, break_on_hyphens=False)


def replace_block(text: str, start: str, end: str, body: str) -> str:
    if start not in text or end not in text:
        sys.exit(f"README.md has no {start} ... {end} markers")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body}\n{end}{tail}"


def update_readme(check: bool) -> bool:
    text = README.read_text(encoding="utf-8")
    new = replace_block(text, START, END, table())
    new = replace_block(new, DEMO_START, DEMO_END, demo_figures())
    if check:
        return new == text
    README.write_text(new, encoding="utf-8")
    print(f"updated the benchmark table and the demo figures in {README}")
    return True


# ---- the figure -------------------------------------------------------------------------

def figure(path: Path = FIGURE) -> Any:
    """Draw every panel from bench/results/*.json into ``path``; returns the figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 3, figsize=(14, 12))
    fo = load("failover")["result"]
    ax = axes[0][0]
    for i, lb in enumerate(LBS):
        ys = [c[lb]["out_of_rotation_s"] for c in fo["crashes"]]
        ax.scatter([i] * len(ys), ys, color=COLORS[lb], s=40)
    ax.axhline(10, ls="--", color="gray")
    ax.text(0.5, 10.3, "fastest NLB-only (5 s x 2)", ha="center", fontsize=8, color="gray")
    ax.set_xticks([0, 1], LBS)
    ax.set_ylabel("seconds")
    ax.set_ylim(0, 11.5)
    ax.set_title("crash: time until out of rotation")

    ax = axes[0][1]
    dr = load("drain")["result"]["summary"]
    di = load("distribution")["result"]["cases"]["one_drained_one_added"]
    so = load("scale_out")["result"]
    groups = {"crash:\nfailed new sessions": [fo["summary"][lb]["failed_new_sessions"]
                                             for lb in LBS],
              "planned removal:\nfailed queries": [dr[lb]["failed_queries"] for lb in LBS],
              "consumer added:\nfailed sessions": [di[lb]["failed_while_unready"] for lb in LBS],
              "scale-out: early +\nfailed sessions": [so[lb]["sessions_before_ready"]
                                                      + so[lb]["failed_sessions"] for lb in LBS]}
    x = range(len(groups))
    for j, lb in enumerate(LBS):
        vals = [v[j] for v in groups.values()]
        bars = ax.bar([i + (j - 0.5) * 0.4 for i in x], vals, 0.4, label=lb, color=COLORS[lb])
        ax.bar_label(bars, fontsize=7)
    ax.set_xticks(list(x), list(groups), fontsize=7)
    ax.legend(fontsize=8)
    ax.set_title("failures (counts, all rounds)")

    ax = axes[0][2]
    lo = load("lb_overhead")["result"]["mixes"]
    modes = ["rsfleet", "baseline"]
    for j, mode in enumerate(modes):
        r = [lo[mix][mode]["throughput_ratio"] for mix in LB_MIXES]
        med = [x["median"] for x in r]
        lo_err = [x["median"] - x["min"] for x in r]
        hi_err = [x["max"] - x["median"] for x in r]
        ax.bar([i + (j - 0.5) * 0.38 for i in range(len(LB_MIXES))], med, 0.38,
               yerr=[lo_err, hi_err], capsize=3, color=COLORS[mode], label=mode)
    ax.axhline(1.0, ls="-", color=COLORS["direct"], lw=1)
    ax.text(len(LB_MIXES) - 0.5, 1.02, "direct", ha="right", fontsize=8, color="gray")
    ax.set_xticks(range(len(LB_MIXES)), list(LB_MIXES))
    ax.set_ylim(0, 1.5)
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    ax.set_title("pgbench tps through the LB / direct\n(median, min-max of rounds)",
                 fontsize=10)

    ax = axes[1][0]
    fr = load("share_freshness")["result"]
    conds = ["idle", "under_read_load"]
    for j, lb in enumerate(("rsfleet", "baseline", "baseline_tls")):
        for k, (stat, hatch) in enumerate((("p50_ms", ""), ("p99_ms", "//"))):
            xs = [i * 3.5 + j * 1.0 + k * 0.45 for i in range(len(conds))]
            ax.bar(xs, [fr[c][lb][stat] for c in conds], 0.42, color=COLORS[lb], hatch=hatch,
                   label=f"{lb} {stat[:3]}")
    ax.axhline(5, ls="--", color="gray")
    ax.set_xticks([i * 3.5 + 1.2 for i in range(len(conds))], ["idle", "under reads"])
    ax.set_ylabel("ms")
    ax.legend(fontsize=7)
    ax.set_title("share freshness: commit -> visible")

    ax = axes[1][1]
    dist = load("distribution")["result"]["cases"]
    names = list(dist["one_drained_one_added"]["rsfleet"]["counts"])
    for j, lb in enumerate(LBS):
        counts = dist["one_drained_one_added"][lb]["counts"]
        ax.bar([i + (j - 0.5) * 0.4 for i in range(len(names))], [counts[n] for n in names],
               0.4, color=COLORS[lb], label=lb)
    ax.set_xticks(range(len(names)), names)
    ax.legend(fontsize=8)
    ax.set_title("new sessions per consumer, c3 drained, c4 added")

    ax = axes[1][2]
    rsc = load("read_scaling")["result"]
    sizes = list(rsc["rsfleet"])
    for lb in LBS:
        ax.plot([int(k) for k in sizes], [rsc[lb][k]["qps"] for k in sizes], marker="o",
                color=COLORS[lb], label=lb)
    ax.set_ylim(0, 1.3 * max(rsc[lb][k]["qps"] for lb in LBS for k in sizes))
    ax.set_xticks([int(k) for k in sizes])
    ax.set_xlabel("consumers in rotation")
    ax.set_ylabel("queries/s")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(f"read scaling on {rsc['cpus']} cores (the cores are the ceiling)")

    rolling_restart_panel(axes[2][0])
    backup_drill_panel(axes[2][1])
    controller_panel(axes[2][2])

    fig.suptitle("rsfleet local fleet vs a hand-configured HAProxy over the same consumers, "
                 "measured side by side", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    print(f"wrote {path}")
    return fig


def rolling_restart_panel(ax: Any) -> None:
    rr = load("rolling_restart")["result"]
    summ = rr["summary"]
    hows = [("rsfleet", "rsfleet"), ("naive", "baseline")]  # naive: restart in place, no drain
    kinds = [("failed_new_sessions", "new sessions"), ("failed_persistent", "open sessions")]
    for j, (how, color) in enumerate(hows):
        bars = ax.bar([i + (j - 0.5) * 0.4 for i in range(len(kinds))],
                      [summ[how][k] for k, _ in kinds], 0.4, color=COLORS[color],
                      label=f"{how}: {summ[how]['failed_queries']} of {summ[how]['queries']:,}"
                            f" queries failed")
        ax.bar_label(bars, fontsize=7)
    ax.set_xticks(range(len(kinds)), [f"failed queries:\n{label}" for _, label in kinds],
                  fontsize=8)
    ax.set_ylim(0, 1.4 * max(1, *(summ[h][k] for h, _ in hows for k, _ in kinds)))
    ax.legend(fontsize=7, loc="upper left")
    n, rounds = rr["load"]["consumers"], rr["load"]["rounds"]
    ax.set_title(f"rolling restart of {n} consumers under load ({rounds} rounds each)",
                 fontsize=10)


def backup_drill_panel(ax: Any) -> None:
    bd = load("backup_drill")["result"]
    metrics = [("backup_s", "backup"), ("rto_s", "RTO (restore +\nverify)"),
               ("rpo_s", "RPO floor")]
    for j, (how, label) in enumerate((("rsfleet", "rsfleet: basebackup + WAL"),
                                      ("baseline", "baseline: pg_dump"))):
        bars = ax.bar([i + (j - 0.5) * 0.4 for i in range(len(metrics))],
                      [bd[how][k] for k, _ in metrics], 0.4, color=COLORS[how], label=label)
        ax.bar_label(bars, fontsize=7, fmt="%.1f")
    ax.set_xticks(range(len(metrics)), [label for _, label in metrics], fontsize=8)
    ax.set_ylabel("seconds")
    ax.set_ylim(0, 1.35 * max(bd[h][k] for h in ("rsfleet", "baseline") for k, _ in metrics))
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title(f"backup drill, {bd['rows']:,} rows: time to a verified restore",
                 fontsize=10)


def controller_panel(ax: Any) -> None:
    rm = load("controller")["result"]["removal"]
    xs = list(range(1, len(rm["removal_s"]) + 1))
    ax.scatter(xs, rm["removal_s"], color=COLORS["rsfleet"], s=40,
               label=f"rsfleet controller (every {rm['interval_s']:g} s, fall {rm['fall']})")
    ax.axhline(rm["nlb_fastest_floor_s"], ls="--", color="gray")
    ax.text(xs[-1], rm["nlb_fastest_floor_s"] + 0.3, "fastest NLB-only check (5 s x 2)",
            ha="right", fontsize=8, color="gray")
    ax.set_xticks(xs)
    ax.set_xlabel("round")
    ax.set_ylabel("seconds")
    ax.set_ylim(0, rm["nlb_fastest_floor_s"] * 1.3)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(f"controller: unready (TCP open) -> out of rotation\n(NLB with the seed's "
                 f"checks: {rm['nlb_seed_floor_s']} s)", fontsize=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the README table differs from the results")
    args = parser.parse_args()
    if args.check:
        fresh = update_readme(check=True)
        print("README benchmark table is " + ("up to date" if fresh else "stale"))
        return 0 if fresh else 1
    update_readme(check=False)
    figure()
    return 0


if __name__ == "__main__":
    sys.exit(main())
