"""What a load-balancer adapter gives the targets controller (HAProxy locally, NLB on AWS)."""

from __future__ import annotations

from typing import Protocol

from rsfleet.targets.actions import Action
from rsfleet.targets.reconciler import ActualTarget


class TargetAdapter(Protocol):
    """One load balancer seen as named targets (consumer names).

    ``lb_finishes_drain``: the LB completes a drain by itself (NLB deregistration delay);
    ``owns_membership``: rsfleet may remove targets that are no longer members.
    """

    kind: str
    lb_finishes_drain: bool
    owns_membership: bool
    deregistration_delay: float

    def observe(self) -> dict[str, ActualTarget]:
        """Every target the LB knows (absent ones are simply not in the map)."""
        ...

    def apply(self, action: Action) -> str:
        """Carry out one Enable/Drain/Disable/Remove; return what was done."""
        ...
