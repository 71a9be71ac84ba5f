"""Statistics over a load test run: pure functions, no I/O.

Inputs are the raw records of rsfleet.loadtest.model; the output is a `Summary`.
scipy (chi-square) is imported inside the one function that needs it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

from rsfleet.cost.meter import ConsumerBill, ServerlessBill
from rsfleet.loadtest.model import (
    ChiSquare,
    ConnectionRecord,
    ConsumerShare,
    FailedQuery,
    FaultEvent,
    FaultTimeline,
    Latency,
    LatencyHistogram,
    QueryRecord,
    Series,
    Summary,
)

MAX_LISTED_FAILURES = 200


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default method) of an ascending sequence."""
    if not sorted_values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    pos = (len(sorted_values) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    frac = pos - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


def latency(values_ms: Sequence[float]) -> Latency:
    ordered = sorted(values_ms)
    if not ordered:
        return Latency(p50=None, p95=None, p99=None, max=None, mean=None)

    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 3)

    return Latency(
        p50=r(percentile(ordered, 50)),
        p95=r(percentile(ordered, 95)),
        p99=r(percentile(ordered, 99)),
        max=r(ordered[-1]),
        mean=r(sum(ordered) / len(ordered)),
    )


def chi_square(what: str, consumers: Sequence[str], counts: dict[str | None, int],
               window: str) -> ChiSquare:
    """Chi-square goodness of fit against 'every consumer gets the same share'.

    Needs at least two consumers and one observation; otherwise statistic/p_value are None.
    """
    observed = [int(counts.get(name, 0)) for name in consumers]
    statistic: float | None = None
    p_value: float | None = None
    if len(observed) >= 2 and sum(observed) > 0:
        from scipy.stats import chisquare

        res = chisquare(observed)
        statistic = round(float(res.statistic), 6)
        p_value = float(res.pvalue)
    return ChiSquare(what=what, consumers=list(consumers), observed=observed,
                     statistic=statistic, p_value=p_value, window=window)


EVEN_P = 0.01  # below it the shares are judged uneven (the benchmarks' goal, p > 0.01)


def evenness_reading(chi: ChiSquare, connect_mode: str) -> str:
    """What a chi-square p says about the balancing, in words beside the number. The LB
    places connections: with one connection per session, how many queries each session
    runs depends on its consumer's speed, so an uneven query share is no balancing fault
    (a newcomer read `evenness of queries p = 1.52e-07` beside "passed" as a contradiction)."""
    if chi.p_value is None:
        return "not tested (fewer than two consumers or no data)"
    if chi.what == "queries" and connect_mode == "per-session":
        return ("not a balancing test here: the LB places sessions, and each session's "
                "queries run at its consumer's speed (the sessions line is the test)")
    if chi.p_value >= EVEN_P:
        return f"even (p >= {EVEN_P:g})"
    return (f"uneven (p < {EVEN_P:g}): the LB did not spread new "
            f"{'connections' if chi.what == 'sessions' else 'queries'} evenly; "
            "informational, not a failure of the run")


def bin_width(duration_s: float, max_bins: int = 120) -> float:
    """A round bin width (0.1 s .. 60 s) giving at most `max_bins` bins, at least ~10."""
    for w in (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0):
        if duration_s / w <= max_bins and (duration_s / w >= 10 or w == 0.1):
            return w
    return 60.0


LATENCY_BINS = 60


def latency_histogram(values_ms: Sequence[float], bins: int = LATENCY_BINS) -> LatencyHistogram:
    """Log-spaced histogram of positive latencies (edges rounded to 4 significant digits)."""
    lat = sorted(v for v in values_ms if v > 0)
    if not lat:
        return LatencyHistogram(edges_ms=[], counts=[])
    lo = max(lat[0], 0.01)
    hi = max(lat[-1], lo * 1.01, 0.02)
    edges = [float(f"{lo * (hi / lo) ** (i / bins):.4g}") for i in range(bins + 1)]
    edges[0], edges[-1] = min(edges[0], lat[0]), max(edges[-1], lat[-1])
    counts = [0] * bins
    j = 0
    for v in lat:  # ascending: walk the edges once
        while j < bins - 1 and v >= edges[j + 1]:
            j += 1
        counts[j] += 1
    return LatencyHistogram(edges_ms=edges, counts=counts)


def series(*, consumers: Sequence[str], queries: Sequence[QueryRecord],
           connections: Sequence[ConnectionRecord], duration_s: float) -> Series:
    """The binned time series the report draws (small: at most 120 bins per line)."""
    duration = max(duration_s, 0.001)
    width = bin_width(duration)
    n = max(1, math.ceil(duration / width))

    def index(t: float) -> int:
        return min(max(int(t // width), 0), n - 1)

    names = list(consumers) + sorted(
        {c for c in (*(q.consumer for q in queries), *(x.consumer for x in connections))
         if c is not None and c not in consumers})
    ok = {name: [0] * n for name in names}
    sessions = {name: [0] * n for name in names}
    failed = [0] * n
    for q in queries:
        if q.ok and q.consumer is not None:
            ok[q.consumer][index(q.start_s)] += 1
        elif not q.ok:  # when it failed: a query cut by a kill started before it
            failed[index(_end_s(q))] += 1
    for c in connections:
        if c.ok and c.consumer is not None:
            sessions[c.consumer][index(c.opened_s)] += 1
    return Series(bin_s=width, bins=n, queries_ok=ok, queries_failed=failed,
                  new_sessions=sessions,
                  latency=latency_histogram([q.latency_ms for q in queries if q.ok]))


def _end_s(q: QueryRecord) -> float:
    return q.start_s + q.latency_ms / 1000


def fault_timeline(event: FaultEvent, queries: Sequence[QueryRecord],
                   connections: Sequence[ConnectionRecord], window_s: float,
                   run_end_s: float) -> FaultTimeline:
    """What happened around one fault.

    - new sessions: connections the target accepted that were opened after the fault;
      the last of them tells when it stopped receiving new sessions.
    - failed queries: failures that ended after the fault and started inside the window
      [applied, applied + window_s].
    - recovery: for every session with such a failure, the time from the fault to the end
      of its first successful query after its first failure; the maximum over sessions.
    """
    t0 = event.applied_s
    if t0 is None:
        return FaultTimeline(
            kind=event.kind, target=event.target, applied_s=None, new_sessions_after=0,
            last_new_session_after_s=None, queries_served_after=0, failed_queries=0,
            failed_by_kind={}, failed=[], sessions_affected=0, recovery_s=None,
            window_end_s=event.at_s,
        )
    window_end = min(t0 + window_s, run_end_s) if run_end_s >= t0 else t0 + window_s
    after = [c for c in connections if c.ok and c.consumer == event.target and c.opened_s >= t0]
    last_new = max((c.opened_s for c in after), default=None)
    served_after = sum(1 for q in queries if q.ok and q.consumer == event.target
                       and q.start_s >= t0)
    failed = sorted((q for q in queries if not q.ok and _end_s(q) >= t0
                     and q.start_s <= window_end), key=lambda q: q.start_s)
    by_kind = Counter(q.error_kind or "other" for q in failed)
    first_failure: dict[int, float] = {}
    for q in failed:
        first_failure.setdefault(q.session, q.start_s)
    by_session: dict[int, list[QueryRecord]] = {}
    for q in queries:
        if q.session in first_failure and q.ok:
            by_session.setdefault(q.session, []).append(q)
    recovery: float | None = 0.0
    for session, t_fail in first_failure.items():
        later = [_end_s(q) for q in by_session.get(session, []) if q.start_s > t_fail]
        if not later:
            recovery = None
            break
        recovery = max(recovery or 0.0, min(later) - t0)
    return FaultTimeline(
        kind=event.kind,
        target=event.target,
        applied_s=t0,
        new_sessions_after=len(after),
        last_new_session_after_s=None if last_new is None else round(last_new - t0, 3),
        queries_served_after=served_after,
        failed_queries=len(failed),
        failed_by_kind=dict(sorted(by_kind.items())),
        failed=[FailedQuery(session=q.session, start_s=round(q.start_s, 4), query=q.query,
                            consumer=q.consumer, error_kind=q.error_kind)
                for q in failed[:MAX_LISTED_FAILURES]],
        sessions_affected=len(first_failure),
        recovery_s=None if recovery is None else round(recovery, 3),
        window_end_s=round(window_end, 3),
    )


def in_fault_window(q: QueryRecord, timelines: Sequence[FaultTimeline]) -> bool:
    for t in timelines:
        if t.applied_s is not None and _end_s(q) >= t.applied_s and q.start_s <= t.window_end_s:
            return True
    return False


def summarize(*, consumers: Sequence[str], queries: Sequence[QueryRecord],
              connections: Sequence[ConnectionRecord], faults: Sequence[FaultEvent],
              duration_s: float, fault_window_s: float) -> Summary:
    ok = [q for q in queries if q.ok]
    failed = [q for q in queries if not q.ok]
    timelines = [fault_timeline(f, queries, connections, fault_window_s, duration_s)
                 for f in faults]
    outside = sum(1 for q in failed if not in_fault_window(q, timelines))
    applied = [f.applied_s for f in faults if f.applied_s is not None]
    cutoff = min(applied) if applied else None
    window = "whole run" if cutoff is None else f"before the first fault (0-{cutoff:.1f}s)"

    ok_conns = [c for c in connections if c.ok]
    if not consumers:  # consumers unknown up front (--host without fleet state): as observed
        consumers = sorted({c.consumer for c in ok_conns if c.consumer is not None})
    sess_counts = Counter(c.consumer for c in ok_conns)
    query_counts = Counter(q.consumer for q in ok)
    names = list(consumers) + sorted(
        {n for n in (*sess_counts, *query_counts) if n is not None and n not in consumers})
    n_sess = sum(sess_counts.values()) or 1
    n_q = sum(query_counts.values()) or 1
    shares = [ConsumerShare(name=n, sessions=sess_counts.get(n, 0), queries=query_counts.get(n, 0),
                            session_share=round(sess_counts.get(n, 0) / n_sess, 4),
                            query_share=round(query_counts.get(n, 0) / n_q, 4)) for n in names]
    if cutoff is None:
        even_sess, even_q = sess_counts, query_counts
    else:
        even_sess = Counter(c.consumer for c in ok_conns if c.opened_s < cutoff)
        even_q = Counter(q.consumer for q in ok if q.start_s < cutoff)
    return Summary(
        duration_s=round(duration_s, 3),
        queries=len(queries),
        ok=len(ok),
        failed=len(failed),
        throughput_qps=round(len(ok) / duration_s, 2) if duration_s > 0 else 0.0,
        latency_ms=latency([q.latency_ms for q in ok]),
        errors_by_kind=dict(sorted(Counter(q.error_kind or "other" for q in failed).items())),
        errors_outside_faults=outside,
        error_rate=round(len(failed) / len(queries), 6) if queries else 0.0,
        connections=len(connections),
        failed_connections=len(connections) - len(ok_conns),
        reconnects=sum(1 for c in connections if c.reconnect),
        consumers=shares,
        evenness=[chi_square("sessions", consumers, even_sess, window),
                  chi_square("queries", consumers, even_q, window)],
        faults=timelines,
    )


def verdict(summary: Summary, max_error_rate: float | None) -> tuple[bool, str]:
    """(passed, why). Default rule: no error outside the fault windows.

    A fault that was asked for but could not be applied fails the run too: the test did not
    test what it was asked to.
    """
    missed = [f"{t.kind} {t.target}" for t in summary.faults if t.applied_s is None]
    if missed:
        return False, f"fault not applied: {', '.join(missed)}"
    if max_error_rate is None:
        if summary.errors_outside_faults:
            return False, (f"{summary.errors_outside_faults} queries failed outside the fault "
                           "windows (allowed: 0; set --max-error-rate to tolerate some)")
        if summary.queries == 0:
            return False, "no query ran"
        return True, "no error outside the fault windows"
    if summary.queries == 0:
        return False, "no query ran"
    if summary.error_rate > max_error_rate:
        return False, (f"error rate {summary.error_rate:.4%} is above --max-error-rate "
                       f"{max_error_rate:.4%}")
    return True, f"error rate {summary.error_rate:.4%} <= {max_error_rate:.4%}"


def serverless_bill(queries: Sequence[QueryRecord], consumers: Sequence[str],
                    capacities: Mapping[str, tuple[int, int | None]]) -> ServerlessBill:
    """The run's Serverless bill per consumer: its queries' [start, start + latency] through
    rsfleet.cost.meter at the spec's base (and max) capacity; RPU figures None when the
    capacity is unknown."""
    from rsfleet.cost.meter import meter

    spans: dict[str, list[tuple[float, float]]] = {n: [] for n in consumers}
    for q in queries:
        if q.consumer is not None:
            spans.setdefault(q.consumer, []).append((q.start_s, _end_s(q)))
    rows = []
    for name, intervals in spans.items():
        base, top = capacities.get(name, (None, None))
        m = meter(intervals, base or 1, top)
        rows.append(ConsumerBill(
            name=name, base_capacity=base, max_capacity=top if base else None,
            queries=len(intervals), busy_s=round(m.busy_s, 3), periods=m.periods,
            billed_s=m.billed_s, peak_concurrency=m.peak_concurrency,
            rpu_seconds=m.rpu_seconds if base else None,
            rpu_seconds_upper=round(m.rpu_seconds_upper, 3) if base else None))
    known = all(r.rpu_seconds is not None for r in rows)
    return ServerlessBill(
        consumers=rows, billed_s=sum(r.billed_s for r in rows),
        rpu_seconds=sum(r.rpu_seconds or 0 for r in rows) if known else None,
        rpu_seconds_upper=round(sum(r.rpu_seconds_upper or 0 for r in rows), 3)
        if known else None)
