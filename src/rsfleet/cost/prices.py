"""Price data (region -> $/RPU-hour, storage, NLB) with its source and date."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from rsfleet.errors import UsageError


class RegionPrices(BaseModel):
    model_config = ConfigDict(frozen=True)

    rpu_hour: Decimal
    rms_gb_month: Decimal
    nlb_hour: Decimal
    nlb_lcu_hour: Decimal
    source: str
    as_of: str


class PriceBook(BaseModel):
    model_config = ConfigDict(frozen=True)

    currency: str
    notes: str = ""
    regions: dict[str, RegionPrices]
    scenarios: dict[str, dict[str, Any]] = {}

    def region(self, name: str) -> RegionPrices:
        if name not in self.regions:
            known = ", ".join(sorted(self.regions))
            raise UsageError(
                f"no prices for region {name!r} (known: {known})",
                hint="pass --price and --storage-price, or --prices-file with that region",
            )
        return self.regions[name]


def load_prices(path: Path | None = None) -> PriceBook:
    try:
        if path is None:
            text = resources.files("rsfleet.cost").joinpath("prices.json").read_text("utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        return PriceBook.model_validate(json.loads(text))
    except (OSError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        raise UsageError(f"cannot read prices from {path}: {first}") from None


def decimal_option(value: str | float | None, name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise UsageError(f"{name} {value!r} is not a number") from None
    if d < 0 or not d.is_finite():
        raise UsageError(f"{name} must be a non-negative number, not {value}")
    return d
