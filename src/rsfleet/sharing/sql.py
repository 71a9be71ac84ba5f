"""Planner actions as Redshift SQL. Identifiers validated and double-quoted; GUIDs validated.

Statements follow the AWS data sharing docs:
- https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_DATASHARE.html
- https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html (USAGE ON DATASHARE ... NAMESPACE)
- https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_DATABASE.html (FROM DATASHARE ...)
"""

from __future__ import annotations

from collections.abc import Mapping

from rsfleet.sharing import planner as p
from rsfleet.sharing.model import FleetShareState, desired_from_spec
from rsfleet.spec.identifiers import quote_ident as q
from rsfleet.spec.identifiers import quote_literal_namespace as ns
from rsfleet.spec.models import FleetSpec


def statement(
    action: p.Action, *, producer_namespace_id: str, consumer_namespace_ids: Mapping[str, str]
) -> str:
    s = q(action.share)
    match action:
        case p.CreateShare():
            return f"CREATE DATASHARE {s};"
        case p.AddSchema(schema=schema):
            return f"ALTER DATASHARE {s} ADD SCHEMA {q(schema)};"
        case p.AddAllTables(schema=schema):
            return f"ALTER DATASHARE {s} ADD ALL TABLES IN SCHEMA {q(schema)};"
        case p.SetIncludeNew(schema=schema):
            return f"ALTER DATASHARE {s} SET INCLUDENEW = TRUE FOR SCHEMA {q(schema)};"
        case p.AddTable(schema=schema, table=table):
            return f"ALTER DATASHARE {s} ADD TABLE {q(schema)}.{q(table)};"
        case p.RemoveSchema(schema=schema):
            return f"ALTER DATASHARE {s} REMOVE SCHEMA {q(schema)};"
        case p.RemoveTable(schema=schema, table=table):
            return f"ALTER DATASHARE {s} REMOVE TABLE {q(schema)}.{q(table)};"
        case p.Grant(consumer=consumer):
            guid = ns(consumer_namespace_ids[consumer])
            return f"GRANT USAGE ON DATASHARE {s} TO NAMESPACE {guid};"
        case p.Revoke(consumer=consumer):
            guid = ns(consumer_namespace_ids[consumer])
            return f"REVOKE USAGE ON DATASHARE {s} FROM NAMESPACE {guid};"
        case p.DropShare():
            return f"DROP DATASHARE {s};"
        case p.Mount(database=database):
            return (
                f"CREATE DATABASE {q(database)} FROM DATASHARE {s} "
                f"OF NAMESPACE {ns(producer_namespace_id)};"
            )
        case p.Unmount(database=database):
            return f"DROP DATABASE {q(database)};"
    raise TypeError(f"no SQL for {action!r}")  # pragma: no cover


def render(
    actions: tuple[p.Action, ...] | list[p.Action],
    *,
    producer_namespace_id: str,
    consumer_namespace_ids: Mapping[str, str],
) -> str:
    """Actions grouped by where they run, with a `-- on <target>` header per group."""
    lines: list[str] = []
    current = None
    for action in actions:
        if action.target != current:
            current = action.target
            lines.append(f"-- on {current}")
        lines.append(
            statement(
                action,
                producer_namespace_id=producer_namespace_id,
                consumer_namespace_ids=consumer_namespace_ids,
            )
        )
    return "\n".join(lines) + ("\n" if lines else "")


def render_fresh_fleet_sql(
    spec: FleetSpec, producer_namespace_id: str, consumer_namespace_ids: Mapping[str, str]
) -> str:
    """The whole SQL for a fleet with no datashares yet: Terraform's data_sharing_commands."""
    missing = sorted(set(spec.consumers) - set(consumer_namespace_ids))
    if missing:
        raise ValueError(f"no namespace id for consumer(s): {', '.join(missing)}")
    actions = p.plan(desired_from_spec(spec), FleetShareState()).actions
    return render(
        actions,
        producer_namespace_id=producer_namespace_id,
        consumer_namespace_ids=consumer_namespace_ids,
    )
