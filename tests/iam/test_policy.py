"""`rsfleet iam-policy`: the apply principal's policy kept in step with terraform/ (every
resource and data source type there has its actions), the app policy for IAM sessions."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from rsfleet.cli import app
from rsfleet.iampolicy import (
    DATA_SOURCE_ACTIONS,
    MANAGED_POLICY_LIMIT,
    RESOURCE_ACTIONS,
    apply_actions,
    apply_policy,
    policy_size,
    split_for_managed,
)

TERRAFORM = Path(__file__).resolve().parents[2] / "terraform"
ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*]+$")


def _types(kind: str) -> set[str]:
    """Types of `kind` blocks in the fleet root and every module it can use (the state
    backend's own root and module are applied separately, once per account)."""
    files = [*TERRAFORM.glob("*.tf"), *TERRAFORM.glob("modules/*/*.tf")]
    found: set[str] = set()
    for f in files:
        if "modules/backend" in f.as_posix():
            continue
        found |= set(re.findall(rf'^{kind}\s+"([^"]+)"', f.read_text(encoding="utf-8"),
                                re.MULTILINE))
    return found


def test_every_terraform_resource_type_has_its_actions():
    missing = _types("resource") - set(RESOURCE_ACTIONS)
    assert not missing, f"add the IAM actions of {sorted(missing)} to RESOURCE_ACTIONS"


def test_every_data_source_type_has_its_actions():
    missing = _types("data") - set(DATA_SOURCE_ACTIONS)
    assert not missing, f"add {sorted(missing)} to DATA_SOURCE_ACTIONS"


def test_actions_are_well_formed_and_never_a_service_wildcard():
    for action in apply_actions():
        assert ACTION.match(action), action
        assert not action.endswith(":*"), action


def test_apply_policy_scopes_named_resources_to_the_fleet():
    doc = apply_policy(name="rsfleet-prod", region="eu-west-1", account="123456789012")
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    iam = by_sid["IamOnTheFleetsNames"]
    assert iam["Resource"] == ["arn:aws:iam::123456789012:role/rsfleet-prod-*",
                               "arn:aws:iam::123456789012:instance-profile/rsfleet-prod-*"]
    assert "iam:PassRole" in iam["Action"] and "iam:PassedToService" in json.dumps(iam)
    s3 = by_sid["S3OnTheFleetsNames"]
    assert all(r.startswith("arn:aws:s3:::rsfleet-prod-artifacts-") for r in s3["Resource"])
    ec2 = by_sid["Ec2ResourcesWithGeneratedIds"]
    assert ec2["Condition"] == {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    rs = by_sid["RedshiftServerlessOnTheFleetsNames"]
    assert "redshift-serverless:UpdateWorkgroup" in rs["Action"]  # rsfleet's enforcement
    granted = {a for s in doc["Statement"] for a in s["Action"]}
    assert apply_actions() <= granted


def test_managed_policy_split_keeps_every_statement_within_the_limit():
    doc = apply_policy(name="rsfleet-prod", region="us-east-1", account="123456789012")
    parts = split_for_managed(doc)
    assert all(policy_size(p) <= MANAGED_POLICY_LIMIT for p in parts)
    assert sorted(s["Sid"] for p in parts for s in p["Statement"]) == sorted(
        s["Sid"] for s in doc["Statement"])
    assert policy_size(doc) > MANAGED_POLICY_LIMIT and len(parts) == 2


def test_cli_app_policy_grants_get_credentials_on_the_consumers_only():
    res = CliRunner().invoke(app, ["iam-policy", "--env", "dev", "--for", "app",
                                   "--account", "123456789012"])
    assert res.exit_code == 0, res.output
    (st,) = json.loads(res.stdout)["Statement"]
    assert st["Action"] == ["redshift-serverless:GetCredentials",
                            "redshift-serverless:GetWorkgroup"]
    assert st["Condition"]["StringEquals"]["aws:ResourceTag/Name"] == ["rsfleet-dev-c1",
                                                                      "rsfleet-dev-c2"]


def test_cli_bad_input_is_one_line_exit_2():
    res = CliRunner().invoke(app, ["iam-policy", "--env", "dev", "--for", "admin"])
    assert res.exit_code == 2 and "use 'apply' or 'app'" in res.output
    res = CliRunner().invoke(app, ["iam-policy", "--env", "dev", "--account", "12"])
    assert res.exit_code == 2 and "12 digits" in res.output
