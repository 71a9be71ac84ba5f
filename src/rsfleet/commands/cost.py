"""`rsfleet cost`: what a workgroup or a fleet costs per month and year."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from rsfleet.context import EnvOption, JsonOption, SpecOption
from rsfleet.errors import UsageError
from rsfleet.output import console, print_json


def cost(
    env: EnvOption = None,
    spec: SpecOption = None,
    rpu: Annotated[int | None, typer.Option(help="One workgroup: base capacity in RPU.")] = None,
    hours_per_day: Annotated[
        float, typer.Option(help="Busy hours a day (0-24) for every workgroup.")] = 8.0,
    hours: Annotated[
        list[str] | None, typer.Option(help="NAME=H busy hours for one workgroup; repeat.")
    ] = None,
    days: Annotated[int, typer.Option(help="Days per month.")] = 30,
    region: Annotated[str | None, typer.Option(help="Price region (default: spec or us-east-1).")
                      ] = None,
    price: Annotated[
        float | None, typer.Option(help="$/RPU-hour, overriding the price data.")] = None,
    prices_file: Annotated[Path | None, typer.Option(help="Price data JSON to use.")] = None,
    bursts_per_day: Annotated[
        int | None, typer.Option(help="Query bursts a day (each billed at least 60 s).")
    ] = None,
    burst_seconds: Annotated[float, typer.Option(help="Length of one burst in seconds.")] = 0.0,
    storage_gb: Annotated[float, typer.Option(help="Managed storage (RMS) in GB.")] = 0.0,
    storage_price: Annotated[float | None, typer.Option(help="$/GB-month for RMS.")] = None,
    nlb: Annotated[bool, typer.Option(help="Include the NLB (with --env).")] = True,
    lcus: Annotated[float, typer.Option(help="Average NLB LCUs consumed.")] = 1.0,
    scenario: Annotated[
        str | None, typer.Option(help="A named example, e.g. 'seed' (the seed README's).")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Monthly and yearly cost, per workgroup and in total, with the arithmetic shown.

    Examples: `rsfleet cost --rpu 32 --hours-per-day 8 --price 0.36`,
    `rsfleet cost --env prod --hours c1=12`, `rsfleet cost --scenario seed`.
    """
    from rsfleet import spec as fleet_spec
    from rsfleet.cost import model
    from rsfleet.cost.prices import decimal_option, load_prices
    from rsfleet.cost.usecase import fleet_estimate, parse_hours, to_json
    from rsfleet.cost.usecase import scenario as run_scenario

    if hours_per_day < 0 or hours_per_day > 24:
        raise UsageError(f"--hours-per-day must be between 0 and 24, not {hours_per_day}")
    if bursts_per_day is not None and bursts_per_day < 0:
        raise UsageError(f"--bursts-per-day must be >= 0, not {bursts_per_day}")
    if burst_seconds < 0 or lcus < 0:
        raise UsageError("--burst-seconds and --lcus must be >= 0")
    book = load_prices(prices_file)
    price_d = decimal_option(price, "--price")
    storage_d = decimal_option(storage_price, "--storage-price")
    default_hours = Decimal(str(hours_per_day))
    bursts = (bursts_per_day, Decimal(str(burst_seconds))) if bursts_per_day is not None else None
    extra: dict = {}
    other = []

    if scenario is not None:
        wgs, claimed = run_scenario(book, scenario, price_d)
        extra["seed_claimed_monthly"] = claimed
    elif env is not None or spec is not None:
        fleet, _ = fleet_spec.load(env, spec)
        prices = None if (price_d is not None and not nlb and not storage_gb) else \
            book.region(region or fleet.aws_region)
        rpu_hour = price_d if price_d is not None else prices.rpu_hour  # type: ignore[union-attr]
        names = ["producer", *sorted(fleet.consumers)]
        wgs = fleet_estimate(fleet, hours=parse_hours(hours or [], names),
                             default_hours=default_hours, days=days, rpu_hour=rpu_hour,
                             usage_bursts=bursts)
        if nlb and prices is not None:
            other.append(model.nlb_line(days=days, nlb_hour=prices.nlb_hour,
                                        lcu_hour=prices.nlb_lcu_hour,
                                        lcus=Decimal(str(lcus))))
        consumer = next(w for w in wgs if w.name != "producer")
        extra["what_if"] = {
            "like": consumer.name,
            "one_more_consumer_monthly": str(consumer.monthly),
            "split_vs_single": model.split_vs_single(
                consumer.rpu, consumer.billed_hours_per_day, days=days, rpu_hour=rpu_hour),
        }
    elif rpu is not None:
        if hours:
            raise UsageError("--hours NAME=H needs --env or --spec; use --hours-per-day")
        rpu_hour = price_d if price_d is not None else book.region(region or "us-east-1").rpu_hour
        usage = (model.Usage(bursts_per_day=bursts[0], burst_seconds=bursts[1]) if bursts
                 else model.Usage(hours_per_day=default_hours))
        wgs = [model.workgroup("workgroup", rpu, usage, days=days, rpu_hour=rpu_hour,
                               region=region)]
    else:
        raise UsageError("nothing to price", hint="pass --rpu N, --env ENV, --spec PATH or "
                         "--scenario seed")
    if storage_gb:
        sp = storage_d if storage_d is not None else book.region(region or "us-east-1").rms_gb_month
        other.append(model.storage_line(Decimal(str(storage_gb)), sp))
    est = model.Estimate(wgs, other)
    est = model.Estimate(wgs, other, model.notes_for(est))

    if json:
        print_json(to_json(est, **extra))
        return
    prices_used = sorted({str(w.rpu_hour) for w in est.workgroups})
    table = Table(show_edge=False, caption=f"at ${', $'.join(prices_used)}/RPU-hour, "
                  f"{est.workgroups[0].days} days/month", caption_justify="left")
    for col in ("workgroup", "RPU", "h/day", "RPU-h/mo", "monthly", "yearly"):
        table.add_column(col, justify="left" if col == "workgroup" else "right", no_wrap=True)
    claimed = extra.get("seed_claimed_monthly", {})
    if claimed:
        table.add_column("seed said", justify="right", style="red", no_wrap=True)
    for w in est.workgroups:
        row = [w.name, str(w.rpu), _short(w.billed_hours_per_day), _short(w.rpu_hours_month),
               f"${w.monthly:,}",
               f"${w.yearly:,}"]
        if claimed:
            row.append(f"${Decimal(claimed[w.name]):,}" if w.name in claimed else "")
        table.add_row(*row)
    for o in est.other:
        table.add_row(o.name, "", "", "", f"${o.monthly:,}", f"${o.yearly:,}",
                      *([""] if claimed else []))
    table.add_row("[bold]total[/]", "", "", "", f"[bold]${est.monthly:,}[/]",
                  f"[bold]${est.yearly:,}[/]", *([""] if claimed else []))
    console.print(table)
    for o in est.other:
        console.print(f"[dim]{o.name}: {o.detail}[/]", highlight=False)
    if "what_if" in extra:
        wi = extra["what_if"]
        sv = wi["split_vs_single"]
        console.print(f"What if: one more consumer like {wi['like']} adds "
                      f"${Decimal(wi['one_more_consumer_monthly']):,}/month. Two small "
                      f"consumers cost ${Decimal(sv['two_small_monthly']):,} and one twice as big "
                      f"${Decimal(sv['one_big_monthly']):,} for the same busy hours; if the two "
                      f"are busy at different times, one big one serving both periods costs "
                      f"${Decimal(sv['one_big_serving_both_periods_monthly']):,}.")
    for note in est.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)


def _short(value: Decimal) -> str:
    """At most 3 decimals, no trailing zeros: 3.333, 8, 3200."""
    return f"{value.quantize(Decimal('0.001')).normalize():f}"


def register(app: typer.Typer) -> None:
    app.command("cost")(cost)
