"""`rsfleet plan/apply/output/destroy` drive a real terraform binary end to end.

The root module here has no provider (outputs and a built-in `terraform_data` resource),
so it runs offline with local state, in its own workspace per environment.
"""

from __future__ import annotations

import json
import os
import shutil
import textwrap

import pytest
from typer.testing import CliRunner

from rsfleet.cli import app

from .test_cli_basics import SPEC

runner = CliRunner()

ROOT_MODULE = textwrap.dedent(
    """
    terraform {
      backend "local" {}
    }
    variable "environment" { type = string }
    resource "terraform_data" "marker" { input = var.environment }
    output "environment" { value = terraform_data.marker.output }
    output "workspace" { value = terraform.workspace }
    output "secret" {
      value     = "s3cr3t"
      sensitive = true
    }
    """
)


@pytest.fixture
def tf_project(tmp_path, monkeypatch):
    if shutil.which("terraform") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("terraform is required under CI")
        pytest.skip("terraform binary not installed")
    root = tmp_path / "terraform"
    env_dir = root / "environments" / "qa"
    env_dir.mkdir(parents=True)
    (root / "main.tf").write_text(ROOT_MODULE, encoding="utf-8")
    (env_dir / "terraform.tfvars").write_text(SPEC, encoding="utf-8")
    (env_dir / "backend-config.hcl").write_text(
        f'path = "{tmp_path / "state" / "terraform.tfstate"}"\n'
        f'workspace_dir = "{tmp_path / "state" / "workspaces"}"\n',
        encoding="utf-8",
    )
    cli_config = tmp_path / "terraformrc"
    cli_config.write_text("", encoding="utf-8")
    monkeypatch.setenv("RSFLEET_ROOT", str(tmp_path))
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(cli_config))
    monkeypatch.setenv("TF_DATA_DIR", str(tmp_path / ".terraform"))
    monkeypatch.delenv("TF_WORKSPACE", raising=False)
    return tmp_path


def test_plan_apply_output_destroy(tf_project):
    plan_file = tf_project / ".rsfleet" / "qa" / "terraform.tfplan"
    result = runner.invoke(app, ["plan", "--env", "qa"])
    assert result.exit_code == 0, result.output
    assert plan_file.is_file()

    result = runner.invoke(app, ["apply", "--env", "qa"])
    assert result.exit_code == 0, result.output
    assert not plan_file.exists(), "a saved plan is single-use"

    result = runner.invoke(app, ["output", "--env", "qa", "--json"])
    assert result.exit_code == 0, result.output
    outputs = json.loads(result.stdout)
    assert outputs == {"environment": "qa", "workspace": "qa"}  # sensitive output dropped
    # one workspace per environment, configured by the environment's backend-config.hcl
    assert (tf_project / "state" / "workspaces" / "qa" / "terraform.tfstate").is_file()

    result = runner.invoke(app, ["destroy", "--env", "qa", "--auto-approve"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["output", "--env", "qa", "--json"])
    assert json.loads(result.stdout) == {}
