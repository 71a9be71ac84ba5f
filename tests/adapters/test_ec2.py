"""Finding the test instance by its Name tag (moto EC2), and the load test using it."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from rsfleet.adapters.ec2 import find_instance_by_name, name_tag_of_test_instance
from rsfleet.errors import UsageError

REGION = "us-east-1"


_IMAGE: list[str] = []


def _image(ec2) -> str:
    # moto's default AMIs are the same in every mock: look one up once (listing all 1,366
    # Amazon images took seconds per call, four calls per test)
    if not _IMAGE:
        _IMAGE.append(ec2.describe_images(Owners=["amazon"], Filters=[
            {"Name": "name", "Values": ["amzn2-ami-hvm-*"]}])["Images"][0]["ImageId"])
    return _IMAGE[0]


def _launch(ec2, name: str | None, count: int = 1) -> list[str]:
    image = _image(ec2)
    kw = {}
    if name:
        kw["TagSpecifications"] = [{"ResourceType": "instance",
                                    "Tags": [{"Key": "Name", "Value": name}]}]
    res = ec2.run_instances(ImageId=image, MinCount=count, MaxCount=count, **kw)
    return [i["InstanceId"] for i in res["Instances"]]


def test_name_matches_terraform_local():
    # terraform/test-instance/main.tf: name = "${var.project_name}-${var.environment}-test"
    main_tf = (Path(__file__).resolve().parents[2] / "terraform" / "test-instance"
               / "main.tf").read_text()
    assert 'name = "${var.project_name}-${var.environment}-test"' in " ".join(main_tf.split())
    assert name_tag_of_test_instance("rsfleet", "dev") == "rsfleet-dev-test"


@mock_aws
def test_finds_the_one_running_instance_with_the_tag():
    ec2 = boto3.client("ec2", region_name=REGION)
    _launch(ec2, "rsfleet-prod-test")  # another environment's
    _launch(ec2, None)
    (stopped,) = _launch(ec2, "rsfleet-dev-test")
    ec2.stop_instances(InstanceIds=[stopped])
    (wanted,) = _launch(ec2, "rsfleet-dev-test")
    assert find_instance_by_name("rsfleet-dev-test", client=ec2) == wanted


@mock_aws
def test_none_or_several_is_a_usage_error_naming_the_fix():
    ec2 = boto3.client("ec2", region_name=REGION)
    with pytest.raises(UsageError, match="no running EC2 instance tagged "
                                         "Name=rsfleet-dev-test") as none:
        find_instance_by_name("rsfleet-dev-test", client=ec2)
    assert "--instance-id" in (none.value.hint or "")
    ids = _launch(ec2, "rsfleet-dev-test", count=2)
    with pytest.raises(UsageError, match="2 running instances") as several:
        find_instance_by_name("rsfleet-dev-test", client=ec2)
    assert all(i in str(several.value) for i in ids)


@mock_aws
def test_loadtest_via_test_instance_without_id_looks_it_up(tmp_path, monkeypatch):
    from rsfleet.cli import app

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    spec = tmp_path / "dev.tfvars"
    spec.write_text('environment = "dev"\nproducer = { base_capacity = 8 }\n'
                    'consumers = { c1 = { base_capacity = 8 } }\n', encoding="utf-8")
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"aws_region": {"value": REGION}}), encoding="utf-8")
    args = ["--backend", "aws", "loadtest", "--spec", str(spec), "--tf-outputs", str(outputs),
            "--via-test-instance", "--password-secret-arn",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:reader"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "no running EC2 instance tagged Name=rsfleet-dev-test" in res.output
    assert "Traceback" not in res.output
