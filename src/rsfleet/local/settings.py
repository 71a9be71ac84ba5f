"""Spec consumer -> PostgreSQL settings of a local consumer (pure), and reading/applying them.

What the AWS workgroup gets, the local consumer mirrors for its reader role(s):

- ``query_timeout_seconds`` -> ``statement_timeout`` of the reader role (``ALTER ROLE ... SET``;
  a session opened after the change gets it, open sessions keep theirs: that is why a change
  is rolled out with drains, `rsfleet local rollout`). On AWS the same spec field is the
  workgroup's ``max_query_execution_time`` (terraform/modules/consumer/main.tf).
- reader connection limit 2,000 (``ALTER ROLE ... CONNECTION LIMIT``): Redshift Serverless
  allows at most 2,000 connections to a workgroup ("Number of maximum connections | 2000 |
  not adjustable", Quotas for Amazon Redshift Serverless objects,
  https://docs.aws.amazon.com/redshift/latest/mgmt/amazon-redshift-limits.html#serverless-limits-account).
  Locally ``max_connections`` (300, rsfleet.local.fleet.COMMON_SETTINGS) binds first; the
  role limit states the AWS bound so a client that needs more than 2,000 sessions per
  consumer fails here the way it would there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rsfleet.spec.models import Consumer

if TYPE_CHECKING:
    import psycopg

    from rsfleet.local.fleet import LocalFleet

READER_ROLES: tuple[str, ...] = ("app_reader",)
# https://docs.aws.amazon.com/redshift/latest/mgmt/amazon-redshift-limits.html#serverless-limits-account
SERVERLESS_MAX_CONNECTIONS = 2000


@dataclass(frozen=True)
class RoleSettings:
    """What one role on a consumer should have. ``statement_timeout`` as PostgreSQL stores
    it in ``pg_db_role_setting`` (``"3600s"``); ``connection_limit`` as ``rolconnlimit``
    (-1 = unlimited)."""

    statement_timeout: str | None
    connection_limit: int


@dataclass(frozen=True)
class SettingChange:
    """One difference between a consumer and its spec. ``needs``: what makes it effective
    (``session``: sessions opened after the change)."""

    role: str
    setting: str
    current: str
    desired: str
    needs: str = "session"

    def __str__(self) -> str:
        return f"{self.setting} of {self.role} {self.current} -> {self.desired}"


def consumer_settings(consumer: Consumer) -> dict[str, RoleSettings]:
    """The settings each reader role of a consumer must have (pure)."""
    wanted = RoleSettings(statement_timeout=f"{consumer.query_timeout_seconds}s",
                          connection_limit=SERVERLESS_MAX_CONNECTIONS)
    return {role: wanted for role in READER_ROLES}


def diff(desired: Mapping[str, RoleSettings],
         actual: Mapping[str, RoleSettings | None]) -> list[SettingChange]:
    """What differs, role by role (pure). A role missing from ``actual`` has no settings."""
    out: list[SettingChange] = []
    for role, want in sorted(desired.items()):
        have = actual.get(role) or RoleSettings(None, -1)
        if have.statement_timeout != want.statement_timeout:
            out.append(SettingChange(role, "statement_timeout",
                                     have.statement_timeout or "(none)",
                                     want.statement_timeout or "(none)"))
        if have.connection_limit != want.connection_limit:
            out.append(SettingChange(role, "connection limit", _limit(have.connection_limit),
                                     _limit(want.connection_limit)))
    return out


def _limit(n: int) -> str:
    return "unlimited" if n < 0 else str(n)


def read(conn: psycopg.Connection[tuple[Any, ...]],
         roles: tuple[str, ...] = READER_ROLES) -> dict[str, RoleSettings | None]:
    """The roles' settings as the server has them (None: no such role). ``conn``: a psycopg
    connection to the consumer (any database; role settings for all databases are read)."""
    out: dict[str, RoleSettings | None] = {}
    for role in roles:
        row = conn.execute(
            "SELECT r.rolconnlimit, (SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s "
            "  WHERE s.setrole = r.oid AND s.setdatabase = 0) "
            "FROM pg_catalog.pg_roles r WHERE r.rolname = %s", (role,)).fetchone()
        if row is None:
            out[role] = None
            continue
        timeout = next((item.split("=", 1)[1] for item in (row[1] or [])
                        if item.startswith("statement_timeout=")), None)
        out[role] = RoleSettings(timeout, int(row[0]))
    return out


def apply(conn: psycopg.Connection[tuple[Any, ...]],
          desired: Mapping[str, RoleSettings]) -> list[str]:
    """Set the roles' settings (autocommit connection as a superuser); returns the statements
    run (no secrets in them). Roles must exist."""
    from psycopg import sql

    done: list[str] = []
    for role, want in sorted(desired.items()):
        stmts = [sql.SQL("ALTER ROLE {} CONNECTION LIMIT {}").format(
            sql.Identifier(role), sql.Literal(int(want.connection_limit)))]
        if want.statement_timeout is None:
            stmts.append(sql.SQL("ALTER ROLE {} RESET statement_timeout").format(
                sql.Identifier(role)))
        else:
            stmts.append(sql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(
                sql.Identifier(role), sql.Literal(want.statement_timeout)))
        for stmt in stmts:
            conn.execute(stmt)
            done.append(stmt.as_string(conn))
    return done


# -- the local fleet ------------------------------------------------------------------------

def fleet_drift(fleet: LocalFleet, names: list[str] | None = None,
                ) -> dict[str, list[SettingChange]]:
    """Consumer -> what differs from the spec (running consumers only; empty lists left out)."""
    import psycopg

    out: dict[str, list[SettingChange]] = {}
    for name in names if names is not None else list(fleet.spec.consumers):
        if not fleet.node(name).is_running():
            continue
        with psycopg.connect(**fleet.admin_kwargs(name), autocommit=True) as conn:
            changes = diff(consumer_settings(fleet.spec.consumers[name]), read(conn))
        if changes:
            out[name] = changes
    return out


def apply_to_consumer(fleet: LocalFleet, name: str) -> list[str]:
    """Give consumer ``name`` the settings of the fleet's spec (sessions opened afterwards
    get them)."""
    import psycopg

    with psycopg.connect(**fleet.admin_kwargs(name), autocommit=True) as conn:
        return apply(conn, consumer_settings(fleet.spec.consumers[name]))
