"""`rsfleet local ...`: run the fleet on this machine (PostgreSQL + HAProxy)."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from rsfleet.context import (
    DetailedExitcodeOption,
    EnvOption,
    JsonOption,
    SpecOption,
    StateDirOption,
    load_spec,
)
from rsfleet.errors import UsageError
from rsfleet.output import console, exit_if_problems, only_with_dry_run, plain, print_json

if TYPE_CHECKING:
    from rsfleet.lifecycle import NodeStatus
    from rsfleet.local.fleet import LocalFleet
    from rsfleet.spec.models import FleetSpec

app = typer.Typer(
    no_args_is_help=True,
    help="The local fleet: a PostgreSQL producer, one PostgreSQL cluster per consumer and "
    "HAProxy on 127.0.0.1, built from the same spec as the AWS fleet.",
)

StateDir = StateDirOption
NodeName = Annotated[str, typer.Argument(
    help="Consumer name (e.g. c1), producer, or lb (HAProxy; also spelled haproxy).")]


def _log(line: str) -> None:
    # soft_wrap: a path or a command in a line stays whole for copy and paste
    console.print(f"· {line}", highlight=False, markup=False, style="dim", soft_wrap=True)


def _open(env: str | None, spec: Path | None, state_dir: Path | None) -> "LocalFleet":
    from rsfleet.local.fleet import LocalFleet

    if env is None and spec is not None:
        env = load_spec(None, spec)[0].environment
    return LocalFleet.open(env, state_dir)


@app.command()
def up(
    env: EnvOption = None,
    spec: SpecOption = None,
    state_dir: StateDir = None,
    lb_port: Annotated[int, typer.Option(help="HAProxy port (the Redshift port).")] = 5439,
    base_port: Annotated[int, typer.Option(help="Producer port; consumers use the next ones.")
                         ] = 5440,
    controller: Annotated[bool, typer.Option(
        "--controller/--no-controller",
        help="Run the readiness controller (the AWS Lambda's loop) in the background.")
    ] = True,
) -> None:
    """Start the fleet from the spec (idempotent; recovers from a crashed run)."""
    from rsfleet.lifecycle import in_rotation
    from rsfleet.lifecycle import up as do_up
    from rsfleet.local.fleet import default_state_dir

    for port in (lb_port, base_port):
        if not 1024 <= port <= 65535:
            raise UsageError(f"port {port} out of range 1024-65535")
    fleet_def, _ = load_spec(env, spec)
    state = state_dir or default_state_dir(fleet_def.environment)
    fleet = do_up(fleet_def, state, lb_port=lb_port, base_port=base_port, log=_log)
    if controller:
        from rsfleet.lifecycle import start_controller

        start_controller(fleet, _log)
    args = plain(fleet.cli_args)
    console.print(f"[green]fleet {fleet.env} is up[/]: connect through HAProxy at "
                  f"127.0.0.1:{fleet.lb_port} (TLS, CA {plain(fleet.ca_file)}); "
                  f"`rsfleet local status {args}`", highlight=False, soft_wrap=True)
    if "--state-dir" in fleet.cli_args:
        # every later command must find this fleet again (its ports are in its fleet.json)
        console.print(f"this fleet lives in {plain(fleet.state_dir)}: pass `--state-dir "
                      f"{plain(fleet.state_dir)}` to every command, or `export "
                      f"RSFLEET_STATE_DIR={plain(fleet.state_dir)}`", highlight=False,
                      soft_wrap=True)
    _report_drift(fleet)
    if fleet.spec.datashares and not in_rotation(fleet):
        console.print("[yellow]no consumer is in rotation yet[/]: the shared schemas have no "
                      f"tables; load sample data with `rsfleet local seed {args}`",
                      highlight=False, soft_wrap=True)


def _report_drift(fleet: "LocalFleet") -> None:
    """Running consumers whose settings differ from the spec: `local rollout` applies them."""
    from rich.markup import escape

    from rsfleet.local.settings import fleet_drift

    drift = fleet_drift(fleet)
    for name, changes in drift.items():
        console.print(f"[yellow]{escape(name)} differs from the spec[/]: "
                      f"{escape('; '.join(map(str, changes)))}", highlight=False)
    if drift:
        console.print(f"apply it one consumer at a time (drained, then proven ready): "
                      f"`rsfleet local rollout {fleet.cli_args}` (--dry-run shows the steps)",
                      highlight=False, markup=False, soft_wrap=True)


@app.command()
def status(env: EnvOption = None, spec: SpecOption = None, state_dir: StateDir = None,
           json: JsonOption = False) -> None:
    """Processes, ports, pids, readiness, replication lag and sessions."""
    from rsfleet.lifecycle import status as do_status

    fleet = _open(env, spec, state_dir)
    rows = do_status(fleet)
    # exit 1 when a component is down or a probe could not run (docs/local-fleet.md)
    problems = [f"{r.name}: {r.problem}" for r in rows if r.problem]
    if json:
        print_json([r.__dict__ for r in rows])
        exit_if_problems(problems, "problem(s)")
        return
    table, notes = status_table(rows, fleet.cli_args)
    console.print(table)
    for line in notes:
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    exit_if_problems(problems, "problem(s)")


def status_table(rows: list["NodeStatus"], args: str = "") -> tuple[Table, list[str]]:
    """`NodeStatus` rows as a table of short values that fits 80 columns, and one line per
    consumer that is out of rotation or not ready, saying why (a reason column wrapped a
    long reason over 8 rows per consumer); the lines are printed below it, unwrapped."""
    table = Table(show_edge=False)
    for col in ("process", "port", "pid", "state", "ready", "lag", "sessions", "LB"):
        table.add_column(col, no_wrap=True)
    notes: list[str] = []
    for r in rows:
        ready = "" if r.ready is None else ("[green]yes[/]" if r.ready else "[red]no[/]")
        lb = "" if r.in_rotation is None else ("in" if r.in_rotation else "out")
        lag = ("" if r.role != "consumer" else "-" if r.lag_bytes is None
               else f"{r.lag_bytes} B")
        state = ("[green]up[/]" if r.up else "[red]down[/]") if r.state in ("", "running") \
            else ("off" if r.state == "off" else f"[red]{r.state}[/]")
        table.add_row(plain(r.name), "-" if r.port is None else str(r.port),
                      str(r.pid or "-"), state, ready, lag,
                      "" if r.sessions is None else str(r.sessions), lb)
        if r.role == "controller":  # how it is supervised, its restarts (or why it is down)
            notes.append(f"controller: {r.state}, {r.reason}")
        undrain = f"`rsfleet targets undrain {r.name}{' ' + args if args else ''}`"
        if r.drained:
            why = ("by the operator" if r.drained == "operator" else f"by the operator: "
                   f"{r.drained}" if r.drained not in ("rollout", "parked") else
                   f"by a {r.drained}")
            notes.append(f"{r.name}: drained {why}; {undrain} puts it back")
        elif r.ready is False:
            notes.append(f"{r.name}: not ready: {r.reason}")
    return table, notes


@app.command()
def seed(
    rows: Annotated[int, typer.Option(help="Rows in sales.orders.")] = 100_000,
    env: EnvOption = None, spec: SpecOption = None, state_dir: StateDir = None,
) -> None:
    """Load the sample `sales` schema on the producer and share it."""
    from rsfleet.context import check_range
    from rsfleet.lifecycle import seed as do_seed

    check_range(rows, "--rows", 0, 100_000_000)

    do_seed(_open(env, spec, state_dir), rows, log=_log)


@app.command()
def scale(
    count: Annotated[int, typer.Argument(help="Number of consumers.")],
    env: EnvOption = None, spec: SpecOption = None, state_dir: StateDir = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print which consumers would be added or removed (and drained), "
        "with the same checks; start nothing, change nothing.")] = False,
    drain_timeout: Annotated[float | None, typer.Option(
        help="Seconds to wait for a removed consumer's sessions to end before closing them "
        "(default: the spec's nlb.deregistration_delay).")] = None,
) -> None:
    """Add or remove consumers; new ones serve reads only once ready, removed ones drain."""
    from rsfleet.lifecycle import plan_scale
    from rsfleet.lifecycle import scale as do_scale

    # the same option and range as `local rollout --drain-timeout`
    if drain_timeout is not None and not 0 <= drain_timeout <= 3600:
        raise UsageError(f"--drain-timeout {drain_timeout:g}: must be 0-3600 seconds")
    fleet = _open(env, spec, state_dir)
    timeout = (float(fleet.spec.nlb.deregistration_delay) if drain_timeout is None
               else drain_timeout)
    if dry_run:
        plan = plan_scale(fleet, count, drain_timeout=timeout)
        for line in plan.lines():
            console.print(line, highlight=False, markup=False, soft_wrap=True)
        console.print("dry run: nothing was changed", highlight=False, markup=False)
        return
    fleet = do_scale(fleet, count, log=_log, drain_timeout=timeout)
    console.print(f"{len(fleet.spec.consumers)} consumer(s): {', '.join(fleet.spec.consumers)}")


@app.command()
def kill(name: NodeName, env: EnvOption = None, spec: SpecOption = None,
         state_dir: StateDir = None) -> None:
    """Crash a consumer (SIGKILL of its postmaster) or the LB (`lb`), for demos and tests."""
    from rsfleet.lifecycle import kill as do_kill

    pid = do_kill(_open(env, spec, state_dir), name)
    console.print(f"killed {name} (pid {pid})")


@app.command()
def restart(name: NodeName, env: EnvOption = None, spec: SpecOption = None,
            state_dir: StateDir = None) -> None:
    """Restart a consumer, the producer or the LB (`lb`); consumers rejoin when ready."""
    from rsfleet.lifecycle import restart as do_restart

    do_restart(_open(env, spec, state_dir), name, log=_log)


@app.command()
def down(
    env: EnvOption = None, spec: SpecOption = None, state_dir: StateDir = None,
    purge: Annotated[bool, typer.Option(
        "--purge", help="Also delete the state dir (data, secrets); its backups (WAL "
        "archive, base backups) are kept in kept-backup-<time>/ unless --with-backups.")
    ] = False,
    with_backups: Annotated[bool, typer.Option(
        "--with-backups", help="With --purge: delete the backups too.")] = False,
) -> None:
    """Stop every process of the fleet (by pid file). Keeps data unless --purge; keeps
    backups unless --purge --with-backups."""
    from rsfleet.errors import FleetError
    from rsfleet.lifecycle import down as do_down
    from rsfleet.lifecycle import down_state_dir
    from rsfleet.local.fleet import default_state_dir
    from rsfleet.workspace import only_fleet

    if with_backups and not purge:
        raise UsageError("--with-backups deletes the backups only with --purge",
                         hint="pass --purge --with-backups, or neither")
    if env is None and spec is None and state_dir is None:
        found = only_fleet()  # the only fleet under .rsfleet/, or exit 2 listing them
        if found is None:
            console.print("nothing to stop: no local fleet under .rsfleet/", highlight=False)
            return
        env, state_dir = found
    if env is None and spec is not None:
        env = load_spec(None, spec)[0].environment
    try:
        fleet = _open(env, spec, state_dir)
    except (FleetError, UsageError):
        target = state_dir or (default_state_dir(env) if env else None)
        if target is not None and target.exists():
            # fleet.json missing or corrupt: stop what the dir's own pid files name
            down_state_dir(target, purge=purge, log=_log, env=env, backups=with_backups)
            return
        console.print(f"nothing to stop: no local fleet in {target}", highlight=False,
                      markup=False)
        return
    do_down(fleet, purge=purge, log=_log, env=env or fleet.env, backups=with_backups)


@app.command()
def credentials(
    env: EnvOption = None, spec: SpecOption = None, state_dir: StateDir = None,
    show: Annotated[bool, typer.Option("--show", help="Print the passwords too.")] = False,
    json: JsonOption = False,
) -> None:
    """Connection settings per role, and a psql line to paste (passwords only with --show)."""
    import shlex

    from psycopg.conninfo import make_conninfo

    fleet = _open(env, spec, state_dir)
    out = []
    for role, node in (("app_reader", "lb"), ("etl_writer", "producer")):
        kw = fleet.connect_kwargs(node, role)
        if not show:
            kw["password"] = "(hidden: pass --show)"  # noqa: S105 - a placeholder
        out.append({"role": role, **kw})
    if json:
        print_json(out)
        return
    what = {"app_reader": "read-only, through HAProxy", "etl_writer": "writes, on the producer"}
    for item in out:
        # one conninfo with user= (else psql logs in as the OS user), printed unwrapped so it
        # can be pasted at any terminal width; the password never goes into it (nor into
        # psql's argv): psql asks for it
        conninfo = make_conninfo(**{k: item[k] for k in (
            "host", "port", "user", "dbname", "sslmode", "sslrootcert")})
        lines = [f"{item['role']} ({what[item['role']]}):", f"  {conninfo}",
                 f"  psql {shlex.quote(conninfo)}",
                 f"  password: {item['password']}"]
        for line in lines:
            console.print(line, highlight=False, markup=False, soft_wrap=True)


def _same_consumers_as_recorded(fleet: "LocalFleet", file_spec: "FleetSpec") -> None:
    """A rollout applies the spec `local up` recorded in the state dir; a spec file that
    says otherwise must go through `local up` first (it records it and names what differs)."""
    differ = sorted(n for n, c in file_spec.consumers.items()
                    if fleet.spec.consumers.get(n) != c)
    if differ:  # (consumers the file lacks may come from `local scale`: they stay)
        raise UsageError(f"the spec file differs from the fleet's recorded spec for consumer(s) "
                         f"{', '.join(differ)}; nothing was changed",
                         hint=f"run `rsfleet local up {fleet.cli_args}` first: it records the "
                         "spec and says which consumers `local rollout` will change")


@app.command()
def rollout(
    env: EnvOption = None, spec: SpecOption = None, state_dir: StateDir = None,
    restart: Annotated[bool, typer.Option(
        "--restart", help="Also restart every consumer (a new postmaster), one at a time.")
    ] = False,
    max_unavailable: Annotated[int, typer.Option(
        help="Consumers out of rotation at once (never the last ready one).")] = 1,
    drain_timeout: Annotated[float | None, typer.Option(
        help="Seconds to wait for a drained consumer's sessions to end before closing them "
        "(default: the spec's nlb.deregistration_delay).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the steps, change nothing.")
                       ] = False,
    detailed_exitcode: DetailedExitcodeOption = False,
) -> None:
    """Apply the spec's consumer settings one consumer at a time: drain, wait for its
    sessions, change (or restart), wait until a real query passes, undrain."""
    import contextlib

    from rich.markup import escape

    from rsfleet.commands.rollout_view import show_plan
    from rsfleet.local import state
    from rsfleet.rollout.engine import plan_for, sync
    from rsfleet.rollout.local import LocalExecutor

    only_with_dry_run(detailed_exitcode, dry_run)
    if max_unavailable < 1:
        raise UsageError(f"--max-unavailable {max_unavailable}: must be at least 1",
                         hint="1 takes one consumer out at a time")
    if drain_timeout is not None and not 0 <= drain_timeout <= 3600:
        raise UsageError(f"--drain-timeout {drain_timeout:g}: must be 0-3600 seconds")
    fleet = _open(env, spec, state_dir)
    if spec is not None or env is not None:
        _same_consumers_as_recorded(fleet, load_spec(env, spec)[0])
    backend = LocalExecutor(fleet, restart=restart, drain_timeout=drain_timeout, log=_log)
    # one change at a time per fleet: a second rollout (or scale, up, ...) is refused at once
    with (contextlib.nullcontext() if dry_run
          else state.locked(fleet.state_dir, "rsfleet local rollout")):
        first = plan_for(backend, max_unavailable)
        for name in backend.not_running:
            console.print(f"[yellow]{escape(name)} is not running[/]: not changed (start it "
                          f"with `rsfleet local restart {escape(name)}`)", highlight=False)
        result = sync(first, backend, dry_run, log=_log)
    if not result.done:
        console.print("nothing to change: every running consumer matches the spec",
                      highlight=False)
    if dry_run:
        show_plan(result.plan)
    elif result.done:
        console.print(f"[green]rollout done[/]: {len(result.changed)} consumer(s) changed "
                      f"({escape(', '.join(result.changed)) or 'none'}) in {result.waves} "
                      "wave(s)", highlight=False)
    if status := result.exit_status(detailed=detailed_exitcode):
        raise typer.Exit(status)
