"""Passes every interval until a deadline: the same loop in Lambda and locally.

In Lambda the deadline is the invocation's timeout minus a safety margin; a pass starts
only when it can finish before that (the longest pass so far is the estimate), so an
invocation never ends in the middle of applying actions."""

from __future__ import annotations

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
