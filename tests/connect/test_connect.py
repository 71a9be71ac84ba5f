"""`rsfleet connect NAME --iam`: GetWorkgroup + GetCredentials through botocore's Stubber;
the token reaches a real psql (against a real PostgreSQL) in PGPASSWORD, never in argv;
--print shows a command that fetches its own token."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from rsfleet import connect
from rsfleet.cli import app
from rsfleet.errors import FleetError, UsageError

WG = "rsfleet-dev-c1"
TOKEN = "tok-3f9a1c-NOT-IN-ARGV"


def stubbed(host="wg.123456789012.us-east-1.redshift-serverless.amazonaws.com", port=5439,
            user="IAMR:analyst", password=TOKEN):
    rs = boto3.client("redshift-serverless", region_name="us-east-1",
                      aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(rs)
    stub.add_response("get_workgroup", {"workgroup": {
        "workgroupName": WG, "status": "AVAILABLE",
        "endpoint": {"address": host, "port": port}}}, {"workgroupName": WG})
    stub.add_response("get_credentials", {
        "dbUser": user, "dbPassword": password,
        "expiration": dt.datetime(2026, 11, 30, 19, 0, tzinfo=dt.UTC)},
        {"workgroupName": WG, "dbName": "dev", "durationSeconds": 900})
    stub.activate()
    return rs, stub


def test_session_from_the_workgroup_and_its_credentials():
    rs, stub = stubbed()
    s = connect.iam_session(rs, WG, "dev")
    stub.assert_no_pending_responses()
    assert (s.host, s.port, s.user) == (
        "wg.123456789012.us-east-1.redshift-serverless.amazonaws.com", 5439, "IAMR:analyst")
    assert TOKEN not in repr(s)
    argv = connect.psql_argv(s, "verify-full")
    assert TOKEN not in " ".join(argv)
    assert "user=IAMR:analyst" in argv[1] and "sslrootcert=system" in argv[1]


def test_print_fetches_its_own_token_and_shows_none():
    rs, _ = stubbed()
    s = connect.iam_session(rs, WG, "dev")
    line = connect.print_command(s, "us-east-1", "require", 900)
    assert TOKEN not in line
    assert line.startswith('PGPASSWORD="$(aws redshift-serverless get-credentials --region '
                           "us-east-1 --workgroup-name rsfleet-dev-c1 --db-name dev")
    assert "--query dbPassword --output text)" in line and "sslmode=require" in line


def test_access_denied_names_the_permission():
    rs = boto3.client("redshift-serverless", region_name="us-east-1",
                      aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(rs) as stub:
        stub.add_response("get_workgroup", {"workgroup": {
            "workgroupName": WG, "endpoint": {"address": "h", "port": 5439}}})
        stub.add_client_error("get_credentials", "AccessDeniedException", "not authorized")
        with pytest.raises(FleetError) as err:
            connect.iam_session(rs, WG, "dev")
    assert "GetCredentials" in str(err.value.hint)


@pytest.mark.parametrize("seconds", [899, 3601])
def test_duration_outside_the_api_range(seconds):
    with pytest.raises(UsageError, match="900-3600"):
        connect.check_duration(seconds)


def test_real_psql_gets_the_token_from_its_environment(pg_server_factory):
    """psql authenticates with the password given only in PGPASSWORD: a real server
    (scram, TLS) accepts the session, and psql's argv never held the password."""
    server = pg_server_factory("iam")
    session = connect.IamSession(WG, server.host, server.port, "postgres", server.superuser,
                                 server.password, None)
    argv = connect.psql_argv(session, "require", "psql", ["-c", "SELECT 1"])
    assert server.password not in " ".join(argv)
    assert connect.run_psql(session, "require", "psql", ["-tAc", "SELECT 1"]) == 0
    wrong = connect.IamSession(WG, server.host, server.port, "postgres", server.superuser,
                               "wrong-password", None)
    assert connect.run_psql(wrong, "require", "psql", ["-tAc", "SELECT 1"]) != 0


def test_cli_needs_iam_and_a_known_name():
    res = CliRunner().invoke(app, ["connect", "c1", "--env", "dev"])
    assert res.exit_code == 2 and "needs --iam" in res.output
    res = CliRunner().invoke(app, ["connect", "c9", "--env", "dev", "--iam"])
    assert res.exit_code == 2 and "neither 'producer' nor a consumer" in res.output
    res = CliRunner().invoke(app, ["connect", "c1", "--env", "dev", "--iam", "--duration",
                                   "60"])
    assert res.exit_code == 2 and "900-3600" in res.output
