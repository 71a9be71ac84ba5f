"""`rsfleet validate`: check a fleet spec and summarise it."""

from rich.table import Table

from rsfleet.context import EnvOption, JsonOption, SpecOption, load_spec
from rsfleet.output import console, plain, print_json


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
    table = Table(title=None, show_edge=False)
    table.add_column("workgroup", no_wrap=True)
    for col in ("role", "base RPU", "max RPU", "behind LB", "datashares"):
        table.add_column(col)
    p = fleet.producer
    table.add_row(fleet.workgroup_name(), "producer", str(p.base_capacity),
                  str(p.effective_max_capacity), "-", ", ".join(sorted(fleet.datashares)) or "-")
    for name, c in sorted(fleet.consumers.items()):
        table.add_row(fleet.workgroup_name(name), f"consumer {name}", str(c.base_capacity),
                      str(c.effective_max_capacity), "yes" if c.behind_nlb else "no",
                      ", ".join(fleet.shares_of(name)) or "-")
    console.print(table)
