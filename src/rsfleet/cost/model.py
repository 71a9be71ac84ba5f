"""The cost arithmetic. Pure: no I/O, Decimal throughout, so the seed's figures come out exact.

Billing facts ("Billing for Amazon Redshift Serverless",
https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-billing.html and
https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-billing-on-demand.html): while
queries run, compute is billed in RPU-hours on a per-second basis; when no queries run there
is no compute charge (there is no "auto-pause" setting: idle simply costs nothing). The
pricing page (https://aws.amazon.com/redshift/pricing/) adds the 60-second minimum charge:
"You pay for the workloads you run in RPU-hours on a per-second basis, with a 60-second
minimum charge". Primary storage is Redshift Managed Storage (RMS), per GB-month, billed
apart from compute. The cost controls are base and max capacity, usage limits (maximum
RPU-hours per day/week/month with a breach action: log, alert, or turn off user queries)
and price-performance targets.

The model bills a workgroup at its base capacity for its busy time. Autoscaling can raise
capacity up to max capacity, so `monthly_at_max` is the ceiling for the same busy time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from rsfleet.errors import UsageError
from rsfleet.spec.models import base_capacity_problem

CENT = Decimal("0.01")
MINIMUM_BILLED_SECONDS = Decimal(60)
SECONDS_PER_HOUR = Decimal(3600)
SECONDS_PER_DAY = Decimal(86400)
MONTHS_PER_YEAR = 12


def money(value: Decimal) -> Decimal:
    """Round to cents, half up (what an invoice line shows)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _billed(seconds: Decimal) -> Decimal:
    """One active period: per second, at least the 60-second minimum; nothing when idle."""
    if seconds <= 0:
        return Decimal(0)
    return max(seconds, MINIMUM_BILLED_SECONDS)


@dataclass(frozen=True)
class Usage:
    """How long a workgroup is busy per day: busy hours (one active period), or bursts."""

    hours_per_day: Decimal | None = None
    bursts_per_day: int | None = None
    burst_seconds: Decimal | None = None

    @classmethod
    def hours(cls, hours_per_day: Decimal) -> Usage:
        return cls(hours_per_day=hours_per_day)

    @classmethod
    def bursts(cls, per_day: int, seconds: Decimal) -> Usage:
        return cls(bursts_per_day=per_day, burst_seconds=seconds)

    @property
    def is_bursts(self) -> bool:
        return self.bursts_per_day is not None

    def billed_seconds_per_day(self) -> Decimal:
        """Each active period is billed max(seconds, 60); zero periods or zero seconds: 0."""
        if self.bursts_per_day is None:
            return _billed((self.hours_per_day or Decimal(0)) * SECONDS_PER_HOUR)
        return _billed(self.burst_seconds or Decimal(0)) * self.bursts_per_day

    def describe(self) -> str:
        if self.bursts_per_day is None:
            return f"{self.hours_per_day} h/day"
        return f"{self.bursts_per_day} bursts × {self.burst_seconds} s/day"


@dataclass(frozen=True)
class UsageLimit:
    """A Redshift Serverless usage limit (spec `usage_limit`): RPU-hours per period."""

    amount: int
    period: str  # daily | weekly | monthly
    breach_action: str  # log | emit-metric | deactivate

    def rpu_hours_per_month(self, days: int) -> Decimal:
        if self.period == "daily":
            return Decimal(self.amount) * days
        if self.period == "weekly":
            return Decimal(self.amount) * days / 7
        return Decimal(self.amount)


@dataclass(frozen=True)
class WorkgroupCost:
    name: str
    rpu: int
    max_rpu: int
    billed_seconds_per_day: Decimal
    days: int
    rpu_hour: Decimal
    usage_limit: UsageLimit | None = None

    @property
    def billed_hours_per_day(self) -> Decimal:
        return self.billed_seconds_per_day / SECONDS_PER_HOUR

    @property
    def rpu_hours_month(self) -> Decimal:
        return self.rpu * self.billed_seconds_per_day * self.days / SECONDS_PER_HOUR

    @property
    def monthly(self) -> Decimal:
        return money(self.rpu * self.billed_seconds_per_day * self.days * self.rpu_hour
                     / SECONDS_PER_HOUR)

    @property
    def yearly(self) -> Decimal:
        return money(self.monthly * MONTHS_PER_YEAR)

    @property
    def monthly_at_max(self) -> Decimal:
        """The ceiling: the same busy time, scaled all the way to max capacity."""
        return money(self.max_rpu * self.billed_seconds_per_day * self.days * self.rpu_hour
                     / SECONDS_PER_HOUR)

    @property
    def yearly_at_max(self) -> Decimal:
        return money(self.monthly_at_max * MONTHS_PER_YEAR)


@dataclass(frozen=True)
class Line:
    """A cost that is not a workgroup's compute: storage, the NLB."""

    name: str
    monthly: Decimal
    detail: str

    @property
    def yearly(self) -> Decimal:
        return money(self.monthly * MONTHS_PER_YEAR)


@dataclass(frozen=True)
class Estimate:
    workgroups: list[WorkgroupCost]
    other: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def compute_monthly(self) -> Decimal:
        return sum((w.monthly for w in self.workgroups), Decimal(0))

    @property
    def compute_monthly_at_max(self) -> Decimal:
        return sum((w.monthly_at_max for w in self.workgroups), Decimal(0))

    @property
    def other_monthly(self) -> Decimal:
        return sum((o.monthly for o in self.other), Decimal(0))

    @property
    def monthly(self) -> Decimal:
        return self.compute_monthly + self.other_monthly

    @property
    def yearly(self) -> Decimal:
        return money(self.monthly * MONTHS_PER_YEAR)

    @property
    def monthly_at_max(self) -> Decimal:
        return self.compute_monthly_at_max + self.other_monthly


def check_capacity(name: str, rpu: int, region: str | None) -> None:
    problem = base_capacity_problem(rpu, region)
    if problem:
        raise UsageError(f"{name}: {rpu} RPU is not an allowed base capacity: {problem}",
                         hint="see https://docs.aws.amazon.com/redshift/latest/mgmt/"
                         "serverless-capacity.html")


def check_hours(name: str, hours: Decimal) -> Decimal:
    if not hours.is_finite() or hours < 0 or hours > 24:
        raise UsageError(f"{name}: busy hours per day must be between 0 and 24, not {hours}")
    return hours


def check_days(days: int) -> int:
    if days < 1 or days > 31:
        raise UsageError(f"--days must be between 1 and 31 (days in a month), not {days}")
    return days


def workgroup(
    name: str, rpu: int, usage: Usage, *, days: int, rpu_hour: Decimal,
    max_rpu: int | None = None, region: str | None = None,
    usage_limit: UsageLimit | None = None,
) -> WorkgroupCost:
    """The monthly/yearly cost of one workgroup; bad input raises UsageError."""
    check_capacity(name, rpu, region)
    check_days(days)
    if max_rpu is not None and max_rpu < rpu:
        raise UsageError(f"{name}: max capacity {max_rpu} RPU is below base capacity {rpu} RPU")
    if usage.bursts_per_day is None:
        check_hours(name, usage.hours_per_day or Decimal(0))
    elif usage.bursts_per_day < 0 or (usage.burst_seconds or Decimal(0)) < 0:
        raise UsageError(f"{name}: bursts per day and burst seconds must be >= 0")
    seconds = usage.billed_seconds_per_day()
    if seconds > SECONDS_PER_DAY:
        raise UsageError(
            f"{name}: {usage.describe()} bills {seconds / SECONDS_PER_HOUR:.2f} h a day, "
            "more than 24 (each burst is billed at least 60 s)",
            hint="fewer or shorter bursts, or busy hours with --hours-per-day")
    if rpu_hour < 0:
        raise UsageError(f"{name}: price per RPU-hour must be >= 0, not {rpu_hour}")
    return WorkgroupCost(name, rpu, max_rpu or rpu, seconds, days, rpu_hour, usage_limit)


def nlcus_for_tcp(
    *, new_connections_per_second: Decimal, active_connections: Decimal,
    processed_gb_per_hour: Decimal, per_nlcu: tuple[Decimal, Decimal, Decimal],
) -> Decimal:
    """NLCUs an hour of TCP traffic uses: the largest of the three dimensions
    (https://aws.amazon.com/elasticloadbalancing/pricing/: one NLCU for TCP is 800 new
    connections/s, 100,000 active connections, 1 GB processed per hour)."""
    new_cps, active, gb = per_nlcu
    return max(new_connections_per_second / new_cps, active_connections / active,
               processed_gb_per_hour / gb)


def nlb_line(*, days: int, nlb_hour: Decimal, lcu_hour: Decimal, lcus: Decimal) -> Line:
    """The NLB runs all day, every day: hourly charge + NLCU-hours."""
    hours = Decimal(24 * days)
    monthly = money(hours * (nlb_hour + lcus * lcu_hour))
    return Line("nlb", monthly,
                f"{hours} h × (${nlb_hour}/h + {_fmt(lcus)} NLCU × ${lcu_hour}/NLCU-h)")


def endpoints_line(*, days: int, endpoints: int, azs: int, hour: Decimal, gb_price: Decimal,
                   gb: Decimal) -> Line:
    """Interface VPC endpoints: every endpoint in every AZ all day, plus data processed
    (https://aws.amazon.com/privatelink/pricing/); gateway endpoints (S3, DynamoDB) are free."""
    hours = Decimal(24 * days)
    monthly = money(Decimal(endpoints * azs) * hours * hour + gb * gb_price)
    return Line("vpc endpoints", monthly,
                f"{endpoints} interface endpoints × {azs} AZ × {hours} h × ${hour}/h + "
                f"{_fmt(gb)} GB × ${gb_price}/GB; gateway endpoints (s3, dynamodb) free")


def storage_line(gb: Decimal, price: Decimal) -> Line:
    return Line("storage (RMS)", money(gb * price), f"{_fmt(gb)} GB × ${price}/GB-month")


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.001')).normalize():f}"


def notes_for(est: Estimate) -> list[str]:
    """What the figures assume, and where they could be off."""
    notes = [
        "Compute is billed per second while queries run, at least 60 s per active period; "
        "idle time costs nothing for compute. Figures bill each workgroup at its base "
        "capacity for its busy time; yearly = 12 × monthly.",
    ]
    scaled = [w for w in est.workgroups if w.max_rpu > w.rpu]
    if scaled:
        names = ", ".join(f"{w.name} {w.rpu}→{w.max_rpu} RPU" for w in scaled)
        notes.append(
            f"Autoscaling up to max capacity ({names}) could raise compute to "
            f"${money(est.compute_monthly_at_max):,}/month for the same busy hours "
            f"(instead of ${money(est.compute_monthly):,}); a usage limit caps RPU-hours.")
    for w in est.workgroups:
        if w.usage_limit is None:
            continue
        cap = w.usage_limit.rpu_hours_per_month(w.days)
        if w.rpu_hours_month <= cap:
            continue
        cap_cost = money(cap * w.rpu_hour)
        what = (f"user queries are turned off there, so compute stops at about ${cap_cost:,}"
                if w.usage_limit.breach_action == "deactivate"
                else f"'{w.usage_limit.breach_action}' only reports it; queries keep running "
                     "and billing")
        per_month = "" if w.usage_limit.period == "monthly" else f" ≈ {_fmt(cap)}/month"
        notes.append(
            f"{w.name}: {_fmt(w.rpu_hours_month)} RPU-hours/month is over its usage limit "
            f"({w.usage_limit.amount} RPU-hours {w.usage_limit.period}{per_month}): {what}.")
    return notes


def one_more_consumer(like: WorkgroupCost, total_monthly: Decimal) -> dict[str, str]:
    return {
        "like": like.name,
        "rpu": str(like.rpu),
        "billed_hours_per_day": _fmt(like.billed_hours_per_day),
        "monthly": str(like.monthly),
        "yearly": str(like.yearly),
        "new_total_monthly": str(total_monthly + like.monthly),
    }


def split_vs_single(
    rpu: int, hours: Decimal, *, days: int, rpu_hour: Decimal, region: str | None = None,
) -> dict[str, object]:
    """Two workgroups of `rpu` vs one of 2·rpu, each small one busy `hours` a day.

    Arithmetic only (you pay RPU-hours), no performance claim. Busy at the same time, the
    big one is busy as long as each small one: same RPU-hours, same cost. Busy at different
    times, the big one must run through both periods (their union): it costs more.
    """
    check_hours("what-if", hours)
    big = 2 * rpu
    apart_overlap = max(Decimal(0), 2 * hours - 24)  # two periods only fit in a day so far
    union_apart = 2 * hours - apart_overlap

    def raw(r: int, h: Decimal) -> Decimal:
        return r * _billed(h * SECONDS_PER_HOUR) * days * rpu_hour / SECONDS_PER_HOUR

    def cost(r: int, h: Decimal) -> Decimal:
        return money(raw(r, h))

    two_small = money(2 * raw(rpu, hours))  # rounded once, like the big one
    problem = base_capacity_problem(big, region)
    return {
        "small_rpu": rpu,
        "big_rpu": big,
        "hours_per_day": _fmt(hours),
        "big_rpu_allowed": problem is None,
        "big_rpu_problem": problem,
        "same_time": {
            "two_small_monthly": str(two_small),
            "one_big_monthly": str(cost(big, hours)),
            "why": "same busy hours: the same RPU-hours, so the same cost",
        },
        "different_times": {
            "two_small_monthly": str(two_small),
            "one_big_monthly": str(cost(big, union_apart)),
            "one_big_busy_hours_per_day": _fmt(union_apart),
            "why": "the big one is busy through both periods, at twice the RPU",
        },
    }


# --- the readiness controller on AWS (terraform/modules/controller, docs/targets.md) -------
CONTROLLER_INVOCATION_SECONDS = Decimal(60)  # one invocation a minute, running ~all of it
CONTROLLER_MEMORY_GB = Decimal("0.25")  # 256 MB (modules/controller memory_mb)


def probe_billed_seconds_per_day(data_check_seconds: Decimal, interval_seconds: Decimal
                                 ) -> Decimal:
    """Billed seconds per day that the controller's data checks cause on one consumer
    workgroup that is otherwise at rest. Each data check is a query: billed per second with
    a 60-second minimum per active period. Checks closer than 60 s apart (0 = every pass)
    keep the workgroup billing all day. The session-only check of the other passes runs no
    query, so it is not billed. A workgroup busy anyway pays nothing extra."""
    every = data_check_seconds if data_check_seconds > 0 else interval_seconds
    if every <= MINIMUM_BILLED_SECONDS:
        return SECONDS_PER_DAY
    checks = (SECONDS_PER_DAY / every).to_integral_value(rounding="ROUND_CEILING")
    return min(SECONDS_PER_DAY, checks * MINIMUM_BILLED_SECONDS)


def probe_secret_line(*, days: int, secret_month: Decimal, api_call: Decimal,
                      read_every_seconds: Decimal, named: bool) -> Line:
    """The probe secret in Secrets Manager: one secret (created by modules/controller, or the
    spec's own) and the controller's GetSecretValue calls, one per ``read_every_seconds``
    (the probe's cache age); cold starts and refused logins add a few."""
    calls = (Decimal(days) * SECONDS_PER_DAY / read_every_seconds).to_integral_value(
        rounding="ROUND_CEILING")
    whose = "the spec's probe_secret_arn" if named else "created by Terraform"
    return Line("controller probe secret", money(secret_month + calls * api_call),
                f"1 secret ({whose}) × ${secret_month}/month + {_fmt(calls)} GetSecretValue "
                f"(one per {_fmt(read_every_seconds)} s) × ${_fmt(api_call * 10000)}/10,000 "
                "calls")


def rotation_signal_line(*, days: int, consumers: int, metric_requested: Decimal,
                         queued_series_per_consumer: int = 1) -> Line:
    """Elastic rotation's CloudWatch signal on AWS (rsfleet.targets.cloudwatch): at most
    one GetMetricData a minute, billed per metric requested: DatabaseConnections and
    QueriesRunning per consumer workgroup plus its QueriesQueued series (one per query type
    seen; ``queued_series_per_consumer`` assumed)."""
    per_call = consumers * (2 + queued_series_per_consumer)
    metrics = Decimal(days) * 1440 * per_call
    return Line("controller CloudWatch", money(metrics * metric_requested),
                f"{_fmt(Decimal(days) * 1440)} GetMetricData (one a minute) × {per_call} "
                f"metrics ({consumers} consumer(s) × (2 + {queued_series_per_consumer} "
                f"queued series)) × ${_fmt(metric_requested * 1000)}/1,000 metrics")


def controller_lines(*, days: int, consumers: dict[str, int], interval_seconds: Decimal,
                     data_check_seconds: Decimal, rpu_hour: Decimal,
                     lambda_gb_second: Decimal | None, lambda_request: Decimal | None,
                     dynamodb_wru: Decimal | None, dynamodb_rru: Decimal | None) -> list[Line]:
    """Lambda, DynamoDB and the probes' billed RPU-seconds. ``consumers``: name -> base RPU
    of the consumers behind the NLB (the ones probed). A price given as None leaves its line
    out (the caller notes it)."""
    out: list[Line] = []
    invocations = Decimal(days) * 1440
    passes = Decimal(days) * SECONDS_PER_DAY / interval_seconds
    if lambda_gb_second is not None and lambda_request is not None:
        gb_s = invocations * CONTROLLER_INVOCATION_SECONDS * CONTROLLER_MEMORY_GB
        out.append(Line("controller Lambda", money(gb_s * lambda_gb_second
                                                    + invocations * lambda_request),
                        f"{_fmt(invocations)} invocations × {CONTROLLER_INVOCATION_SECONDS} s "
                        f"× {CONTROLLER_MEMORY_GB * 1024:.0f} MB = {_fmt(gb_s)} GB-s "
                        "(free tier not subtracted)"))
    if dynamodb_wru is not None and dynamodb_rru is not None:
        # per pass: one strongly consistent read of the drains (<= 4 KB: 1 RRU) and one
        # write of the last-pass record (<= 1 KB: 1 WRU); operator drains are a few more
        out.append(Line("controller DynamoDB", money(passes * (dynamodb_wru + dynamodb_rru)),
                        f"{_fmt(passes)} passes × (1 write + 1 read), on-demand"))
    per_day = probe_billed_seconds_per_day(data_check_seconds, interval_seconds)
    rpu_s = sum((per_day * rpu for rpu in consumers.values()), Decimal(0)) * days
    every = ("every pass" if data_check_seconds <= 0 else
             f"every {_fmt(data_check_seconds)} s")
    out.append(Line("controller probes", money(rpu_s / SECONDS_PER_HOUR * rpu_hour),
                    f"data check {every} on {len(consumers)} consumer(s): "
                    f"{_fmt(per_day)} billed s/day each at base RPU = {_fmt(rpu_s)} RPU-s "
                    "while the fleet is at rest (nothing extra while it is busy)"))
    return out
