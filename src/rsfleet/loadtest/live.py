"""The live view: a Rich progress bar with running per-consumer counts (stderr).

Not a terminal (CI, pipes, SSM): one plain line every few seconds instead.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from rsfleet.loadtest.runner import Progress

if TYPE_CHECKING:  # types only, nothing imported at run time
    from rich.console import RenderableType

PLAIN_EVERY_S = 5.0


class LiveView(AbstractContextManager["LiveView"]):
    def __init__(self, progress: Progress, consumers: list[str], total_s: float | None,
                 total_queries: int | None, console: Console, quiet: bool = False) -> None:
        self.p = progress
        self.consumers = consumers
        self.total_s = total_s
        self.total_q = total_queries
        self.console = console
        self.quiet = quiet
        self.live: Live | None = None
        self._next_plain = PLAIN_EVERY_S
        self._events_shown = 0

    def _fraction(self) -> float:
        if self.total_q:
            return min(1.0, (self.p.ok + self.p.failed) / self.total_q)
        if self.total_s:
            return min(1.0, self.p.elapsed() / self.total_s)
        return 0.0

    def _render(self) -> RenderableType:
        from rich.progress_bar import ProgressBar

        frac = self._fraction()
        elapsed = self.p.elapsed()
        qps = self.p.ok / elapsed if elapsed > 0 else 0.0
        head = Table.grid(padding=(0, 2))
        head.add_row(ProgressBar(total=1.0, completed=frac, width=40), f"{frac:5.1%}",
                     f"{elapsed:6.1f}s", f"ok {self.p.ok}", f"failed {self.p.failed}",
                     f"{qps:,.0f} q/s")
        names = list(dict.fromkeys([*self.consumers, *sorted(self.p.per_consumer)]))
        table = Table(box=None, pad_edge=False)
        table.add_column("consumer")
        table.add_column("sessions", justify="right")
        table.add_column("queries", justify="right")
        table.add_column("share", justify="right")
        total = sum(self.p.per_consumer.values()) or 1
        for n in names:
            q = self.p.per_consumer.get(n, 0)
            table.add_row(n, str(self.p.sessions_per_consumer.get(n, 0)), str(q),
                          f"{q / total:.1%}")
        parts: list[RenderableType] = [head, table]
        parts += [f"[bold]fault[/] {e}" for e in self.p.events]
        return Group(*parts)

    def tick(self) -> None:
        if self.quiet:
            return
        if self.live is not None:
            self.live.update(self._render())
            return
        for e in self.p.events[self._events_shown:]:
            self.console.print(f"fault: {e}", highlight=False, markup=False)
        self._events_shown = len(self.p.events)
        if self.p.elapsed() >= self._next_plain:
            self._next_plain += PLAIN_EVERY_S
            counts = " ".join(f"{n}={self.p.per_consumer.get(n, 0)}" for n in
                              dict.fromkeys([*self.consumers, *sorted(self.p.per_consumer)]))
            self.console.print(f"{self.p.elapsed():6.1f}s ok={self.p.ok} "
                               f"failed={self.p.failed} {counts}", highlight=False)

    def __enter__(self) -> LiveView:
        if not self.quiet and self.console.is_terminal:
            self.live = Live(self._render(), console=self.console, refresh_per_second=4,
                             transient=False)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.update(self._render())
            self.live.__exit__(None, None, None)


TickFn = Callable[[], None]
