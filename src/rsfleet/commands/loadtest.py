"""`rsfleet loadtest`: sessions through the load balancer; balancing, latency, faults."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rsfleet.context import (
    EnvOption,
    SpecOption,
    StateDirOption,
    TfOutputsOption,
    app_context,
)
from rsfleet.errors import FleetError, UsageError
from rsfleet.status import ExitStatus

if TYPE_CHECKING:
    from rich.console import Console

    from rsfleet.fleet.outputs import FleetOutputs
    from rsfleet.loadtest.model import LoadTestResult
    from rsfleet.loadtest.request import LoadTestRequest
    from rsfleet.loadtest.target import Overrides, Resolved
    from rsfleet.spec.models import FleetSpec

ConnectModeOpt = Annotated[
    str,
    typer.Option("--connect-mode",
                 help="per-session: one connection per session (reconnects when lost); "
                 "per-query: a new connection for every query (connection-level balancing)."),
]


def loadtest(
    ctx: typer.Context,
    env: EnvOption = None,
    spec: SpecOption = None,
    state_dir: StateDirOption = None,
    sessions: Annotated[int, typer.Option("--sessions", "-n",
                                          help="Concurrent client sessions.")] = 64,
    connect_mode: ConnectModeOpt = "per-session",
    session_lifetime: Annotated[str | None, typer.Option(
        "--session-lifetime", help="per-session: close each session this long after it "
        "opened and open a new one, e.g. 2s (a pool's maximum connection lifetime).")] = None,
    duration: Annotated[str | None, typer.Option(
        "--duration", "-d", help="How long to run, e.g. 30s, 2m (default 30s).")] = None,
    queries: Annotated[int | None, typer.Option(
        "--queries", help="Stop after this many queries in total (instead of --duration).")] = None,
    query_file: Annotated[Path | None, typer.Option(
        "--query-file", help="SQL statements ending in ';' (a '-- name: X' line names one) "
        "instead of the built-in mix over the shared tables.")] = None,
    kill: Annotated[list[str] | None, typer.Option(
        "--kill", help="Kill a consumer during the run: NAME@TIME, e.g. c2@10s (local only). "
        "Repeatable.")] = None,
    drain: Annotated[list[str] | None, typer.Option(
        "--drain", help="Drain a consumer during the run: NAME@TIME, e.g. c1@10s. "
        "Repeatable.")] = None,
    fault_window: Annotated[str | None, typer.Option(
        "--fault-window", help="Errors this long after a fault count as caused by it "
        "(default 15s local, 60s aws).")] = None,
    max_error_rate: Annotated[float | None, typer.Option(
        "--max-error-rate", help="Exit 1 when failed/all queries is above this (0..1). "
        "Default: exit 1 on any error outside the fault windows.")] = None,
    json_path: Annotated[Path | None, typer.Option(
        "--json", help="Write the raw result (schema v1, docs/loadtest.md) to PATH; '-' = "
        "stdout.")] = None,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Write report.png and report.html to this directory.")] = None,
    host: Annotated[str | None, typer.Option("--host", help="Connect here instead of the LB "
                                             "the fleet reports.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port to connect to.")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Database user "
                                             "(local default app_reader).")] = None,
    database: Annotated[str | None, typer.Option(
        "--database", help="Database to connect to (local default: the share's consumer "
        "database; aws: the producer.database_name).")] = None,
    password_secret_arn: Annotated[str | None, typer.Option(
        "--password-secret-arn", help="Read user/password from this Secrets Manager secret "
        "(else PGPASSWORD, else the local state dir).")] = None,
    sslmode: Annotated[str | None, typer.Option(
        "--sslmode", help="libpq sslmode (local default verify-full, aws require).")] = None,
    tf_outputs: TfOutputsOption = None,
    engine: Annotated[str, typer.Option(
        "--engine", help="Client engine: threads or asyncio (see docs/loadtest.md).")] = "threads",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the per-session query order.")] = 0,
    raw: Annotated[bool, typer.Option(
        "--raw/--no-raw", help="Include every query and connection in the JSON result.")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No live view.")] = False,
    via_test_instance: Annotated[bool, typer.Option(
        "--via-test-instance", help="aws: run the load test on the SSM-managed test instance "
        "inside the VPC and fetch its result.")] = False,
    instance_id: Annotated[str | None, typer.Option(
        "--instance-id", help="The test instance (default: Terraform output "
        "test_instance_id, else the running instance tagged Name=<project>-<env>-test).")
    ] = None,
) -> None:
    """Open SESSIONS client sessions through the load balancer and run a query mix.

    Reports throughput, latency p50/p95/p99/max, errors by kind, each consumer's share of sessions and queries (chi-square test of evenness) and, with --kill/--drain, what happened around the fault. Exit 1 when the error rule (--max-error-rate) fails.
    """  # noqa: E501 - one paragraph, wrapped by the terminal
    from rsfleet.loadtest import faults as faults_mod
    from rsfleet.loadtest.request import LoadTestRequest
    from rsfleet.loadtest.runner import Progress, RunSettings

    req = LoadTestRequest(
        backend=app_context(ctx).backend.value, sessions=sessions, connect_mode=connect_mode,
        session_lifetime=session_lifetime, duration=duration, queries=queries,
        query_file=query_file, kill=tuple(kill or ()),
        drain=tuple(drain or ()), fault_window=fault_window, max_error_rate=max_error_rate,
        json_path=json_path, report=report, host=host, port=port, user=user, database=database,
        password_secret_arn=password_secret_arn, sslmode=sslmode, engine=engine, seed=seed,
        raw=raw, quiet=quiet, via_test_instance=via_test_instance, instance_id=instance_id,
    ).checked()
    if req.via_test_instance:
        _via_test_instance(ctx, env, spec, tf_outputs, req)
        return

    from rsfleet.loadtest import target as tgt

    ov = tgt.Overrides(host=req.host, port=req.port, user=req.user, database=req.database,
                       password_secret_arn=req.password_secret_arn, sslmode=req.sslmode)
    resolved = _resolve(req.backend, env, spec, state_dir, tf_outputs, ov)
    consumers = resolved.endpoint.consumers
    fault_specs = [faults_mod.parse_fault("kill", k, consumers) for k in req.kill]
    fault_specs += [faults_mod.parse_fault("drain", d, consumers) for d in req.drain]
    if req.duration_s is not None:
        late = [f for f in fault_specs if f.at_s >= req.duration_s]
        if late:
            raise UsageError(f"--{late[0].kind} {late[0].target}@{late[0].at_s:g}s is not "
                             f"before the end of the run ({req.duration_s:g}s)")

    args = f"--env {env or 'ENV'}"
    if req.backend == "local" and resolved.fleet is not None:
        from rsfleet.lifecycle import in_rotation
        from rsfleet.local.fleet import LocalFleet

        fleet = resolved.fleet
        if isinstance(fleet, LocalFleet) and fault_specs:
            args = fleet.cli_args
            running = {n for n in consumers if fleet.node(n).is_running()}
            faults_mod.check_targets(fault_specs, running=running,
                                     serving=in_rotation(fleet), args=args)

    from rsfleet.loadtest.live import LiveView
    from rsfleet.loadtest.service import build_mix, execute
    from rsfleet.output import err_console

    mix = build_mix(resolved, req.query_file)
    settings = RunSettings(sessions=req.sessions, connect_mode=req.connect_mode,
                           duration_s=req.duration_s, queries=req.queries, faults=fault_specs,
                           engine=req.engine, seed=req.seed,
                           session_lifetime_s=req.session_lifetime_s)
    progress = Progress()
    with LiveView(progress, consumers, req.duration_s, req.queries, err_console,
                  quiet=req.quiet) as view:
        result = execute(resolved, mix, settings, fault_window_s=req.window_s,
                         max_error_rate=req.max_error_rate, progress=progress,
                         on_tick=view.tick, include_raw=req.raw)
    undo = faults_mod.undo_commands(result.faults, req.backend, args)
    _finish(result, req.json_path, req.report, req.max_error_rate, req.quiet, undo)


def _resolve(backend: str, env: str | None, spec: Path | None, state_dir: Path | None,
             tf_outputs: Path | None, ov: "Overrides") -> "Resolved":
    from rsfleet import spec as fleet_spec
    from rsfleet.loadtest import target as tgt

    if backend == "aws":
        fleet, path = fleet_spec.load(env, spec)
        return tgt.resolve_aws(fleet, _outputs(env, fleet, path, tf_outputs), ov)
    try:
        from rsfleet.local.fleet import LocalFleet

        return tgt.resolve_local(LocalFleet.open(env, state_dir), ov)
    except (FleetError, ImportError) as exc:
        if not ov.host:
            if isinstance(exc, ImportError):
                raise FleetError("the local fleet module is not available") from None
            raise
        parsed = fleet_spec.load(env, spec)[0] if (env or spec) else None
        return tgt.resolve_direct(ov, parsed)


def _outputs(env: str | None, fleet: "FleetSpec", spec_path: Path,
             tf_outputs: Path | None) -> "FleetOutputs":
    from rsfleet.adapters.terraform import outputs_for_spec
    from rsfleet.fleet.outputs import FleetOutputs

    return FleetOutputs.from_terraform(
        outputs_for_spec(spec_path, env or fleet.environment, tf_outputs))


def _finish(result: "LoadTestResult", json_path: Path | None, report: Path | None,
            max_error_rate: float | None, quiet: bool, undo: list[str] | None = None) -> None:
    import sys

    from rsfleet.loadtest import stats
    from rsfleet.output import console, err_console, plain

    text = result.model_dump_json(indent=1)
    if json_path is not None:
        if str(json_path) == "-":
            sys.stdout.write(text + "\n")
        else:
            json_path.write_text(text + "\n", encoding="utf-8")
    if report is not None:
        from rsfleet.loadtest.report import write_report

        png, page = write_report(result, report)
        err_console.print(f"report: {page} ({png.name})", highlight=False, markup=False)
    if str(json_path) != "-" and not quiet:
        _print_summary(result, console)
    if undo:
        # the faults outlive the run: a killed consumer stays down, a drained one out
        err_console.print("the faults are still in effect; undo them with:", highlight=False,
                          markup=False)
        for line in undo:
            err_console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    passed, why = stats.verdict(result.summary, max_error_rate)
    if not passed:
        err_console.print(f"[bold red]FAILED:[/] {plain(why)}", highlight=False)
        raise typer.Exit(ExitStatus.ERROR)
    if not quiet:
        err_console.print(f"[green]passed:[/] {plain(why)}", highlight=False)


def _print_summary(result: "LoadTestResult", console: "Console") -> None:
    from rich.table import Table

    from rsfleet.loadtest import stats

    s = result.summary
    lat = s.latency_ms

    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v:.2f}"

    kinds = ", ".join(f"{k} {v}" for k, v in s.errors_by_kind.items()) or "none"
    console.print(
        f"[bold]{s.queries}[/] queries in {s.duration_s:.1f}s: [bold]{s.throughput_qps:,.1f}[/] "
        f"q/s, latency p50 {ms(lat.p50)} p95 {ms(lat.p95)} p99 {ms(lat.p99)} max {ms(lat.max)} "
        f"ms; failed {s.failed} ({kinds}); connections {s.connections}, reconnects {s.reconnects}",
        highlight=False)
    table = Table(title="per consumer")
    for col in ("consumer", "sessions", "share", "queries", "share"):
        table.add_column(col, justify="left" if col == "consumer" else "right")
    for c in s.consumers:
        table.add_row(c.name, str(c.sessions), f"{c.session_share:.1%}", str(c.queries),
                      f"{c.query_share:.1%}")
    console.print(table)
    for chi in s.evenness:
        p = "-" if chi.p_value is None else f"{chi.p_value:.3g}"
        reading = stats.evenness_reading(chi, result.config.connect_mode)
        console.print(f"evenness of {chi.what} ({chi.window}): chi-square p = {p}: {reading}",
                      highlight=False, markup=False)
    bill = result.serverless
    if bill is not None:
        rpu = ("" if bill.rpu_seconds is None else
               f", {bill.rpu_seconds:,.0f} RPU-s at base capacity (up to "
               f"{bill.rpu_seconds_upper:,.0f} with concurrency)")
        console.print(f"on Redshift Serverless: {bill.billed_s:,} billed seconds over "
                      f"{len(bill.consumers)} consumer(s){rpu}; in $: rsfleet cost "
                      "--from-loadtest RESULT", highlight=False)
    for t in s.faults:
        if t.applied_s is None:
            console.print(f"fault {t.kind} {t.target} was not applied", style="red",
                          markup=False)
            continue
        rec = "never" if t.recovery_s is None else f"{t.recovery_s:.2f}s"
        last = ("none" if t.last_new_session_after_s is None
                else f"{t.last_new_session_after_s:.2f}s after")
        console.print(
            f"fault {t.kind} {t.target} at {t.applied_s:.2f}s: new sessions after it "
            f"{t.new_sessions_after} (last {last}), failed queries {t.failed_queries} "
            f"{t.failed_by_kind or ''}, sessions affected {t.sessions_affected}, "
            f"recovery {rec}", highlight=False)


def _via_test_instance(ctx: typer.Context, env: str | None, spec: Path | None,
                       tf_outputs: Path | None, req: "LoadTestRequest") -> None:
    from rsfleet import spec as fleet_spec
    from rsfleet.loadtest import remote

    if app_context(ctx).backend.value != "aws":
        raise UsageError("--via-test-instance needs --backend aws")
    if not req.password_secret_arn:
        raise UsageError("--via-test-instance needs --password-secret-arn",
                         hint="the instance reads the secret with its own role; PGPASSWORD "
                         "is never sent over SSM")
    fleet, path = fleet_spec.load(env, spec)
    outputs = _outputs(env, fleet, path, tf_outputs)
    region = outputs.region(fleet)
    instance = req.instance_id or outputs.test_instance_id
    if not instance:  # the test instance is its own Terraform root: find it by its Name tag
        from rsfleet.adapters.ec2 import find_instance_by_name, name_tag_of_test_instance

        instance = find_instance_by_name(
            name_tag_of_test_instance(fleet.project_name, fleet.environment), region=region)
    instance = remote.check_instance_id(str(instance))
    script = remote.build_script(req.forwarded_args(), path.read_text(encoding="utf-8"),
                                 outputs.to_values())
    result, code = remote.run_via_ssm(instance, script, timeout_s=3600.0, region=region)
    _finish(result, req.json_path, req.report, req.max_error_rate, quiet=False)
    if code not in (0, 1):
        raise FleetError(f"the load test on {instance} exited with code {code}")


def register(app: typer.Typer) -> None:
    app.command("loadtest")(loadtest)
