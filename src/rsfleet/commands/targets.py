"""`rsfleet targets`: readiness-gated load-balancer membership (status, sync, drain, watch)."""

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rsfleet.context import (
    Backend,
    EnvOption,
    JsonOption,
    SpecOption,
    TfOutputsCompatOption,
    app_context,
    remember_state_dir,
)

if TYPE_CHECKING:
    from rsfleet.fleet.outputs import FleetOutputs
    from rsfleet.spec.models import FleetSpec
    from rsfleet.targets.api import TargetsContext

app = typer.Typer(no_args_is_help=True, help=(
    "Keep only ready consumers behind the load balancer: probe each consumer directly, "
    "drain before removal, never empty the rotation for readiness alone."))

StateDirOpt = Annotated[Path | None, typer.Option(
    "--state-dir", envvar="RSFLEET_STATE_DIR", callback=remember_state_dir,
    help="State dir: the local fleet's (default .rsfleet/ENV); holds operator drains.")]
UserOpt = Annotated[str | None, typer.Option(
    "--user", envvar="PGUSER", help="aws: probe each consumer endpoint as this user "
    "(password from PGPASSWORD); without credentials readiness is not probed.")]
SecretOpt = Annotated[str | None, typer.Option(
    "--secret-arn", help="aws: Secrets Manager secret (JSON username/password) of a reader "
    "that exists on every consumer; used to probe readiness.")]
AdminOpt = Annotated[bool, typer.Option(
    "--probe-as-admin", help="aws: probe with each consumer's managed admin secret from the "
    "outputs (works without setup; prefer --secret-arn).")]
TgOpt = Annotated[str | None, typer.Option(
    "--target-group-arn", help="aws: skip Terraform; the NLB target group is this one and the "
    "consumers' endpoints come from the redshift-serverless API.")]


@dataclass(frozen=True)
class TargetsOptions:
    """The options every `targets` command shares: which fleet, where its outputs come from,
    how to probe. Declared once (``_OPTIONS``), added to each command by ``with_options``."""

    env: str | None = None
    spec: Path | None = None
    state_dir: Path | None = None
    tf_outputs: Path | None = None
    user: str | None = None
    secret_arn: str | None = None
    probe_as_admin: bool = False
    target_group_arn: str | None = None


_OPTIONS: dict[str, tuple[Any, Any]] = {  # name -> (annotation, default), in --help order
    "env": (EnvOption, None), "spec": (SpecOption, None), "state_dir": (StateDirOpt, None),
    "tf_outputs": (TfOutputsCompatOption, None), "user": (UserOpt, None),
    "secret_arn": (SecretOpt, None), "probe_as_admin": (AdminOpt, False),
    "target_group_arn": (TgOpt, None)}


def with_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command(ctx, ..., opts: TargetsOptions, ...)`` the shared options in place of
    ``opts``: Typer sees them as ordinary options (same names, same --help) and the command
    receives them as one ``TargetsOptions``."""
    sig = inspect.signature(command, eval_str=True)
    params: list[inspect.Parameter] = []
    for p in sig.parameters.values():
        if p.name != "opts":
            params.append(p)
            continue
        params += [inspect.Parameter(n, p.kind, annotation=a, default=d)
                   for n, (a, d) in _OPTIONS.items()]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        opts = TargetsOptions(**{n: kwargs.pop(n) for n in _OPTIONS if n in kwargs})
        command(*args, opts=opts, **kwargs)

    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    # inspect.signature (so Typer) reads __signature__; mypy knows no such attribute
    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    return wrapper


def context_from_options(ctx: typer.Context, opts: TargetsOptions) -> "TargetsContext":
    """The one targets context of this invocation: the local fleet's HAProxy, or the NLB of
    the fleet's outputs (Terraform's, a --tf-outputs file, or the API with
    --target-group-arn) with the probe credentials the options ask for."""
    from rsfleet.errors import UsageError
    from rsfleet.spec.loader import load
    from rsfleet.targets.api import discover_outputs, local_context

    if app_context(ctx).backend == Backend.local:
        given = [o for o, v in (("--tf-outputs", opts.tf_outputs),
                                ("--secret-arn", opts.secret_arn),
                                ("--probe-as-admin", opts.probe_as_admin),
                                ("--target-group-arn", opts.target_group_arn)) if v]
        if given:
            raise UsageError(f"{', '.join(given)}: only with --backend aws")
        from rsfleet.local.fleet import LocalFleet
        from rsfleet.sharing.local import consumer_ready

        return local_context(LocalFleet.open(opts.env, opts.state_dir),
                             data_ready=consumer_ready)
    from rsfleet.adapters.terraform import outputs_for_spec
    from rsfleet.fleet.outputs import FleetOutputs

    fleet_spec, spec_path = load(opts.env, opts.spec)
    if opts.target_group_arn is not None:
        if opts.tf_outputs is not None:
            raise UsageError("--tf-outputs and --target-group-arn exclude each other",
                             hint="--tf-outputs reads everything from Terraform's outputs")
        outputs = discover_outputs(fleet_spec, opts.target_group_arn)
    else:
        outputs = FleetOutputs.from_terraform(outputs_for_spec(
            spec_path, opts.env or fleet_spec.environment, opts.tf_outputs))
    return probing_aws_context(fleet_spec, outputs, opts)


def probing_aws_context(fleet_spec: "FleetSpec", outputs: "FleetOutputs",
                        opts: TargetsOptions) -> "TargetsContext":
    """The NLB's targets context with the probe credentials the options ask for (none: no
    direct probe); drains in the controller's table or under the state dir."""
    import os

    from rsfleet.spec.loader import project_root
    from rsfleet.targets.api import aws_context
    from rsfleet.targets.credentials import ProbeCredentials

    creds = ProbeCredentials.choose(secret_arn=opts.secret_arn, user=opts.user,
                                    password=os.environ.get("PGPASSWORD"),
                                    probe_as_admin=opts.probe_as_admin, outputs=outputs)
    from rsfleet.adapters.redshift_data import DataApi

    sdir = opts.state_dir or project_root() / ".rsfleet" / fleet_spec.environment
    # drains close the consumers' sessions between transactions as each namespace's admin
    # (rsfleet.targets.sessions); a statement on STV_SESSIONS takes seconds, not minutes
    return aws_context(fleet_spec, outputs, sdir, credentials=creds,
                       data_api=DataApi(region=outputs.region(fleet_spec), timeout=30.0))


def _interval(text: str, what: str) -> float:
    from rsfleet.errors import UsageError
    from rsfleet.loadtest.faults import parse_duration

    value = parse_duration(text, what)
    if value <= 0 or value > 3600:
        raise UsageError(f"{what} {text!r}: must be more than 0 and at most 1h")
    return value


def _log(message: str) -> None:
    import datetime as dt

    from rsfleet.output import console, plain

    stamp = dt.datetime.now().strftime("%H:%M:%S.%f")[:-3]
    style = "bold red" if ("WARNING" in message or "FAILED" in message) else ""
    text = f"{stamp} {message}"
    console.print(f"[{style}]{plain(text)}[/]" if style else text, highlight=False,
                  soft_wrap=True, markup=bool(style))


@app.command("status")
@with_options
def status(ctx: typer.Context, opts: TargetsOptions, json: JsonOption = False) -> None:
    """Per target: LB state and health, readiness and its reason, sessions, in rotation.

    Exit 1 when a consumer that should serve (a member, not drained) is not ready, could not
    be probed, or is ready but not in rotation (e.g. missing from the load balancer); one
    line on stderr names each. Exit 0: every such consumer is ready and in rotation."""
    from rsfleet.commands.targets_view import status_table
    from rsfleet.output import console, exit_if_problems, print_json
    from rsfleet.targets import api

    target = context_from_options(ctx, opts)
    rows = api.status(target)
    problems = api.not_ready(rows)  # exit 1 when any (docs/targets.md)
    if json:
        print_json([r.to_json() for r in rows])
        exit_if_problems(problems, "target(s) not serving")
        return
    table, notes = status_table(rows, console.width)  # columns chosen for the width
    console.print(table)
    for line in notes:
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    console.print(_last_pass_text(api.last_pass(target)), highlight=False, soft_wrap=True,
                  markup=False)
    exit_if_problems(problems, "target(s) not serving")


def _last_pass_text(rec: Any) -> str:
    """One line about the controller's last pass, or that there is none."""
    import datetime as dt
    import time

    if rec is None:
        return ("controller: no pass recorded (no controller running: `rsfleet local up` "
                "starts one locally; on AWS enable `controller` in the spec)")
    ago = max(0.0, time.time() - rec.at)
    when = dt.datetime.fromtimestamp(rec.at).strftime("%Y-%m-%d %H:%M:%S")
    text = (f"controller: last pass {when} ({ago:.0f}s ago, {rec.source or 'unknown'}), "
            f"took {rec.duration_s:.2f}s, {len(rec.actions)} action(s), "
            f"{len(rec.errors)} error(s)")
    if rec.sentence:
        text += f"\n  {rec.sentence}"
    for line in rec.actions + [f"ERROR {e}" for e in rec.errors]:
        text += f"\n  {line}"
    if rec.interval_s and ago > 3 * rec.interval_s:
        # passes run back to back (the local controller): three missed ones mean it is not
        # running (`rsfleet local status` says why; its supervisor restarts it)
        text += (f"\n  WARNING: no pass for {ago:.0f}s, more than 3 × the controller's "
                 f"{rec.interval_s:g}s interval: is it running? (`rsfleet local status`)")
    elif ago > 300:
        text += "\n  WARNING: no pass in the last 5 minutes: is the controller running?"
    return text


@app.command("sync")
@with_options
def sync(ctx: typer.Context, opts: TargetsOptions,
         dry_run: Annotated[bool, typer.Option(
             "--dry-run", help="Print the actions without changing the load balancer.")] = False,
         json: JsonOption = False) -> None:
    """One reconcile pass: probe, compare with the load balancer, print and apply actions."""
    from rsfleet.output import console, plain, print_json
    from rsfleet.targets import api

    done = api.sync(context_from_options(ctx, opts), dry_run=dry_run)
    the_plan, res = done.plan, done.result
    if json:
        print_json({"dry_run": dry_run,
                    "actions": [{"kind": a.kind, "target": a.target, "reason": a.reason}
                                for a in the_plan.actions + the_plan.warnings],
                    "done": [{"kind": s.action.kind, "target": s.action.target,
                              "result": s.result} for s in res.done if not dry_run],
                    "failed": [{"kind": f.action.kind, "target": f.action.target,
                                "error": f.error} for f in res.failed],
                    "sentence": done.sentence,
                    "targets": [s.to_json() for s in done.status]})
    else:
        if not the_plan.actions and not the_plan.warnings:
            console.print("converged: nothing to do")
        for a in the_plan.actions + the_plan.warnings:
            prefix = "would " if dry_run and a.kind != "warn" else ""
            style = "bold red" if a.kind == "warn" else "bold"
            console.print(f"[{style}]{prefix}{a.kind}[/] {plain(a.target)}: "
                          f"{plain(a.reason)}", highlight=False, soft_wrap=True)
        for f in res.failed:
            console.print(f"[bold red]failed[/] {f.action.kind} {plain(f.action.target)}: "
                          f"{plain(f.error)}", highlight=False)
        # the controller's sentence: who is out and why, how many are in rotation
        console.print(done.sentence, highlight=False, soft_wrap=True, markup=False)
    if res.exit_code:
        raise typer.Exit(res.exit_code)


@app.command("drain")
@with_options
def drain(ctx: typer.Context,
          name: Annotated[str, typer.Argument(help="The consumer to take out of rotation.")],
          opts: TargetsOptions,
          wait: Annotated[bool, typer.Option(
              "--wait", help="Wait until its sessions end (or --timeout), then switch it "
              "off.")] = False,
          timeout: Annotated[str | None, typer.Option(
              "--timeout", help="With --wait: the longest wait, e.g. 30s (default: the "
              "spec's nlb.deregistration_delay).")] = None,
          reason: Annotated[str, typer.Option(
              "--reason", help="Why (kept with the drain, shown by `targets status`).")
          ] = "operator",
          json: JsonOption = False) -> None:
    """No new sessions for NAME; existing ones finish. Stays out until `targets undrain`."""
    from rsfleet.output import console, print_json
    from rsfleet.targets import api

    limit = _interval(timeout, "--timeout") if timeout is not None else None
    what = api.drain(context_from_options(ctx, opts), name, wait=wait, timeout=limit,
                     why=reason[:200])
    if json:
        print_json({"target": name, "drained": True, "result": what})
    else:
        console.print(f"drained {name}: {what}", highlight=False, soft_wrap=True, markup=False)


@app.command("undrain")
@with_options
def undrain(ctx: typer.Context,
            name: Annotated[str, typer.Argument(help="The consumer to put back.")],
            opts: TargetsOptions, json: JsonOption = False) -> None:
    """Forget the drain of NAME; it returns to rotation as soon as it is ready."""
    from rsfleet.output import console, print_json
    from rsfleet.targets import api

    what = api.undrain(context_from_options(ctx, opts), name)
    if json:
        print_json({"target": name, "drained": False, "result": what})
    else:
        console.print(f"undrain {name}: {what}", highlight=False, soft_wrap=True, markup=False)


@app.command("watch")
@with_options
def watch(ctx: typer.Context, opts: TargetsOptions,
          interval: Annotated[str, typer.Option(
              "--interval", help="Time between passes, e.g. 1s, 500ms.")] = "1s",
          rise: Annotated[int, typer.Option(
              "--rise", min=1, max=10, help="Good probes in a row before a target returns.")] = 2,
          fall: Annotated[int, typer.Option(
              "--fall", min=1, max=10, help="Failed probes in a row before a target leaves.")] = 2,
          json: Annotated[bool, typer.Option(
              "--json", help="The controller's JSON lines (actions, the pass sentence, EMF "
              "metrics), as the Lambda and the local controller write them.")] = False,
          ) -> None:
    """The controller's loop until stopped (Ctrl-C / SIGTERM): one line per pass saying what
    it saw and did."""
    from rsfleet.controller.service import watch as watch_loop

    every = _interval(interval, "--interval")
    target = context_from_options(ctx, opts)
    if app_context(ctx).backend == Backend.local:
        _beside_the_background_controller(opts)
    if not json:
        _log(f"watching every {every:g}s (rise {rise}, fall {fall}); Ctrl-C to stop")
    res = watch_loop(target, every, rise=rise, fall=fall, human=not json,
                     emit=_log if not json else _print_line)
    if not json:
        _log(f"{res.passes} pass(es), {res.failed_passes} failed; stopped")


def _beside_the_background_controller(opts: TargetsOptions) -> None:
    """Say so when `local up` already runs the same loop in the background: a second one
    beside it started without a word (both apply the same rules; twice the probes)."""
    from rsfleet.controller.local import LOG_FILE, ControllerProcess
    from rsfleet.local.fleet import LocalFleet
    from rsfleet.output import warn

    state_dir = LocalFleet.open(opts.env, opts.state_dir).state_dir
    pid = ControllerProcess(state_dir).pid
    if pid is not None and ControllerProcess(state_dir).is_running():
        warn(f"the fleet's background controller (pid {pid}, started by `local up`) already "
             f"runs this loop; this one runs beside it, probing twice as often. Its passes: "
             f"tail -f {state_dir / LOG_FILE}")


def _print_line(line: str) -> None:
    print(line, flush=True)
