"""Run the real terraform binary offline, in isolation, from tests.

- `require_terraform()`: path of the terraform binary; skips the test with a reason when it is
  missing, except under CI (`CI=true`) where a missing terraform fails the test.
- `find_plugin_mirror()`: the local provider mirror holding hashicorp/aws, from
  `RSFLEET_TF_PLUGIN_MIRROR` or discovered under a few usual roots. Nothing machine-specific
  is committed: the path is found at run time.
- `terraform_env(tmp_path)`: an environment for subprocesses with a private CLI config
  (`TF_CLI_CONFIG_FILE`, which overrides whatever the machine points at — it may name a file
  that does not exist) and a private `TF_DATA_DIR`, so tests can run in parallel.
- `run_terraform(args, cwd, env)`: runs terraform, returns the CompletedProcess.
- `copy_module(src, dst)`: copies a Terraform directory without local state or .terraform.
- `graph_dependencies(dot)`: `terraform graph` (resource summary) as {address: what it
  depends on}; `depends_on(deps, a, b)`: whether `a` waits for `b`, directly or not.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO / "terraform"
AWS_PROVIDER = Path("registry.terraform.io") / "hashicorp" / "aws"
SEARCH_ROOTS = (
    Path("/opt"),
    Path("/usr/local/share"),
    Path("/usr/share"),
    Path.home() / ".terraform.d",
)
# How deep below a search root the mirror directory may start (e.g. /opt/<x>/<mirror>/...).
_MAX_DEPTH = 4
_ENV_DROP = ("TF_WORKSPACE", "TF_CLI_ARGS", "TF_CLI_ARGS_init", "TF_CLI_ARGS_plan",
             "TF_CLI_ARGS_apply", "TF_CLI_ARGS_test", "TF_PLUGIN_CACHE_DIR")


def require_terraform() -> str:
    """The terraform binary; pytest.skip when missing (pytest.fail under CI=true)."""
    found = shutil.which("terraform")
    if found is None:
        reason = "terraform binary not found on PATH (install Terraform >= 1.11 to run these tests)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI=true, so this is a failure, not a skip")
        pytest.skip(reason)
    return found


def _is_mirror(root: Path) -> bool:
    return (root / AWS_PROVIDER).is_dir()


def find_plugin_mirror() -> Path | None:
    """The filesystem mirror holding registry.terraform.io/hashicorp/aws, or None."""
    configured = os.environ.get("RSFLEET_TF_PLUGIN_MIRROR")
    if configured:
        path = Path(configured)
        if not _is_mirror(path):
            pytest.fail(
                f"RSFLEET_TF_PLUGIN_MIRROR={configured} has no {AWS_PROVIDER} directory; "
                "point it at the directory that contains registry.terraform.io/"
            )
        return path
    for root in SEARCH_ROOTS:
        if not root.is_dir():
            continue
        base_depth = len(root.parts)
        for dirpath, dirnames, _ in os.walk(root):
            here = Path(dirpath)
            if _is_mirror(here):
                return here
            if len(here.parts) - base_depth >= _MAX_DEPTH or here.name == "registry.terraform.io":
                dirnames[:] = []
            else:
                dirnames[:] = [d for d in dirnames if not d.startswith(".") or d == ".terraform.d"]
    return None


def cli_config_text(mirror: Path | None) -> str:
    """A CLI config that takes hashicorp/aws from the mirror (if any) and the rest directly."""
    if mirror is None:
        return "# no local provider mirror found: providers come from the registry\n"
    provider = "registry.terraform.io/hashicorp/aws"
    return (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror.as_posix()}"\n'
        f'    include = ["{provider}"]\n'
        "  }\n"
        "  direct {\n"
        f'    exclude = ["{provider}"]\n'
        "  }\n"
        "}\n"
    )


def terraform_env(tmp_path: Path) -> dict[str, str]:
    """Subprocess environment with a private CLI config and TF_DATA_DIR under tmp_path."""
    config = tmp_path / "terraform.rc"
    config.write_text(cli_config_text(find_plugin_mirror()), encoding="utf-8")
    data_dir = tmp_path / "tf-data"
    data_dir.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in _ENV_DROP}
    env.update(
        {
            "TF_CLI_CONFIG_FILE": str(config),
            "TF_DATA_DIR": str(data_dir),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
        }
    )
    return env


def run_terraform(
    args: Sequence[str], cwd: Path, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run `terraform <args>` in cwd; never raises on a non-zero exit (callers assert)."""
    binary = require_terraform()
    return subprocess.run(
        [binary, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def copy_module(src: Path, dst: Path) -> Path:
    """Copy a Terraform directory, leaving out .terraform dirs, lock files and state."""
    shutil.copytree(
        src,
        dst,
        ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate", "*.tfstate.*"),
    )
    return dst


def explain(proc: subprocess.CompletedProcess[str]) -> str:
    """Both streams, for assertion messages."""
    return f"exit {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"


def copy_terraform_tree(dst_parent: Path) -> Path:
    """A copy of the whole terraform/ directory under dst_parent (module sources like
    ../modules/x keep working), so `init` never writes into the checkout."""
    return copy_module(TERRAFORM_DIR, Path(dst_parent) / "terraform")


_EDGE = re.compile(r'^\s*"([^"]+)"\s*->\s*"([^"]+)"')
_NODE = re.compile(r'^\s*"([^"]+)"\s*\[label=')


def graph_dependencies(dot: str) -> dict[str, set[str]]:
    """`terraform graph` output as {config address: the addresses it depends on}; every node
    is a key (edges point from a resource to what it depends on)."""
    deps: dict[str, set[str]] = {}
    for line in dot.splitlines():
        if m := _EDGE.match(line):
            deps.setdefault(m[1], set()).add(m[2])
            deps.setdefault(m[2], set())
        elif m := _NODE.match(line):
            deps.setdefault(m[1], set())
    return deps


def depends_on(deps: dict[str, set[str]], a: str, b: str) -> bool:
    """Whether `a` is created after `b` (and destroyed before it): a path a -> ... -> b."""
    seen: set[str] = set()
    todo = [a]
    while todo:
        node = todo.pop()
        for nxt in deps.get(node, ()):
            if nxt == b:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False
