"""The launcher `python -m tests.aws_emulator.server`: moto's server mode on 127.0.0.1 with
redshift-serverless beside every moto service (what `make test-aws` points Terraform at)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from conftest import free_port
from terraform.tfharness import explain, require_terraform, run_terraform, terraform_env

from aws_emulator.server import spawn, stop


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    proc = spawn(port, tmp_path_factory.mktemp("moto") / "server.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def _client(url: str, service: str) -> Any:
    return boto3.client(service, region_name="us-east-1", endpoint_url=url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_server_serves_redshift_serverless_beside_ec2(server: str) -> None:
    ec2 = _client(server, "ec2")
    rs = _client(server, "redshift-serverless")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(
        VpcId=vpc, CidrBlock="10.9.2.0/23", AvailabilityZone="us-east-1b")["Subnet"]
    rs.create_namespace(namespaceName="srv")
    rs.create_workgroup(workgroupName="srv", namespaceName="srv",
                        subnetIds=[subnet["SubnetId"]])
    statuses = [rs.get_workgroup(workgroupName="srv")["workgroup"]["status"]
                for _ in range(2)]
    assert statuses == ["CREATING", "AVAILABLE"]
    eni = rs.get_workgroup(workgroupName="srv")["workgroup"]["endpoint"][
        "vpcEndpoints"][0]["networkInterfaces"][0]
    assert eni["privateIpAddress"].startswith("10.9.")
    found = ec2.describe_network_interfaces(
        NetworkInterfaceIds=[eni["networkInterfaceId"]])["NetworkInterfaces"]
    assert found[0]["SubnetId"] == subnet["SubnetId"]
    with pytest.raises(ClientError) as exc:
        rs.get_workgroup(workgroupName="nope")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_concurrent_requests_as_terraform_sends_them(server: str) -> None:
    """Terraform creates up to 10 resources at once: creates and listings on several threads
    of the server all succeed and add up."""
    from concurrent.futures import ThreadPoolExecutor

    def work(i: int) -> int:
        rs = _client(server, "redshift-serverless")
        for j in range(4):
            rs.create_namespace(namespaceName=f"par-{i}-{j}")
            rs.list_namespaces()
        return i

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert sorted(pool.map(work, range(6))) == list(range(6))
    names = {n["namespaceName"] for p in _client(server, "redshift-serverless").get_paginator(
        "list_namespaces").paginate() for n in p["namespaces"]}
    assert {f"par-{i}-{j}" for i in range(6) for j in range(4)} <= names


def test_transitions_are_set_over_http(server: str) -> None:
    body = json.dumps({"model_name": "redshift-serverless::workgroup",
                       "transition": {"progression": "immediate"}})
    requests.post(f"{server}/moto-api/state-manager/set-transition", data=body,
                  timeout=5).raise_for_status()
    rs = _client(server, "redshift-serverless")
    rs.create_namespace(namespaceName="fast")
    rs.create_workgroup(workgroupName="fast", namespaceName="fast")
    assert rs.get_workgroup(workgroupName="fast")["workgroup"]["status"] == "AVAILABLE"
    body = json.dumps({"model_name": "redshift-serverless::workgroup"})
    requests.post(f"{server}/moto-api/state-manager/unset-transition", data=body,
                  timeout=5).raise_for_status()


# What the fleet's modules declare of redshift-serverless (terraform/modules/serverless-
# workgroup, consumer: KMS keys, managed admin secret, config parameters set at creation and
# ignored afterwards, one managed endpoint per subnet, a usage limit), in one small root: the provider's create/read/update/delete calls and
# waiters, its read-back, and the destroy order (endpoints, then the workgroup, then the
# namespace) against the emulator.
PROVIDER_ROOT = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_metadata_api_check     = true
  skip_credentials_validation = true
  default_tags { tags = { Project = "emu" } }
}
resource "aws_vpc" "v" { cidr_block = "10.50.0.0/16" }
resource "aws_subnet" "s" {
  for_each          = { a = 0, b = 1, c = 2 }
  vpc_id            = aws_vpc.v.id
  cidr_block        = cidrsubnet("10.50.0.0/16", 7, each.value)
  availability_zone = "us-east-1${each.key}"
}
resource "aws_security_group" "g" {
  name   = "emu"
  vpc_id = aws_vpc.v.id
}
resource "aws_iam_role" "r" {
  name = "emu-copy"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{
    Effect = "Allow", Principal = { Service = "redshift.amazonaws.com" },
    Action = "sts:AssumeRole" }] })
}
resource "aws_kms_key" "k" {
  description         = "emu"
  enable_key_rotation = true
}
resource "aws_redshiftserverless_namespace" "ns" {
  namespace_name                   = "emu-producer"
  admin_username                   = "rsfleet_admin"
  manage_admin_password            = true
  admin_password_secret_kms_key_id = aws_kms_key.k.arn
  kms_key_id                       = aws_kms_key.k.arn
  db_name                          = "dev"
  iam_roles             = [aws_iam_role.r.arn]
  default_iam_role_arn  = aws_iam_role.r.arn
  log_exports           = ["userlog", "connectionlog", "useractivitylog"]
}
resource "aws_redshiftserverless_workgroup" "wg" {
  namespace_name       = aws_redshiftserverless_namespace.ns.namespace_name
  workgroup_name       = "emu-producer"
  base_capacity        = var.base
  max_capacity         = 64
  enhanced_vpc_routing = true
  publicly_accessible  = false
  subnet_ids           = [for s in aws_subnet.s : s.id]
  security_group_ids   = [aws_security_group.g.id]
  port                 = 5439
  dynamic "config_parameter" {
    for_each = { auto_mv = "true", datestyle = "ISO, MDY", require_ssl = "true",
                 max_query_execution_time = "3600", search_path = "$user, public" }
    content {
      parameter_key   = config_parameter.key
      parameter_value = config_parameter.value
    }
  }
  lifecycle { ignore_changes = [config_parameter] }
}
variable "base" { default = 8 }
resource "aws_redshiftserverless_endpoint_access" "ep" {
  for_each               = aws_subnet.s
  endpoint_name          = "emu-producer-${each.key}"
  workgroup_name         = aws_redshiftserverless_workgroup.wg.workgroup_name
  subnet_ids             = [each.value.id]
  vpc_security_group_ids = [aws_security_group.g.id]
}
resource "aws_redshiftserverless_usage_limit" "ul" {
  resource_arn  = aws_redshiftserverless_workgroup.wg.arn
  usage_type    = "serverless-compute"
  amount        = 100
  period        = "monthly"
  breach_action = "emit-metric"
}
output "ips" {
  value = { for k, e in aws_redshiftserverless_endpoint_access.ep :
    k => e.vpc_endpoint[0].network_interface[0].private_ip_address }
}
"""


@pytest.mark.terraform
def test_the_providers_redshift_serverless_resources_round_trip(server: str,
                                                                 tmp_path: Path) -> None:
    require_terraform()
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(PROVIDER_ROOT, encoding="utf-8")
    env = {**terraform_env(tmp_path), "AWS_ENDPOINT_URL": server}

    def tf(*args: str) -> Any:
        return run_terraform([*args, "-no-color"], root, env)

    for step in (["init"], ["apply", "-auto-approve"]):
        proc = tf(*step)
        assert proc.returncode == 0, explain(proc)
    out = tf("output", "-json")
    ips = json.loads(out.stdout)["ips"]["value"]
    assert sorted(ips) == ["a", "b", "c"] and all(ip.startswith("10.50.") for ip in ips.values())
    again = tf("plan", "-detailed-exitcode")
    assert again.returncode == 0, explain(again)  # read back as written: no changes
    grown = tf("apply", "-auto-approve", "-var", "base=32")  # one UpdateWorkgroup, waited
    assert grown.returncode == 0, explain(grown)
    rs = _client(server, "redshift-serverless")
    wg = rs.get_workgroup(workgroupName="emu-producer")["workgroup"]
    config = {p["parameterKey"]: p["parameterValue"] for p in wg["configParameters"]}
    assert wg["baseCapacity"] == 32 and config["max_query_execution_time"] == "3600"
    gone = tf("destroy", "-auto-approve")
    assert gone.returncode == 0, explain(gone)
    # (the module's server holds the other tests' workgroups too)
    assert "emu-producer" not in {w["workgroupName"] for w in rs.list_workgroups()["workgroups"]}
    assert "emu-producer" not in {n["namespaceName"] for n in rs.list_namespaces()["namespaces"]}
