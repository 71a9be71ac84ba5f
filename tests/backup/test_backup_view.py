"""`backup list` at 80 columns: a header and rows that fit (they were 124 characters)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rich.console import Console

from rsfleet.backup.model import RestorePoint
from rsfleet.commands.backup import points_table

NOW = datetime(2026, 12, 8, 1, 30, tzinfo=UTC)


def render(table, width: int) -> list[str]:
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(table)
    return console.export_text().splitlines()


def test_backup_list_fits_80_columns_with_a_header():
    points = [
        RestorePoint("wal-archive", "wal", NOW - timedelta(minutes=20), 67.1),
        RestorePoint("rsfleet-20261208-005651-528888", "base-backup",
                     NOW - timedelta(minutes=25), 48.0, ours=True),
        RestorePoint("0f3c2a9e-8d1b-4c4e-9a57-3b2f1e6d7c80", "recovery-point",
                     NOW - timedelta(hours=3), None, status="CREATING"),
    ]
    table, notes = points_table(points, NOW)
    lines = render(table, 80)
    assert all(len(x) <= 80 for x in lines), lines
    assert lines[0].split()[:2] == ["point", "┃"] and "taken (UTC)" in lines[0]
    local = next(x for x in lines if x.startswith("rsfleet-20261208-005651-528888 "))
    assert "snapshot" in local and "2026-12-08 01:05" in local and "48 MB" in local
    assert notes[0].startswith("wal-archive: WAL archived up to 2026-12-08 01:10:00 UTC")
    assert notes[1] == "0f3c2a9e-8d1b-4c4e-9a57-3b2f1e6d7c80: CREATING (not restorable yet)"
