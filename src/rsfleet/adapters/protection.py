"""Deletion protection of the fleet's own resources, lifted right before `rsfleet destroy`.

In prod the root turns it on for the NLB and the controller's state table (terraform/main.tf);
Terraform cannot delete either while it is on and would stop half-way. `rsfleet destroy`
turns it off first, only on the two resources this environment's Terraform outputs name
(rsfleet created them), after the prod confirmation. Calls:
- DynamoDB UpdateTable DeletionProtectionEnabled=false
  (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html)
- ELB ModifyLoadBalancerAttributes deletion_protection.enabled=false
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-load-balancer-attributes.html#deletion-protection)
"""

from __future__ import annotations

from typing import Any


def lift_deletion_protection(table: str | None, lb_arn: str | None, *, dynamodb: Any,
                             elbv2: Any) -> list[str]:
    """Turn deletion protection off where it is on, for the state table and the NLB the
    outputs name (None: not in the fleet); one line per change made."""
    done: list[str] = []
    if table:
        try:
            desc = dynamodb.describe_table(TableName=table)["Table"]
        except dynamodb.exceptions.ResourceNotFoundException:
            desc = {}
        if desc.get("DeletionProtectionEnabled"):
            dynamodb.update_table(TableName=table, DeletionProtectionEnabled=False)
            done.append(f"deletion protection off: DynamoDB table {table}")
    lb = lb_arn
    if lb:
        try:
            attrs = elbv2.describe_load_balancer_attributes(LoadBalancerArn=lb)["Attributes"]
        except elbv2.exceptions.LoadBalancerNotFoundException:
            attrs = []
        if any(a["Key"] == "deletion_protection.enabled" and a["Value"] == "true"
               for a in attrs):
            elbv2.modify_load_balancer_attributes(LoadBalancerArn=lb, Attributes=[
                {"Key": "deletion_protection.enabled", "Value": "false"}])
            done.append(f"deletion protection off: load balancer {lb.split('/')[-2]}")
    return done
