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

pytestmark = pytest.mark.terraform

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
    # for scripts, as terraform plan -detailed-exitcode (3: rsfleet's 2 is bad input)
    result = runner.invoke(app, ["plan", "--env", "qa", "--detailed-exitcode"])
    assert result.exit_code == 0, result.output  # applied: nothing to change
    result = runner.invoke(app, ["plan", "--env", "qa", "--destroy", "--detailed-exitcode"])
    assert result.exit_code == 3, result.output  # a destroy plan has changes
    plan_file.unlink()

    result = runner.invoke(app, ["output", "--env", "qa", "--json"])
    assert result.exit_code == 0, result.output
    outputs = json.loads(result.stdout)
    assert outputs == {"environment": "qa", "workspace": "qa"}  # sensitive output dropped
    # one workspace per environment, configured by the environment's backend-config.hcl
    assert (tf_project / "state" / "workspaces" / "qa" / "terraform.tfstate").is_file()

    result = runner.invoke(app, ["destroy", "--env", "qa", "--auto-approve", "--skip-final-snapshot"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["output", "--env", "qa", "--json"])
    assert json.loads(result.stdout) == {}


def test_every_command_reads_outputs_from_the_specs_own_environment(tf_project):
    from rsfleet.adapters.terraform import outputs_for_spec
    from rsfleet.errors import UsageError

    spec = tf_project / "terraform" / "environments" / "qa" / "terraform.tfvars"
    assert runner.invoke(app, ["apply", "--env", "qa", "--auto-approve"]).exit_code == 0
    # Real `terraform output -json` in the spec's environment (workspace qa).
    assert outputs_for_spec(spec, "qa", None) == {"environment": "qa", "workspace": "qa"}
    saved = tf_project / "outputs.json"
    saved.write_text(json.dumps({"environment": {"value": "saved", "sensitive": False}}),
                     encoding="utf-8")
    assert outputs_for_spec(spec, "qa", saved) == {"environment": "saved"}

    # A spec kept outside terraform/environments/<env>/ has no Terraform state beside it:
    # one clear line, instead of `terraform output` run three directories up.
    elsewhere = tf_project / "specs" / "qa.tfvars"
    elsewhere.parent.mkdir()
    elsewhere.write_text(SPEC, encoding="utf-8")
    with pytest.raises(UsageError, match="cannot ask Terraform") as err:
        outputs_for_spec(elsewhere, "qa", None)
    assert err.value.hint and "--tf-outputs FILE" in err.value.hint
    for argv in (["targets", "status"], ["loadtest", "--quiet"]):
        res = runner.invoke(app, ["--backend", "aws", *argv, "--spec", str(elsewhere)])
        assert res.exit_code == 2, res.output
        assert "is not terraform/environments/qa/terraform.tfvars" in res.output
    res = runner.invoke(app, ["--backend", "aws", "diagnose", "--spec", str(elsewhere)])
    assert res.exit_code == 1 and "BROKEN  outputs" in res.output
    assert "cannot ask Terraform" in res.output and "--tf-outputs FILE" in res.output
