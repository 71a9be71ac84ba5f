"""`targets status` stays readable at the demo's 80 columns: every value whole, no line
longer than the terminal, only the reason wraps."""

from __future__ import annotations

import pytest
from rich.console import Console

from rsfleet.commands.targets_view import status_table, wide_width
from rsfleet.targets.controller import TargetStatus

REASON = "SELECT 1 ok, 3 shared table(s) readable"


def rows() -> list[TargetStatus]:
    return [
        TargetStatus(name="c1", member=True, lb_state="in_rotation", lb_health="UP (L4OK)",
                     sessions=12, in_rotation=True, ready=True, reason=REASON, drained=False),
        TargetStatus(name="c2", member=True, lb_state="maint", lb_health="MAINT", sessions=0,
                     in_rotation=False, ready=True, reason=REASON, drained=True,
                     drain_why="[kernel upgrade]", drain_who="ops@example.com",
                     drain_since=1_700_000_000.0),
        TargetStatus(name="c3", member=False, lb_state="in_rotation", lb_health="UP (L4OK)",
                     sessions=3, in_rotation=True, ready=False,
                     reason='connection refused: is the server running on port 5443?',
                     drained=False),
    ]


def render(width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    console.print(status_table(rows(), width))
    return console.export_text().splitlines()


@pytest.mark.parametrize("width", [80, 100, 140, 200])
def test_every_value_whole_within_the_width(width: int):
    lines = render(width)
    assert max(len(line) for line in lines) <= width
    text = "\n".join(lines)
    assert "…" not in text  # nothing cut off
    flat = " ".join(text.split())
    for value in ("in_rotation", "UP (L4OK)", "maint", "MAINT", "c1", "c2", "c3", "12",
                  "not a member", "ops@example.com", "[kernel upgrade]"):
        assert value in flat, value
    # the reason may wrap (compact layout) but every word of it is there, in order
    words = [w for w in flat.split() if w in REASON.split()]
    assert " ".join(words[:len(REASON.split())]) == REASON


def test_compact_layout_at_80_columns_has_one_line_per_short_row():
    lines = render(80)
    c1 = [i for i, line in enumerate(lines) if line.split()[:1] == ["c1"]]
    assert len(c1) == 1
    # c1's row: state, health, sessions and readiness on its first line
    first = lines[c1[0]]
    assert "in_rotation UP (L4OK)" in first and "12" in first and "yes" in first
    assert len([ln for ln in lines if ln.strip()]) <= 12  # was 15 lines of folded words


def test_wide_layout_when_everything_fits_on_one_line():
    width = wide_width(rows())
    assert width > 100
    lines = render(width)
    assert max(len(line) for line in lines) <= width
    header = "\n".join(lines[:3])
    for title in ("in rotation", "LB state", "LB health", "sessions", "reason", "drained"):
        assert title in header
