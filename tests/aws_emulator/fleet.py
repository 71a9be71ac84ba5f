"""A fleet on the emulator as `rsfleet apply` would leave it, built through the APIs (inside
an active mock_aws): VPC + three subnets + internal NLB and IP target group (conftest's
moto_nlb), one namespace + workgroup per producer and consumer (named per the spec, as the
Terraform modules name them), one managed endpoint per AZ for each consumer, the consumers'
endpoint IPs registered in the target group, the controller's DynamoDB state table; and the
outputs document `terraform output` would give (docs/CONTRACTS.md §3)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from conftest import MotoNlb, moto_nlb

from aws_emulator import register

TABLE = "rsfleet-test-controller"


@dataclass
class EmulatedFleet:
    spec: Any
    region: str
    nlb: MotoNlb
    rs: Any
    ddb: Any
    outputs: dict[str, Any]
    endpoint_ips: dict[str, dict[str, str]] = field(default_factory=dict)  # consumer -> AZ -> IP

    @property
    def tg(self) -> str:
        return str(self.nlb.tg["TargetGroupArn"])

    def workgroup(self, consumer: str | None = None) -> dict[str, Any]:
        return dict(self.rs.get_workgroup(
            workgroupName=self.spec.workgroup_name(consumer))["workgroup"])

    def in_target_group(self) -> set[str]:
        """IPs registered and not draining."""
        return {d["Target"]["Id"] for d in self.nlb.elbv2.describe_target_health(
            TargetGroupArn=self.tg)["TargetHealthDescriptions"]
            if d["TargetHealth"]["State"] != "draining"}

    def save_outputs(self, path: Path) -> Path:
        """The outputs as `terraform output -json` saves them (for --tf-outputs FILE)."""
        path.write_text(json.dumps({k: {"value": v, "sensitive": False, "type": "dynamic"}
                                    for k, v in self.outputs.items()}), encoding="utf-8")
        return path


def _wait(rs: Any, name: str) -> dict[str, Any]:
    for _ in range(20):
        wg = rs.get_workgroup(workgroupName=name)["workgroup"]
        if wg["status"] == "AVAILABLE":
            return dict(wg)
    raise AssertionError(f"workgroup {name} never became AVAILABLE")


def build_fleet(spec: Any, *, register_targets: bool = True) -> EmulatedFleet:
    register()
    region = spec.aws_region
    nlb = moto_nlb(region)
    rs = boto3.client("redshift-serverless", region_name=region)
    sg = nlb.ec2.create_security_group(GroupName="rsfleet-consumers", Description="consumers",
                                       VpcId=nlb.vpc_id)["GroupId"]
    subnets = nlb.ec2.describe_subnets(SubnetIds=nlb.subnet_ids)["Subnets"]
    ddb = boto3.client("dynamodb", region_name=region)
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    outputs: dict[str, Any] = {
        "aws_region": region, "consumers": {},
        "nlb": {"dns_name": nlb.lb["DNSName"], "arn": nlb.lb["LoadBalancerArn"],
                "target_group_arn": nlb.tg["TargetGroupArn"], "port": spec.nlb.port},
        "controller": {"state_table": TABLE}}
    fleet = EmulatedFleet(spec, region, nlb, rs, ddb, outputs)
    producer = spec.producer
    for consumer in (None, *sorted(spec.consumers)):
        wg_spec = producer if consumer is None else spec.consumers[consumer]
        name = spec.workgroup_name(consumer)
        ns = rs.create_namespace(
            namespaceName=name, manageAdminPassword=True,
            dbName=getattr(wg_spec, "database_name", None) or "dev",
            adminUsername=getattr(producer, "admin_username", None) or "admin",
            tags=[{"key": "Project", "value": spec.project_name}])["namespace"]
        rs.create_workgroup(workgroupName=name, namespaceName=name,
                            baseCapacity=wg_spec.base_capacity,
                            maxCapacity=wg_spec.effective_max_capacity,
                            subnetIds=nlb.subnet_ids, securityGroupIds=[sg],
                            publiclyAccessible=False, enhancedVpcRouting=True)
        wg = _wait(rs, name)
        doc = {"workgroup_name": name, "namespace_name": name,
               "namespace_id": ns["namespaceId"], "database_name": ns["dbName"],
               "endpoint_address": wg["endpoint"]["address"], "port": wg["endpoint"]["port"],
               "admin_secret_arn": ns["adminPasswordSecretArn"]}
        if consumer is None:
            outputs["producer"] = doc
            continue
        ips: dict[str, str] = {}
        for subnet in subnets:
            az = subnet["AvailabilityZone"]
            rs.create_endpoint_access(endpointName=f"{name}-{az[-1]}", workgroupName=name,
                                      subnetIds=[subnet["SubnetId"]], vpcSecurityGroupIds=[sg])
        for _ in range(5):
            eps = rs.list_endpoint_access(workgroupName=name)["endpoints"]
            if all(e["endpointStatus"] == "ACTIVE" for e in eps):
                break
        for e in eps:
            for eni in e["vpcEndpoint"]["networkInterfaces"]:
                ips[eni["availabilityZone"]] = eni["privateIpAddress"]
        fleet.endpoint_ips[consumer] = ips
        outputs["consumers"][consumer] = {
            **doc, "endpoint_ips": ips, "behind_nlb": spec.consumers[consumer].behind_nlb}
    if register_targets:
        targets = [{"Id": ip, "Port": spec.nlb.port} for c in spec.lb_consumers
                   for ip in fleet.endpoint_ips[c].values()]
        nlb.elbv2.register_targets(TargetGroupArn=fleet.tg, Targets=targets)
    return fleet
