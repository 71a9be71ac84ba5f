"""Orderings Terraform must keep, read from its own dependency graph (`terraform graph`) of
a module: what the references alone do not order is ordered by depends_on."""

from __future__ import annotations

import pytest

from .tfharness import depends_on, explain, graph_dependencies, run_terraform

pytestmark = pytest.mark.terraform


def _graph(tf_tree, module: str) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    cwd, env = tf_tree.init(module)
    proc = run_terraform(["graph"], cwd, env)
    assert proc.returncode == 0, explain(proc)
    return graph_dependencies(proc.stdout)


def test_budget_waits_for_the_topic_policy(tf_tree) -> None:  # type: ignore[no-untyped-def]
    # review finding 10: Budgets may publish to the topic only once its policy allows it
    graph = _graph(tf_tree, "modules/monitoring")
    assert depends_on(graph, "aws_budgets_budget.redshift", "aws_sns_topic_policy.alarms")
