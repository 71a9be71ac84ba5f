"""What rsfleet records at a restore point: rows and a checksum per shared table.

The checksum is order-independent: the sum of the first 60 bits of md5(row) over all rows,
so the same rows give the same number whatever their physical order after a restore.
Records live in the state dir (`backup/records/<point>.json`), written when rsfleet takes a
snapshot; `backup drill` compares the restored copy against them.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TypedDict

from rsfleet.backup.model import TableRecord
from rsfleet.spec.identifiers import check_identifier, quote_ident
from rsfleet.spec.models import FleetSpec


def shared_schemas_and_tables(spec: FleetSpec) -> tuple[list[str], list[str]]:
    schemas: set[str] = set()
    tables: set[str] = set()
    for ds in spec.datashares.values():
        schemas.update(ds.schemas)
        tables.update(ds.tables)
    return sorted(schemas), sorted(tables)


def pg_checksum_sql(table: str) -> str:
    schema, name = table.split(".", 1)
    q = f"{quote_ident(check_identifier(schema))}.{quote_ident(check_identifier(name))}"
    return (f"SELECT count(*) AS n, coalesce(sum(('x' || substr(md5(t::text), 1, 15))"
            f"::bit(60)::bigint), 0)::text AS checksum FROM {q} t")


def redshift_checksum_sql(table: str, columns: list[str]) -> str:
    """Redshift has no row-to-text cast: md5 over the columns joined with '|' (NULL as \\N)."""
    schema, name = table.split(".", 1)
    q = f"{quote_ident(check_identifier(schema))}.{quote_ident(check_identifier(name))}"
    parts = " || '|' || ".join(
        f"coalesce({quote_ident(check_identifier(c))}::varchar, '\\\\N')" for c in columns)
    row = parts or "''"
    return (f"SELECT count(*) AS n, coalesce(sum(strtol(substring(md5({row}), 1, 15), 16)"
            f"::decimal(38,0)), 0)::varchar AS checksum FROM {q};")


class PointRecord(TypedDict):
    """A restore point's record as `load` reads it back (the file may hold more keys)."""

    point: str
    created: datetime
    tables: list[TableRecord]


def records_dir(state_dir: Path) -> Path:
    return state_dir / "backup" / "records"


def save(state_dir: Path, point: str, created: datetime, tables: list[TableRecord],
         **extra: object) -> Path:
    path = records_dir(state_dir) / f"{point}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"point": point, "created": created.isoformat(), **extra,
           "tables": [{"table": t.table, "rows": t.rows, "checksum": t.checksum}
                      for t in tables]}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def load(state_dir: Path, point: str) -> PointRecord | None:
    path = records_dir(state_dir) / f"{point}.json"
    if not path.is_file():
        return None
    doc = json.loads(path.read_text(encoding="utf-8"))
    return PointRecord(point=str(doc["point"]), created=datetime.fromisoformat(doc["created"]),
                       tables=[TableRecord(t["table"], int(t["rows"]), str(t["checksum"]))
                               for t in doc["tables"]])


def all_records(state_dir: Path) -> list[PointRecord]:
    d = records_dir(state_dir)
    if not d.is_dir():
        return []
    out = [load(state_dir, p.stem) for p in sorted(d.glob("*.json"))]
    return sorted((r for r in out if r), key=lambda r: r["created"])
