"""Static checks of terraform/ read as data (no terraform binary): the defects a real account
found that `terraform validate` and mocked `terraform test` runs cannot show."""

from __future__ import annotations

from .hclread import blocks
from .tfharness import TERRAFORM_DIR

MODULES = TERRAFORM_DIR / "modules"


def test_workgroup_config_parameters_are_ignored_after_creation():
    """Provider 5.100.0 rejects enable_large_strings_opt_in, which the API returns: a declared
    config_parameter set diffs forever and the next apply fails (provider issue #49939).
    rsfleet enforces the parameters instead (src/rsfleet/workgroups)."""
    wg = blocks(MODULES / "serverless-workgroup", "resource")[
        ("aws_redshiftserverless_workgroup", "this")]
    ignored = [x for lc in wg.get("lifecycle", []) for x in lc.get("ignore_changes", [])]
    assert "${config_parameter}" in ignored or "config_parameter" in ignored, ignored
