"""Price data (region -> $/RPU-hour, RMS, NLB) with the source and date of every figure.

The packaged data is `rsfleet/cost/prices.json`; `--prices-file PATH` replaces it with a
file of the same shape. A region lists only the figures that could be checked: asking for
one it lacks is bad input with a hint (pass the price yourself), never a guessed number.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rsfleet.errors import UsageError

REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Price(_Frozen):
    """One figure with where it comes from."""

    usd: Decimal = Field(ge=0, allow_inf_nan=False)
    source: str = Field(min_length=1)
    as_of: str = Field(pattern=r"^\d{4}-\d{2}(-\d{2})?$")


class RegionPrices(_Frozen):
    rpu_hour: Price
    rms_gb_month: Price | None = None
    nlb_hour: Price | None = None
    nlb_lcu_hour: Price | None = None
    snapshot_gb_month: Price | None = None  # manual snapshots (backup storage)
    inter_region_gb: Price | None = None  # cross-region snapshot copy transfer
    lambda_gb_second: Price | None = None  # the controller Lambda (x86 duration)
    lambda_request: Price | None = None
    dynamodb_wru: Price | None = None  # on-demand, per write request unit
    dynamodb_rru: Price | None = None  # on-demand, per read request unit
    vpce_hour: Price | None = None  # interface VPC endpoint, per endpoint per AZ-hour
    vpce_gb: Price | None = None  # interface VPC endpoint data processed, per GB
    secretsmanager_secret_month: Price | None = None  # per secret per month (probe secret)
    secretsmanager_api_call: Price | None = None  # per API call (GetSecretValue)
    cloudwatch_metric_requested: Price | None = None  # GetMetricData, per metric requested


class NlcuTcp(_Frozen):
    """What one NLCU covers for TCP traffic; the hour is billed on the largest dimension."""

    new_connections_per_second: Decimal = Field(gt=0)
    active_connections: Decimal = Field(gt=0)
    processed_gb_per_hour: Decimal = Field(gt=0)
    source: str
    as_of: str


class Scenario(_Frozen):
    description: str
    rpu_hour: Decimal = Field(ge=0)
    days: int = Field(ge=1, le=31)
    workgroups: dict[str, tuple[int, Decimal]]
    seed_claimed_monthly: dict[str, Decimal] = {}


class PriceBook(_Frozen):
    currency: str
    notes: str = ""
    sources: dict[str, str] = {}
    regions: dict[str, RegionPrices]
    nlcu_tcp: NlcuTcp | None = None
    scenarios: dict[str, Scenario] = {}

    @field_validator("regions")
    @classmethod
    def _region_names(cls, v: dict[str, RegionPrices]) -> dict[str, RegionPrices]:
        bad = [r for r in v if not REGION_RE.match(r)]
        if bad:
            raise ValueError(f"not AWS region names: {', '.join(bad)}")
        return v

    def region(self, name: str) -> RegionPrices:
        if name not in self.regions:
            raise UsageError(
                f"no prices for region {name!r} (known: {', '.join(sorted(self.regions))})",
                hint="pass --price (and --storage-price, --no-nlb as needed) "
                "or --prices-file with that region",
            )
        return self.regions[name]

    def figure(self, region: str, key: str, option: str) -> Price:
        """A region's price for `key` ('rms_gb_month', 'nlb_hour', ...) or bad input."""
        value: Price | None = getattr(self.region(region), key)
        if value is None:
            raise UsageError(
                f"the price data has no {key} figure for region {region!r}",
                hint=f"pass {option} or a --prices-file that has it",
            )
        return value


def load_prices(path: Path | None = None) -> PriceBook:
    """The packaged price data, or `path` (same shape). Bad file -> UsageError, one line."""
    where = str(path) if path is not None else "the packaged prices.json"
    try:
        if path is None:
            text = resources.files("rsfleet.cost").joinpath("prices.json").read_text("utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        data: Any = json.loads(text)
        return PriceBook.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise UsageError(f"{where}: {loc}: {err['msg']}",
                         hint="see src/rsfleet/cost/prices.json for the shape") from None
    except (OSError, ValueError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise UsageError(f"cannot read prices from {where}: {first}") from None


def parse_decimal(
    value: str | float | int | None, option: str, *, low: Decimal | None = Decimal(0),
    high: Decimal | None = None,
) -> Decimal | None:
    """A finite Decimal from an option's text, within [low, high]; None stays None."""
    if value is None:
        return None
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise UsageError(f"{option} {value!r} is not a number") from None
    if not d.is_finite():
        raise UsageError(f"{option} {value!r} is not a finite number")
    if (low is not None and d < low) or (high is not None and d > high):
        span = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise UsageError(f"{option} must be {span}, not {value}")
    return d
