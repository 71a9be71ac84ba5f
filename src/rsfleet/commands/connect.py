"""`rsfleet connect NAME --iam`: psql on one workgroup with a fresh IAM token."""

from typing import Annotated

import typer

from rsfleet.context import EnvOption, SpecOption, load_spec


def connect(
    name: Annotated[str, typer.Argument(help="A consumer name, or 'producer'.")],
    env: EnvOption = None,
    spec: SpecOption = None,
    iam: Annotated[bool, typer.Option(
        "--iam", help="Authenticate with a temporary token from GetCredentials (required: "
        "the only method this command offers).")] = False,
    db: Annotated[str | None, typer.Option(
        "--db", help="Database (default: the producer's database_name).")] = None,
    duration: Annotated[int, typer.Option(
        "--duration", help="Token lifetime in seconds (900-3600).")] = 900,
    sslmode: Annotated[str, typer.Option(
        "--sslmode", help="require, verify-ca or verify-full (the certificate names the "
        "workgroup, so verify-full works on a direct session).")] = "require",
    print_: Annotated[bool, typer.Option(
        "--print", help="Print a psql command that fetches its own token (aws CLI) instead "
        "of running psql; nothing secret is printed.")] = False,
    psql: Annotated[str, typer.Option("--psql", help="The psql to run.")] = "psql",
    command: Annotated[str | None, typer.Option(
        "-c", "--command", help="Run this SQL and exit (passed to psql -c).")] = None,
) -> None:
    """A direct session on one workgroup with IAM credentials (not through the NLB: a token
    is requested for one workgroup). The token reaches psql in PGPASSWORD, never in argv."""
    from rsfleet.adapters.redshift_serverless import client
    from rsfleet.connect import check_duration, iam_session, print_command, run_psql
    from rsfleet.errors import UsageError
    from rsfleet.output import console

    if not iam:
        raise UsageError("rsfleet connect needs --iam (IAM authentication is its only method)",
                         hint="for password sessions use psql with the secret's credentials")
    check_duration(duration)
    fleet, _ = load_spec(env, spec)
    if name != "producer" and name not in fleet.consumers:
        raise UsageError(f"{name!r} is neither 'producer' nor a consumer of the spec "
                         f"(consumers: {', '.join(sorted(fleet.consumers))})")
    workgroup = fleet.workgroup_name(None if name == "producer" else name)
    session = iam_session(client(fleet.aws_region), workgroup,
                          db or fleet.producer.database_name, duration)
    if print_:
        console.print(print_command(session, fleet.aws_region, sslmode, duration),
                      highlight=False, markup=False, soft_wrap=True)
        return
    code = run_psql(session, sslmode, psql, ["-c", command] if command else None)
    if code:
        raise typer.Exit(code)  # psql's own status, passed through as `psql` would end


def register(app: typer.Typer) -> None:
    app.command("connect")(connect)
