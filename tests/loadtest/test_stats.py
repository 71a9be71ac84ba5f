"""Pure statistics: percentiles, chi-square evenness, fault timelines, the exit rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import chisquare

from rsfleet.loadtest import stats
from rsfleet.loadtest.model import FaultEvent

from .helpers import conn, fault, query


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1,
                max_size=200), st.floats(min_value=0, max_value=100))
def test_percentile_matches_numpy(values, q):
    got = stats.percentile(sorted(values), q)
    assert got == pytest.approx(float(np.percentile(values, q)), rel=1e-9, abs=1e-9)


def test_percentile_edges():
    assert stats.percentile([], 50) is None
    with pytest.raises(ValueError):
        stats.percentile([1.0], 101)
    lat = stats.latency([5.0, 1.0, 3.0])
    assert (lat.p50, lat.max, lat.mean) == (3.0, 5.0, 3.0)
    assert stats.latency([]).p99 is None


def test_chi_square_even_and_uneven_against_scipy():
    even = stats.chi_square("sessions", ["c1", "c2", "c3"], {"c1": 10, "c2": 10, "c3": 10}, "w")
    assert even.p_value == pytest.approx(1.0) and even.statistic == 0
    skew = stats.chi_square("queries", ["c1", "c2", "c3"], {"c1": 90, "c2": 5}, "w")
    assert skew.observed == [90, 5, 0]
    ref = chisquare([90, 5, 0])
    assert skew.p_value == pytest.approx(ref.pvalue) and skew.p_value < 1e-10
    # one consumer or no data: no test possible
    assert stats.chi_square("sessions", ["c1"], {"c1": 4}, "w").p_value is None
    assert stats.chi_square("sessions", ["c1", "c2"], {}, "w").statistic is None


def test_summary_counts_shares_and_unknown_consumers():
    conns = [conn(0, 0, "c1", 0.0), conn(1, 1, "c2", 0.0), conn(2, 2, None, 0.1, ok=False),
             conn(3, 2, "c1", 0.2, reconnect=True)]
    qs = [query(0, "c1", 0.1 * i) for i in range(6)] + [query(1, "c2", 0.1 * i) for i in range(2)]
    qs.append(query(2, None, 0.1, ok=False, kind="connect_refused", cid=2))
    s = stats.summarize(consumers=[], queries=qs, connections=conns, faults=[],
                        duration_s=2.0, fault_window_s=10)
    assert [c.name for c in s.consumers] == ["c1", "c2"]  # learnt from the sessions
    c1 = s.consumers[0]
    assert (c1.sessions, c1.queries, c1.query_share) == (2, 6, 0.75)
    assert s.throughput_qps == 4.0 and s.failed == 1 and s.reconnects == 1
    assert s.failed_connections == 1 and s.errors_by_kind == {"connect_refused": 1}
    assert s.errors_outside_faults == 1
    assert s.evenness[0].window == "whole run"
    ok, why = stats.verdict(s, None)
    assert not ok and "outside the fault windows" in why
    assert stats.verdict(s, 0.2)[0] is True  # 1/9 = 11% <= 20%
    assert stats.verdict(s, 0.1)[0] is False


def test_kill_timeline_failures_recovery_and_window():
    # c2 killed at 10 s. Session 1 (on c2) fails at 10.0 and 10.3, reconnects to c1 and
    # succeeds at 10.5 (ends 10.502). Session 0 on c1 is untouched. A failure at 40 s is
    # outside the 15 s window.
    conns = [conn(0, 0, "c1", 0.0), conn(1, 1, "c2", 0.0), conn(2, 2, "c2", 9.0),
             conn(3, 1, "c2", 10.2, reconnect=True), conn(4, 1, "c1", 10.4, reconnect=True)]
    qs = [query(0, "c1", t) for t in (1.0, 5.0, 10.1, 20.0)]
    qs += [query(1, "c2", 5.0, cid=1), query(1, "c2", 9.999, ok=False, latency_ms=5, cid=1),
           query(1, "c2", 10.3, ok=False, cid=3), query(1, "c1", 10.5, cid=4),
           query(2, "c2", 9.5, cid=2), query(2, "c2", 40.0, ok=False, kind="other", cid=2)]
    events = [fault("kill", "c2", 10.0)]
    s = stats.summarize(consumers=["c1", "c2"], queries=qs, connections=conns, faults=events,
                        duration_s=50.0, fault_window_s=15.0)
    t = s.faults[0]
    assert t.failed_queries == 2 and t.failed_by_kind == {"connection_lost": 2}
    assert t.sessions_affected == 1
    assert t.recovery_s == pytest.approx(0.502)
    assert t.new_sessions_after == 1 and t.last_new_session_after_s == pytest.approx(0.2)
    assert t.window_end_s == 25.0
    assert [f.start_s for f in t.failed] == [9.999, 10.3]
    assert s.errors_outside_faults == 1  # the one at 40 s
    # evenness is computed before the fault only
    assert s.evenness[0].window.startswith("before the first fault")
    assert s.evenness[0].observed == [1, 2]


def test_session_that_never_recovers_and_unapplied_fault():
    qs = [query(0, "c1", 1.0), query(0, "c1", 5.5, ok=False)]
    s = stats.summarize(consumers=["c1"], queries=qs, connections=[conn(0, 0, "c1", 0)],
                        faults=[fault("kill", "c1", 5.0)], duration_s=8, fault_window_s=15)
    assert s.faults[0].recovery_s is None
    assert s.faults[0].window_end_s == 8  # clipped at the end of the run
    unapplied = FaultEvent(kind="drain", target="c1", at_s=2, applied_s=None, ok=False,
                           detail="boom")
    s2 = stats.summarize(consumers=["c1"], queries=[query(0, "c1", 1.0)], connections=[],
                         faults=[unapplied], duration_s=3, fault_window_s=15)
    assert s2.faults[0].applied_s is None
    ok, why = stats.verdict(s2, None)
    assert not ok and "fault not applied: drain c1" in why


def test_drain_timeline_no_failures():
    conns = [conn(i, i, "c1" if i % 2 else "c2", 0.5 * i) for i in range(20)]
    qs = [query(i, c.consumer, c.opened_s + 0.01) for i, c in enumerate(conns)]
    s = stats.summarize(consumers=["c1", "c2"], queries=qs, connections=conns,
                        faults=[fault("drain", "c2", 4.9)], duration_s=10, fault_window_s=15)
    t = s.faults[0]
    # c2 got sessions 10, 12, ..., 18 after 4.9 s: last one at 9.0 s
    assert t.new_sessions_after == 5 and t.last_new_session_after_s == pytest.approx(4.1)
    assert t.failed_queries == 0 and t.recovery_s == 0.0
    assert stats.verdict(s, None) == (True, "no error outside the fault windows")


def test_no_queries_fails():
    s = stats.summarize(consumers=["c1"], queries=[], connections=[], faults=[],
                        duration_s=1, fault_window_s=1)
    assert stats.verdict(s, None) == (False, "no query ran")
    assert stats.verdict(s, 0.5) == (False, "no query ran")


def test_evenness_is_read_in_words_beside_its_p_value():
    """`evenness of queries p = 1.52e-07` beside "passed" read as a contradiction: with one
    connection per session the query shares measure the consumers' speed, not the LB."""
    uneven = stats.chi_square("queries", ["c1", "c2"], {"c1": 900, "c2": 600}, "whole run")
    assert uneven.p_value is not None and uneven.p_value < 1e-6
    assert stats.evenness_reading(uneven, "per-session").startswith(
        "not a balancing test here: the LB places sessions")
    assert stats.evenness_reading(uneven, "per-query").startswith("uneven (p < 0.01)")
    sessions = stats.chi_square("sessions", ["c1", "c2"], {"c1": 16, "c2": 16}, "whole run")
    assert stats.evenness_reading(sessions, "per-session") == "even (p >= 0.01)"
    one = stats.chi_square("sessions", ["c1"], {"c1": 16}, "whole run")
    assert stats.evenness_reading(one, "per-query").startswith("not tested")
