"""terraform/examples/<scenario>/: roots that call the modules the way a user would; each must
`terraform validate` offline (provider from the local mirror, no backend, no AWS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .tfharness import TERRAFORM_DIR, explain, run_terraform

EXAMPLES = sorted(p.name for p in (TERRAFORM_DIR / "examples").iterdir() if p.is_dir())


def test_there_are_examples() -> None:
    assert {"minimal-fleet", "nlb-only"} <= set(EXAMPLES)


@pytest.mark.terraform
@pytest.mark.parametrize("example", EXAMPLES)
def test_example_validates(tf_tree, example: str) -> None:
    cwd, env = tf_tree.init(f"examples/{example}")
    proc = run_terraform(["validate", "-no-color"], cwd, env)
    assert proc.returncode == 0, explain(proc)
    assert "The configuration is valid" in proc.stdout
    readme = Path(TERRAFORM_DIR / "examples" / example / "main.tf").read_text(encoding="utf-8")
    assert readme.startswith("#")  # each example says what it shows
