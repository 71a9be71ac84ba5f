"""One SQL text: `rsfleet share sql` == Terraform's data_sharing_commands.

terraform/modules/datashare-sql has no resources and no provider, so it is applied here for
real, offline, with local state, and its `sql` output compared byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from terraform.tfharness import copy_module, require_terraform, run_terraform, terraform_env

from rsfleet.sharing.sql import render_fresh_fleet_sql
from rsfleet.spec import load_spec

from .test_sql import EXPECTED, IDS, PROD, SPEC

MODULE = Path(__file__).resolve().parents[2] / "terraform" / "modules" / "datashare-sql"


@pytest.mark.terraform
def test_terraform_module_renders_the_same_sql(tmp_path):
    require_terraform()  # skips with a reason; fails under CI=true
    work = copy_module(MODULE, tmp_path / "module")
    spec_file = tmp_path / "qa.tfvars"
    spec_file.write_text(SPEC, encoding="utf-8")
    spec = load_spec(spec_file)
    variables = {
        "datashares": {name: ds.model_dump() for name, ds in spec.datashares.items()},
        "producer_namespace_id": PROD,
        "consumer_namespace_ids": IDS,
    }
    (work / "test.tfvars.json").write_text(json.dumps(variables), encoding="utf-8")
    env = terraform_env(tmp_path)

    def run(*args: str) -> str:
        proc = run_terraform(args, work, env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    run("init", "-input=false", "-backend=false")
    run("apply", "-input=false", "-auto-approve", "-var-file=test.tfvars.json")
    from_terraform = run("output", "-raw", "sql")
    assert from_terraform == render_fresh_fleet_sql(spec, PROD, IDS)
    assert from_terraform == EXPECTED
