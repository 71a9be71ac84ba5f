"""The redshift-serverless backend for moto, driven with boto3 inside mock_aws (in-process):
status transitions, refusals the API documents, endpoint ENIs taken from moto's EC2 subnets,
backups and restores, tags."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_api import state_manager

from aws_emulator import mock_aws
from aws_emulator.moto_redshift_serverless import redshiftserverless_backends
from aws_emulator.moto_redshift_serverless.models import (
    NAMESPACE_BUSY,
    WORKGROUP_BUSY,
    WORKGROUP_MODEL,
)

REGION = "eu-west-1"


class Env:
    def __init__(self) -> None:
        self.rs = boto3.client("redshift-serverless", region_name=REGION)
        self.ec2 = boto3.client("ec2", region_name=REGION)
        self.vpc = self.ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        self.subnets = {
            az: self.ec2.create_subnet(VpcId=self.vpc, CidrBlock=f"10.20.{i * 2}.0/23",
                                       AvailabilityZone=f"{REGION}{az}")["Subnet"]
            for i, az in enumerate("abc")}
        self.sg = self.ec2.create_security_group(GroupName="consumer", Description="c",
                                                 VpcId=self.vpc)["GroupId"]

    @property
    def subnet_ids(self) -> list[str]:
        return [s["SubnetId"] for s in self.subnets.values()]

    def workgroup(self, name: str = "wg1", *, available: bool = True, **kwargs: Any
                  ) -> dict[str, Any]:
        self.rs.create_namespace(namespaceName=name, manageAdminPassword=True)
        wg = self.rs.create_workgroup(workgroupName=name, namespaceName=name,
                                      subnetIds=self.subnet_ids, securityGroupIds=[self.sg],
                                      **kwargs)["workgroup"]
        if available:
            self.wait(name)
        return wg

    def status(self, name: str) -> str:
        return str(self.rs.get_workgroup(workgroupName=name)["workgroup"]["status"])

    def wait(self, name: str) -> list[str]:
        """GetWorkgroup until AVAILABLE; the statuses seen on the way."""
        seen = [self.status(name)]
        while seen[-1] != "AVAILABLE":
            assert len(seen) < 20, seen
            seen.append(self.status(name))
        return seen


@pytest.fixture(scope="module")
def _aws() -> Iterator[Env]:
    """One mock_aws and VPC per module: moto's EC2 takes seconds to set up."""
    with mock_aws():
        yield Env()


@pytest.fixture
def env(_aws: Env) -> Env:
    """Each test starts with an empty redshift-serverless (and Secrets Manager, which holds
    the managed admin secrets); the VPC stays."""
    from moto.secretsmanager.models import secretsmanager_backends

    redshiftserverless_backends[DEFAULT_ACCOUNT_ID][REGION].reset()
    secretsmanager_backends[DEFAULT_ACCOUNT_ID][REGION].reset()
    return _aws


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_workgroup_is_creating_then_available_with_one_eni_per_subnet(env: Env) -> None:
    created = env.workgroup(available=False, baseCapacity=8)
    assert created["status"] == "CREATING"
    assert env.wait("wg1") == ["CREATING", "AVAILABLE"]
    wg = env.rs.get_workgroup(workgroupName="wg1")["workgroup"]
    assert wg["endpoint"]["address"] == (f"wg1.{DEFAULT_ACCOUNT_ID}.{REGION}."
                                         "redshift-serverless.amazonaws.com")
    assert wg["endpoint"]["port"] == 5439 and wg["baseCapacity"] == 8
    enis = wg["endpoint"]["vpcEndpoints"][0]["networkInterfaces"]
    by_az = {e["availabilityZone"]: e for e in enis}
    assert sorted(by_az) == [f"{REGION}a", f"{REGION}b", f"{REGION}c"]
    for az, eni in by_az.items():
        cidr = env.subnets[az[-1]]["CidrBlock"]
        assert ipaddress.ip_address(eni["privateIpAddress"]) in ipaddress.ip_network(cidr)
    described = env.ec2.describe_network_interfaces(
        NetworkInterfaceIds=[e["networkInterfaceId"] for e in enis])["NetworkInterfaces"]
    assert {d["PrivateIpAddress"] for d in described} == {e["privateIpAddress"] for e in enis}


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"baseCapacity": 12}, "ValidationException"),        # not a multiple of 8
    ({"baseCapacity": 64, "maxCapacity": 32}, "ValidationException"),
    ({"port": 6000}, "ValidationException"),
    ({"subnetIds": ["subnet-12345678"]}, "ValidationException"),
])
def test_create_workgroup_refuses_bad_settings(env: Env, kwargs: dict[str, Any],
                                               error: str) -> None:
    env.rs.create_namespace(namespaceName="ns1")
    args = {"subnetIds": env.subnet_ids, **kwargs}
    with pytest.raises(ClientError) as exc:
        env.rs.create_workgroup(workgroupName="wg1", namespaceName="ns1", **args)
    assert code(exc) == error
    assert env.rs.list_workgroups()["workgroups"] == []


def test_a_namespace_takes_one_workgroup(env: Env) -> None:
    env.workgroup("ns1")
    with pytest.raises(ClientError) as exc:
        env.rs.create_workgroup(workgroupName="other", namespaceName="ns1",
                                subnetIds=env.subnet_ids)
    assert code(exc) == "ConflictException"


def test_update_is_one_attribute_per_call_and_refused_while_modifying(env: Env) -> None:
    env.workgroup(baseCapacity=8)
    with pytest.raises(ClientError) as exc:
        env.rs.update_workgroup(workgroupName="wg1", baseCapacity=16, maxCapacity=64)
    assert code(exc) == "ValidationException"
    assert "multiple" in str(exc.value)

    assert env.rs.update_workgroup(workgroupName="wg1",
                                   maxCapacity=64)["workgroup"]["status"] == "MODIFYING"
    with pytest.raises(ClientError) as exc:
        env.rs.update_workgroup(workgroupName="wg1", baseCapacity=16)
    assert code(exc) == "ConflictException"
    assert env.wait("wg1") == ["MODIFYING", "AVAILABLE"]
    env.rs.update_workgroup(workgroupName="wg1", baseCapacity=16)
    env.wait("wg1")
    wg = env.rs.get_workgroup(workgroupName="wg1")["workgroup"]
    assert (wg["baseCapacity"], wg["maxCapacity"]) == (16, 64)


def test_base_above_max_is_refused_either_way(env: Env) -> None:
    env.workgroup(baseCapacity=8, maxCapacity=32)
    for kwargs in ({"baseCapacity": 64}, {"maxCapacity": 4}):
        with pytest.raises(ClientError) as exc:
            env.rs.update_workgroup(workgroupName="wg1", **kwargs)
        assert code(exc) == "ValidationException"
    assert env.status("wg1") == "AVAILABLE"


def test_config_parameters_merge_and_an_unchanged_set_is_refused(env: Env) -> None:
    env.workgroup()
    env.rs.update_workgroup(workgroupName="wg1", configParameters=[
        {"parameterKey": "require_ssl", "parameterValue": "true"}])
    env.wait("wg1")
    config = {p["parameterKey"]: p["parameterValue"] for p in env.rs.get_workgroup(
        workgroupName="wg1")["workgroup"]["configParameters"]}
    assert config["require_ssl"] == "true"
    assert config["enable_user_activity_logging"] == "true"  # kept
    with pytest.raises(ClientError) as exc:
        env.rs.update_workgroup(workgroupName="wg1", configParameters=[
            {"parameterKey": "require_ssl", "parameterValue": "true"}])
    assert code(exc) == "ValidationException"


def test_transitions_follow_moto_state_manager(env: Env) -> None:
    state_manager.set_transition(WORKGROUP_MODEL, {"progression": "manual", "times": 3})
    try:
        env.workgroup(available=False)
        assert env.wait("wg1") == ["CREATING"] * 3 + ["AVAILABLE"]
        state_manager.set_transition(WORKGROUP_MODEL, {"progression": "immediate"})
        env.rs.update_workgroup(workgroupName="wg1", baseCapacity=16)
        assert env.wait("wg1") == ["AVAILABLE"]
    finally:
        state_manager.unset_transition(WORKGROUP_MODEL)


def test_endpoint_access_takes_ips_in_its_subnets_and_blocks_workgroup_delete(env: Env
                                                                              ) -> None:
    env.workgroup()
    eps = {az: env.rs.create_endpoint_access(
        endpointName=f"wg1-{az}", workgroupName="wg1", subnetIds=[s["SubnetId"]],
        vpcSecurityGroupIds=[env.sg])["endpoint"] for az, s in env.subnets.items()}
    assert {e["endpointStatus"] for e in eps.values()} == {"CREATING"}
    listed = env.rs.list_endpoint_access(workgroupName="wg1")["endpoints"]
    assert {e["endpointStatus"] for e in listed} == {"CREATING"}
    listed = env.rs.list_endpoint_access(workgroupName="wg1")["endpoints"]
    assert {e["endpointStatus"] for e in listed} == {"ACTIVE"}
    for e in listed:
        az = e["endpointName"][-1]
        (eni,) = e["vpcEndpoint"]["networkInterfaces"]
        assert eni["subnetId"] == env.subnets[az]["SubnetId"]
        assert ipaddress.ip_address(eni["privateIpAddress"]) in ipaddress.ip_network(
            env.subnets[az]["CidrBlock"])
        assert e["vpcSecurityGroups"] == [{"vpcSecurityGroupId": env.sg, "status": "active"}]

    with pytest.raises(ClientError) as exc:
        env.rs.delete_workgroup(workgroupName="wg1")
    assert code(exc) == "ConflictException"

    eni_ids = [e["vpcEndpoint"]["networkInterfaces"][0]["networkInterfaceId"] for e in listed]
    for az in eps:
        assert env.rs.delete_endpoint_access(endpointName=f"wg1-{az}")["endpoint"][
            "endpointStatus"] == "DELETING"
    assert env.rs.get_endpoint_access(endpointName="wg1-a")["endpoint"][
        "endpointStatus"] == "DELETING"
    with pytest.raises(ClientError) as exc:
        env.rs.get_endpoint_access(endpointName="wg1-a")
    assert code(exc) == "ResourceNotFoundException"
    assert [e["endpointStatus"] for e in env.rs.list_endpoint_access()["endpoints"]] == [
        "DELETING", "DELETING"]
    assert env.rs.list_endpoint_access()["endpoints"] == []
    left = {n["NetworkInterfaceId"] for n in
            env.ec2.describe_network_interfaces()["NetworkInterfaces"]}
    assert not left & set(eni_ids)


def test_delete_order_workgroup_then_namespace_and_what_goes_with_them(env: Env) -> None:
    env.workgroup()
    ns = env.rs.get_namespace(namespaceName="wg1")["namespace"]
    secret = ns["adminPasswordSecretArn"]
    sm = boto3.client("secretsmanager", region_name=REGION)
    assert json.loads(sm.get_secret_value(SecretId=secret)["SecretString"])["username"] == \
        "admin"
    wg_enis = [e["networkInterfaceId"] for e in env.rs.get_workgroup(
        workgroupName="wg1")["workgroup"]["endpoint"]["vpcEndpoints"][0]["networkInterfaces"]]

    with pytest.raises(ClientError) as exc:
        env.rs.delete_namespace(namespaceName="wg1")
    assert code(exc) == "ConflictException" and NAMESPACE_BUSY in str(exc.value)

    env.rs.update_workgroup(workgroupName="wg1", baseCapacity=16)
    with pytest.raises(ClientError) as exc:
        env.rs.delete_workgroup(workgroupName="wg1")
    assert WORKGROUP_BUSY in str(exc.value)
    env.wait("wg1")
    assert env.rs.delete_workgroup(workgroupName="wg1")["workgroup"]["status"] == "DELETING"
    with pytest.raises(ClientError) as exc:
        env.rs.delete_namespace(namespaceName="wg1")  # the workgroup is not gone yet
    assert code(exc) == "ConflictException"
    assert env.status("wg1") == "DELETING"
    with pytest.raises(ClientError) as exc:
        env.status("wg1")
    assert code(exc) == "ResourceNotFoundException"
    enis = {n["NetworkInterfaceId"] for n in
            env.ec2.describe_network_interfaces()["NetworkInterfaces"]}
    assert not enis & set(wg_enis)

    env.rs.delete_namespace(namespaceName="wg1", finalSnapshotName="last")
    assert env.rs.get_namespace(namespaceName="wg1")["namespace"]["status"] == "DELETING"
    with pytest.raises(ClientError):
        env.rs.get_namespace(namespaceName="wg1")
    with pytest.raises(ClientError) as exc:
        sm.get_secret_value(SecretId=secret)
    assert code(exc) == "ResourceNotFoundException"
    assert [s["snapshotName"] for s in env.rs.list_snapshots()["snapshots"]] == ["last"]


def test_snapshot_and_restores(env: Env) -> None:
    env.workgroup("prod")
    snap = env.rs.create_snapshot(namespaceName="prod", snapshotName="s1", retentionPeriod=7,
                                  tags=[{"key": "managed-by", "value": "rsfleet"}])["snapshot"]
    assert snap["status"] == "CREATING"
    with pytest.raises(ClientError) as exc:  # not AVAILABLE yet
        env.rs.restore_from_snapshot(namespaceName="prod", workgroupName="prod",
                                     snapshotName="s1")
    assert code(exc) == "ConflictException"
    got = env.rs.get_snapshot(snapshotName="s1")["snapshot"]
    assert (got["status"], got["snapshotRetentionPeriod"]) == ("CREATING", 7)
    assert env.rs.get_snapshot(snapshotArn=snap["snapshotArn"])["snapshot"]["status"] == \
        "AVAILABLE"
    assert env.rs.list_tags_for_resource(resourceArn=snap["snapshotArn"])["tags"] == [
        {"key": "managed-by", "value": "rsfleet"}]

    env.workgroup("other")
    with pytest.raises(ClientError) as exc:  # a workgroup of another namespace
        env.rs.restore_from_snapshot(namespaceName="prod", workgroupName="other",
                                     snapshotName="s1")
    assert code(exc) == "ValidationException"

    out = env.rs.restore_from_snapshot(namespaceName="other", workgroupName="other",
                                       snapshotName="s1", manageAdminPassword=True)
    assert out["namespace"]["status"] == "MODIFYING" and out["snapshotName"] == "s1"
    backend = redshiftserverless_backends[DEFAULT_ACCOUNT_ID][REGION]
    assert backend.namespaces["other"].restored_from == "snapshot:s1"
    with pytest.raises(ClientError) as exc:  # still restoring
        env.rs.restore_from_snapshot(namespaceName="other", workgroupName="other",
                                     snapshotName="s1")
    assert code(exc) == "ConflictException"
    statuses = [env.rs.get_namespace(namespaceName="other")["namespace"]["status"]
                for _ in range(2)]
    assert statuses == ["MODIFYING", "AVAILABLE"]

    points = env.rs.list_recovery_points(namespaceName="prod")["recoveryPoints"]
    assert len(points) == 1 and points[0]["workgroupName"] == "prod"
    rid = points[0]["recoveryPointId"]
    out = env.rs.restore_from_recovery_point(recoveryPointId=rid, namespaceName="prod",
                                             workgroupName="prod")
    assert out["recoveryPointId"] == rid
    assert backend.namespaces["prod"].restored_from == f"recovery-point:{rid}"
    converted = env.rs.convert_recovery_point_to_snapshot(
        recoveryPointId=rid, snapshotName="from-rp")["snapshot"]
    assert converted["snapshotCreateTime"] == points[0]["recoveryPointCreateTime"]


def test_recovery_points_every_30_minutes_kept_24_hours(env: Env) -> None:
    env.workgroup("prod")
    backend = redshiftserverless_backends[DEFAULT_ACCOUNT_ID][REGION]
    now = datetime.now(UTC).replace(tzinfo=None)
    backend.add_recovery_point("prod", now - timedelta(hours=25))
    backend.add_recovery_point("prod", now - timedelta(hours=2))
    backend.add_recovery_point("prod", now - timedelta(minutes=10))
    points = env.rs.list_recovery_points(namespaceName="prod")["recoveryPoints"]
    ages = [now - p["recoveryPointCreateTime"].astimezone(UTC).replace(tzinfo=None)
            for p in points]
    assert len(points) == 2  # the 25 h old one is gone; 10 min old: no new one yet
    assert ages[0] < timedelta(minutes=11) < timedelta(hours=1) < ages[1]
    window = env.rs.list_recovery_points(
        namespaceName="prod", endTime=now - timedelta(hours=1))["recoveryPoints"]
    assert len(window) == 1


def test_scheduled_actions(env: Env) -> None:
    env.workgroup("prod")
    target = {"createSnapshot": {"namespaceName": "prod", "snapshotNamePrefix": "rsfleet",
                                 "retentionPeriod": 7}}
    role = "arn:aws:iam::123456789012:role/scheduler"
    with pytest.raises(ClientError) as exc:
        env.rs.create_scheduled_action(scheduledActionName="rsfleet-daily", namespaceName="prod",
                                       roleArn=role, targetAction=target,
                                       schedule={"cron": "0 3 * * *"})
    assert code(exc) == "ValidationException"
    made = env.rs.create_scheduled_action(
        scheduledActionName="rsfleet-daily", namespaceName="prod", roleArn=role,
        targetAction=target, schedule={"cron": "cron(0 3 * * ? *)"})["scheduledAction"]
    assert made["state"] == "ACTIVE" and made["targetAction"] == target
    with pytest.raises(ClientError) as exc:
        env.rs.create_scheduled_action(scheduledActionName="rsfleet-daily",
                                       namespaceName="prod", roleArn=role,
                                       targetAction=target,
                                       schedule={"cron": "cron(0 3 * * ? *)"})
    assert code(exc) == "ConflictException"
    env.rs.update_scheduled_action(scheduledActionName="rsfleet-daily", enabled=False,
                                   schedule={"cron": "cron(0 4 * * ? *)"})
    got = env.rs.get_scheduled_action(scheduledActionName="rsfleet-daily")["scheduledAction"]
    assert (got["state"], got["schedule"]["cron"], got["roleArn"]) == (
        "DISABLED", "cron(0 4 * * ? *)", role)
    assert env.rs.list_scheduled_actions(namespaceName="prod")["scheduledActions"] == [
        {"namespaceName": "prod", "scheduledActionName": "rsfleet-daily"}]
    env.rs.delete_scheduled_action(scheduledActionName="rsfleet-daily")
    assert env.rs.list_scheduled_actions()["scheduledActions"] == []


def test_snapshot_copy_configurations(env: Env) -> None:
    env.workgroup("prod")
    with pytest.raises(ClientError) as exc:
        env.rs.create_snapshot_copy_configuration(namespaceName="prod",
                                                  destinationRegion=REGION)
    assert code(exc) == "ValidationException"
    cc = env.rs.create_snapshot_copy_configuration(
        namespaceName="prod", destinationRegion="eu-central-1",
        snapshotRetentionPeriod=7)["snapshotCopyConfiguration"]
    with pytest.raises(ClientError) as exc:
        env.rs.create_snapshot_copy_configuration(namespaceName="prod",
                                                  destinationRegion="eu-central-1")
    assert code(exc) == "ConflictException"
    env.rs.update_snapshot_copy_configuration(
        snapshotCopyConfigurationId=cc["snapshotCopyConfigurationId"], snapshotRetentionPeriod=3)
    listed = env.rs.list_snapshot_copy_configurations(namespaceName="prod")[
        "snapshotCopyConfigurations"]
    assert [(c["destinationRegion"], c["snapshotRetentionPeriod"]) for c in listed] == [
        ("eu-central-1", 3)]
    env.rs.delete_snapshot_copy_configuration(
        snapshotCopyConfigurationId=cc["snapshotCopyConfigurationId"])
    assert env.rs.list_snapshot_copy_configurations()["snapshotCopyConfigurations"] == []


def test_usage_limits(env: Env) -> None:
    wg = env.workgroup()
    with pytest.raises(ClientError) as exc:
        env.rs.create_usage_limit(resourceArn=wg["workgroupArn"] + "x",
                                  usageType="serverless-compute", amount=10)
    assert code(exc) == "ResourceNotFoundException"
    lim = env.rs.create_usage_limit(resourceArn=wg["workgroupArn"],
                                    usageType="serverless-compute", amount=10)["usageLimit"]
    assert (lim["period"], lim["breachAction"]) == ("monthly", "log")
    env.rs.update_usage_limit(usageLimitId=lim["usageLimitId"], amount=20,
                              breachAction="deactivate")
    got = env.rs.get_usage_limit(usageLimitId=lim["usageLimitId"])["usageLimit"]
    assert (got["amount"], got["breachAction"]) == (20, "deactivate")
    assert len(env.rs.list_usage_limits(resourceArn=wg["workgroupArn"])["usageLimits"]) == 1
    env.rs.delete_usage_limit(usageLimitId=lim["usageLimitId"])
    with pytest.raises(ClientError) as exc:
        env.rs.get_usage_limit(usageLimitId=lim["usageLimitId"])
    assert code(exc) == "ResourceNotFoundException"


def test_get_credentials(env: Env) -> None:
    env.workgroup()
    creds = env.rs.get_credentials(workgroupName="wg1", dbName="dev", durationSeconds=900)
    assert creds["dbUser"] and len(creds["dbPassword"]) > 20
    assert creds["expiration"] > datetime.now(UTC)
    for bad in (899, 3601):
        with pytest.raises(ClientError) as exc:
            env.rs.get_credentials(workgroupName="wg1", durationSeconds=bad)
        assert code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        env.rs.get_credentials(workgroupName="nope")
    assert code(exc) == "ResourceNotFoundException"


def test_namespace_reads_back_roles_as_the_api_writes_them(env: Env) -> None:
    role = "arn:aws:iam::123456789012:role/copy"
    env.rs.create_namespace(namespaceName="ns1", iamRoles=[role], defaultIamRoleArn=role,
                            logExports=["userlog", "connectionlog"])
    ns = env.rs.get_namespace(namespaceName="ns1")["namespace"]
    assert ns["iamRoles"] == [f"IamRole(applyStatus=in-sync, iamRoleArn={role})"]
    assert (ns["defaultIamRoleArn"], ns["kmsKeyId"], ns["dbName"]) == (
        role, "AWS_OWNED_KMS_KEY", "dev")
    with pytest.raises(ClientError) as exc:
        env.rs.create_namespace(namespaceName="ns2", logExports=["querylog"])
    assert code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        env.rs.create_namespace(namespaceName="ns3", manageAdminPassword=True,
                                adminUserPassword="Secret-Pw1")
    assert code(exc) == "ValidationException"
    env.rs.update_namespace(namespaceName="ns1", logExports=["useractivitylog"])
    statuses = [env.rs.get_namespace(namespaceName="ns1")["namespace"]["status"]
                for _ in range(2)]
    assert statuses == ["MODIFYING", "AVAILABLE"]


def test_endpoint_tag_points_the_workgroup_at_a_local_server(env: Env) -> None:
    from aws_emulator.moto_redshift_serverless.models import ENDPOINT_TAG

    wg = env.workgroup()
    env.rs.tag_resource(resourceArn=wg["workgroupArn"],
                        tags=[{"key": ENDPOINT_TAG, "value": "127.0.0.1:54321"}])
    ep = env.rs.get_workgroup(workgroupName="wg1")["workgroup"]["endpoint"]
    assert (ep["address"], ep["port"]) == ("127.0.0.1", 54321)
    env.rs.untag_resource(resourceArn=wg["workgroupArn"], tagKeys=[ENDPOINT_TAG])
    assert env.rs.get_workgroup(workgroupName="wg1")["workgroup"]["endpoint"]["port"] == 5439


def test_tags_and_pagination(env: Env) -> None:
    for i in range(3):
        env.rs.create_namespace(namespaceName=f"ns{i}")
    arn = env.rs.get_namespace(namespaceName="ns0")["namespace"]["namespaceArn"]
    env.rs.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "1"},
                                               {"key": "b", "value": "2"}])
    env.rs.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert env.rs.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "b",
                                                                       "value": "2"}]
    with pytest.raises(ClientError) as exc:
        env.rs.tag_resource(resourceArn=arn + "0", tags=[{"key": "a", "value": "1"}])
    assert code(exc) == "ResourceNotFoundException"
    first = env.rs.list_namespaces(maxResults=2)
    second = env.rs.list_namespaces(maxResults=2, nextToken=first["nextToken"])
    assert "nextToken" not in second
    names = [n["namespaceName"] for n in first["namespaces"] + second["namespaces"]]
    assert names == ["ns0", "ns1", "ns2"]
    pages = env.rs.get_paginator("list_namespaces").paginate(PaginationConfig={"PageSize": 1})
    assert sum(len(p["namespaces"]) for p in pages) == 3


def test_resource_policy_on_a_snapshot(env: Env) -> None:
    env.workgroup("prod")
    arn = env.rs.create_snapshot(namespaceName="prod", snapshotName="s")["snapshot"][
        "snapshotArn"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    env.rs.put_resource_policy(resourceArn=arn, policy=policy)
    assert env.rs.get_resource_policy(resourceArn=arn)["resourcePolicy"]["policy"] == policy
    env.rs.delete_resource_policy(resourceArn=arn)
    with pytest.raises(ClientError) as exc:
        env.rs.get_resource_policy(resourceArn=arn)
    assert code(exc) == "ResourceNotFoundException"
