"""`rsfleet cost`: what a workgroup or a fleet costs per month and year (thin: parse, call,
render). The arithmetic is rsfleet.cost.model; the prices are rsfleet/cost/prices.json."""

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rsfleet.context import EnvOption, JsonOption, SpecOption
from rsfleet.output import console, plain, print_json

if TYPE_CHECKING:
    from rsfleet.cost.service import Report

def cost(
    env: EnvOption = None,
    spec: SpecOption = None,
    rpu: Annotated[int | None, typer.Option(
        help="Price one workgroup of this base capacity (RPU: 4, or 8-512 in steps of 8, "
             "512-1024 in steps of 32 in five regions).")] = None,
    max_rpu: Annotated[int | None, typer.Option(
        help="With --rpu: its max capacity, to show the autoscaling ceiling.")] = None,
    hours_per_day: Annotated[str | None, typer.Option(
        metavar="H", help="Busy hours a day (0-24) for every workgroup (default 8).")] = None,
    hours: Annotated[list[str] | None, typer.Option(
        metavar="NAME=H",
        help="Busy hours a day for one workgroup of the fleet (producer or a consumer "
             "name); repeat for more.")] = None,
    days: Annotated[int, typer.Option(help="Days in the month.")] = 30,
    region: Annotated[str | None, typer.Option(
        help="Price region (default: the spec's aws_region, else us-east-1).")] = None,
    price: Annotated[str | None, typer.Option(
        metavar="USD", help="$ per RPU-hour, instead of the price data.")] = None,
    storage_price: Annotated[str | None, typer.Option(
        metavar="USD", help="$ per GB-month of managed storage (RMS), instead of the "
                            "price data.")] = None,
    prices_file: Annotated[Path | None, typer.Option(
        help="Price data JSON to use instead of the packaged prices.json (same shape).")
    ] = None,
    bursts_per_day: Annotated[int | None, typer.Option(
        help="Busy time as query bursts a day (each burst billed per second, at least "
             "60 s); needs --burst-seconds.")] = None,
    burst_seconds: Annotated[str | None, typer.Option(
        metavar="S", help="Length of one burst in seconds.")] = None,
    storage_gb: Annotated[str | None, typer.Option(
        metavar="GB", help="Managed storage (RMS) in GB: adds a storage line.")] = None,
    nlb: Annotated[bool, typer.Option(
        help="With --env/--spec: include the NLB line (hourly + NLCU-hours).")] = True,
    lcus: Annotated[str | None, typer.Option(
        metavar="N", help="Average NLCUs the NLB uses (default 1).")] = None,
    nlb_new_connections: Annotated[str | None, typer.Option(
        metavar="N", help="NLB traffic: new connections per second (sizes NLCUs).")] = None,
    nlb_active_connections: Annotated[str | None, typer.Option(
        metavar="N", help="NLB traffic: concurrent connections (sizes NLCUs).")] = None,
    nlb_gb_per_hour: Annotated[str | None, typer.Option(
        metavar="GB", help="NLB traffic: GB processed per hour (sizes NLCUs).")] = None,
    endpoints: Annotated[bool, typer.Option(
        help="With --env/--spec and create_vpc: include the interface VPC endpoints line "
             "(terraform vpc_endpoints default: 6 services x 3 AZs, hourly + per GB).")] = True,
    endpoint_gb: Annotated[str | None, typer.Option(
        metavar="GB", help="GB a month through the interface endpoints (default 0).")] = None,
    scenario: Annotated[str | None, typer.Option(
        help="A named example: 'seed' (the seed README's, its figure beside the correct "
             "one).")] = None,
    snapshot_gb: Annotated[str | None, typer.Option(
        metavar="GB", help="With --env/--spec and producer.backup: GB of unique manual "
        "snapshot data kept (adds snapshot storage and, with a copy, transfer lines; "
        "recovery points under 24 h are free).")] = None,
    snapshot_price: Annotated[str | None, typer.Option(
        metavar="USD", help="$ per GB-month of snapshot (backup) storage.")] = None,
    transfer_price: Annotated[str | None, typer.Option(
        metavar="USD", help="$ per GB of cross-region snapshot copy transfer.")] = None,
    from_loadtest: Annotated[Path | None, typer.Option(
        metavar="RESULT", help="What a load test run (its `--json` result) would cost on "
        "Redshift Serverless, per consumer, at the region's price (the spec's with --env).")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Monthly and yearly cost per workgroup and in total, with the arithmetic and sources.

    Examples: `rsfleet cost --rpu 32 --hours-per-day 8 --price 0.36`,
    `rsfleet cost --env prod --hours producer=8 --hours c1=12`,
    `rsfleet cost --rpu 8 --bursts-per-day 200 --burst-seconds 10`,
    `rsfleet cost --scenario seed`.
    """
    from rsfleet.cost.prices import load_prices, parse_decimal
    from rsfleet.cost.service import CostRequest, estimate, to_json

    if from_loadtest is not None:
        _from_loadtest(from_loadtest, env=env, spec=spec, region=region,
                       price=parse_decimal(price, "--price"), prices_file=prices_file,
                       json=json)
        return
    hpd = parse_decimal(hours_per_day, "--hours-per-day", high=Decimal(24))
    req = CostRequest(
        env=env, spec=spec, rpu=rpu, max_rpu=max_rpu, hours_per_day=hpd,
        hours=tuple(hours or ()), days=days, region=region,
        price=parse_decimal(price, "--price"),
        storage_price=parse_decimal(storage_price, "--storage-price"),
        bursts_per_day=_non_negative(bursts_per_day, "--bursts-per-day"),
        burst_seconds=parse_decimal(burst_seconds, "--burst-seconds"),
        storage_gb=parse_decimal(storage_gb, "--storage-gb"), nlb=nlb,
        lcus=parse_decimal(lcus, "--lcus"),
        nlb_new_connections=parse_decimal(nlb_new_connections, "--nlb-new-connections"),
        nlb_active_connections=parse_decimal(nlb_active_connections,
                                             "--nlb-active-connections"),
        nlb_gb_per_hour=parse_decimal(nlb_gb_per_hour, "--nlb-gb-per-hour"),
        endpoints=endpoints, endpoint_gb=parse_decimal(endpoint_gb, "--endpoint-gb"),
        scenario=scenario,
        snapshot_gb=parse_decimal(snapshot_gb, "--snapshot-gb"),
        snapshot_price=parse_decimal(snapshot_price, "--snapshot-price"),
        transfer_price=parse_decimal(transfer_price, "--transfer-price"),
    )
    report = estimate(req, load_prices(prices_file))
    if json:
        print_json(to_json(report))
    else:
        _render(report)


def _from_loadtest(path: Path, *, env: str | None, spec: Path | None, region: str | None,
                   price: Decimal | None, prices_file: Path | None, json: bool) -> None:
    from rich.table import Table

    from rsfleet.cost.prices import load_prices
    from rsfleet.cost.run_bill import run_bill

    if region is None and (env is not None or spec is not None):
        from rsfleet.spec.loader import load

        region = load(env, spec)[0].aws_region
    bill = run_bill(path, load_prices(prices_file), region=region, price=price)
    if json:
        print_json(bill.to_json())
        return
    table = Table(show_edge=False, caption_justify="left", caption=(
        f"at ${bill.price['usd']}/RPU-hour in {bill.region}: per second while queries run, "
        "at least 60 s a billing period, at base capacity; upper: capacity growing with "
        "concurrent queries up to max (docs/cost.md)"))
    for col in ("consumer", "RPU", "queries", "periods", "billed s", "RPU-s", "cost",
                "upper"):
        table.add_column(col, justify="left" if col == "consumer" else "right",
                         no_wrap=True)
    for r in bill.rows:
        table.add_row(r.name, r.rpu, f"{r.queries:,}", str(r.periods), f"{r.billed_s:,}",
                      f"{r.rpu_seconds:,.0f}", f"${r.usd:,.4f}", f"${r.usd_upper:,.4f}")
    table.add_row("[bold]total[/]", "", "", "", f"{sum(r.billed_s for r in bill.rows):,}",
                  f"{sum(r.rpu_seconds for r in bill.rows):,.0f}", f"[bold]${bill.usd:,.4f}[/]",
                  f"${bill.usd_upper:,.4f}")
    console.print(table)
    as_of = f", as of {bill.price['as_of']}" if bill.price.get("as_of") else ""
    console.print(f"[dim]price rpu_hour ${bill.price['usd']}: {bill.price['source']}{as_of}[/]",
                  highlight=False)


def _non_negative(value: int | None, option: str) -> int | None:
    from rsfleet.errors import UsageError

    if value is not None and value < 0:
        raise UsageError(f"{option} must be at least 0, not {value}")
    return value


def _usd(value: Decimal | str) -> str:
    return f"${Decimal(value):,.2f}"


def _short(value: Decimal) -> str:
    """At most 3 decimals, no trailing zeros: 3.333, 8, 3200."""
    return f"{value.quantize(Decimal('0.001')).normalize():f}"


def _render(report: "Report") -> None:
    from rich.table import Table

    est = report.estimate
    claimed = (report.seed or {}).get("claimed_monthly", {})
    show_max = any(w.max_rpu > w.rpu for w in est.workgroups)
    rpu_price = report.prices.get("rpu_hour", {}).get("usd", "?")
    where = f" in {report.region}" if report.region else ""
    table = Table(show_edge=False, caption_justify="left",
                  caption=f"at ${rpu_price}/RPU-hour{where}, {est.workgroups[0].days} "
                          "days/month, billed at base capacity"
                          + ("; at max/mo: monthly if scaled to max capacity" if show_max
                             else ""))
    # At 80 columns the per-row yearly figure (12 × monthly) makes way for the labels,
    # which wrapped over three rows; the total's yearly figure is a line below the table.
    wide = console.width >= 100
    cols = ["workgroup", "RPU", "h/day", "RPU-h/mo", "monthly", *(["yearly"] if wide else [])]
    if show_max:
        cols.append("at max/mo")
    if claimed:
        cols.append("seed said")
    for col in cols:
        table.add_column(col, justify="left" if col == "workgroup" else "right",
                         no_wrap=True)
    for w in est.workgroups:
        row = [w.name, f"{w.rpu}" + (f"→{w.max_rpu}" if w.max_rpu > w.rpu else ""),
               _short(w.billed_hours_per_day), _short(w.rpu_hours_month),
               _usd(w.monthly), *([_usd(w.yearly)] if wide else [])]
        if show_max:
            row.append(_usd(w.monthly_at_max))
        if claimed:
            row.append(f"[red]{_usd(claimed[w.name])}[/]" if w.name in claimed else "")
        table.add_row(*row)
    for o in est.other:
        table.add_row(o.name, "", "", "", _usd(o.monthly), *([_usd(o.yearly)] if wide else []),
                      *([_usd(o.monthly)] if show_max else []), *([""] if claimed else []))
    total = ["[bold]total[/]", "", "", "", f"[bold]{_usd(est.monthly)}[/]",
             *([f"[bold]{_usd(est.yearly)}[/]"] if wide else [])]
    if show_max:
        total.append(_usd(est.monthly_at_max))
    if claimed:
        seed = report.seed or {}  # `claimed` comes from the seed
        total.append(f"[red]{_usd(seed['claimed_total_monthly'])}[/]")
    table.add_row(*total)
    console.print(table)
    if not wide:
        console.print(f"total {_usd(est.monthly)}/month, {_usd(est.yearly)}/year (yearly = 12 "
                      "× monthly; per workgroup in --json or at 100 columns)", highlight=False)
    for o in est.other:
        console.print(f"[dim]{o.name}: {o.detail}[/]", highlight=False)
    if report.seed:
        console.print(f"The seed's table showed 1/{report.seed['factor']} of each correct "
                      f"figure: {report.seed['description']}", highlight=False)
    wi = report.what_if or {}
    if wi.get("one_more_consumer"):
        m = wi["one_more_consumer"]
        console.print(f"What if one more consumer like {m['like']} ({m['rpu']} RPU, "
                      f"{m['billed_hours_per_day']} h/day): +{_usd(m['monthly'])}/month, "
                      f"total {_usd(m['new_total_monthly'])}/month.", highlight=False)
    if wi.get("split_vs_single"):
        s = wi["split_vs_single"]
        same, apart = s["same_time"], s["different_times"]
        line = (f"What if 2 × {s['small_rpu']} RPU vs 1 × {s['big_rpu']} RPU, "
                f"{s['hours_per_day']} h/day each (arithmetic, no performance claim): busy at "
                f"the same time {_usd(same['two_small_monthly'])} vs "
                f"{_usd(same['one_big_monthly'])} ({same['why']}); busy at different times "
                f"{_usd(apart['two_small_monthly'])} vs {_usd(apart['one_big_monthly'])} "
                f"({apart['why']}, {apart['one_big_busy_hours_per_day']} h/day).")
        if not s["big_rpu_allowed"]:
            line += f" Note: {s['big_rpu']} RPU is not an allowed base capacity here."
        console.print(line, highlight=False)
    for note in est.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    pages: dict[str, list[str]] = {}  # at 80 columns: one line per pricing page
    for key, p in report.prices.items():
        as_of = f", as of {p['as_of']}" if p.get("as_of") else ""
        source = str(p["source"])
        if wide or not source.startswith("http"):
            console.print(f"[dim]price {key} ${p['usd']}: {plain(source)}{as_of}[/]",
                          highlight=False)
            continue
        page = f"{source.split()[0]}{as_of.replace(', as of', ' as of')}"
        pages.setdefault(page, []).append(f"{key} ${p['usd']}")
    for page, prices in pages.items():
        console.print(f"[dim]prices {', '.join(prices)}: {plain(page)}[/]", highlight=False)
    if pages:
        console.print("[dim](each price's full source: --json)[/]", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("cost")(cost)
