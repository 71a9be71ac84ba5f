"""The one Secrets Manager reader (rsfleet.adapters.secretsmanager) against moto, and the
three commands that take a secret ARN: a malformed ARN is exit 2 before any AWS call."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import botocore.session
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from rsfleet.adapters.secretsmanager import check_secret_arn, read_secret
from rsfleet.cli import app
from rsfleet.errors import FleetError, UsageError

REGION = "us-east-1"
PASSWORD = "s3cr3t-Value"  # asserted absent from every error message


@pytest.fixture
def sm():
    with mock_aws():
        yield boto3.client("secretsmanager", region_name=REGION)


def test_json_secret_gives_username_and_password(sm):
    arn = sm.create_secret(Name="reader", SecretString=json.dumps(
        {"username": "rsfleet_probe", "password": PASSWORD, "engine": "redshift"}))["ARN"]
    assert read_secret(arn, client=sm) == ("rsfleet_probe", PASSWORD)
    # The secret's own username wins over the caller's default.
    assert read_secret(arn, client=sm, user="other") == ("rsfleet_probe", PASSWORD)


def test_default_client_reads_in_the_arns_region(sm):
    eu = boto3.client("secretsmanager", region_name="eu-west-1")
    arn = eu.create_secret(Name="reader", SecretString=PASSWORD)["ARN"]
    assert ":eu-west-1:" in arn
    assert read_secret(arn, user="u") == ("u", PASSWORD)  # no client: built from the ARN


def test_plain_string_secret_is_the_password(sm):
    arn = sm.create_secret(Name="plain", SecretString=PASSWORD)["ARN"]
    assert read_secret(arn, client=sm) == (None, PASSWORD)
    assert read_secret(arn, client=sm, user="reader") == ("reader", PASSWORD)
    # A JSON scalar (an all-digit password) is a password, not a malformed object.
    digits = sm.create_secret(Name="digits", SecretString="12345")["ARN"]
    assert read_secret(digits, client=sm, user="u") == ("u", "12345")
    # JSON without a username: the caller's user, if any.
    nouser = sm.create_secret(Name="nouser", SecretString=json.dumps(
        {"password": PASSWORD}))["ARN"]
    assert read_secret(nouser, client=sm) == (None, PASSWORD)
    assert read_secret(nouser, client=sm, user="u") == ("u", PASSWORD)


def test_json_secret_without_password_key(sm):
    arn = sm.create_secret(Name="broken", SecretString=json.dumps(
        {"username": "u", "pass": PASSWORD}))["ARN"]
    with pytest.raises(FleetError, match="has no 'password' key") as err:
        read_secret(arn, client=sm)
    assert PASSWORD not in str(err.value) and arn in str(err.value)


def test_missing_secret_is_a_fleet_error_on_one_line(sm):
    arn = sm.create_secret(Name="reader", SecretString=PASSWORD)["ARN"]
    missing = arn.replace(":secret:reader", ":secret:missing")
    with pytest.raises(FleetError, match=r"cannot read secret .*ResourceNotFoundException") as err:
        read_secret(missing, client=sm)
    assert "\n" not in str(err.value) and PASSWORD not in str(err.value)


def test_no_aws_credentials_is_a_usage_error_with_a_hint():
    # A real botocore client with no credential providers: signing fails before any request.
    session = botocore.session.get_session()
    session.get_component("credential_provider").providers = []
    client = session.create_client("secretsmanager", region_name=REGION)
    arn = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:reader-AbCdEf"
    with pytest.raises(UsageError, match=r"no AWS credentials.*--password-secret-arn") as err:
        read_secret(arn, client=client, option_name="--password-secret-arn")
    assert err.value.hint and "PGPASSWORD" in err.value.hint


@pytest.mark.parametrize("arn", [
    "reader", "arn:aws:s3:::bucket", "arn:aws:secretsmanager:us-east-1:1:secret",
    "arn:aws:secretsmanager:us-east-1:1:parameter:x", "arn:aws:secretsmanager:us-east-1:1:secret:",
])
def test_check_secret_arn_names_the_option(arn):
    with pytest.raises(UsageError, match=f"--password-secret-arn '{arn}' is not a Secrets Manager"):
        check_secret_arn(arn, "--password-secret-arn")
    ok = "arn:aws-us-gov:secretsmanager:us-gov-west-1:1:secret:a/b-AbCdEf"
    assert check_secret_arn(ok) == ok


def _spec(tmp_path: Path) -> Path:
    spec = tmp_path / "dev.tfvars"
    spec.write_text('environment = "dev"\nproducer = { base_capacity = 8 }\n'
                    'consumers = { c1 = { base_capacity = 8 } }\n', encoding="utf-8")
    return spec


@pytest.mark.parametrize("argv", [
    ["--backend", "aws", "loadtest", "--password-secret-arn", "nope", "--quiet"],
    ["--backend", "aws", "loadtest", "--password-secret-arn", "nope", "--via-test-instance"],
    ["--backend", "aws", "diagnose", "--password-secret-arn", "nope"],
])
def test_bad_arn_is_exit_2_via_the_cli(tmp_path, argv):
    res = CliRunner().invoke(app, [*argv, "--spec", str(_spec(tmp_path))])
    assert res.exit_code == 2, res.output
    assert "--password-secret-arn 'nope' is not a Secrets Manager secret ARN" in res.output
    assert "Traceback" not in res.output


def test_loadtest_aws_target_takes_user_and_password_from_the_secret(sm):
    from rsfleet.fleet.outputs import FleetOutputs
    from rsfleet.loadtest.target import Overrides, resolve_aws
    from rsfleet.spec.models import FleetSpec

    arn = sm.create_secret(Name="admin", SecretString=json.dumps(
        {"username": "admin", "password": PASSWORD}))["ARN"]
    spec = FleetSpec.model_validate({"environment": "dev", "producer": {"base_capacity": 8},
                                     "consumers": {"c1": {"base_capacity": 8}},
                                     "datashares": {"s": {"schemas": ["sales"],
                                                          "consumer_database": "sales_db"}}})
    outputs = FleetOutputs.of({"aws_region": REGION,
                               "nlb": {"dns_name": "nlb.example", "port": 5439}})
    res = resolve_aws(spec, outputs, Overrides(password_secret_arn=arn))
    kw = res.endpoint.kwargs
    assert (kw["user"], kw["password"], kw["host"]) == ("admin", PASSWORD, "nlb.example")
    # --user overrides the secret's username; the password still comes from the secret.
    kw = resolve_aws(spec, outputs, Overrides(password_secret_arn=arn, user="me")).endpoint.kwargs
    assert (kw["user"], kw["password"]) == ("me", PASSWORD)
    # A plain-string secret without --user: no user to connect as -> exit 2.
    plain = sm.create_secret(Name="plain", SecretString=PASSWORD)["ARN"]
    with pytest.raises(UsageError, match="no credentials for the Redshift consumers"):
        resolve_aws(spec, outputs, Overrides(password_secret_arn=plain))


def test_diagnose_auth_reports_an_unreadable_secret(sm):
    from rsfleet.diagnose import checks

    arn = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:missing-AbCdEf"
    ctx = checks.DiagContext(backend="aws", env="dev", password_secret_arn=arn)
    [check] = checks.check_auth(ctx)
    assert check.status == "broken" and check.name == "read the secret"
    assert "cannot read secret" in check.detail and "ResourceNotFoundException" in check.detail
