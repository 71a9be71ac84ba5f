"""The `rsfleet targets status` table, laid out for the terminal's width.

When every value fits on one line, one column per field. Otherwise (the demo runs at 80
columns) a compact layout that keeps every value whole: no box lines between columns, LB
state and health in one column (`in rotation` is the LB state `in_rotation`), and the
reasons and drains as lines below the table, one per target that needs one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:  # types only, nothing imported at run time
    from rsfleet.targets.controller import TargetStatus

WIDE_HEADERS = ("target", "in rotation", "LB state", "LB health", "sessions", "ready",
                "reason", "drained")


def drain_text(row: TargetStatus) -> str:
    parts = [row.drain_why or "yes"]
    if row.drain_who:
        parts.append(f"by {row.drain_who}")
    if row.drain_since:
        parts.append("since " + dt.datetime.fromtimestamp(row.drain_since).strftime(
            "%Y-%m-%d %H:%M:%S"))
    return " ".join(parts)


def _ready(row: TargetStatus) -> str:
    return "-" if row.ready is None else ("[green]yes[/]" if row.ready else "[red]NO[/]")


def _wide_cells(row: TargetStatus) -> list[str]:
    """Plain text of the wide layout's cells."""
    return [row.name + ("" if row.member else " (not a member)"),
            "yes" if row.in_rotation else "no", row.lb_state, row.lb_health, str(row.sessions),
            "-" if row.ready is None else ("yes" if row.ready else "NO"), row.reason or "",
            drain_text(row) if row.drained else ""]


def wide_width(rows: Sequence[TargetStatus]) -> int:
    """Columns the one-column-per-field table needs without wrapping (heavy box: one line
    between and around columns, one space of padding each side)."""
    cols = [max([len(h), *(len(_wide_cells(r)[i]) for r in rows)])
            for i, h in enumerate(WIDE_HEADERS)]
    return sum(cols) + 3 * len(cols) + 1


def status_table(rows: Sequence[TargetStatus], width: int) -> tuple[Table, list[str]]:
    """Rows are `TargetStatus` records; every external string is escaped for Rich. Returns
    the table and, in the compact layout, one line per target that is out of rotation, not
    ready, not a member or drained, saying why (printed below the table, unwrapped: a
    reason column wrapped over 5 lines at 80 columns)."""
    if wide_width(rows) <= width:
        table = Table(*WIDE_HEADERS)
        for r in rows:
            name, _, *rest = (escape(c) for c in _wide_cells(r))
            table.add_row(name, "[green]yes[/]" if r.in_rotation else "[yellow]no[/]",
                          *rest[:3], _ready(r), *rest[4:])
        return table, []
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("target", no_wrap=True)
    # The one column that may wrap: on AWS a consumer's health lists one IP per AZ (three
    # "10.40.0.108 healthy" at 80 columns would otherwise cut the target names to "…").
    table.add_column("LB state / health")
    table.add_column("sessions", justify="right", no_wrap=True)
    table.add_column("ready", no_wrap=True)
    notes: list[str] = []
    for r in rows:
        color = "green" if r.in_rotation else "yellow"
        table.add_row(escape(r.name) + ("" if r.member else " [yellow](not a member)[/]"),
                      f"[{color}]{escape(r.lb_state)}[/] {escape(r.lb_health)}",
                      str(r.sessions), _ready(r))
        why = []
        if r.ready is False or not r.in_rotation or not r.member:
            why.append(r.reason or "")
        if r.drained:
            why.append(f"drained: {drain_text(r)}")
        if any(why):
            notes.append(f"{r.name}: {'; '.join(w for w in why if w)}")
    return table, notes
