"""One SQL text: `rsfleet share sql` == Terraform's data_sharing_commands.

terraform/modules/datashare-sql has no resources and no provider, so it is applied here for
real, offline, with local state, and its `sql` output compared byte for byte.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rsfleet.sharing.sql import render_fresh_fleet_sql
from rsfleet.spec import load_spec

from .test_sql import EXPECTED, IDS, PROD, SPEC

MODULE = Path(__file__).resolve().parents[2] / "terraform" / "modules" / "datashare-sql"


def terraform() -> str:
    found = shutil.which("terraform")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("terraform is required under CI")
        pytest.skip("terraform binary not installed")
    return found


def test_terraform_module_renders_the_same_sql(tmp_path):
    tf = terraform()
    work = tmp_path / "module"
    shutil.copytree(MODULE, work, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    spec_file = tmp_path / "qa.tfvars"
    spec_file.write_text(SPEC, encoding="utf-8")
    spec = load_spec(spec_file)
    variables = {
        "datashares": {name: ds.model_dump() for name, ds in spec.datashares.items()},
        "producer_namespace_id": PROD,
        "consumer_namespace_ids": IDS,
    }
    (work / "test.tfvars.json").write_text(json.dumps(variables), encoding="utf-8")
    cli_config = tmp_path / "terraformrc"
    cli_config.write_text("", encoding="utf-8")
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(cli_config), "TF_IN_AUTOMATION": "1",
           "TF_DATA_DIR": str(tmp_path / ".terraform")}
    env.pop("TF_WORKSPACE", None)

    def run(*args: str) -> str:
        proc = subprocess.run([tf, f"-chdir={work}", *args], env=env, capture_output=True,
                              text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    run("init", "-input=false", "-backend=false")
    run("apply", "-input=false", "-auto-approve", "-var-file=test.tfvars.json")
    from_terraform = run("output", "-raw", "sql")
    assert from_terraform == render_fresh_fleet_sql(spec, PROD, IDS)
    assert from_terraform == EXPECTED
