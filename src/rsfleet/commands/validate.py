"""`rsfleet validate`: check a fleet spec and summarise it."""

from typing import TYPE_CHECKING

from rich.table import Table

from rsfleet.context import EnvOption, JsonOption, SpecOption, load_spec
from rsfleet.output import console, plain, print_json

if TYPE_CHECKING:
    from rsfleet.spec.models import FleetSpec


def validate(env: EnvOption = None, spec: SpecOption = None, json: JsonOption = False) -> None:
    """Check a fleet spec (the environment's terraform.tfvars) and print a short summary.

    Exit code 2 with one line per problem (file, key, rule) when the spec is invalid.
    """
    fleet, path = load_spec(env, spec)
    if json:
        print_json({"valid": True, "path": str(path), "spec": fleet.model_dump(mode="json")})
        return
    console.print(f"[green]✓[/] {plain(path)} is valid: environment [bold]{fleet.environment}[/], "
                  f"region {fleet.aws_region}", soft_wrap=True)
    console.print(spec_table(fleet))


def spec_table(fleet: "FleetSpec") -> Table:
    """One short row per workgroup that fits 80 columns (the role column wrapped to two
    rows per consumer and the datashares were cut to `sales_sha…`)."""
    table = Table(title=None, show_edge=False)
    table.add_column("name", no_wrap=True)
    table.add_column("workgroup", overflow="fold")
    table.add_column("RPU base-max", no_wrap=True, justify="right")
    table.add_column("behind LB", no_wrap=True)
    table.add_column("datashares", overflow="fold")
    p = fleet.producer
    table.add_row("producer", fleet.workgroup_name(),
                  f"{p.base_capacity}-{p.effective_max_capacity}", "-",
                  ", ".join(sorted(fleet.datashares)) or "-")
    for name, c in sorted(fleet.consumers.items()):
        table.add_row(name, fleet.workgroup_name(name),
                      f"{c.base_capacity}-{c.effective_max_capacity}",
                      "yes" if c.behind_nlb else "no", ", ".join(fleet.shares_of(name)) or "-")
    return table
