"""What a controller pass did, in the form the tests compare."""

from __future__ import annotations

from rsfleet.targets.controller import Pass


def done(p: Pass) -> list[tuple[str, str]]:
    """(kind, target) of each action the pass carried out, in order."""
    return [(s.action.kind, s.action.target) for s in p.result.done]


def planned(p: Pass) -> list[tuple[str, str]]:
    """(kind, target) of the plan's changes, then its warnings."""
    return [(a.kind, a.target) for a in p.plan.actions + p.plan.warnings]
