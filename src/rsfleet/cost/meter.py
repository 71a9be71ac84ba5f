"""The Redshift Serverless meter for a recorded run (pure: query intervals in, billed
seconds and RPU-seconds out). docs/cost.md, "A Serverless bill for any run", writes the
rules down with their sources:

- compute is billed per second while queries run, nothing while none runs, with a
  60-second minimum charge ("Billing for Amazon Redshift Serverless",
  https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-billing.html, and
  https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-billing-on-demand.html);
- at least the base capacity is billed while it is busy.

Here a *billing period* starts with a query on an idle workgroup and lasts until no query
runs, and at least 60 s from its start; a query that starts inside a period's 60-second
minimum extends that period instead of opening a new one (it does not pay a second
minimum). Each period is billed in whole seconds, rounded up.

What AWS does not document, and this meter does not model: how capacity grows above base
when queries run concurrently. ``rpu_seconds_upper`` is a bound for it, not AWS's
algorithm: each concurrent query given a base-capacity share, up to ``max_capacity``
(min(max, base x running queries)); equal to the base figure when max = base.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

MINIMUM_SECONDS = 60.0


@dataclass(frozen=True)
class Meter:
    """One workgroup's bill for a run."""

    busy_s: float  # time with at least one query running
    periods: int  # billing periods (a busy stretch and its 60 s minimum)
    billed_s: int  # whole seconds billed
    peak_concurrency: int
    rpu_seconds: float  # billed_s x base capacity
    rpu_seconds_upper: float  # with capacity growing with concurrent queries, up to max


def billing_periods(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """(start, end) of each billing period: busy time merged, each period at least 60 s from
    its start, a query inside a period's minimum extending that period."""
    periods: list[list[float]] = []
    for start, end in sorted((s, max(s, e)) for s, e in intervals):
        if periods and start <= periods[-1][1]:
            periods[-1][1] = max(periods[-1][1], end)
        else:
            periods.append([start, max(end, start + MINIMUM_SECONDS)])
    return [(a, b) for a, b in periods]


def _busy(intervals: Sequence[tuple[float, float]]) -> float:
    total, cur_start, cur_end = 0.0, None, 0.0
    for s, e in sorted(intervals):
        if cur_start is None or s > cur_end:
            if cur_start is not None:
                total += cur_end - cur_start
            cur_start, cur_end = s, e
        else:
            cur_end = max(cur_end, e)
    if cur_start is not None:
        total += cur_end - cur_start
    return total


def meter(intervals: Iterable[tuple[float, float]], base_capacity: int,
          max_capacity: int | None = None) -> Meter:
    """The bill of one workgroup whose queries ran over ``intervals`` (seconds)."""
    spans = [(s, max(s, e)) for s, e in intervals]
    periods = billing_periods(spans)
    billed = sum(math.ceil(round(b - a, 6)) for a, b in periods)
    top = max(base_capacity, max_capacity or base_capacity)
    # above base: while n > 1 queries run, min(max, base x n) - base more RPU
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans],
                    key=lambda ev: (ev[0], ev[1]))
    extra, running, peak, last = 0.0, 0, 0, 0.0
    for t, step in events:
        if running > 1:
            extra += (t - last) * (min(top, base_capacity * running) - base_capacity)
        running += step
        peak = max(peak, running)
        last = t
    return Meter(busy_s=_busy(spans), periods=len(periods), billed_s=billed,
                 peak_concurrency=peak, rpu_seconds=float(billed * base_capacity),
                 rpu_seconds_upper=billed * base_capacity + extra)


# -- the bill as the load test result carries it (schema: docs/loadtest.md) ----------------

class _Bill(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsumerBill(_Bill):
    """What one consumer's share of the run would cost on Redshift Serverless
    (rsfleet.cost.meter; rules and sources in docs/cost.md)."""

    name: str
    base_capacity: int | None = Field(description="RPU, from the spec; None = unknown")
    max_capacity: int | None
    queries: int
    busy_s: float = Field(description="time with at least one of its queries running")
    periods: int = Field(description="billing periods: a busy stretch and its 60 s minimum")
    billed_s: int = Field(description="whole seconds billed: per second, >= 60 s a period")
    peak_concurrency: int
    rpu_seconds: float | None = Field(description="billed_s x base capacity")
    rpu_seconds_upper: float | None = Field(
        description="a bound with capacity growing with concurrent queries up to max: "
        "min(max, base x running queries); AWS does not document its scaling")


class ServerlessBill(_Bill):
    consumers: list[ConsumerBill]
    billed_s: int
    rpu_seconds: float | None
    rpu_seconds_upper: float | None
    rules: str = "docs/cost.md#a-serverless-bill-for-any-run"
