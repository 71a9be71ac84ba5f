"""The `rsfleet local status` table: a long not-ready reason wraps in its own last column
instead of squeezing every other column to nothing (at 100 columns the names, ports and
pids were cut to one character while the initial copy ran)."""

from __future__ import annotations

import pytest
from rich.console import Console

from rsfleet.commands.local import status_table
from rsfleet.local.lifecycle import NodeStatus

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
def test_every_value_but_the_reason_whole(width: int):
    text = render(status_table(rows(ready=False)), width)
    lines = text.splitlines()
    assert all(len(line.rstrip()) <= width for line in lines)
    for r in rows(ready=False):
        line = next(ln for ln in lines if ln.split()[0] == r.name)
        cells = [c.strip() for c in line.split("│")]
        assert cells[:4] == [r.name, str(r.port), str(r.pid), "up"]
        assert cells[4] == ("" if r.ready is None else "no")
    # the reason is all there, folded over lines of its last column
    assert "initial" in text and "running)" in text and "(datashare" in text


def test_no_reason_column_when_every_consumer_is_ready():
    text = render(status_table(rows(ready=True)), 80)
    assert "reason" not in text.splitlines()[0]
    assert text.splitlines()[0].split() == ["process", "┃", "port", "┃", "pid", "┃", "state",
                                            "┃", "ready", "┃", "lag", "┃", "sessions", "┃",
                                            "LB"]
