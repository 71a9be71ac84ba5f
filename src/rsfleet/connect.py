"""`rsfleet connect NAME --iam`: a psql session on one workgroup with a fresh IAM token.

Why per workgroup, and not through the NLB: GetCredentials takes the workgroup (its name, or
a custom domain name) and returns a user name and a temporary password "with temporary
authorization to log in to Amazon Redshift Serverless" for that workgroup; the IAM
permission is granted per workgroup ARN
(https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_GetCredentials.html).
The documentation does not say that a token for one workgroup is accepted by another, and a
session through the NLB lands on whichever consumer the NLB picks. So rsfleet treats IAM
authentication as per consumer: applications behind the NLB use a database user and
password (Secrets Manager); IAM sessions go to one workgroup's own endpoint, with this
command. (terraform/README.md, "IAM".)

Secrets: the token goes to psql in its environment (PGPASSWORD), never in argv, never
printed. `--print` prints a command that fetches its own token with the AWS CLI.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rsfleet.errors import FleetError, UsageError

if TYPE_CHECKING:  # types only, nothing imported at run time
    from mypy_boto3_redshift_serverless import RedshiftServerlessClient

SSLMODES = ("require", "verify-ca", "verify-full")
MIN_DURATION, MAX_DURATION = 900, 3600  # GetCredentials durationSeconds range


@dataclass(frozen=True)
class IamSession:
    workgroup: str
    host: str
    port: int
    dbname: str
    user: str
    password: str
    expiration: dt.datetime | None

    def __repr__(self) -> str:  # never show the token
        return (f"IamSession(workgroup={self.workgroup!r}, host={self.host!r}, "
                f"port={self.port}, dbname={self.dbname!r}, user={self.user!r})")


def check_duration(seconds: int) -> int:
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise UsageError(f"--duration {seconds}: GetCredentials allows {MIN_DURATION}-"
                         f"{MAX_DURATION} seconds")
    return seconds


def iam_session(rs: RedshiftServerlessClient, workgroup: str, dbname: str,
                duration: int = MIN_DURATION) -> IamSession:
    """GetWorkgroup (its endpoint) + GetCredentials (user and token) for one workgroup."""
    from botocore.exceptions import BotoCoreError, ClientError

    from rsfleet.adapters import aws_errors

    try:
        wg = rs.get_workgroup(workgroupName=workgroup)["workgroup"]
        ep = wg.get("endpoint") or {}
        if not ep.get("address"):
            raise FleetError(f"workgroup {workgroup} has no endpoint yet (status "
                             f"{wg.get('status', '?')})", hint="wait until it is AVAILABLE")
        creds = rs.get_credentials(workgroupName=workgroup, dbName=dbname,
                                   durationSeconds=check_duration(duration))
    except (BotoCoreError, ClientError) as exc:
        code = aws_errors.error_code(exc)
        hint = ("your principal needs redshift-serverless:GetCredentials on this workgroup "
                "(rsfleet iam-policy --for app)" if code == "AccessDeniedException" else
                "check the name and --env" if code == "ResourceNotFoundException" else None)
        raise aws_errors.translate(exc, workgroup, hint=hint, credentials="to ask for an IAM token",
                                   credentials_hint="configure AWS credentials (AWS_PROFILE, ...)"
                                   ) from None
    return IamSession(workgroup, str(ep["address"]), int(ep.get("port") or 5439), dbname,
                      str(creds["dbUser"]), str(creds["dbPassword"]), creds.get("expiration"))


def conninfo(session: IamSession, sslmode: str) -> str:
    """libpq connection string without the password."""
    if sslmode not in SSLMODES:
        raise UsageError(f"--sslmode {sslmode!r}: use one of {', '.join(SSLMODES)}")
    parts = {"host": session.host, "port": str(session.port), "dbname": session.dbname,
             "user": session.user, "sslmode": sslmode}
    if sslmode == "verify-full" or sslmode == "verify-ca":
        parts["sslrootcert"] = "system"  # the Amazon root CAs in the system store
    return " ".join(f"{k}={_libpq_quote(v)}" for k, v in parts.items())


def _libpq_quote(value: str) -> str:
    if value and all(c.isalnum() or c in "-._:@" for c in value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def psql_argv(session: IamSession, sslmode: str, psql: str = "psql",
              extra: list[str] | None = None) -> list[str]:
    return [psql, conninfo(session, sslmode), *(extra or [])]


def print_command(session: IamSession, region: str, sslmode: str, duration: int) -> str:
    """A shell command that fetches its own fresh token (no secret in what rsfleet prints)."""
    fetch = ["aws", "redshift-serverless", "get-credentials", "--region", region,
             "--workgroup-name", session.workgroup, "--db-name", session.dbname,
             "--duration-seconds", str(duration), "--query", "dbPassword", "--output", "text"]
    return (f'PGPASSWORD="$({shlex.join(fetch)})" '
            f"{shlex.join(['psql', conninfo(session, sslmode)])}")


def run_psql(session: IamSession, sslmode: str, psql: str = "psql",
             extra: list[str] | None = None) -> int:
    """Run psql with the token in its environment; its exit code."""
    exe = shutil.which(psql)
    if exe is None:
        raise UsageError(f"{psql!r} not found", hint="install the PostgreSQL client (psql) or "
                         "pass --psql PATH, or use --print")
    env = {**os.environ, "PGPASSWORD": session.password}
    return subprocess.run(psql_argv(session, sslmode, exe, extra), env=env,
                          check=False).returncode
