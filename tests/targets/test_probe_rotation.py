"""A rotated probe secret is not an outage: the AWS probe keeps a secret for a while (the
controller's warm container lives for hours), reads it again when it is old or when a login
is refused, and retries once with the new password.

The server is a real PostgreSQL (the AWS probe speaks the same protocol as Redshift); the
secret lives in moto's Secrets Manager."""

from __future__ import annotations

import json

import boto3
import psycopg
import pytest
from moto import mock_aws

from rsfleet.errors import FleetError
from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.spec.models import FleetSpec
from rsfleet.targets.credentials import ProbeCredentials
from rsfleet.targets.readiness import endpoint_probe, login_refused

REGION = "us-east-1"
SPEC = FleetSpec.model_validate({
    "environment": "dev", "aws_region": REGION, "producer": {"base_capacity": 8},
    "consumers": {"c1": {"base_capacity": 8}}})


class Clock:
    """The time the cache sees (the secret's age), moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def put(sm, arn: str, password: str) -> None:
    sm.put_secret_value(SecretId=arn, SecretString=json.dumps(
        {"username": "rsfleet_probe", "password": password}))


@mock_aws
def test_a_secret_is_read_again_when_old_or_refused_not_on_every_call():
    sm = boto3.client("secretsmanager", region_name=REGION)
    arn = sm.create_secret(Name="probe", SecretString=json.dumps(
        {"username": "rsfleet_probe", "password": "one"}))["ARN"]
    clock = Clock()
    creds = ProbeCredentials(secret_arn=arn, client=sm, clock=clock)
    assert creds("c1") == ("rsfleet_probe", "one")
    put(sm, arn, "two")
    clock.now += ProbeCredentials.MAX_AGE_SECONDS - 1
    assert creds("c1")[1] == "one"  # still cached
    clock.now += 1
    assert creds("c1")[1] == "two"  # old: read again
    put(sm, arn, "three")
    clock.now += ProbeCredentials.REREAD_SECONDS - 1
    creds.forget("c1")  # refused just after a read: no new read yet
    assert creds("c1")[1] == "two"
    clock.now += 1
    creds.forget("c1")
    assert creds("c1")[1] == "three"
    # credentials from options have nothing to read again
    plain = ProbeCredentials(user="u", password="p")
    plain.forget("c1")
    assert plain("c1") == ("u", "p")


@mock_aws
def test_an_empty_secret_is_asked_again_every_10_s_not_on_every_probe():
    sm = boto3.client("secretsmanager", region_name=REGION)
    arn = sm.create_secret(Name="probe")["ARN"]  # as Terraform creates it: no value
    clock = Clock()
    creds = ProbeCredentials(secret_arn=arn, client=sm, clock=clock)
    calls: list[str] = []
    sm.meta.events.register("before-call.secrets-manager.GetSecretValue",
                            lambda **kw: calls.append("get"))
    for _ in range(5):  # one pass over five consumers
        with pytest.raises(FleetError, match="share apply"):
            creds("c1")
    assert len(calls) == 1
    put(sm, arn, "filled-Pw1")  # share apply filled it
    clock.now += ProbeCredentials.REREAD_SECONDS - 1
    with pytest.raises(FleetError, match="share apply"):
        creds("c1")
    assert len(calls) == 1
    clock.now += 1
    assert creds("c1") == ("rsfleet_probe", "filled-Pw1") and len(calls) == 2


def test_login_refused_is_told_apart_from_unreachable():
    assert login_refused('cannot connect: connection failed: FATAL:  password '
                         'authentication failed for user "rsfleet_probe"')
    assert not login_refused("cannot connect: connection refused")


@pytest.mark.fleet
@mock_aws
def test_the_probe_survives_a_rotation_of_its_secret(pg_server_factory):
    server = pg_server_factory("c1")
    admin = server.tcp_kwargs()
    with psycopg.connect(**admin, autocommit=True) as c:
        c.execute("CREATE ROLE rsfleet_probe LOGIN PASSWORD 'first-Pw1'")
    sm = boto3.client("secretsmanager", region_name=REGION)
    arn = sm.create_secret(Name="probe", SecretString=json.dumps(
        {"username": "rsfleet_probe", "password": "first-Pw1"}))["ARN"]
    clock = Clock()
    creds = ProbeCredentials(secret_arn=arn, client=sm, clock=clock)
    outputs = FleetOutputs.of({"consumers": {"c1": {
        "endpoint_address": server.host, "port": server.port, "database_name": "postgres"}}})
    # timeout 10 s: it only bounds a hang on a loaded host
    probe = endpoint_probe(outputs, SPEC, creds, timeout=10)
    assert probe("c1") == (True, "SELECT 1 ok, 0 shared table(s) readable")

    # Rotation: new password on the server and in the secret, the old one still cached.
    with psycopg.connect(**admin, autocommit=True) as c:
        c.execute("ALTER ROLE rsfleet_probe PASSWORD 'second-Pw2'")
    put(sm, arn, "second-Pw2")
    clock.now += 60  # well within MAX_AGE_SECONDS: only the refusal makes it read again
    assert probe("c1") == (True, "SELECT 1 ok, 0 shared table(s) readable")
    assert creds("c1") == ("rsfleet_probe", "second-Pw2")

    # A password changed on the server only: refused, said so, the secret read once more.
    with psycopg.connect(**admin, autocommit=True) as c:
        c.execute("ALTER ROLE rsfleet_probe PASSWORD 'third-Pw3'")
    clock.now += 60
    ok, why = probe("c1")
    assert not ok and login_refused(why), why

    # The cheap check (a session, no query) of the tiered probe retries the same way.
    tiered = endpoint_probe(outputs, SPEC, creds, timeout=10, data_check_seconds=3600)
    put(sm, arn, "third-Pw3")
    clock.now += 60
    assert tiered("c1")[0]  # the first call is the data check
    with psycopg.connect(**admin, autocommit=True) as c:
        c.execute("ALTER ROLE rsfleet_probe PASSWORD 'fourth-Pw4'")
    put(sm, arn, "fourth-Pw4")
    clock.now += 60
    ok, why = tiered("c1")
    assert ok and why.startswith("session opened"), why
