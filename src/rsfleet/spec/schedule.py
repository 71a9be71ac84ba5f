"""Snapshot schedules: `rate(N hours|days)` or `cron(...)`, turned into the scheduler's cron.

The Redshift Serverless scheduler takes `cron(Minutes Hours Day-of-month Month Day-of-week
Year)` (six fields, UTC) or a one-time `at`; invocations must be at least one hour apart.
https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-snapshot-scheduling.html
https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_Schedule.html
A `rate(...)` is accepted for convenience and written as the equivalent cron.
"""

from __future__ import annotations

import re

_RATE = re.compile(r"rate\((\d+) (hour|hours|day|days)\)")
_CRON = re.compile(r"cron\(([^()]*)\)")
_FIELD = (
    ("Minutes", r"[0-9]{1,2}"),  # one number: two runs are then >= 1 hour apart
    ("Hours", r"[0-9*,/-]+"),
    ("Day-of-month", r"[0-9*,/?LW-]+"),
    ("Month", r"[0-9A-Za-z*,/-]+"),
    ("Day-of-week", r"[0-9A-Za-z*,?L#-]+"),
    ("Year", r"[0-9*,/-]+"),
)
HOUR_DIVISORS = (1, 2, 3, 4, 6, 8, 12, 24)
RULE = ("use rate(N hours) with N in 1, 2, 3, 4, 6, 8, 12, 24, rate(1 day), rate(7 days), or "
        "cron(Minutes Hours Day-of-month Month Day-of-week Year) with a single minute")


def to_cron(expr: str) -> str:
    """The scheduler's `cron(...)` for `expr`; ValueError naming the rule it breaks."""
    text = " ".join(str(expr).split())
    rate = _RATE.fullmatch(text)
    if rate:
        n, unit = int(rate.group(1)), rate.group(2)
        if unit.startswith("hour") and n in HOUR_DIVISORS:
            return "cron(0 0 * * ? *)" if n == 24 else f"cron(0 0/{n} * * ? *)"
        if unit.startswith("day") and n == 1:
            return "cron(0 0 * * ? *)"
        if unit.startswith("day") and n == 7:
            return "cron(0 0 ? * SUN *)"
        raise ValueError(f"schedule {expr!r}: {RULE}")
    cron = _CRON.fullmatch(text)
    if not cron:
        raise ValueError(f"schedule {expr!r} is neither rate(...) nor cron(...): {RULE}")
    fields = cron.group(1).split(" ")
    if len(fields) != 6:
        raise ValueError(f"schedule {expr!r}: cron needs 6 fields, got {len(fields)}: {RULE}")
    for value, (name, pattern) in zip(fields, _FIELD, strict=True):
        if not re.fullmatch(pattern, value):
            raise ValueError(f"schedule {expr!r}: {name} field {value!r} is not allowed: {RULE}")
    if int(fields[0]) > 59:
        raise ValueError(f"schedule {expr!r}: Minutes must be 0-59")
    if (fields[2] == "?") == (fields[4] == "?"):
        raise ValueError(f"schedule {expr!r}: exactly one of Day-of-month and Day-of-week "
                         "must be '?'")
    return f"cron({' '.join(fields)})"


def interval_seconds(expr: str) -> int | None:
    """How often a rate(...) schedule runs (None for cron: not a fixed interval)."""
    rate = _RATE.fullmatch(" ".join(str(expr).split()))
    if not rate:
        return None
    n = int(rate.group(1))
    return n * (3600 if rate.group(2).startswith("hour") else 86400)
