"""Fixtures for the Terraform tests.

`tf_tree`: one copy of terraform/ per pytest-xdist worker (tmp_path_factory is per worker),
with `init` run at most once per root directory inside it, each with its own TF_DATA_DIR and
CLI config. Tests in one worker run one after another, so sharing an initialised copy is
safe; workers never share anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .tfharness import copy_terraform_tree, explain, run_terraform, terraform_env


@dataclass
class TerraformTree:
    root: Path  # the copied terraform/ directory
    base: Path
    _envs: dict[str, dict[str, str]] = field(default_factory=dict)

    def init(self, subdir: str = ".") -> tuple[Path, dict[str, str]]:
        """(directory, env) of `subdir` (relative to terraform/), initialised once."""
        cwd = (self.root / subdir).resolve()
        if subdir not in self._envs:
            name = subdir.replace("/", "_").strip(".") or "root"
            env_dir = self.base / f"env-{name}"
            env_dir.mkdir(exist_ok=True)
            env = terraform_env(env_dir)
            proc = run_terraform(["init", "-backend=false", "-input=false", "-no-color"], cwd, env)
            assert proc.returncode == 0, explain(proc)
            self._envs[subdir] = env
        return cwd, self._envs[subdir]


@pytest.fixture(scope="session")
def tf_tree(tmp_path_factory: pytest.TempPathFactory) -> TerraformTree:
    from .tfharness import require_terraform

    require_terraform()
    base = tmp_path_factory.mktemp("tf-tree")
    return TerraformTree(root=copy_terraform_tree(base), base=base)
