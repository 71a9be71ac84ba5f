"""Build an Estimate from CLI inputs: one workgroup, a fleet spec, or a named scenario."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from rsfleet.cost import model
from rsfleet.cost.prices import PriceBook
from rsfleet.errors import UsageError
from rsfleet.spec.models import FleetSpec


def parse_hours(items: list[str], known: list[str]) -> dict[str, Decimal]:
    hours: dict[str, Decimal] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--hours {item!r}: expected NAME=HOURS, e.g. --hours c1=4")
        if name not in known:
            raise UsageError(f"--hours {item!r}: unknown workgroup {name!r} "
                             f"(known: {', '.join(known)})")
        try:
            h = Decimal(value)
        except ArithmeticError:
            raise UsageError(f"--hours {item!r}: {value!r} is not a number") from None
        hours[name] = model.check_hours(name, h)
    return hours


def fleet_estimate(
    spec: FleetSpec, *, hours: dict[str, Decimal], default_hours: Decimal, days: int,
    rpu_hour: Decimal, usage_bursts: tuple[int, Decimal] | None = None,
) -> list[model.WorkgroupCost]:
    members: list[tuple[str, Any]] = [("producer", spec.producer), *sorted(spec.consumers.items())]
    out = []
    for name, wg in members:
        if usage_bursts is not None and name not in hours:
            usage = model.Usage(bursts_per_day=usage_bursts[0], burst_seconds=usage_bursts[1])
        else:
            usage = model.Usage(hours_per_day=hours.get(name, default_hours))
        out.append(model.workgroup(name, wg.base_capacity, usage, days=days, rpu_hour=rpu_hour,
                                   max_rpu=wg.effective_max_capacity, region=spec.aws_region))
    return out


def scenario(book: PriceBook, name: str, rpu_hour: Decimal | None) -> tuple[
        list[model.WorkgroupCost], dict[str, str]]:
    if name not in book.scenarios:
        raise UsageError(f"unknown scenario {name!r} (known: {', '.join(sorted(book.scenarios))})")
    sc = book.scenarios[name]
    price = rpu_hour if rpu_hour is not None else Decimal(sc["rpu_hour"])
    wgs = [
        model.workgroup(wg, int(rpu), model.Usage(hours_per_day=Decimal(str(h))),
                        days=int(sc["days"]), rpu_hour=price)
        for wg, (rpu, h) in sc["workgroups"].items()
    ]
    return wgs, dict(sc.get("seed_claimed_monthly", {}))


def to_json(est: model.Estimate, **extra: Any) -> dict[str, Any]:
    return {
        "workgroups": [
            {"name": w.name, "rpu": w.rpu, "max_rpu": w.max_rpu,
             "billed_hours_per_day": str(w.billed_hours_per_day), "days": w.days,
             "rpu_hour": str(w.rpu_hour), "rpu_hours_month": str(w.rpu_hours_month),
             "monthly": str(w.monthly), "yearly": str(w.yearly),
             "monthly_at_max_capacity": str(w.monthly_at_max)}
            for w in est.workgroups
        ],
        "other": [{"name": o.name, "monthly": str(o.monthly), "yearly": str(o.yearly),
                   "detail": o.detail} for o in est.other],
        "compute_monthly": str(est.compute_monthly),
        "total_monthly": str(est.monthly),
        "total_yearly": str(est.yearly),
        "notes": est.notes,
        **extra,
    }


__all__ = ["Path", "fleet_estimate", "parse_hours", "scenario", "to_json"]
