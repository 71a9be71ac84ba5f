"""`rsfleet cost --from-loadtest result.json`: the run's Serverless bill (the `serverless`
block the load test writes, rsfleet.cost.meter) in dollars at the price data's RPU-hour
price for the region (the spec's aws_region, --region, or us-east-1), or --price."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rsfleet.cost.meter import ServerlessBill
from rsfleet.cost.prices import PriceBook
from rsfleet.errors import UsageError

SECONDS_PER_HOUR = Decimal(3600)
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class BillRow:
    name: str
    rpu: str  # "8" or "8→32"
    queries: int
    periods: int
    billed_s: int
    rpu_seconds: Decimal
    usd: Decimal
    rpu_seconds_upper: Decimal
    usd_upper: Decimal


@dataclass(frozen=True)
class RunBill:
    path: Path
    region: str
    price: dict[str, str]  # usd, source, as_of
    rows: list[BillRow]

    @property
    def usd(self) -> Decimal:
        return sum((r.usd for r in self.rows), Decimal(0))

    @property
    def usd_upper(self) -> Decimal:
        return sum((r.usd_upper for r in self.rows), Decimal(0))

    def to_json(self) -> dict[str, Any]:
        return {
            "result": str(self.path), "region": self.region, "rpu_hour": self.price,
            "consumers": [{
                "name": r.name, "rpu": r.rpu, "queries": r.queries, "periods": r.periods,
                "billed_s": r.billed_s, "rpu_seconds": str(r.rpu_seconds),
                "usd": str(r.usd), "rpu_seconds_upper": str(r.rpu_seconds_upper),
                "usd_upper": str(r.usd_upper)} for r in self.rows],
            "usd": str(self.usd), "usd_upper": str(self.usd_upper),
            "rules": "docs/cost.md#a-serverless-bill-for-any-run",
        }


def usd(rpu_seconds: Decimal, rpu_hour: Decimal) -> Decimal:
    """RPU-seconds at an RPU-hour price, to a hundredth of a cent (a run costs cents)."""
    return (rpu_seconds / SECONDS_PER_HOUR * rpu_hour).quantize(Decimal("0.0001"))


def read_bill(path: Path) -> ServerlessBill:
    """The `serverless` block of a load test result, or one line saying what is wrong."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--from-loadtest {path}: no such file",
                         hint="pass the file `rsfleet loadtest --json PATH` wrote") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--from-loadtest {path}: not a load test result ({exc})",
                         hint="pass the file `rsfleet loadtest --json PATH` wrote") from None
    block = doc.get("serverless") if isinstance(doc, dict) else None
    if block is None:
        raise UsageError(f"--from-loadtest {path}: the result has no Serverless bill (written "
                         "by an older rsfleet)", hint="run the load test again")
    try:
        return ServerlessBill.model_validate(block)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"--from-loadtest {path}: serverless.{where}: {first['msg']}") from None


def run_bill(path: Path, book: PriceBook, *, region: str | None = None,
             price: Decimal | None = None) -> RunBill:
    bill = read_bill(path)
    unknown = [c.name for c in bill.consumers if c.rpu_seconds is None]
    if unknown:
        raise UsageError(f"--from-loadtest {path}: no base capacity recorded for "
                         f"{', '.join(unknown)} (the run had no fleet spec)",
                         hint="run the load test with --env ENV")
    where = region or DEFAULT_REGION
    if price is None:
        p = book.region(where).rpu_hour
        rpu_hour, entry = p.usd, {"usd": str(p.usd), "source": p.source, "as_of": p.as_of}
    else:
        rpu_hour = price
        entry = {"usd": str(price), "source": "--price (given on the command line)",
                 "as_of": ""}
    rows = []
    for c in bill.consumers:
        base = Decimal(str(c.rpu_seconds))
        upper = Decimal(str(c.rpu_seconds_upper))
        rpu = f"{c.base_capacity}" + (f"→{c.max_capacity}" if c.max_capacity
                                       and c.max_capacity != c.base_capacity else "")
        rows.append(BillRow(c.name, rpu, c.queries, c.periods, c.billed_s, base,
                            usd(base, rpu_hour), upper, usd(upper, rpu_hour)))
    return RunBill(path, where, entry, rows)
