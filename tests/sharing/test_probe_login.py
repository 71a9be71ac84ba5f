"""The AWS readiness probe's login through `share plan/apply`: Secrets Manager by moto, the
Redshift Data API by botocore's Stubber (every statement and its order checked), the
Data API's ExecuteStatement Sql captured to show that no password reaches SQL text."""

from __future__ import annotations

import hashlib
import json
import re

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws
from typer.testing import CliRunner

from rsfleet.adapters.redshift_data import DataApi
from rsfleet.cli import app
from rsfleet.errors import UsageError
from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.sharing import probe_login
from rsfleet.sharing.service import RedshiftShares
from rsfleet.sharing.sync import sync
from rsfleet.spec import load_spec

from .test_redshift_executor import OUTPUTS, SECRET, expect_query
from .test_share_cli import C1, C2, INBOUND, OBJECTS, PROD, PRODUCER

REGION = "us-east-1"
SPEC = """
environment = "qa"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = 8 }
  c2 = { base_capacity = 8 }
}
datashares  = { sales_share = { schemas = ["sales"], consumer_database = "sales_db" } }
controller  = { enabled = true }
nlb         = { register_targets_with_terraform = false }
"""
USER_SQL = "SELECT usename FROM pg_user WHERE usename = 'rsfleet_probe';"
USAGE_SQL = ("SELECT database_name FROM svv_database_privileges WHERE identity_type = 'user' "
             "AND identity_name = 'rsfleet_probe' AND privilege_type = 'USAGE';")
HASH = re.compile(r"md5[0-9a-f]{32}")


@pytest.fixture
def aws(monkeypatch):
    """moto for Secrets Manager; a Stubber'd redshift-data client (every SQL captured)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        data = boto3.client("redshift-data", region_name=REGION)
        sm = boto3.client("secretsmanager", region_name=REGION)
        sql: list[str] = []
        data.meta.events.register(
            "provide-client-params.redshift-data.ExecuteStatement",
            lambda params, **_: sql.append(params["Sql"]))
        puts: list[str] = []
        sm.meta.events.register(
            "provide-client-params.secrets-manager.PutSecretValue",
            lambda params, **_: puts.append(params["SecretId"]))
        with Stubber(data) as stub:
            data.stub = stub  # type: ignore[attr-defined]
            yield data, sm, sql, puts
            stub.assert_no_pending_responses()


def rsfleet_secret(sm, value=None, *, tagged=True) -> str:
    kwargs = {"Name": "rsfleet-qa/probe-login-1",
              "Tags": [{"Key": "rsfleet:probe-login", "Value": "rsfleet/qa"}] if tagged else []}
    if value is not None:
        kwargs["SecretString"] = json.dumps(value)
    return sm.create_secret(**kwargs)["ARN"]


def spec_file(tmp_path, extra=""):
    path = tmp_path / "qa.tfvars"
    path.write_text(SPEC.replace("controller  = { enabled = true }",
                                 f"controller  = {{ enabled = true{extra} }}"), encoding="utf-8")
    return path


def observe_shares(data) -> None:
    """The fleet's datashares as converged (no share steps)."""
    expect_query(data, "SELECT share_name FROM svv_datashares WHERE share_type = 'OUTBOUND';",
                 PRODUCER, "o1", ["share_name"], [["sales_share"]])
    expect_query(data, OBJECTS, PRODUCER, "o2",
                 ["share_name", "object_type", "object_name", "include_new"],
                 [["sales_share", "schema", "sales", True]])
    expect_query(data, "SELECT share_name, consumer_namespace FROM svv_datashare_consumers;",
                 PRODUCER, "o3", ["share_name", "consumer_namespace"],
                 [["sales_share", C1], ["sales_share", C2]])
    for i, wg in enumerate(("rsfleet-qa-c1", "rsfleet-qa-c2")):
        expect_query(data, INBOUND, wg, f"o4{i}",
                     ["share_name", "consumer_database", "producer_namespace"],
                     [["sales_share", "sales_db", PROD]])


def observe_login(data, workgroup, *, exists, usage=()) -> None:
    expect_query(data, USER_SQL, workgroup, f"u-{workgroup}", ["usename"],
                 [["rsfleet_probe"]] if exists else [])
    if exists:
        expect_query(data, USAGE_SQL, workgroup, f"g-{workgroup}", ["database_name"],
                     [[db] for db in usage])


def expect_any(data, workgroup, n) -> None:
    """One statement on `workgroup` whatever its SQL (captured by the fixture)."""
    data.stub.add_response("execute_statement", {"Id": f"x{n}"},
                           {"Sql": ANY, "WorkgroupName": workgroup, "Database": ANY,
                            "SecretArn": SECRET})
    data.stub.add_response("describe_statement", {"Id": f"x{n}", "Status": "FINISHED"},
                           {"Id": f"x{n}"})


def backend(tmp_path, data, sm, arn, extra=""):
    spec = load_spec(spec_file(tmp_path, extra))
    outputs = FleetOutputs.of({**OUTPUTS, "probe_secret_arn": arn})
    return RedshiftShares(spec, outputs, api=DataApi(data, sleep=lambda _s: None),
                          secrets_client=sm)


def md5(password: str) -> str:
    return "md5" + hashlib.md5(f"{password}rsfleet_probe".encode(), usedforsecurity=False).hexdigest()


def test_empty_secret_gets_a_password_and_every_consumer_the_login(aws, tmp_path):
    data, sm, sql, puts = aws
    arn = rsfleet_secret(sm)
    observe_shares(data)
    observe_login(data, "rsfleet-qa-c1", exists=False)
    observe_login(data, "rsfleet-qa-c2", exists=False)
    shares = backend(tmp_path, data, sm, arn)
    plan = shares.plan(prune=False)
    assert [s.to_json()["step"] for s in plan.steps] == [
        "create probe login rsfleet_probe on c1", "grant usage on sales_db to rsfleet_probe on c1",
        "create probe login rsfleet_probe on c2", "grant usage on sales_db to rsfleet_probe on c2",
        f"store the generated password of rsfleet_probe in {arn}"]
    assert not HASH.search(plan.text)  # the plan shows a placeholder, not the hash

    for n, wg in enumerate(["rsfleet-qa-c1"] * 2 + ["rsfleet-qa-c2"] * 2):
        expect_any(data, wg, n)
    observed = len(sql)
    result = sync(plan, shares, dry_run=False)
    assert len(result.done) == 5 and puts == [arn]  # PutSecretValue once, after the SQL

    value = json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])
    password = value["password"]
    assert value["username"] == "rsfleet_probe" and len(password) >= 32
    ran = sql[observed:]
    assert ran == [f"CREATE USER \"rsfleet_probe\" PASSWORD '{md5(password)}';",
                   'GRANT USAGE ON DATABASE "sales_db" TO "rsfleet_probe";'] * 2
    assert not any(password in s for s in sql)


def test_second_apply_plans_no_probe_steps(aws, tmp_path):
    data, sm, _sql, puts = aws
    arn = rsfleet_secret(sm, {"username": "rsfleet_probe", "password": "Pw-from-first-run-1"})
    observe_shares(data)
    observe_login(data, "rsfleet-qa-c1", exists=True, usage=["sales_db"])
    observe_login(data, "rsfleet-qa-c2", exists=True, usage=["sales_db", "other_db"])
    shares = backend(tmp_path, data, sm, arn)
    plan = shares.plan(prune=False)
    assert plan.empty and plan.text == ""
    assert sync(plan, shares, dry_run=False).done == [] and puts == []


def test_recreated_secret_resets_the_password_of_existing_logins(aws, tmp_path):
    data, sm, sql, puts = aws
    arn = rsfleet_secret(sm)  # empty again (e.g. the secret was destroyed and created anew)
    observe_shares(data)
    observe_login(data, "rsfleet-qa-c1", exists=True, usage=["sales_db"])
    observe_login(data, "rsfleet-qa-c2", exists=False)
    shares = backend(tmp_path, data, sm, arn)
    plan = shares.plan(prune=False)
    assert [(s.kind, s.consumer) for s in plan.steps] == [
        ("password", "c1"), ("create", "c2"), ("grant", "c2"), ("secret", None)]
    for n, wg in enumerate(["rsfleet-qa-c1", "rsfleet-qa-c2", "rsfleet-qa-c2"]):
        expect_any(data, wg, n)
    before = len(sql)
    sync(plan, shares, dry_run=False)
    password = json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])["password"]
    assert sql[before] == f"ALTER USER \"rsfleet_probe\" PASSWORD '{md5(password)}';"
    assert puts == [arn]


def test_users_secret_with_a_value_is_used_not_overwritten(aws, tmp_path):
    data, sm, sql, puts = aws
    own = {"username": "rsfleet_probe", "password": "Their-own-Pass-42"}
    arn = rsfleet_secret(sm, own, tagged=False)
    observe_shares(data)
    observe_login(data, "rsfleet-qa-c1", exists=False)
    observe_login(data, "rsfleet-qa-c2", exists=True, usage=["sales_db"])
    shares = backend(tmp_path, data, sm, arn, extra=f', probe_secret_arn = "{arn}"')
    plan = shares.plan(prune=False)
    assert [(s.kind, s.consumer) for s in plan.steps] == [("create", "c1"), ("grant", "c1")]
    for n in range(2):
        expect_any(data, "rsfleet-qa-c1", n)
    before = len(sql)
    sync(plan, shares, dry_run=False)
    assert sql[before] == f"CREATE USER \"rsfleet_probe\" PASSWORD '{md5(own['password'])}';"
    assert puts == []
    assert json.loads(sm.get_secret_value(SecretId=arn)["SecretString"]) == own
    assert len(sm.list_secret_version_ids(SecretId=arn)["Versions"]) == 1


def test_secret_naming_another_user_leaves_the_login_alone(aws, tmp_path):
    data, sm, _sql, _puts = aws
    arn = rsfleet_secret(sm, {"username": "alice", "password": "Alice-pass-1"}, tagged=False)
    observe_shares(data)  # no login observed: rsfleet does not look at alice
    shares = backend(tmp_path, data, sm, arn, extra=f', probe_secret_arn = "{arn}"')
    plan = shares.plan(prune=False)
    assert plan.empty
    assert len(plan.notes) == 1 and "'alice'" in plan.notes[0]


def test_empty_secret_that_is_not_rsfleets_is_refused_before_any_change(aws, tmp_path):
    data, sm, sql, puts = aws
    arn = rsfleet_secret(sm, tagged=False)  # in the outputs, but neither tagged nor the spec's
    observe_shares(data)
    shares = backend(tmp_path, data, sm, arn)
    with pytest.raises(UsageError, match="no value and is neither tagged"):
        shares.plan(prune=False)
    assert puts == [] and all(s.startswith("SELECT") for s in sql)


def test_no_probe_secret_no_probe_steps(aws, tmp_path):
    data, sm, _sql, _puts = aws
    observe_shares(data)
    shares = backend(tmp_path, data, sm, None)
    plan = shares.plan(prune=False)
    assert plan.empty  # the controller is on, but nothing names its secret: said, not guessed
    assert len(plan.notes) == 1 and "no probe_secret_arn" in plan.notes[0]


def test_md5_form_is_redshifts():
    # 'md5' + md5(password + username), the md5hash form of CREATE USER
    assert probe_login.md5_password("ez") == "md5" + hashlib.md5(b"ezrsfleet_probe", usedforsecurity=False).hexdigest()
    pw = probe_login.new_password()
    assert len(pw) == 40 and pw.isalnum() and not pw.islower() and not pw.isupper()


runner = CliRunner()


def test_cli_dry_run_shows_the_steps_and_changes_nothing(aws, tmp_path, monkeypatch):
    data, sm, sql, puts = aws
    arn = rsfleet_secret(sm)
    real = boto3.client
    monkeypatch.setattr(boto3, "client", lambda service, *a, **k: data
                        if service == "redshift-data" else real(service, *a, **k))
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({k: {"value": v} for k, v in
                                   {**OUTPUTS, "probe_secret_arn": arn}.items()}),
                       encoding="utf-8")
    files = ["--spec", str(spec_file(tmp_path)), "--tf-outputs", str(outputs)]
    observe_shares(data)
    observe_login(data, "rsfleet-qa-c1", exists=True, usage=[])
    observe_login(data, "rsfleet-qa-c2", exists=False)
    result = runner.invoke(app, ["--backend", "aws", "share", "apply", "--dry-run", *files],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "would apply 5 statement(s)" in result.output
    assert 'rsfleet-qa-c2: CREATE USER "rsfleet_probe"' in result.output
    assert 'GRANT USAGE ON DATABASE "sales_db" TO "rsfleet_probe"' in result.output
    assert not HASH.search(result.output)
    # the observation queries (5 for the shares, 3 for the login), nothing else
    assert len(sql) == 8 and all(s.startswith("SELECT") for s in sql)
    assert puts == [] and "AWSCURRENT" not in json.dumps(
        sm.describe_secret(SecretId=arn).get("VersionIdsToStages", {}))


def test_verify_logs_in_as_the_probe_and_names_the_consumer_it_fails_on(aws, tmp_path):
    data, sm, _sql, _puts = aws
    arn = rsfleet_secret(sm, {"username": "rsfleet_probe", "password": "Pw-1-in-the-secret"})
    tables = ("SELECT schema_name, table_name FROM svv_redshift_tables "
              "WHERE database_name = 'sales_db';")
    for i, wg in enumerate(("rsfleet-qa-c1", "rsfleet-qa-c2")):  # the admin's checks pass
        expect_query(data, tables, wg, f"v{i}", ["schema_name", "table_name"],
                     [["sales", "orders"]])
        data.stub.add_response("execute_statement", {"Id": f"r{i}"}, {
            "Sql": 'SELECT 1 FROM "sales_db"."sales"."orders" LIMIT 1;', "WorkgroupName": wg,
            "Database": ANY, "SecretArn": SECRET})
        data.stub.add_response("describe_statement", {"Id": f"r{i}", "Status": "FINISHED"},
                               {"Id": f"r{i}"})
    as_probe = "SELECT count(*) AS n FROM svv_redshift_tables WHERE database_name = 'sales_db';"
    # c1: the probe sees the shared tables
    data.stub.add_response("execute_statement", {"Id": "p1"}, {
        "Sql": as_probe, "WorkgroupName": "rsfleet-qa-c1", "Database": ANY, "SecretArn": arn})
    data.stub.add_response("describe_statement", {"Id": "p1", "Status": "FINISHED"}, {"Id": "p1"})
    data.stub.add_response("get_statement_result", {
        "Records": [[{"longValue": 1}]], "ColumnMetadata": [{"name": "n"}], "TotalNumRows": 1},
        {"Id": "p1"})
    # c2: its login has another password than the secret
    data.stub.add_response("execute_statement", {"Id": "p2"}, {
        "Sql": as_probe, "WorkgroupName": "rsfleet-qa-c2", "Database": ANY, "SecretArn": arn})
    data.stub.add_response("describe_statement", {
        "Id": "p2", "Status": "FAILED",
        "Error": 'FATAL: password authentication failed for user "rsfleet_probe"'},
        {"Id": "p2"})
    problems = backend(tmp_path, data, sm, arn).verify()
    assert [(p.consumer, p.text.split(":")[1].strip()) for p in problems] == [
        ("c2", "probe login rsfleet_probe cannot query")]
    assert "password authentication failed" in problems[0].text
    assert "Pw-1-in-the-secret" not in problems[0].text


def test_verify_says_an_empty_probe_secret_needs_share_apply(aws, tmp_path):
    data, sm, _sql, _puts = aws
    arn = rsfleet_secret(sm)
    tables = ("SELECT schema_name, table_name FROM svv_redshift_tables "
              "WHERE database_name = 'sales_db';")
    for i, wg in enumerate(("rsfleet-qa-c1", "rsfleet-qa-c2")):
        expect_query(data, tables, wg, f"v{i}", ["schema_name", "table_name"], [])
    problems = backend(tmp_path, data, sm, arn).verify()
    assert problems[-1].text.startswith(f"probe secret {arn} has no value yet")
    assert "share apply" in problems[-1].text


def test_controller_probe_on_an_empty_secret_says_share_apply_fills_it(aws):
    from rsfleet.errors import FleetError
    from rsfleet.targets.credentials import ProbeCredentials

    _data, sm, _sql, _puts = aws
    arn = rsfleet_secret(sm)
    with pytest.raises(FleetError, match="without a value yet") as err:
        ProbeCredentials(secret_arn=arn, client=sm)("c1")
    assert "share apply" in str(err.value) and "\n" not in str(err.value)
