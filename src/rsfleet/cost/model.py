"""The cost arithmetic. Pure, Decimal, no I/O.

Billing facts ("Billing for Amazon Redshift Serverless",
https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-billing.html): compute is
billed in RPU-hours per second while queries run, with a 60-second minimum charge per
active period; nothing for compute while idle (there is no "auto-pause" setting: idle
simply costs nothing). Storage (RMS) is billed per GB-month. Cost controls are base and
max capacity, usage limits (RPU-hours per day/week/month with a breach action), and
price-performance targets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from rsfleet.errors import UsageError
from rsfleet.spec.models import base_capacity_problem

CENT = Decimal("0.01")
MINIMUM_BILLED_SECONDS = 60
HOURS_PER_MONTH_NLB = 24  # per day; the NLB runs all day, every day


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Usage:
    """How much a workgroup is busy per day: plain hours, or bursts of queries."""

    hours_per_day: Decimal | None = None
    bursts_per_day: int | None = None
    burst_seconds: Decimal | None = None

    def billed_seconds_per_day(self) -> Decimal:
        """Each burst is billed per second, at least MINIMUM_BILLED_SECONDS."""
        if self.bursts_per_day is None:
            return (self.hours_per_day or Decimal(0)) * 3600
        seconds = self.burst_seconds or Decimal(0)
        if self.bursts_per_day == 0 or seconds == 0:
            return Decimal(0)
        return max(seconds, Decimal(MINIMUM_BILLED_SECONDS)) * self.bursts_per_day

    def billed_hours_per_day(self) -> Decimal:
        if self.bursts_per_day is None:
            hours = self.hours_per_day or Decimal(0)
        else:
            hours = self.billed_seconds_per_day() / Decimal(3600)
        if hours > 24:
            raise UsageError(f"{hours} busy hours a day is more than 24",
                             hint="lower --hours-per-day or the bursts")
        return hours


@dataclass(frozen=True)
class WorkgroupCost:
    name: str
    rpu: int
    max_rpu: int
    billed_hours_per_day: Decimal
    days: int
    rpu_hour: Decimal

    @property
    def rpu_hours_month(self) -> Decimal:
        return self.rpu * self.billed_hours_per_day * self.days

    @property
    def monthly(self) -> Decimal:
        return money(self.rpu_hours_month * self.rpu_hour)

    @property
    def monthly_at_max(self) -> Decimal:
        return money(self.max_rpu * self.billed_hours_per_day * self.days * self.rpu_hour)

    @property
    def yearly(self) -> Decimal:
        return money(self.monthly * 12)


@dataclass(frozen=True)
class Line:
    name: str
    monthly: Decimal
    detail: str

    @property
    def yearly(self) -> Decimal:
        return money(self.monthly * 12)


@dataclass(frozen=True)
class Estimate:
    workgroups: list[WorkgroupCost]
    other: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def monthly(self) -> Decimal:
        return money(sum((w.monthly for w in self.workgroups), Decimal(0))
                     + sum((o.monthly for o in self.other), Decimal(0)))

    @property
    def yearly(self) -> Decimal:
        return money(self.monthly * 12)

    @property
    def compute_monthly(self) -> Decimal:
        return money(sum((w.monthly for w in self.workgroups), Decimal(0)))


def check_capacity(name: str, rpu: int, region: str | None) -> None:
    problem = base_capacity_problem(rpu, region)
    if problem:
        raise UsageError(f"{name}: {rpu} RPU is not an allowed capacity: {problem}")


def check_hours(name: str, hours: Decimal) -> Decimal:
    if hours < 0 or hours > 24:
        raise UsageError(f"{name}: hours per day must be between 0 and 24, not {hours}")
    return hours


def workgroup(
    name: str, rpu: int, usage: Usage, *, days: int, rpu_hour: Decimal,
    max_rpu: int | None = None, region: str | None = None,
) -> WorkgroupCost:
    check_capacity(name, rpu, region)
    if days < 1 or days > 31:
        raise UsageError(f"days per month must be 1-31, not {days}")
    return WorkgroupCost(name, rpu, max_rpu or rpu, usage.billed_hours_per_day(), days, rpu_hour)


def nlb_line(*, days: int, nlb_hour: Decimal, lcu_hour: Decimal, lcus: Decimal) -> Line:
    hours = Decimal(HOURS_PER_MONTH_NLB * days)
    monthly = money(hours * (nlb_hour + lcus * lcu_hour))
    return Line("nlb", monthly, f"{hours} h × (${nlb_hour}/h + {lcus} LCU × ${lcu_hour}/LCU-h)")


def storage_line(gb: Decimal, price: Decimal) -> Line:
    return Line("storage (RMS)", money(gb * price), f"{gb} GB × ${price}/GB-month")


def notes_for(est: Estimate) -> list[str]:
    notes = [
        "Compute is billed per second while queries run (60 s minimum per active period); "
        "idle time costs nothing. Figures assume the workgroup runs at base capacity while busy.",
    ]
    ceiling = [w for w in est.workgroups if w.max_rpu > w.rpu]
    if ceiling:
        worst = money(sum((w.monthly_at_max for w in est.workgroups), Decimal(0)))
        notes.append(f"Autoscaling up to max capacity could raise compute to ${worst:,}/month "
                     "for the same busy hours; a usage limit caps RPU-hours.")
    return notes


def split_vs_single(rpu: int, hours: Decimal, *, days: int, rpu_hour: Decimal) -> dict[str, str]:
    """2 × rpu vs 1 × 2·rpu, both busy `hours` a day: the arithmetic, no performance claim."""
    two_small = money(2 * rpu * hours * days * rpu_hour)
    one_big = money(2 * rpu * hours * days * rpu_hour)
    big_for_staggered = money(2 * rpu * (2 * hours if 2 * hours <= 24 else Decimal(24))
                              * days * rpu_hour)
    return {
        "two_small_monthly": str(two_small),
        "one_big_monthly": str(one_big),
        "same_busy_hours": "equal: RPU-hours are what you pay for",
        "two_small_busy_at_different_times_monthly": str(two_small),
        "one_big_serving_both_periods_monthly": str(big_for_staggered),
    }
