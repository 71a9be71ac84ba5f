"""How a rollout's plan is shown (`rsfleet local rollout --dry-run`, `rsfleet apply --rolling
--dry-run`): the waves in order, each step with why."""

from __future__ import annotations

from rich.markup import escape

from rsfleet.output import console
from rsfleet.rollout.planner import Plan


def show_plan(plan: Plan) -> None:
    for i, wave in enumerate(plan.waves(), 1):
        console.print(f"[bold]wave {i}[/]", highlight=False)
        for step in wave:
            console.print(f"  {escape(str(step))}", highlight=False)
    if plan.blocked:
        console.print(f"[red]blocked[/]: {escape(plan.blocked)}", highlight=False)
