"""The Terraform code, checked offline with the real terraform binary: fmt, validate of every
root, `terraform test` (mock_provider "aws") for the root module (counts, outputs, one failing
run per validation rule), each shipped environment spec and the modules with their own tests,
and checkov.

Speed: terraform/ is copied and each root initialised once per pytest-xdist worker (the
session fixture `tf_tree` in conftest.py); hashicorp/aws comes from a local provider mirror
when one exists (tfharness.py). Run: pytest tests/terraform -n auto
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .tfharness import TERRAFORM_DIR, explain, run_terraform, terraform_env

pytestmark = pytest.mark.terraform

ROOTS = [".", "backend-setup", "test-instance"]
ENVIRONMENTS = sorted(p.parent.name for p in (TERRAFORM_DIR / "environments").glob("*/terraform.tfvars"))
ROOT_TEST_FILES = sorted(p.name for p in (TERRAFORM_DIR / "tests").glob("*.tftest.hcl"))
MODULES_WITH_TESTS = sorted(
    p.parent.parent.name for p in (TERRAFORM_DIR / "modules").glob("*/tests/*.tftest.hcl")
)
RUN_BLOCK = re.compile(r'^run\s+"([^"]+)"', re.MULTILINE)


def _assert_all_runs_passed(proc: subprocess.CompletedProcess[str], test_files: list[Path]) -> int:
    """Every run block of every file was executed and passed; returns how many."""
    assert proc.returncode == 0, explain(proc)
    names = [n for f in test_files for n in RUN_BLOCK.findall(f.read_text(encoding="utf-8"))]
    assert names, f"no run blocks in {test_files}"
    for name in names:
        assert f'run "{name}"... pass' in proc.stdout, f'run "{name}" did not pass:\n{explain(proc)}'
    match = re.search(r"Success! (\d+) passed, 0 failed", proc.stdout)
    assert match and int(match.group(1)) == len(names), explain(proc)
    return len(names)


def test_fmt_is_clean(tmp_path):
    proc = run_terraform(["fmt", "-check", "-recursive", "-diff", "-no-color", "terraform"],
                         TERRAFORM_DIR.parent, terraform_env(tmp_path))
    assert proc.returncode == 0, f"run `terraform fmt -recursive terraform`:\n{explain(proc)}"


@pytest.mark.parametrize("root", ROOTS)
def test_root_validates(tf_tree, root):
    cwd, env = tf_tree.init(root)
    proc = run_terraform(["validate", "-no-color"], cwd, env)
    assert proc.returncode == 0, explain(proc)
    assert "Success! The configuration is valid." in proc.stdout
    assert "Warning" not in proc.stdout + proc.stderr, explain(proc)


@pytest.mark.parametrize("test_file", ROOT_TEST_FILES)
def test_root_module_terraform_test(tf_tree, test_file):
    """terraform/tests/<file>: resource counts, outputs, and one failing run per validation."""
    cwd, env = tf_tree.init(".")
    proc = run_terraform(["test", "-no-color", f"-filter=tests/{test_file}"], cwd, env)
    _assert_all_runs_passed(proc, [cwd / "tests" / test_file])


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_shipped_environment_spec_plans(tf_tree, environment):
    """environments/<env>/terraform.tfvars passes the root validations and plans (mocked AWS)."""
    cwd, env = tf_tree.init(".")
    proc = run_terraform(
        ["test", "-no-color", "-test-directory=tests/environments",
         f"-var-file=environments/{environment}/terraform.tfvars"], cwd, env)
    _assert_all_runs_passed(proc, sorted((cwd / "tests" / "environments").glob("*.tftest.hcl")))


def test_a_spec_with_a_backup_policy_plans(tf_tree, tmp_path):
    """producer.backup is acted on by rsfleet only (`rsfleet backup`), yet the same file is
    Terraform's var file: Terraform must accept it (the producer variable declares backup
    and checks it with the spec's rules: tests/spec/rule_cases.py) while rsfleet reads the
    whole policy."""
    from rsfleet.spec import load_spec

    text = (TERRAFORM_DIR / "environments" / "dev" / "terraform.tfvars").read_text(encoding="utf-8")
    policy = """producer = {
  backup = {
    schedule       = "cron(30 2 * * ? *)"
    retention_days = 14
    role_arn       = "arn:aws:iam::123456789012:role/rsfleet-scheduler"
    copy = {
      region         = "us-west-2"
      retention_days = 7
      kms_key_id     = "alias/rsfleet-backup"
    }
  }
"""
    with_backup = text.replace("producer = {\n", policy, 1)
    assert with_backup != text
    path = tmp_path / "backup.tfvars"
    path.write_text(with_backup, encoding="utf-8")
    backup = load_spec(path).producer.backup
    assert backup is not None and backup.copy_to is not None
    assert (backup.retention_days, backup.copy_to.region) == (14, "us-west-2")
    cwd, env = tf_tree.init(".")
    proc = run_terraform(["test", "-no-color", "-test-directory=tests/environments",
                          f"-var-file={path}"], cwd, env)
    _assert_all_runs_passed(proc, sorted((cwd / "tests" / "environments").glob("*.tftest.hcl")))


def test_environment_spec_check_rejects_a_bad_spec(tf_tree, tmp_path):
    """The per-environment check is not vacuous: a bad producer capacity fails it."""
    cwd, env = tf_tree.init(".")
    text = (TERRAFORM_DIR / "environments" / "dev" / "terraform.tfvars").read_text(encoding="utf-8")
    bad_text = re.sub(r"(producer = \{\n\s+base_capacity\s+=\s+)\d+", r"\g<1>12", text, count=1)
    assert bad_text != text
    bad = tmp_path / "bad.tfvars"
    bad.write_text(bad_text, encoding="utf-8")
    proc = run_terraform(["test", "-no-color", "-test-directory=tests/environments",
                          f"-var-file={bad}"], cwd, env)
    assert proc.returncode != 0, explain(proc)
    assert "producer.base_capacity must be 4, or 8-512 in steps of 8" in " ".join(
        (proc.stdout + proc.stderr).split()), explain(proc)


@pytest.mark.parametrize("module", MODULES_WITH_TESTS)
def test_module_terraform_test(tf_tree, module):
    cwd, env = tf_tree.init(f"modules/{module}")
    proc = run_terraform(["test", "-no-color"], cwd, env)
    _assert_all_runs_passed(proc, sorted((cwd / "tests").glob("*.tftest.hcl")))


def test_the_suite_covers_every_root_and_environment():
    """Guards the parametrisation itself: a renamed dir must not silently drop tests."""
    assert set(ENVIRONMENTS) >= {"dev", "staging", "prod"}
    for env in ENVIRONMENTS:
        assert (TERRAFORM_DIR / "environments" / env / "backend-config.hcl").is_file(), env
    assert ROOT_TEST_FILES, "terraform/tests/*.tftest.hcl is missing"
    assert "datashare-sql" in MODULES_WITH_TESTS
    for root in ROOTS:
        assert (TERRAFORM_DIR / root / "versions.tf").is_file(), root


def test_root_outputs_match_the_contract():
    """Root outputs named in docs/CONTRACTS.md §3 exist; none is marked sensitive (no secrets)."""
    text = (TERRAFORM_DIR / "outputs.tf").read_text(encoding="utf-8")
    declared = set(re.findall(r'^output\s+"([^"]+)"', text, re.MULTILINE))
    assert {"producer", "consumers", "nlb", "data_sharing_commands", "aws_region"} <= declared
    assert "sensitive" not in text


# --- checkov ------------------------------------------------------------------------------

def _checkov_command() -> list[str] | None:
    configured = os.environ.get("RSFLEET_CHECKOV")
    if configured:
        return [configured]
    found = shutil.which("checkov")
    if found:
        return [found]
    try:
        import checkov  # noqa: F401
    except ImportError:
        return None
    return [sys.executable, "-m", "checkov.main"]


def test_checkov_has_no_failed_checks():
    """checkov over terraform/: zero failed checks; every skip carries a written reason."""
    command = _checkov_command()
    if command is None:
        reason = "checkov not installed (pip install 'checkov>=3.2,<4', or set RSFLEET_CHECKOV)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; CI=true, so this is a failure, not a skip")
        pytest.skip(reason)
    proc = subprocess.run(
        [*command, "-d", str(TERRAFORM_DIR), "--framework", "terraform", "--quiet", "--compact",
         "-o", "json", "--skip-download"],
        capture_output=True, text=True, timeout=600, check=False)
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov printed no JSON (exit {proc.returncode}):\n"
                    f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    reports = data if isinstance(data, list) else [data]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}:{c['file_line_range']})"
        for r in reports for c in r.get("results", {}).get("failed_checks", [])
    ]
    assert not failed, "checkov failed checks:\n" + "\n".join(failed)
    assert sum(r.get("summary", {}).get("passed", 0) for r in reports) > 100
    for r in reports:
        for c in r.get("results", {}).get("skipped_checks", []):
            comment = (c.get("check_result") or {}).get("suppress_comment") or ""
            assert len(comment.strip()) >= 20, f"skip without a reason: {c['check_id']} {c['resource']}"
