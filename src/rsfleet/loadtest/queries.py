"""The query mix: built from the shared tables found in the catalog, or read from a file.

Built-in mix, per shared table (first numeric / text column found in the catalog):
- ``count:<schema>.<table>``   SELECT count(*)
- ``sample:<schema>.<table>``  SELECT * ... LIMIT 20
- ``sum:<schema>.<table>``     sum/avg/min/max of the first numeric column
- ``group:<schema>.<table>``   top 10 values of the first text column

Identifiers come from the catalog or the spec, are validated (rsfleet.spec.identifiers)
and quoted with psycopg.sql.Identifier; no text is pasted into SQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rsfleet.errors import FleetError, UsageError
from rsfleet.spec.identifiers import is_identifier

if TYPE_CHECKING:  # types only, nothing imported at run time
    import psycopg

    from rsfleet.spec.models import FleetSpec

NUMERIC_TYPES = frozenset({"smallint", "integer", "bigint", "numeric", "decimal", "real",
                           "double precision", "int2", "int4", "int8", "float4", "float8"})
TEXT_TYPES = frozenset({"text", "character varying", "character", "varchar", "char", "bpchar"})
MAX_TABLES = 8


@dataclass(frozen=True)
class Query:
    name: str
    sql: str


@dataclass(frozen=True)
class TableInfo:
    schema: str
    table: str
    numeric: str | None = None
    text: str | None = None


def parse_query_file(path: Path) -> list[Query]:
    """Queries separated by `;` at the end of a line. A `-- name: NAME` line names the next one.

    Comments (`--` lines) are kept out of the SQL. Empty file -> UsageError.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--query-file {path}: cannot read it ({exc})",
                         hint="pass a UTF-8 text file with SQL statements ending in ;") from None
    queries: list[Query] = []
    name: str | None = None
    buf: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        m = re.fullmatch(r"--\s*name:\s*([A-Za-z0-9_.:-]{1,60})\s*", stripped)
        if m:
            name = m.group(1)
            continue
        if stripped.startswith("--") or not stripped:
            continue
        buf.append(line)
        if stripped.endswith(";"):
            sql = "\n".join(buf).strip().rstrip(";").strip()
            if sql:
                queries.append(Query(name or f"q{len(queries) + 1}", sql))
            buf, name = [], None
    rest = "\n".join(buf).strip()
    if rest:
        queries.append(Query(name or f"q{len(queries) + 1}", rest))
    if not queries:
        raise UsageError(f"--query-file {path}: no SQL statement found",
                         hint="write one statement per query, each ending with ;")
    return queries


def shared_objects(spec: FleetSpec, database: str | None) -> tuple[str, list[str], list[str]]:
    """(consumer database, shared schemas, extra 'schema.table') of the datashare to test.

    The share whose consumer database is `database`, else the first share by name.
    """
    shares = sorted((getattr(spec, "datashares", None) or {}).items())
    if not shares:
        raise UsageError("the spec has no datashares, so there is no shared data to query",
                         hint="add a datashare to the spec, or pass --query-file")
    chosen = shares[0]
    for name, share in shares:
        if (share.consumer_database or f"{name}_db") == database:
            chosen = (name, share)
            break
    name, share = chosen
    return share.consumer_database or f"{name}_db", list(share.schemas), list(share.tables)


def tables_from_catalog(rows: Sequence[tuple[str, str, str, str]], schemas: Sequence[str],
                        tables: Sequence[str]) -> list[TableInfo]:
    """Rows of (schema, table, column, data_type) in column order -> tables of the share."""
    wanted_tables = {tuple(t.split(".", 1)) for t in tables}
    found: dict[tuple[str, str], TableInfo] = {}
    for schema, table, column, data_type in rows:
        if not (is_identifier(schema) and is_identifier(table)):
            continue  # names we could not quote safely are skipped, not pasted
        if schema not in schemas and (schema, table) not in wanted_tables:
            continue
        info = found.get((schema, table)) or TableInfo(schema, table)
        dtype = (data_type or "").lower()
        if is_identifier(column):
            if info.numeric is None and dtype in NUMERIC_TYPES:
                info = TableInfo(info.schema, info.table, column, info.text)
            elif info.text is None and dtype in TEXT_TYPES:
                info = TableInfo(info.schema, info.table, info.numeric, column)
        found[(schema, table)] = info
    return [found[k] for k in sorted(found)][:MAX_TABLES]


def build_mix(tables: Sequence[TableInfo], database_prefix: str | None = None) -> list[Query]:
    """The built-in mix over `tables`. `database_prefix`: three-part names (Redshift)."""
    from psycopg import sql

    queries: list[Query] = []
    for t in tables:
        parts = ([database_prefix] if database_prefix else []) + [t.schema, t.table]
        ident = sql.Identifier(*parts)
        label = f"{t.schema}.{t.table}"
        stmts = [
            ("count", sql.SQL("SELECT count(*) FROM {}").format(ident)),
            ("sample", sql.SQL("SELECT * FROM {} LIMIT 20").format(ident)),
        ]
        if t.numeric:
            col = sql.Identifier(t.numeric)
            stmts.append(("sum", sql.SQL("SELECT sum({c}), avg({c}), min({c}), max({c}) FROM {t}")
                          .format(c=col, t=ident)))
        if t.text:
            col = sql.Identifier(t.text)
            stmts.append(("group", sql.SQL(
                "SELECT {c}, count(*) FROM {t} GROUP BY 1 ORDER BY 2 DESC LIMIT 10"
            ).format(c=col, t=ident)))
        queries += [Query(f"{kind}:{label}", stmt.as_string(None)) for kind, stmt in stmts]
    return queries


LOCAL_CATALOG_SQL = (
    "SELECT c.table_schema, c.table_name, c.column_name, c.data_type "
    "FROM information_schema.columns c JOIN information_schema.tables t "
    "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
    "WHERE t.table_type = 'BASE TABLE' AND c.table_schema = ANY(%s) "
    "ORDER BY 1, 2, c.ordinal_position"
)
LOCAL_ALL_SCHEMAS_SQL = LOCAL_CATALOG_SQL.replace(
    "c.table_schema = ANY(%s)",
    "c.table_schema NOT IN ('pg_catalog', 'information_schema') "
    "AND c.table_schema NOT LIKE 'pg\\_%%'",
)
# Redshift: SVV_ALL_COLUMNS lists columns of local and datashare databases
# (https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_ALL_COLUMNS.html).
REDSHIFT_CATALOG_SQL = (
    "SELECT schema_name, table_name, column_name, data_type FROM svv_all_columns "
    "WHERE database_name = %s ORDER BY schema_name, table_name, ordinal_position"
)


def discover_mix(conn: psycopg.Connection[tuple[Any, ...]], *, backend: str, database: str,
                 schemas: Sequence[str], tables: Sequence[str]) -> list[Query]:
    """Ask the catalog (through the LB) for the shared tables and build the mix."""
    wanted = sorted(set(schemas) | {t.split(".", 1)[0] for t in tables})
    if backend == "aws":
        rows = conn.execute(REDSHIFT_CATALOG_SQL, (database,)).fetchall()
        found = tables_from_catalog(rows, schemas, tables)
        mix = build_mix(found, database_prefix=database)
    else:
        if not wanted:  # no spec: every user schema the role can see
            rows = conn.execute(LOCAL_ALL_SCHEMAS_SQL).fetchall()
            schemas = sorted({r[0] for r in rows})
        else:
            rows = conn.execute(LOCAL_CATALOG_SQL, (wanted,)).fetchall()
        found = tables_from_catalog(rows, schemas, tables)
        mix = build_mix(found)
    if not mix:
        raise FleetError(
            f"no readable shared table in schemas {', '.join(wanted) or '(any)'} "
            f"of database {database}",
            hint="run `rsfleet share apply` (and `rsfleet local seed` locally), "
            "or pass --query-file",
        )
    return mix
