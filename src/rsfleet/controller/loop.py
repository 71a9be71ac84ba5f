"""The one controller loop: passes every interval until a deadline or a stop.

Lambda (``handler.py``), the local fleet's controller (``rsfleet.controller.local``) and
`rsfleet targets watch` (``service.watch``) all run ``run_passes`` around the same
``ControllerService.one_pass``. In Lambda the deadline is the invocation's timeout minus a
safety margin; a pass starts only when it can finish before that (the longest pass so far
is the estimate), so an invocation never ends in the middle of applying actions. The local
controller and `targets watch` have no deadline: they run until SIGTERM/SIGINT
(``run_until_stopped``), finishing the pass under way."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LoopResult:
    passes: int = 0
    failed_passes: int = 0
    longest_s: float = 0.0
    errors: list[str] = field(default_factory=list)


def run_passes(one_pass: Callable[[int], Any], *, interval: float,
               remaining: Callable[[], float], margin: float,
               sleep: Callable[[float], Any] = time.sleep,
               monotonic: Callable[[], float] = time.monotonic,
               max_passes: int | None = None) -> LoopResult:
    """Call ``one_pass(n)`` every ``interval`` seconds while ``remaining()`` (seconds left
    before the hard stop) leaves room for one more pass plus ``margin``. A pass that raises
    is counted and the loop goes on (the next pass may succeed)."""
    res = LoopResult()
    while True:
        if max_passes is not None and res.passes >= max_passes:
            return res
        if remaining() < margin + max(res.longest_s, 0.0):
            return res
        start = monotonic()
        res.passes += 1
        try:
            one_pass(res.passes)
        except Exception as exc:  # report, keep the loop
            res.failed_passes += 1
            res.errors.append(f"pass {res.passes}: {type(exc).__name__}: {exc}")
        took = monotonic() - start
        res.longest_s = max(res.longest_s, took)
        wait = max(0.0, interval - took)
        if remaining() - wait < margin + res.longest_s:
            return res
        if max_passes is not None and res.passes >= max_passes:
            return res
        sleep(wait)


def run_until_stopped(one_pass: Callable[[int], Any], *, interval: float,
                      stop: threading.Event | None = None,
                      max_passes: int | None = None) -> LoopResult:
    """``run_passes`` with no deadline: until SIGTERM/SIGINT (handled only on the main
    thread, restored afterwards) or ``stop`` is set; the pass under way finishes first."""
    stop = stop or threading.Event()
    restore: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            restore[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        return run_passes(one_pass, interval=interval,
                          remaining=lambda: -1.0 if stop.is_set() else float("inf"),
                          margin=0.0, sleep=stop.wait, max_passes=max_passes)
    finally:
        for signum, handler in restore.items():
            signal.signal(signum, handler)
