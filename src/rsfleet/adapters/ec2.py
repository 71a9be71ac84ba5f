"""Amazon EC2 (boto3 ``ec2``; imported inside): find the fleet's test instance.

`terraform/test-instance` tags its instance ``Name = <project>-<environment>-test``; the
load test's ``--via-test-instance`` looks it up by that tag when no ``--instance-id`` is
given, so the instance does not have to be copied by hand from another root's outputs.
DescribeInstances filters:
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rsfleet.adapters import aws_errors
from rsfleet.errors import UsageError

if TYPE_CHECKING:  # boto3-stubs: types only, nothing imported at run time
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import FilterTypeDef


def name_tag_of_test_instance(project_name: str, environment: str) -> str:
    """The Name tag terraform/test-instance gives its instance (local.name there)."""
    return f"{project_name}-{environment}-test"


def find_instance_by_name(name: str, *, region: str | None = None,
                          client: EC2Client | None = None) -> str:
    """The id of the one running instance tagged Name=`name`; UsageError (with how to pass
    it) when there is none or more than one."""
    from botocore.exceptions import BotoCoreError, ClientError

    if client is None:
        import boto3

        client = boto3.client("ec2", region_name=region)
    filters: list[FilterTypeDef] = [{"Name": "tag:Name", "Values": [name]},
               {"Name": "instance-state-name", "Values": ["running"]}]
    try:
        pages = client.get_paginator("describe_instances").paginate(Filters=filters)
        ids = sorted(inst["InstanceId"] for page in pages
                     for res in page.get("Reservations", []) for inst in res["Instances"])
    except (BotoCoreError, ClientError) as exc:
        raise aws_errors.translate(
            exc, f"cannot look up the test instance {name!r}",
            credentials="to look up the test instance",
            credentials_hint="configure AWS credentials, or pass --instance-id") from None
    if not ids:
        raise UsageError(f"no running EC2 instance tagged Name={name}",
                         hint="apply terraform/test-instance (see its README) or pass "
                              "--instance-id")
    if len(ids) > 1:
        raise UsageError(f"{len(ids)} running instances tagged Name={name}: {', '.join(ids)}",
                         hint="pass --instance-id to pick one")
    return ids[0]
