"""The AWS readiness probe's login: ``rsfleet_probe`` on every consumer, its password in the
probe secret (Terraform output ``probe_secret_arn``), as part of ``share plan/apply``.

The local fleet has the same login (``rsfleet.local.fleet.probe_role``); on AWS the
controller Lambda reads the secret (``RSFLEET_PROBE_SECRET_ARN``) and connects as that user
to each consumer's endpoint. Terraform creates the secret without a value, so the password
never enters Terraform state; this module:

1. reads the secret's tags and whether it has a value (DescribeSecret, no value read);
2. when it has none and is rsfleet's (tag ``rsfleet:probe-login``, set by
   terraform/modules/controller) or the one the spec names: generates a password
   (``secrets``), and stores ``{"username": "rsfleet_probe", "password": ...}`` with
   PutSecretValue **after** the consumers took it (a run that stops half-way leaves the
   secret empty, so the next run generates a new password and sets it everywhere);
3. on each consumer (admin secret, Data API): creates the user when missing, sets its
   password when the secret got a new one, and grants USAGE on each database created from
   a datashare the consumer receives (what the probe's data check reads).

The plaintext password is never in SQL text (Data API statements are visible in
DescribeStatement and SYS_QUERY_HISTORY): CREATE/ALTER USER take ``'md5' || md5(password ||
username)`` instead, "PASSWORD { 'password' | 'md5hash' | 'sha256hash' | DISABLE }"
(https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_USER.html,
https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_USER.html). The hash is not printed
either: shown plans carry a placeholder.

GRANT USAGE ON DATABASE on a database created from a datashare (without WITH PERMISSIONS)
gives read access to all its objects
(https://docs.aws.amazon.com/redshift/latest/dg/writes-granting.html). Observed grants come
from SVV_DATABASE_PRIVILEGES (database_name, privilege_type, identity_name, identity_type)
https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_DATABASE_PRIVILEGES.html

rsfleet touches only the user ``rsfleet_probe``: a secret that names another user is used
by the controller as is, and its login is the user's to create.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rsfleet.errors import UsageError
from rsfleet.fleet import PROBE
from rsfleet.spec.identifiers import check_identifier, quote_ident

if TYPE_CHECKING:  # types only, nothing imported at run time
    from mypy_boto3_secretsmanager import SecretsManagerClient

    from rsfleet.adapters.redshift_data import DataApi, Target
    from rsfleet.spec.models import FleetSpec

PROBE_USER = check_identifier(PROBE, "probe user")  # rsfleet_probe
PROBE_TAG = "rsfleet:probe-login"  # terraform/modules/controller tags its secret so
HASH_SHOWN = "<md5 of the probe secret's password>"
SECRETS_WHERE = "secretsmanager"


@dataclass(frozen=True)
class SecretState:
    arn: str
    owned: bool  # tagged rsfleet:probe-login, or the one the spec names
    has_value: bool
    username: str | None = None  # from its value, when it has one


@dataclass(frozen=True)
class LoginState:
    exists: bool = False
    usage: frozenset[str] = frozenset()  # databases the user has USAGE on


@dataclass(frozen=True)
class ProbeStep:
    """One step of the probe login (a ShareStep): SQL on a consumer, or the secret write."""

    kind: str  # "create" | "password" | "grant" | "secret"
    where: str  # the consumer's workgroup, or "secretsmanager"
    consumer: str | None = None
    database: str | None = None
    secret_arn: str | None = None

    @property
    def target(self) -> str:
        return f"consumer {self.consumer}" if self.consumer else "probe secret"

    @property
    def description(self) -> str:
        match self.kind:
            case "create":
                return f"create probe login {PROBE_USER} on {self.consumer}"
            case "password":
                return f"set the password of {PROBE_USER} on {self.consumer}"
            case "grant":
                return f"grant usage on {self.database} to {PROBE_USER} on {self.consumer}"
        return f"store the generated password of {PROBE_USER} in {self.secret_arn}"

    def sql(self, password_hash: str) -> str:
        user = quote_ident(PROBE_USER)
        match self.kind:
            case "create":
                return f"CREATE USER {user} PASSWORD '{password_hash}';"
            case "password":
                return f"ALTER USER {user} PASSWORD '{password_hash}';"
            case "grant":
                return f"GRANT USAGE ON DATABASE {quote_ident(str(self.database))} TO {user};"
        return (f"-- PutSecretValue {self.secret_arn}: "
                f'{{"username": "{PROBE_USER}", "password": <generated, never shown>}}')

    @property
    def statement(self) -> str:
        """As shown: the hash replaced by a placeholder."""
        return self.sql(HASH_SHOWN)

    def to_json(self) -> dict[str, str]:
        return {"target": self.target, "workgroup": self.where, "sql": self.statement,
                "step": self.description}


def md5_password(password: str, username: str = PROBE_USER) -> str:
    """Redshift's MD5 password form: 'md5' + md5(password + username), lowercase hex."""
    # Redshift's format, not a choice of hash: the `md5hash` form of CREATE USER
    digest = hashlib.md5((password + username).encode("utf-8"),
                         usedforsecurity=False).hexdigest()
    return f"md5{digest}"


def new_password(length: int = 40) -> str:
    """Letters and digits, at least one of each kind (Redshift's plaintext rules, kept even
    though the hash is what is sent)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length))
        if (any(c.islower() for c in pw) and any(c.isupper() for c in pw)
                and any(c.isdigit() for c in pw)):
            return pw


def check_writable(secret: SecretState) -> None:
    """An empty secret gets a generated password only when it is rsfleet's (tagged
    ``rsfleet:probe-login``) or the spec names it; otherwise one line, exit 2."""
    if not secret.has_value and not secret.owned:
        raise UsageError(
            f"probe secret {secret.arn} has no value and is neither tagged {PROBE_TAG} nor "
            "the spec's controller.probe_secret_arn: rsfleet does not write into it",
            hint=f'store {{"username": "{PROBE_USER}", "password": ...}} in it, or name it '
            "in the spec's controller.probe_secret_arn")


def plan(secret: SecretState, desired: Mapping[str, Sequence[str]],
         observed: Mapping[str, LoginState], workgroups: Mapping[str, str],
         ) -> tuple[list[ProbeStep], list[str]]:
    """Steps (pure): per consumer in name order, create or re-password, then grants; the
    secret write last. Returns (steps, notes)."""
    if secret.has_value and secret.username != PROBE_USER:
        return [], [f"probe secret {secret.arn} names user {secret.username!r}, not "
                    f"{PROBE_USER}: rsfleet leaves that login alone (create it on every "
                    "consumer with USAGE on the shared databases yourself)"]
    new = not secret.has_value
    check_writable(secret)
    steps: list[ProbeStep] = []
    for consumer in sorted(desired):
        wg = workgroups[consumer]
        have = observed.get(consumer, LoginState())
        if not have.exists:
            steps.append(ProbeStep("create", wg, consumer))
        elif new:
            steps.append(ProbeStep("password", wg, consumer))
        for db in sorted(set(desired[consumer])):
            if db not in have.usage:
                steps.append(ProbeStep("grant", wg, consumer, database=db))
    if new:
        steps.append(ProbeStep("secret", SECRETS_WHERE, secret_arn=secret.arn))
    return steps, []


def desired_databases(spec: FleetSpec) -> dict[str, list[str]]:
    """consumer -> the databases created from the datashares it receives (every consumer:
    the login exists even where there is nothing shared, so `SELECT 1` works)."""
    return {name: sorted({check_identifier(spec.database_for(s), "database")
                          for s in spec.shares_of(name)})
            for name in sorted(spec.consumers)}


USER_SQL = f"SELECT usename FROM pg_user WHERE usename = '{PROBE_USER}';"
USAGE_SQL = ("SELECT database_name FROM svv_database_privileges WHERE identity_type = 'user' "
             f"AND identity_name = '{PROBE_USER}' AND privilege_type = 'USAGE';")


def observe(api: DataApi, targets: Mapping[str, Target]) -> dict[str, LoginState]:
    """The login on each consumer (``targets``: consumer -> Data API Target, admin secret)."""
    out: dict[str, LoginState] = {}
    for name, target in sorted(targets.items()):
        if not api.query(USER_SQL, target):
            out[name] = LoginState()
            continue
        rows = api.query(USAGE_SQL, target)
        out[name] = LoginState(True, frozenset((r.get("database_name") or "").strip()
                                               for r in rows))
    return out


def secret_state(arn: str, client: SecretsManagerClient, *,
                 spec_arn: str | None) -> tuple[SecretState, str | None]:
    """The secret's state and, when it has a value naming rsfleet_probe, its password."""
    from rsfleet.adapters import secretsmanager as sm

    sm.check_secret_arn(arn, "probe_secret_arn")
    tags, has_value = sm.describe(arn, client=client)
    owned = PROBE_TAG in tags or arn == spec_arn
    if not has_value:
        return SecretState(arn, owned, False), None
    user, password = sm.read_secret(arn, client=client, option_name="probe_secret_arn")
    return SecretState(arn, owned, True, user), (password if user == PROBE_USER else None)


def run(steps: Sequence[ProbeStep], *, api: DataApi, targets: Mapping[str, Target],
        password: str, secrets_client: SecretsManagerClient,
        on_step: Callable[[ProbeStep], None] | None = None) -> list[ProbeStep]:
    """Carry the steps out in order (the secret write is last); stop at the first failure."""
    from rsfleet.adapters import secretsmanager as sm

    hashed = md5_password(password)
    done: list[ProbeStep] = []
    for step in steps:
        if on_step:
            on_step(step)
        if step.kind == "secret":
            sm.put_json(str(step.secret_arn), {"username": PROBE_USER, "password": password},
                        client=secrets_client)
        else:
            api.execute(step.sql(hashed), targets[str(step.consumer)])
        done.append(step)
    return done

