"""The launcher `python -m tests.aws_emulator.server`: moto's server mode on 127.0.0.1 with
redshift-serverless beside every moto service (what `make test-aws` points Terraform at)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "server.log"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    proc = subprocess.Popen([sys.executable, "-m", "tests.aws_emulator.server", "--port",
                             str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=log.open("w"))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{url}/moto-api/data.json", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto server did not start: {log.read_text()}"
                                       ) from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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


def test_transitions_are_set_over_http(server: str) -> None:
    body = json.dumps({"model_name": "redshift-serverless::workgroup",
                       "transition": {"progression": "immediate"}})
    requests.post(f"{server}/moto-api/state-manager/set-transition", data=body,
                  timeout=5).raise_for_status()
    rs = _client(server, "redshift-serverless")
    rs.create_namespace(namespaceName="fast")
    rs.create_workgroup(workgroupName="fast", namespaceName="fast")
    assert rs.get_workgroup(workgroupName="fast")["workgroup"]["status"] == "AVAILABLE"
