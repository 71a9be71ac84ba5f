"""`rsfleet plan | apply | destroy | output`: drive Terraform for one environment."""

from __future__ import annotations

from typing import Annotated

import typer

from rsfleet.adapters.terraform import TerraformCli, TerraformProject
from rsfleet.context import EnvOption, JsonOption, load_spec
from rsfleet.errors import UsageError
from rsfleet.output import console, print_json

AutoApprove = Annotated[
    bool, typer.Option("--auto-approve", help="Apply without a saved plan (no review step).")
]
Env = Annotated[str, typer.Option("--env", "-e", help="Environment under terraform/environments.")]


def _project(env: str) -> TerraformProject:
    _, path = load_spec(env)  # validate before Terraform sees it
    return TerraformProject(root=path.parent.parent.parent, env=env)


def plan(env: Env, destroy: Annotated[bool, typer.Option(help="Plan a destroy.")] = False) -> None:
    """terraform init (backend config of ENV), select/create workspace ENV, plan to a file."""
    tf = TerraformCli(_project(env))
    tf.init()
    out = tf.plan(destroy=destroy)
    console.print(f"Saved plan: {out}\nApply it with: [bold]rsfleet apply --env {env}[/]")


def apply(env: Env, auto_approve: AutoApprove = False) -> None:
    """Apply the plan saved by `rsfleet plan` (or plan+apply with --auto-approve)."""
    project = _project(env)
    tf = TerraformCli(project)
    if project.plan_file.is_file():
        tf.apply(plan_file=project.plan_file, auto_approve=False)
    elif auto_approve:
        tf.init()
        tf.apply(plan_file=None, auto_approve=True)
    else:
        raise UsageError(
            f"no saved plan for {env!r}",
            hint=f"run `rsfleet plan --env {env}` and review it, or pass --auto-approve",
        )
    # Terraform ignores the workgroups' config parameters after creation (provider 5.100.0
    # cannot manage them, terraform/README.md "Workgroup parameters"): rsfleet sets them.
    _enforce(env, dry_run=False)


def _enforce(env: str, *, dry_run: bool) -> None:
    from rsfleet.adapters.redshift_serverless import client
    from rsfleet.workgroups.enforce import WorkgroupUpdater
    from rsfleet.workgroups.usecase import enforce_fleet

    spec, _ = load_spec(env)
    updater = WorkgroupUpdater(client(spec.aws_region))
    enforce_fleet(spec, updater, dry_run=dry_run,
                  report=lambda line: console.print(line, highlight=False, markup=False))


def enforce(env: Env, dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show the UpdateWorkgroup calls without making them.")] = False
            ) -> None:
    """Set each workgroup's capacity and the parameters rsfleet manages (require_ssl,
    enable_user_activity_logging, max_query_execution_time), one UpdateWorkgroup call at a
    time, waiting while a workgroup is MODIFYING; `rsfleet apply` runs this after Terraform."""
    _enforce(env, dry_run=dry_run)


def destroy(env: Env, auto_approve: AutoApprove = False) -> None:
    """Destroy every resource of ENV (Terraform asks for confirmation unless --auto-approve)."""
    tf = TerraformCli(_project(env))
    tf.init()
    tf.destroy(auto_approve=auto_approve)


def output(env: Env, json: JsonOption = False) -> None:
    """Show the environment's Terraform outputs (never secret values)."""
    outputs = TerraformCli(_project(env), capture=True).outputs()
    if json:
        print_json(outputs)
        return
    for key, value in sorted(outputs.items()):
        if isinstance(value, str) and "\n" in value:
            console.print(f"[bold]{key}[/]:\n{value}", highlight=False)
        else:
            console.print(f"[bold]{key}[/] = {value}", highlight=False)


def register(app: typer.Typer) -> None:
    for fn in (plan, apply, enforce, destroy, output):
        app.command(fn.__name__)(fn)


__all__ = ["register"]
_ = EnvOption  # shared option type kept importable for other commands
