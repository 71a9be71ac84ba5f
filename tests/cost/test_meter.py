"""The Serverless meter of a recorded run (rsfleet.cost.meter), by hand-computed cases: per
second while queries run, at least 60 s a billing period, a query inside a period's
minimum joining it, base capacity, and the bound for capacity growing with concurrency."""

from __future__ import annotations

import pytest

from rsfleet.cost.meter import billing_periods, meter


@pytest.mark.parametrize(("intervals", "billed", "periods"), [
    ([], 0, 0),                                   # idle: nothing
    ([(0, 10)], 60, 1),                           # one 10 s query: the 60 s minimum
    ([(5, 5.4)], 60, 1),                          # 0.4 s: still 60 s
    ([(0, 61.2)], 62, 1),                         # above a minute: per second, rounded up
    ([(0, 1), (30, 31)], 60, 1),                  # inside the first minimum: one period
    ([(0, 1), (59, 100)], 100, 1),                # starts in the minimum, runs past it
    ([(0, 70), (100, 101)], 130, 2),              # 70 s, then idle, then a new minimum
    ([(0, 1), (60.5, 61)], 120, 2),               # just after the minimum: a second one
    ([(0, 30), (10, 40), (20, 90)], 90, 1),       # overlapping queries: busy 90 s
    ([(100, 101), (0, 1)], 120, 2),               # order of the records does not matter
])
def test_billed_seconds(intervals, billed, periods):
    m = meter(intervals, base_capacity=8)
    assert (m.billed_s, m.periods) == (billed, periods)
    assert m.rpu_seconds == billed * 8
    assert m.rpu_seconds_upper == billed * 8  # max = base: no growth to bound


def test_periods_are_the_busy_time_and_its_minimum():
    assert billing_periods([(0, 10), (100, 170)]) == [(0, 60), (100, 170)]
    assert meter([(0, 10), (5, 20), (100, 170)], 8).busy_s == 90


def test_the_upper_bound_grows_with_concurrent_queries_up_to_max_capacity():
    # three queries at once for 10 s, base 8, max 32: 24 RPU while they run (8 more for
    # each query past the first), so 8 x 60 + (24 - 8) x 10 = 640 RPU-s
    m = meter([(0, 10), (0, 10), (0, 10)], 8, 32)
    assert (m.billed_s, m.peak_concurrency) == (60, 3)
    assert (m.rpu_seconds, m.rpu_seconds_upper) == (480, 640)
    # five at once would want 40 RPU: capped at 32, 8 x 60 + 24 x 10 = 720
    assert meter([(0, 10)] * 5, 8, 32).rpu_seconds_upper == 720
    # two overlap for 5 s only: 8 x 60 + 8 x 5 = 520
    assert meter([(0, 10), (5, 15)], 8, 64).rpu_seconds_upper == 520


def test_packing_queries_onto_one_workgroup_is_not_free_in_the_bound():
    """Four consumers each running one 10 s query bill 4 x 60 s at base; one consumer
    running all four at once bills 60 s at base, but up to 4 x base while they run."""
    spread = sum(meter([(0, 10)], 8, 32).rpu_seconds for _ in range(4))
    packed = meter([(0, 10)] * 4, 8, 32)
    assert spread == 1920
    assert (packed.rpu_seconds, packed.rpu_seconds_upper) == (480, 480 + 24 * 10)
