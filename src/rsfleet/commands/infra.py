"""`rsfleet plan | apply | destroy | output`: drive Terraform for one environment."""

from typing import Annotated

import typer

from rsfleet.adapters.terraform import TerraformCli, TerraformProject
from rsfleet.context import DetailedExitcodeOption, EnvOption, JsonOption, check_env, load_spec
from rsfleet.errors import UsageError
from rsfleet.output import console, exit_if_pending, plain, print_json

AutoApprove = Annotated[
    bool, typer.Option("--auto-approve", help="Apply without a saved plan (no review step).")
]
Env = Annotated[str, typer.Option("--env", "-e", callback=check_env,
                                  help="Environment under terraform/environments.")]


def _project(env: str) -> TerraformProject:
    _, path = load_spec(env)  # validate before Terraform sees it
    return TerraformProject(root=path.parent.parent.parent, env=env)


def plan(env: Env, destroy: Annotated[bool, typer.Option(help="Plan a destroy.")] = False,
         detailed_exitcode: DetailedExitcodeOption = False) -> None:
    """terraform init (backend config of ENV), select/create workspace ENV, plan to a file."""
    tf = TerraformCli(_project(env))
    tf.init()
    out = tf.plan(destroy=destroy)
    console.print(f"Saved plan: {plain(out)}\nApply it with: [bold]rsfleet apply --env {env}[/]")
    exit_if_pending(bool(tf.changes_pending), detailed_exitcode)


Rolling = Annotated[bool, typer.Option(
    "--rolling", help="Change consumer workgroups one at a time: drain, update, wait AVAILABLE "
    "and a real query, undrain; then Terraform applies the rest (terraform/README.md).")]
MaxUnavailable = Annotated[int, typer.Option(
    help="--rolling: consumers out of rotation at once (never the last ready one).")]
RollDryRun = Annotated[bool, typer.Option(
    "--dry-run", help="--rolling: print the ordered steps and why, change nothing.")]
ProbeSecret = Annotated[str | None, typer.Option(
    "--secret-arn", help="--rolling: Secrets Manager secret (JSON username/password) of a "
    "reader on every consumer, for the readiness probe.")]
ProbeAdmin = Annotated[bool, typer.Option(
    "--probe-as-admin", help="--rolling: probe with each consumer's managed admin secret.")]
ProbeUser = Annotated[str | None, typer.Option(
    "--user", envvar="PGUSER", help="--rolling: probe as this user (password from PGPASSWORD).")]


def apply(env: Env, auto_approve: AutoApprove = False, rolling: Rolling = False,
          max_unavailable: MaxUnavailable = 1, dry_run: RollDryRun = False,
          secret_arn: ProbeSecret = None, probe_as_admin: ProbeAdmin = False,
          user: ProbeUser = None) -> None:
    """Apply the plan saved by `rsfleet plan` (or plan+apply with --auto-approve)."""
    if rolling:
        _apply_rolling(env, max_unavailable=max_unavailable, dry_run=dry_run,
                       secret_arn=secret_arn, probe_as_admin=probe_as_admin, user=user)
        return
    given = [o for o, v in (("--max-unavailable", max_unavailable != 1), ("--dry-run", dry_run),
                            ("--secret-arn", secret_arn), ("--probe-as-admin", probe_as_admin))
             if v]
    if given:
        raise UsageError(f"{', '.join(given)}: only with --rolling")
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
    # cannot manage them, terraform/README.md "Workgroup parameters"): rsfleet sets them on
    # the workgroups this root deployed (none in its outputs: nothing to enforce).
    if "producer" not in TerraformCli(project, capture=True).outputs():
        console.print("no fleet workgroups in the Terraform outputs: nothing to enforce",
                      highlight=False, markup=False)
        return
    _enforce(env, dry_run=False)


def _apply_rolling(env: str, *, max_unavailable: int, dry_run: bool, secret_arn: str | None,
                   probe_as_admin: bool, user: str | None) -> None:
    """The rolling part through the API, then Terraform for what is left of the reviewed
    plan (design: terraform/README.md, "Rolling changes")."""
    from rich.markup import escape

    from rsfleet.adapters.redshift_serverless import client
    from rsfleet.commands.rollout_view import show_plan
    from rsfleet.commands.targets import TargetsOptions, probing_aws_context
    from rsfleet.fleet.outputs import FleetOutputs
    from rsfleet.rollout.aws import AwsExecutor, rolling_apply, terraform_rest
    from rsfleet.rollout.tfplan import changes_of
    from rsfleet.spec.loader import project_root
    from rsfleet.workgroups.enforce import WorkgroupUpdater

    if max_unavailable < 1:
        raise UsageError(f"--max-unavailable {max_unavailable}: must be at least 1")
    spec, _ = load_spec(env)
    project = TerraformProject(root=_project(env).root, env=env)
    if not project.plan_file.is_file():
        raise UsageError(f"no saved plan for {env!r}: --rolling applies a reviewed plan",
                         hint=f"run `rsfleet plan --env {env}` and review it")
    tf = TerraformCli(project)
    saved = tf.show_json(project.plan_file)
    outputs = FleetOutputs.from_terraform(TerraformCli(project, capture=True).outputs())
    ctx = probing_aws_context(spec, outputs, TargetsOptions(
        env=env, user=user, secret_arn=secret_arn, probe_as_admin=probe_as_admin,
        state_dir=project_root() / ".rsfleet" / env))
    executor = AwsExecutor(spec, ctx, WorkgroupUpdater(client(spec.aws_region)))
    saved_changes = changes_of(saved)

    def say(line: str) -> None:
        console.print(f"· {escape(line)}", highlight=False)

    rest = terraform_rest(tf, saved_changes, env=env, after=lambda: _enforce(env, dry_run=False))
    out = rolling_apply(spec, executor, max_unavailable=max_unavailable, dry_run=dry_run,
                        saved_plan=saved, rest=rest, log=say)
    if dry_run:
        show_plan(out.plan)
        console.print(f"then Terraform: the other {len(saved_changes.rest)} change(s) of the "
                      "reviewed plan (producer, NLB, monitoring, new consumers), planned again "
                      "and applied", highlight=False)


def _enforce(env: str, *, dry_run: bool) -> None:
    from rsfleet.adapters.redshift_serverless import client
    from rsfleet.workgroups.enforce import WorkgroupUpdater
    from rsfleet.workgroups.service import enforce_fleet

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


def destroy(
    env: Env,
    auto_approve: AutoApprove = False,
    skip_final_snapshot: Annotated[bool, typer.Option(
        "--skip-final-snapshot", help="Do not snapshot the producer first (its data is then "
        "lost).")] = False,
    final_snapshot_retention_days: Annotated[int, typer.Option(
        "--final-snapshot-retention-days", min=1, max=3653,
        help="Keep the final snapshot this many days.")] = 35,
    yes_destroy_prod: Annotated[bool, typer.Option(
        "--yes-destroy-prod", help="prod: skip typing the environment name (scripts).")] = False,
) -> None:
    """Destroy every resource of ENV (Terraform asks for confirmation unless --auto-approve).

    First a final manual snapshot of the producer (named rsfleet-<producer>-final-<time>,
    waited for until AVAILABLE), unless --skip-final-snapshot. In prod, the environment name
    must be typed back (no terminal: refused unless --yes-destroy-prod).
    """
    import sys
    import time
    from datetime import UTC, datetime

    project = _project(env)
    spec = load_spec(env)[0]
    if spec.environment == "prod" and not yes_destroy_prod:
        if not sys.stdin.isatty():
            raise UsageError("destroying prod needs the environment name typed back, and stdin "
                             "is not a terminal", hint="run it in a terminal, or pass "
                             "--yes-destroy-prod")
        typed = typer.prompt(f"destroy every resource of {env!r}: type {env!r} to go on")
        if typed.strip() != env:
            raise UsageError(f"typed {typed.strip()!r}, not {env!r}: nothing destroyed")
    if not skip_final_snapshot:
        from rsfleet.adapters.redshift_serverless import client
        from rsfleet.backup.service import final_snapshot

        name = final_snapshot(spec, client(spec.aws_region), now=datetime.now(UTC),
                              retention_days=final_snapshot_retention_days, sleep=time.sleep)
        if name:
            console.print(f"[green]final snapshot[/] {name} is AVAILABLE (kept "
                          f"{final_snapshot_retention_days} days; restore with `rsfleet "
                          f"--backend aws backup restore --from {name} --to NAME`)",
                          highlight=False)
        else:
            console.print(f"no producer namespace {spec.workgroup_name()}: nothing to "
                          "snapshot", highlight=False)
    tf = TerraformCli(project)
    tf.init()
    _lift_deletion_protection(project, spec.aws_region)
    tf.destroy(auto_approve=auto_approve)


def _lift_deletion_protection(project: TerraformProject, region: str) -> None:
    """prod's NLB and state table are deletion-protected: off first, or Terraform stops
    half-way. Only the two this environment's Terraform state holds (rsfleet created them);
    the state, not the outputs: a partial apply may have left an output unset."""
    import boto3

    from rsfleet.adapters.protection import lift_deletion_protection

    resources = TerraformCli(project, capture=True).state_resources()

    def value(address: str, key: str) -> str | None:
        found = [r["values"].get(key) for r in resources if r.get("address") == address]
        return found[0] if found else None

    clients = {"dynamodb": boto3.client("dynamodb", region_name=region),
               "elbv2": boto3.client("elbv2", region_name=region)}
    table = value("module.controller[0].aws_dynamodb_table.state", "name")
    for line in lift_deletion_protection(table, value("module.nlb.aws_lb.this", "arn"),
                                         **clients):
        console.print(line, highlight=False, markup=False)


def output(env: Env, json: JsonOption = False) -> None:
    """Show the environment's Terraform outputs (never secret values)."""
    outputs = TerraformCli(_project(env), capture=True).outputs()
    if json:
        print_json(outputs)
        return
    for key, value in sorted(outputs.items()):
        if isinstance(value, str) and "\n" in value:
            console.print(f"[bold]{plain(key)}[/]:\n{plain(value)}", highlight=False)
        else:
            console.print(f"[bold]{plain(key)}[/] = {plain(value)}", highlight=False)


def register(app: typer.Typer) -> None:
    for fn in (plan, apply, enforce, destroy, output):
        app.command(fn.__name__)(fn)


__all__ = ["register"]
_ = EnvOption  # shared option type kept importable for other commands
