"""`rsfleet cost` as a use case: inputs -> a Report (an Estimate, the prices used and their
sources, the what-ifs). Reads the spec and the price data; the arithmetic is in model.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rsfleet.cost import model
from rsfleet.cost.prices import Price, PriceBook
from rsfleet.errors import UsageError
from rsfleet.targets.credentials import ProbeCredentials

if TYPE_CHECKING:  # cost reads the spec's types only; the spec never imports cost
    from rsfleet.spec.models import Backup, Consumer, FleetSpec, Producer

DEFAULT_REGION = "us-east-1"
# The root variable vpc_endpoints' default (terraform/variables.tf; a test keeps them in
# step): created for a created VPC, each in the three AZs.
DEFAULT_INTERFACE_ENDPOINTS = ("ssm", "ssmmessages", "ec2messages", "elasticloadbalancing",
                               "redshift-serverless", "secretsmanager")
ENDPOINT_AZS = 3
DEFAULT_HOURS = Decimal(8)
PRODUCER = "producer"


@dataclass(frozen=True)
class CostRequest:
    """Parsed, typed options (the command turns text into these; model checks ranges)."""

    env: str | None = None
    spec: Path | None = None
    rpu: int | None = None
    max_rpu: int | None = None
    hours_per_day: Decimal | None = None
    hours: tuple[str, ...] = ()
    days: int = 30
    region: str | None = None
    price: Decimal | None = None
    storage_price: Decimal | None = None
    bursts_per_day: int | None = None
    burst_seconds: Decimal | None = None
    storage_gb: Decimal | None = None
    nlb: bool = True
    lcus: Decimal | None = None
    nlb_new_connections: Decimal | None = None
    nlb_active_connections: Decimal | None = None
    nlb_gb_per_hour: Decimal | None = None
    endpoints: bool = True
    endpoint_gb: Decimal | None = None
    scenario: str | None = None
    snapshot_gb: Decimal | None = None
    snapshot_price: Decimal | None = None
    transfer_price: Decimal | None = None


@dataclass
class Report:
    mode: str  # workgroup | fleet | scenario
    estimate: model.Estimate
    region: str | None
    prices: dict[str, dict[str, str]] = field(default_factory=dict)
    what_if: dict[str, Any] | None = None
    seed: dict[str, Any] | None = None


def parse_hours(items: tuple[str, ...] | list[str], known: list[str]) -> dict[str, Decimal]:
    """`NAME=H` entries -> {name: hours}; unknown names, bad numbers, repeats: UsageError."""
    hours: dict[str, Decimal] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--hours {item!r}: expected NAME=HOURS, e.g. --hours c1=4")
        if name not in known:
            raise UsageError(f"--hours {item!r}: unknown workgroup {name!r} "
                             f"(known: {', '.join(known)})")
        if name in hours:
            raise UsageError(f"--hours {item!r}: {name} given twice")
        try:
            h = Decimal(value.strip())
        except ArithmeticError:
            raise UsageError(f"--hours {item!r}: {value!r} is not a number") from None
        hours[name] = model.check_hours(f"--hours {name}", h)
    return hours


def _price_entry(p: Price) -> dict[str, str]:
    return {"usd": str(p.usd), "source": p.source, "as_of": p.as_of}


def _override(value: Decimal, option: str) -> dict[str, str]:
    return {"usd": str(value), "source": f"{option} (given on the command line)", "as_of": ""}


def _usage(req: CostRequest) -> model.Usage:
    if req.bursts_per_day is not None:
        return model.Usage.bursts(req.bursts_per_day, req.burst_seconds or Decimal(0))
    return model.Usage.hours(req.hours_per_day if req.hours_per_day is not None
                             else DEFAULT_HOURS)


def _check_combinations(req: CostRequest) -> str:
    modes = [m for m, on in (("--scenario", req.scenario is not None),
                             ("--env/--spec", req.env is not None or req.spec is not None),
                             ("--rpu", req.rpu is not None)) if on]
    if not modes:
        raise UsageError("nothing to price",
                         hint="pass --rpu N, --env ENV, --spec PATH or --scenario seed")
    if len(modes) > 1:
        raise UsageError(f"{' and '.join(modes)} price different things: pass only one")
    if req.scenario is not None and (req.hours_per_day is not None
                                     or req.bursts_per_day is not None):
        raise UsageError("--scenario brings its own busy hours: drop --hours-per-day/--bursts-*")
    if req.bursts_per_day is not None and req.hours_per_day is not None:
        raise UsageError("--bursts-per-day and --hours-per-day both describe busy time: "
                         "pass one")
    if req.burst_seconds is not None and req.bursts_per_day is None:
        raise UsageError("--burst-seconds needs --bursts-per-day")
    if req.bursts_per_day is not None and req.burst_seconds is None:
        raise UsageError("--bursts-per-day needs --burst-seconds (the length of one burst)")
    traffic = (req.nlb_new_connections, req.nlb_active_connections, req.nlb_gb_per_hour)
    if req.lcus is not None and any(t is not None for t in traffic):
        raise UsageError("--lcus and the --nlb-* traffic options both size the NLB: pass one")
    if req.max_rpu is not None and req.rpu is None:
        raise UsageError("--max-rpu goes with --rpu (a fleet takes max capacity from its spec)")
    if req.hours and req.env is None and req.spec is None:
        raise UsageError("--hours NAME=H needs --env or --spec; use --hours-per-day")
    return modes[0]


def _nlcus(req: CostRequest, book: PriceBook) -> tuple[Decimal, str]:
    traffic = (req.nlb_new_connections, req.nlb_active_connections, req.nlb_gb_per_hour)
    if all(t is None for t in traffic):
        lcus = req.lcus if req.lcus is not None else Decimal(1)
        return lcus, "given" if req.lcus is not None else "assumed (pass --lcus or --nlb-*)"
    if book.nlcu_tcp is None:
        raise UsageError("the price data has no nlcu_tcp dimensions", hint="pass --lcus")
    d = book.nlcu_tcp
    lcus = model.nlcus_for_tcp(
        new_connections_per_second=req.nlb_new_connections or Decimal(0),
        active_connections=req.nlb_active_connections or Decimal(0),
        processed_gb_per_hour=req.nlb_gb_per_hour or Decimal(0),
        per_nlcu=(d.new_connections_per_second, d.active_connections,
                  d.processed_gb_per_hour))
    return lcus, "from traffic (TCP: the largest of new connections, active, GB/h)"


def _backup_lines(req: CostRequest, book: PriceBook, region: str, backup: Backup | None,
                  prices: dict[str, dict[str, str]]) -> list[model.Line]:
    """Manual snapshots (and their cross-region copies) of `producer.backup`. Recovery
    points (kept 24 h) are not billed, so they add no line (sources.snapshots)."""
    if backup is None:
        raise UsageError("--snapshot-gb prices producer.backup, and the spec has none",
                         hint="add producer.backup to the spec, or drop --snapshot-gb")
    gb = req.snapshot_gb or Decimal(0)

    def figure(where: str, key: str, given: Decimal | None, option: str) -> Decimal:
        if given is not None:
            prices[key] = _override(given, option)
            return given
        p = book.figure(where, key, option)
        prices[key] = _price_entry(p)
        return p.usd

    lines = [model.Line("snapshots (manual)", model.money(gb * figure(
        region, "snapshot_gb_month", req.snapshot_price, "--snapshot-price")),
        f"{model._fmt(gb)} GB of unique snapshot blocks, kept {backup.retention_days} days")]
    if backup.copy_to is not None:
        dest = backup.copy_to.region
        store = figure(dest, "snapshot_gb_month", req.snapshot_price, "--snapshot-price")
        transfer = figure(region, "inter_region_gb", req.transfer_price, "--transfer-price")
        lines.append(model.Line(f"snapshot copies ({dest})", model.money(gb * store),
                                f"{model._fmt(gb)} GB kept {backup.copy_to.retention_days} "
                                f"days in {dest}"))
        lines.append(model.Line(f"cross-region transfer ({region} -> {dest})",
                                model.money(gb * transfer),
                                f"{model._fmt(gb)} GB copied per month (upper bound: every "
                                "block once)"))
    return lines


def _controller_lines(req: CostRequest, book: PriceBook, region: str, fleet: FleetSpec,
                      rpu_hour: Decimal, prices: dict[str, dict[str, str]],
                      notes: list[str]) -> list[model.Line]:
    """The readiness controller's Lambda, DynamoDB, probe and secret lines (spec
    `controller`). A line whose price the price data lacks for the region is left out, and
    `notes` says which (the total is then low by that much)."""
    rp = book.regions.get(region)
    figures: dict[str, Decimal | None] = {}
    for key in ("lambda_gb_second", "lambda_request", "dynamodb_wru", "dynamodb_rru"):
        p = getattr(rp, key, None) if rp is not None else None
        figures[key] = p.usd if p is not None else None
        if p is not None:
            prices[key] = {**_price_entry(p), "usd": f"{p.usd:f}"}  # not 2E-7
    ctl = fleet.controller
    lines = model.controller_lines(
        days=req.days, consumers={n: fleet.consumers[n].base_capacity
                                  for n in fleet.lb_consumers},
        interval_seconds=Decimal(str(ctl.interval_seconds)),
        data_check_seconds=Decimal(str(ctl.data_check_seconds)), rpu_hour=rpu_hour,
        lambda_gb_second=figures["lambda_gb_second"], lambda_request=figures["lambda_request"],
        dynamodb_wru=figures["dynamodb_wru"], dynamodb_rru=figures["dynamodb_rru"])
    # The probe secret: an enabled controller always has one, the spec's probe_secret_arn or
    # the one modules/controller creates (never both).
    secret = getattr(rp, "secretsmanager_secret_month", None) if rp is not None else None
    call = getattr(rp, "secretsmanager_api_call", None) if rp is not None else None
    if secret is not None and call is not None:
        prices["secretsmanager_secret_month"] = _price_entry(secret)
        prices["secretsmanager_api_call"] = {**_price_entry(call), "usd": f"{call.usd:f}"}
        lines.append(model.probe_secret_line(
            days=req.days, secret_month=secret.usd, api_call=call.usd,
            read_every_seconds=Decimal(str(ProbeCredentials.MAX_AGE_SECONDS)),
            named=ctl.probe_secret_arn is not None))
    if fleet.rotation.enabled:
        cw = getattr(rp, "cloudwatch_metric_requested", None) if rp is not None else None
        if cw is not None:
            prices["cloudwatch_metric_requested"] = {**_price_entry(cw), "usd": f"{cw.usd:f}"}
            lines.append(model.rotation_signal_line(days=req.days,
                                                    consumers=len(fleet.lb_consumers),
                                                    metric_requested=cw.usd))
        else:
            notes.append(f"controller CloudWatch: not priced (the price data has no figure "
                         f"for {region}), so the total leaves it out")
    unpriced = [what for what, keys in (
        ("controller Lambda", ("lambda_gb_second", "lambda_request")),
        ("controller DynamoDB", ("dynamodb_wru", "dynamodb_rru")))
        if any(figures[k] is None for k in keys)]
    if secret is None or call is None:
        unpriced.append("controller probe secret")
    if unpriced:
        notes.append(f"{', '.join(unpriced)}: not priced (the price data has no figure for "
                     f"{region}), so the total leaves them out; a --prices-file with them "
                     "adds them")
    return lines


def estimate(
    req: CostRequest, book: PriceBook,
    load_spec: Callable[[str | None, Path | None], tuple[FleetSpec, Path]] | None = None,
) -> Report:
    """Build the report for one workgroup, a fleet spec, or a named scenario."""
    mode = _check_combinations(req)
    model.check_days(req.days)
    prices: dict[str, dict[str, str]] = {}
    other: list[model.Line] = []
    unpriced: list[str] = []  # notes on lines left out for want of a price
    what_if: dict[str, Any] | None = None
    seed: dict[str, Any] | None = None

    def rpu_price(region: str) -> Decimal:
        if req.price is not None:
            prices["rpu_hour"] = _override(req.price, "--price")
            return req.price
        p = book.region(region).rpu_hour
        prices["rpu_hour"] = _price_entry(p)
        return p.usd

    if mode == "--scenario":
        assert req.scenario is not None
        if req.scenario not in book.scenarios:
            raise UsageError(f"unknown scenario {req.scenario!r} "
                             f"(known: {', '.join(sorted(book.scenarios))})")
        sc = book.scenarios[req.scenario]
        price = req.price if req.price is not None else sc.rpu_hour
        prices["rpu_hour"] = (_override(price, "--price") if req.price is not None else
                              {"usd": str(price), "source": f"scenario {req.scenario}: "
                               "the seed's own price", "as_of": ""})
        region = req.region
        wgs = [model.workgroup(name, rpu, model.Usage.hours(h), days=sc.days, rpu_hour=price)
               for name, (rpu, h) in sc.workgroups.items()]
        claimed = {k: str(v) for k, v in sc.seed_claimed_monthly.items()}
        correct = sum((w.monthly for w in wgs), Decimal(0))
        said = sum(sc.seed_claimed_monthly.values(), Decimal(0))
        seed = {
            "description": sc.description,
            "claimed_monthly": claimed,
            "claimed_total_monthly": str(said),
            "correct_total_monthly": str(correct),
            "factor": f"{(correct / said).normalize():f}" if said else None,
        }
    elif mode == "--env/--spec":
        if load_spec is None:
            from rsfleet import spec as fleet_spec

            load_spec = fleet_spec.load
        fleet, _path = load_spec(req.env, req.spec)
        region = req.region or fleet.aws_region
        price = rpu_price(region)
        members: list[tuple[str, Producer | Consumer]] = [(PRODUCER, fleet.producer),
                                          *sorted(fleet.consumers.items())]
        names = [n for n, _ in members]
        hours = parse_hours(req.hours, names)
        wgs = []
        for name, wg in members:
            usage = model.Usage.hours(hours[name]) if name in hours else _usage(req)
            limit = (model.UsageLimit(wg.usage_limit.amount, wg.usage_limit.period,
                                      wg.usage_limit.breach_action)
                     if wg.usage_limit is not None else None)
            wgs.append(model.workgroup(name, wg.base_capacity, usage, days=req.days,
                                       rpu_hour=price, max_rpu=wg.effective_max_capacity,
                                       region=region, usage_limit=limit))
        if req.nlb and fleet.lb_consumers:
            nlb_hour = book.figure(region, "nlb_hour", "--no-nlb")
            lcu_hour = book.figure(region, "nlb_lcu_hour", "--no-nlb")
            lcus, how = _nlcus(req, book)
            prices["nlb_hour"] = _price_entry(nlb_hour)
            prices["nlb_lcu_hour"] = _price_entry(lcu_hour)
            line = model.nlb_line(days=req.days, nlb_hour=nlb_hour.usd,
                                  lcu_hour=lcu_hour.usd, lcus=lcus)
            other.append(model.Line(line.name, line.monthly, f"{line.detail}; NLCUs {how}"))
        if getattr(fleet, "controller", None) is not None and fleet.controller.enabled:
            other.extend(_controller_lines(req, book, region, fleet, price, prices, unpriced))
        if req.snapshot_gb is not None:
            other.extend(_backup_lines(req, book, region, fleet.producer.backup, prices))
        if req.endpoints and fleet.create_vpc:
            hour = book.figure(region, "vpce_hour", "--no-endpoints")
            per_gb = book.figure(region, "vpce_gb", "--no-endpoints")
            prices["vpce_hour"] = _price_entry(hour)
            prices["vpce_gb"] = _price_entry(per_gb)
            other.append(model.endpoints_line(
                days=req.days, endpoints=len(DEFAULT_INTERFACE_ENDPOINTS), azs=ENDPOINT_AZS,
                hour=hour.usd, gb_price=per_gb.usd, gb=req.endpoint_gb or Decimal(0)))
        like = next(w for w in wgs if w.name != PRODUCER)
        what_if = {"one_more_consumer": None, "split_vs_single": model.split_vs_single(
            like.rpu, like.billed_hours_per_day, days=req.days, rpu_hour=price, region=region)}
    else:
        assert req.rpu is not None
        region = req.region or DEFAULT_REGION
        price = rpu_price(region)
        wgs = [model.workgroup("workgroup", req.rpu, _usage(req), days=req.days,
                               rpu_hour=price, max_rpu=req.max_rpu, region=region)]
        what_if = {"split_vs_single": model.split_vs_single(
            req.rpu, wgs[0].billed_hours_per_day, days=req.days, rpu_hour=price,
            region=region)}

    if req.storage_gb:
        if req.storage_price is not None:
            sp = req.storage_price
            prices["rms_gb_month"] = _override(sp, "--storage-price")
        else:
            p = book.figure(region or DEFAULT_REGION, "rms_gb_month", "--storage-price")
            sp = p.usd
            prices["rms_gb_month"] = _price_entry(p)
        other.append(model.storage_line(req.storage_gb, sp))

    est = model.Estimate(wgs, other)
    est = model.Estimate(wgs, other, [*model.notes_for(est), *unpriced])
    if what_if is not None and mode == "--env/--spec":
        like = next(w for w in wgs if w.name != PRODUCER)
        what_if["one_more_consumer"] = model.one_more_consumer(like, est.monthly)
    name = {"--scenario": "scenario", "--env/--spec": "fleet", "--rpu": "workgroup"}[mode]
    return Report(name, est, region, prices, what_if, seed)


def to_json(report: Report) -> dict[str, Any]:
    """The `--json` document: money as strings with two decimals (exact, no float)."""
    est = report.estimate
    return {
        "mode": report.mode,
        "region": report.region,
        "currency": "USD",
        "prices": report.prices,
        "workgroups": [
            {"name": w.name, "rpu": w.rpu, "max_rpu": w.max_rpu,
             "billed_seconds_per_day": f"{w.billed_seconds_per_day.normalize():f}",
             "billed_hours_per_day": model._fmt(w.billed_hours_per_day),
             "days": w.days, "rpu_hour": str(w.rpu_hour),
             "rpu_hours_month": model._fmt(w.rpu_hours_month),
             "monthly": str(w.monthly), "yearly": str(w.yearly),
             "monthly_at_max_capacity": str(w.monthly_at_max),
             "yearly_at_max_capacity": str(w.yearly_at_max),
             "usage_limit": (None if w.usage_limit is None else
                             {"amount": w.usage_limit.amount, "period": w.usage_limit.period,
                              "breach_action": w.usage_limit.breach_action})}
            for w in est.workgroups
        ],
        "other": [{"name": o.name, "monthly": str(o.monthly), "yearly": str(o.yearly),
                   "detail": o.detail} for o in est.other],
        "compute_monthly": str(est.compute_monthly),
        "total_monthly": str(est.monthly),
        "total_yearly": str(est.yearly),
        "total_monthly_at_max_capacity": str(est.monthly_at_max),
        "notes": est.notes,
        "what_if": report.what_if,
        "seed": report.seed,
    }
