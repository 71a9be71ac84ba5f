"""Elastic rotation's decision, pure (no I/O, no clock: ``now`` is an input): how many ready
consumers *should* be in rotation, and which (issue 26; docs/targets.md).

Readiness says who *can* serve; this says how many *should*:

    wanted = clamp(ceil((sessions + queued) / target_sessions_per_consumer), min, max)

- Scale out in the same pass when ``wanted`` exceeds the ready consumers in rotation, or
  when anything is queued (one more than serve now): putting a parked consumer back is one
  register call, seconds, while demand waits.
- Scale in one consumer at a time, and only after demand has been lower for
  ``scale_in_after`` seconds (``low_since``, carried from pass to pass by the caller): the
  one with the fewest sessions is parked (drained, as `targets drain`), and the wait starts
  again, so a dip never empties the rotation in one go and constant load never flaps.
- Only ready consumers are candidates (an unready one is not capacity): when one in
  rotation fails, a parked ready one goes in in the same pass (a warm spare).
- At least one ready consumer always stays in (``min_in_rotation >= 1``); an operator's
  drain is never undone, because a drained consumer is never a candidate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

PARKED = "parked"  # the drain state's `why` of a consumer parked by the rotation


@dataclass(frozen=True)
class RotationSettings:
    """The spec's ``rotation`` block as the planner needs it."""

    min_in_rotation: int = 1
    max_in_rotation: int | None = None  # None: every member
    target_sessions: int = 50
    scale_in_after: float = 600.0


@dataclass(frozen=True)
class Load:
    """Demand on the whole load balancer in this pass: open sessions and waiting ones
    (HAProxy: the servers' scur and the backend's qcur; AWS: DatabaseConnections and
    QueriesQueued)."""

    sessions: int
    queued: int = 0


@dataclass(frozen=True)
class Candidate:
    """A ready consumer that is not drained by the operator."""

    name: str
    serving: bool  # in rotation now
    sessions: int = 0


Change = Literal["out", "in", "hold", "none"]


@dataclass(frozen=True)
class Decision:
    wanted: int  # clamp(ceil(demand / target), min, max)
    keep: frozenset[str]  # the candidates in rotation after this pass
    low_since: float | None  # since when demand has been below what serves (None: it is not)
    change: Change  # out: scaled out; in: one parked; hold: lower demand, still waiting
    why: str  # "130 session(s), 0 queued: 3 wanted at 50 per consumer"


def wanted(load: Load, s: RotationSettings, members: int) -> int:
    hi = max(s.min_in_rotation, members if s.max_in_rotation is None else s.max_in_rotation)
    need = math.ceil(max(0, load.sessions + load.queued) / s.target_sessions)
    return min(max(need, s.min_in_rotation), hi)


def decide(candidates: Iterable[Candidate], load: Load, s: RotationSettings, *,
           members: int, now: float, low_since: float | None) -> Decision:
    cands = sorted(candidates, key=lambda c: c.name)
    serving = [c for c in cands if c.serving]
    n = len(serving)
    hi = max(s.min_in_rotation, members if s.max_in_rotation is None else s.max_in_rotation)
    want = wanted(load, s, members)
    target = min(n + 1, hi) if load.queued > 0 and n >= want else want
    why = (f"{load.sessions} session(s), {load.queued} queued: {want} wanted at "
           f"{s.target_sessions} per consumer")
    keep = {c.name for c in serving}
    if target > n:
        # scale out now: a draining one first (it still has sessions, it is warm), by name
        spare = sorted((c for c in cands if not c.serving), key=lambda c: (-c.sessions, c.name))
        keep |= {c.name for c in spare[:target - n]}
        change: Change = "out" if len(keep) > n else "none"
        return Decision(want, frozenset(keep), None, change, why)
    if target < n:
        since = now if low_since is None else low_since
        if now - since < s.scale_in_after:
            return Decision(want, frozenset(keep), since, "hold",
                            f"{why}; parking one after {s.scale_in_after:g}s of lower demand "
                            f"({now - since:.0f}s so far)")
        victim = min(serving, key=lambda c: (c.sessions, c.name))
        keep.discard(victim.name)
        # the wait starts again: one consumer at a time
        return Decision(want, frozenset(keep), now, "in", why)
    return Decision(want, frozenset(keep), None, "none", why)
