"""`targets status` stays readable at the demo's 80 columns: every value whole, no line
longer than the terminal; at 80 columns the reasons are lines below the table."""

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
    table, notes = status_table(rows(), width)
    console.print(table)
    for line in notes:
        console.print(line, soft_wrap=True, markup=False)
    return console.export_text().splitlines()


@pytest.mark.parametrize("width", [80, 100, 140, 200])
def test_every_value_whole_within_the_width(width: int):
    lines = render(width)
    table = lines[:-2] if width < wide_width(rows()) else lines  # the notes: unwrapped
    assert max(len(line) for line in table) <= width
    text = "\n".join(lines)
    assert "…" not in text  # nothing cut off
    flat = " ".join(text.split())
    for value in ("in_rotation", "UP (L4OK)", "maint", "MAINT", "c1", "c2", "c3", "12",
                  "not a member", "ops@example.com", "[kernel upgrade]"):
        assert value in flat, value


def test_compact_layout_at_80_columns_one_line_per_row_reasons_below():
    lines = render(80)
    for name in ("c1", "c2", "c3"):
        assert len([ln for ln in lines if ln.split()[:1] == [name]]) == 1, name
    first = next(ln for ln in lines if ln.split()[:1] == ["c1"])
    assert "in_rotation UP (L4OK)" in first and "12" in first and "yes" in first
    # one whole line each for the targets that need a reason (c1 serves: none)
    assert lines[-2].startswith("c2: ") and "drained: [kernel upgrade] by ops@example.com" \
        in lines[-2]
    assert lines[-1] == ("c3: connection refused: is the server running on port 5443?")
    assert len([ln for ln in lines if ln.strip()]) == 2 + 3 + 2  # was 15 lines of folded words


def test_wide_layout_when_everything_fits_on_one_line():
    width = wide_width(rows())
    assert width > 100
    lines = render(width)
    assert max(len(line) for line in lines) <= width
    header = "\n".join(lines[:3])
    for title in ("in rotation", "LB state", "LB health", "sessions", "reason", "drained"):
        assert title in header


def test_aws_health_of_three_endpoint_ips_wraps_instead_of_cutting_the_names():
    """On AWS each consumer has one managed endpoint IP per AZ: the health column wraps
    between IPs; target names, sessions and readiness stay whole at 80 columns."""
    health = ", ".join(f"10.40.{i}.{100 + i} healthy" for i in (0, 2, 5))
    aws_rows = [TargetStatus(name=f"c{n}", member=True, lb_state="in_rotation",
                             lb_health=health, sessions=0, in_rotation=True, ready=True,
                             reason="SELECT 1 ok", drained=False) for n in (1, 2)]
    console = Console(width=80, record=True, color_system=None)
    table, _ = status_table(aws_rows, 80)
    console.print(table)
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    assert "…" not in text
    assert "target" in lines[0] and "sessions" in lines[0]
    for n in (1, 2):
        assert any(line.split()[:1] == [f"c{n}"] for line in lines), text
    assert all(f"10.40.{i}.{100 + i}" in text for i in (0, 2, 5))  # every IP, whole
