"""`rsfleet diagnose`: walk the chain from the spec to the shared data; show the fix."""

from typing import Annotated

import typer

from rsfleet.context import (
    EnvOption,
    JsonOption,
    SpecOption,
    StateDirOption,
    TfOutputsOption,
    app_context,
)
from rsfleet.status import ExitStatus

_STYLE = {"ok": "green", "broken": "bold red", "warning": "yellow", "skipped": "dim"}
_LABEL = {"ok": "ok", "broken": "BROKEN", "warning": "warn", "skipped": "skip"}


def diagnose(
    ctx: typer.Context,
    env: EnvOption = None,
    spec: SpecOption = None,
    state_dir: StateDirOption = None,
    tf_outputs: TfOutputsOption = None,
    host: Annotated[str | None, typer.Option("--host", help="Check this LB host instead.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Check this LB port instead.")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Authenticate as this user.")] = None,
    password_secret_arn: Annotated[str | None, typer.Option(
        "--password-secret-arn", help="aws: credentials from this Secrets Manager secret "
        "(else --user and PGPASSWORD).")] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds per network step.")] = 5.0,
    all_: Annotated[bool, typer.Option(
        "--all", help="Continue past the first broken link (where later links can run).")] = False,
    json: JsonOption = False,
) -> None:
    """Check the chain spec -> LB DNS -> TCP -> TLS -> auth -> targets -> shared data.

    Stops at the first broken link and prints its fix. Exit 1 when anything is broken.
    """
    from rsfleet.context import check_range
    from rsfleet.diagnose.checks import DiagContext, run_chain
    from rsfleet.output import console, plain, print_json

    check_range(port, "--port", 1, 65535)
    if timeout <= 0 or timeout > 300:
        from rsfleet.errors import UsageError

        raise UsageError(f"--timeout {timeout}: must be between 0 and 300 seconds")
    if password_secret_arn:
        from rsfleet.adapters.secretsmanager import check_secret_arn

        # A malformed ARN is bad input (exit 2), not a broken link in the chain (exit 1).
        check_secret_arn(password_secret_arn, "--password-secret-arn")
    backend = app_context(ctx).backend.value
    dctx = DiagContext(backend=backend, env=env, spec_path=spec,
                       state_dir=state_dir, tf_outputs=tf_outputs, host=host, port=port,
                       user=user, password_secret_arn=password_secret_arn, timeout=timeout)
    if backend == "local":
        from rsfleet.local.fleet import LocalFleet, cli_args

        dctx.open_local = lambda: LocalFleet.open(env, state_dir)
        dctx.local_args = cli_args(env, state_dir)
    report = run_chain(dctx, keep_going=all_)
    if json:
        print_json(report)
    else:
        for c in report.checks:
            line = (f"[{_STYLE[c.status]}]{_LABEL[c.status]:>6}[/]  [bold]{c.link}[/]"
                    f"{'' if c.name == c.link else ' ' + c.name}")
            if c.detail:
                line += f": {plain(c.detail)}"
            console.print(line, highlight=False, soft_wrap=True)
            if c.fix and c.status in ("broken", "warning"):
                console.print(f"{'':>8}fix: {c.fix}", highlight=False, soft_wrap=True,
                              markup=False)
        console.print("[green]all links ok[/]" if report.ok else
                      f"[bold red]broken:[/] {plain(report.stopped_at or 'see above')}")
    if not report.ok:
        raise typer.Exit(ExitStatus.ERROR)


def register(app: typer.Typer) -> None:
    app.command("diagnose")(diagnose)
