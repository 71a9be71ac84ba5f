"""The `rsfleet local status` table: a long not-ready reason wraps in its own last column
instead of squeezing every other column to nothing (at 100 columns the names, ports and
pids were cut to one character while the initial copy ran)."""

from __future__ import annotations

import pytest
from rich.console import Console

from rsfleet.commands.local import status_table
from rsfleet.lifecycle import NodeStatus

REASON = ("database sales_db: schema sales has no tables (datashare not mounted or initial "
          "copy running)")


def rows(ready: bool) -> list[NodeStatus]:
    def node(name: str, port: int, consumer: bool) -> NodeStatus:
        return NodeStatus(name=name, role="consumer" if consumer else name, port=port,
                          pid=23575 + port, up=True, ready=ready if consumer else None,
                          reason="" if ready else REASON, lag_bytes=0 if consumer else None,
                          sessions=0, in_rotation=ready if consumer else None)
    return [node("producer", 31440, False), node("c1", 31441, True), node("c2", 31442, True),
            node("haproxy", 31439, False)]


def render(table, width: int) -> str:
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(table)
    return console.export_text()


@pytest.mark.parametrize("width", [80, 100, 200])
def test_every_value_whole_and_the_reason_below(width: int):
    table, notes = status_table(rows(ready=False))
    text = render(table, width)
    lines = text.splitlines()
    assert all(len(line.rstrip()) <= width for line in lines)
    assert len(lines) == 2 + 4  # header, rule, one line per process: no wrapped reason
    for r in rows(ready=False):
        line = next(ln for ln in lines if ln.split()[0] == r.name)
        cells = [c.strip() for c in line.split("│")]
        assert cells[:4] == [r.name, str(r.port), str(r.pid), "up"]
        assert cells[4] == ("" if r.ready is None else "no")
    # the reason, whole, on one line per consumer below the table
    assert notes == [f"c1: not ready: {REASON}", f"c2: not ready: {REASON}"]


def test_no_notes_when_every_consumer_is_ready():
    table, notes = status_table(rows(ready=True))
    text = render(table, 80)
    assert notes == []
    assert text.splitlines()[0].split() == ["process", "┃", "port", "┃", "pid", "┃", "state",
                                            "┃", "ready", "┃", "lag", "┃", "sessions", "┃",
                                            "LB"]


def test_a_drained_consumer_says_why_and_a_stopped_one_shows_no_lag():
    """An operator's drain showed an empty reason; a dead consumer showed `lag 0 B`."""
    from dataclasses import replace

    c1, c2 = rows(ready=True)[1:3]
    drained = replace(c1, in_rotation=False, drained="maintenance")
    dead = replace(c2, up=False, pid=None, ready=False, reason="down", lag_bytes=None,
                   in_rotation=False)
    table, notes = status_table([drained, dead], "--env dev")
    assert notes == ["c1: drained by the operator: maintenance; `rsfleet targets undrain c1 "
                     "--env dev` puts it back", "c2: not ready: down"]
    line = next(ln for ln in render(table, 80).splitlines() if ln.split()[0] == "c2")
    assert [c.strip() for c in line.split("│")][5] == "-"


def test_seed_says_what_it_did_also_when_it_does_nothing():
    """`local seed --rows 100000` on a 200,000-row table said "seeded up to 100000 rows"."""
    from rsfleet.lifecycle import seed_sentence

    assert seed_sentence(0, 2000).startswith("added 2,000 rows: sales.orders has 2,000 rows")
    assert seed_sentence(2000, 2000) == "sales.orders already has 2,000 rows: nothing added"
    assert seed_sentence(200_000, 100_000).startswith(
        "sales.orders already has 200,000 rows, more than --rows 100,000: nothing added or "
        "removed")
