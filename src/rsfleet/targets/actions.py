"""The targets planner's typed actions: one class per thing it can ask of a load balancer.

Every action names its target (a consumer; on the NLB an unknown IP is ``ip:<address>``) and
carries the human reason it was planned for. ``kind`` is the word the logs, `targets sync
--json` and the last-pass record use. ``Warn`` changes nothing: the planner says it and the
pass logs it (kept apart from the changes in ``Plan.warnings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Action:
    target: str
    reason: str
    kind: ClassVar[str] = ""

    def describe(self) -> str:
        return f"{self.kind} {self.target}: {self.reason}"

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class Enable(Action):
    """Into rotation (HAProxy: state ready, or add server; NLB: register its IPs)."""

    kind: ClassVar[str] = "enable"


@dataclass(frozen=True)
class Drain(Action):
    """No new sessions, existing ones finish (NLB: deregister, the NLB drains by itself)."""

    kind: ClassVar[str] = "drain"


@dataclass(frozen=True)
class Disable(Action):
    """A drained member switched off: HAProxy maintenance, closing what is left."""

    kind: ClassVar[str] = "disable"


@dataclass(frozen=True)
class Remove(Action):
    """A drained target that is no longer a member leaves the load balancer."""

    kind: ClassVar[str] = "remove"


@dataclass(frozen=True)
class Warn(Action):
    """Something the operator must know; the load balancer is not changed for it."""

    kind: ClassVar[str] = "warn"


@dataclass(frozen=True)
class Unpark(Enable):
    """A parked consumer back into rotation because the load needs it (elastic rotation);
    its `parked` record in the drain state goes."""

    kind: ClassVar[str] = "unpark"


@dataclass(frozen=True)
class Park(Drain):
    """A ready consumer the load does not need, drained like any other (no new sessions,
    existing ones finish) and recorded in the drain state as `parked`."""

    kind: ClassVar[str] = "park"


# The order a plan's changes run in: capacity in first, then out (never the other way).
ORDER: dict[type[Action], int] = {Enable: 0, Unpark: 0, Drain: 1, Park: 1, Disable: 2,
                                  Remove: 3, Warn: 4}
