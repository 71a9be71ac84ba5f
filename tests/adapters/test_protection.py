"""`rsfleet destroy` lifts the deletion protection of prod's state table and NLB first
(review finding 5): with it on, DeleteTable is refused and Terraform stops half-way."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import moto_nlb
from moto import mock_aws

from rsfleet.adapters.protection import lift_deletion_protection

REGION = "us-east-1"


def _table(ddb, name: str, protected: bool) -> None:
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     DeletionProtectionEnabled=protected)


@mock_aws
def test_protected_table_and_nlb_are_released_then_deletable() -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    _table(ddb, "rsfleet-prod-controller", protected=True)
    nlb = moto_nlb(REGION)
    arn = nlb.lb["LoadBalancerArn"]
    nlb.elbv2.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[
        {"Key": "deletion_protection.enabled", "Value": "true"}])
    with pytest.raises(ClientError):  # what Terraform's destroy ran into
        ddb.delete_table(TableName="rsfleet-prod-controller")

    done = lift_deletion_protection("rsfleet-prod-controller", arn, dynamodb=ddb,
                                    elbv2=nlb.elbv2)

    assert done == ["deletion protection off: DynamoDB table rsfleet-prod-controller",
                    f"deletion protection off: load balancer {nlb.lb['LoadBalancerName']}"]
    attrs = nlb.elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    assert {"Key": "deletion_protection.enabled", "Value": "false"} in attrs
    ddb.delete_table(TableName="rsfleet-prod-controller")


@mock_aws
def test_nothing_to_do_changes_nothing() -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    _table(ddb, "rsfleet-dev-controller", protected=False)
    nlb = moto_nlb(REGION)
    names = ("rsfleet-dev-controller", nlb.lb["LoadBalancerArn"])
    assert lift_deletion_protection(*names, dynamodb=ddb, elbv2=nlb.elbv2) == []
    # a fleet already gone (table and NLB deleted by hand): still nothing, no error
    ddb.delete_table(TableName="rsfleet-dev-controller")
    nlb.elbv2.delete_load_balancer(LoadBalancerArn=nlb.lb["LoadBalancerArn"])
    assert lift_deletion_protection(*names, dynamodb=ddb, elbv2=nlb.elbv2) == []
