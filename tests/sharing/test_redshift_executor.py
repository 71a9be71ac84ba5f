"""The Redshift executor through the Data API, with botocore's Stubber (moto lacks the
redshift-data semantics we rely on: statement status, errors, result pages)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import ANY, Stubber

from rsfleet.adapters.redshift_data import DataApi, StatementFailed, Target
from rsfleet.errors import FleetError, UsageError
from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.sharing import planner as p
from rsfleet.sharing import redshift
from rsfleet.sharing.model import DesiredShare, FleetShareState

PROD = "11111111-1111-1111-1111-111111111111"
C1 = "aaaaaaaa-0000-0000-0000-000000000001"
C2 = "aaaaaaaa-0000-0000-0000-000000000002"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift!x-admin-AbCdEf"

OUTPUTS = {
    "aws_region": "us-east-1",
    "producer": {"workgroup_name": "rsfleet-qa-producer", "namespace_id": PROD,
                 "admin_secret_arn": SECRET, "database_name": "dev"},
    "consumers": {
        "c1": {"workgroup_name": "rsfleet-qa-c1", "namespace_id": C1, "admin_secret_arn": SECRET},
        "c2": {"workgroup_name": "rsfleet-qa-c2", "namespace_id": C2, "admin_secret_arn": SECRET},
    },
}
DESIRED = [DesiredShare("sales_share", ("sales",), (), ("c1", "c2"), "sales_db")]


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    c = boto3.client("redshift-data", region_name="us-east-1")
    with Stubber(c) as stub:
        c.stub = stub  # type: ignore[attr-defined]
        yield c
        stub.assert_no_pending_responses()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def api(client, sleeps):
    return DataApi(client, sleep=sleeps.append, poll_first=0.1, poll_max=0.4)


def expect_statement(client, sql, workgroup, sid, statuses=("FINISHED",), error=None):
    client.stub.add_response(
        "execute_statement", {"Id": sid},
        {"Sql": sql, "WorkgroupName": workgroup, "Database": ANY, "SecretArn": SECRET},
    )
    for status in statuses:
        body = {"Id": sid, "Status": status}
        if status == "FAILED":
            body["Error"] = error or "ERROR"
        client.stub.add_response("describe_statement", body, {"Id": sid})


def expect_query(client, sql, workgroup, sid, columns, rows):
    expect_statement(client, sql, workgroup, sid)
    def field(v):
        if v is None:
            return {"isNull": True}
        return {"stringValue": v} if isinstance(v, str) else {"booleanValue": v}

    records = [[field(v) for v in row] for row in rows]
    client.stub.add_response(
        "get_statement_result",
        {"Records": records, "ColumnMetadata": [{"name": c} for c in columns], "TotalNumRows": len(rows)},
        {"Id": sid},
    )


def test_execute_polls_with_backoff_until_finished(client, api, sleeps):
    expect_statement(client, "SELECT 1;", "rsfleet-wg", "s1",
                     statuses=("SUBMITTED", "STARTED", "STARTED", "FINISHED"))
    assert api.execute("SELECT 1;", Target("rsfleet-wg", "dev", SECRET)) == "s1"
    assert sleeps == [0.1, 0.2, 0.4]  # doubles, capped at poll_max


def test_failed_statement_is_one_actionable_line(client, api):
    expect_statement(client, 'CREATE DATASHARE "s";', "rsfleet-wg", "s1", statuses=("FAILED",),
                     error="ERROR: permission denied for datashare s")
    with pytest.raises(StatementFailed) as info:
        api.execute('CREATE DATASHARE "s";', Target("rsfleet-wg", "dev", SECRET))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith('on rsfleet-wg: CREATE DATASHARE "s"; failed: ERROR: permission denied')
    assert "admin secret" in message


@pytest.mark.parametrize(
    ("error", "fix"),
    [
        ("ERROR: Namespace 1234 not found", "namespace id is wrong"),
        ('ERROR: datashare "s" already exists', "exists already"),
        ('ERROR: schema "sales" does not exist', "missing on the producer"),
    ],
)
def test_error_translation(client, api, error, fix):
    expect_statement(client, "X;", "rsfleet-wg", "s1", statuses=("FAILED",), error=error)
    with pytest.raises(StatementFailed, match=fix):
        api.execute("X;", Target("rsfleet-wg", "dev", SECRET))


def test_throttling_is_retried_with_backoff(client, api, sleeps):
    for _ in range(2):
        client.stub.add_client_error("execute_statement", "ThrottlingException", "slow down")
    expect_statement(client, "SELECT 1;", "rsfleet-wg", "s1")
    assert api.execute("SELECT 1;", Target("rsfleet-wg", "dev", SECRET)) == "s1"
    assert sleeps == [0.1, 0.2]


def test_other_client_errors_are_not_retried(client, api):
    client.stub.add_client_error("execute_statement", "ValidationException", "bad workgroup")
    with pytest.raises(FleetError, match="bad workgroup"):
        api.execute("SELECT 1;", Target("rsfleet-wg", "dev", SECRET))


def test_observe_reads_the_system_views(client, api):
    expect_query(client, "SELECT share_name FROM svv_datashares WHERE share_type = 'OUTBOUND';",
                 "rsfleet-qa-producer", "q1", ["share_name"], [["sales_share   "]])
    expect_query(
        client,
        "SELECT share_name, object_type, object_name, include_new FROM svv_datashare_objects "
        "WHERE share_type = 'OUTBOUND';",
        "rsfleet-qa-producer", "q2", ["share_name", "object_type", "object_name", "include_new"],
        [["sales_share", "schema", "sales", True], ["sales_share", "table", "sales.orders", False]],
    )
    expect_query(client, "SELECT share_name, consumer_namespace FROM svv_datashare_consumers;",
                 "rsfleet-qa-producer", "q3", ["share_name", "consumer_namespace"],
                 [["sales_share", C1]])
    inbound = ("SELECT share_name, consumer_database, producer_namespace FROM svv_datashares "
               "WHERE share_type = 'INBOUND';")
    cols = ["share_name", "consumer_database", "producer_namespace"]
    # c1 mounted sales_share as sales_db, and has an unrelated share from another producer
    expect_query(client, inbound, "rsfleet-qa-c1", "q4", cols,
                 [["sales_share ", "sales_db ", PROD.upper()],
                  ["other", "other_db", "99999999-9999-9999-9999-999999999999"]])
    # c2 was granted the share but has not created a database from it yet
    expect_query(client, inbound, "rsfleet-qa-c2", "q5", cols, [["sales_share", None, PROD]])

    fleet = redshift.fleet_from_outputs(OUTPUTS)
    state = redshift.observe(api, fleet)
    share = state.shares["sales_share"]
    assert share.schemas == {"sales"} and share.includenew == {"sales"}
    assert share.tables == {"sales.orders"} and share.grants == {"c1"}
    assert state.mounts == {"c1": {"sales_db": "sales_share"}}
    # the plan from this observation: grant c2, mount on c2 — nothing else
    assert p.plan(DESIRED, state).actions == (
        p.Grant("sales_share", "c2"), p.Mount("sales_share", "c2", "sales_db"))


def test_apply_runs_one_call_per_statement_and_mounts_on_the_consumer(client, api):
    fleet = redshift.fleet_from_outputs(OUTPUTS)
    actions = p.plan(DESIRED, FleetShareState()).actions
    expected = [
        ('CREATE DATASHARE "sales_share";', "rsfleet-qa-producer"),
        ('ALTER DATASHARE "sales_share" ADD SCHEMA "sales";', "rsfleet-qa-producer"),
        ('ALTER DATASHARE "sales_share" ADD ALL TABLES IN SCHEMA "sales";', "rsfleet-qa-producer"),
        ('ALTER DATASHARE "sales_share" SET INCLUDENEW = TRUE FOR SCHEMA "sales";',
         "rsfleet-qa-producer"),
        (f"GRANT USAGE ON DATASHARE \"sales_share\" TO NAMESPACE '{C1}';", "rsfleet-qa-producer"),
        (f"GRANT USAGE ON DATASHARE \"sales_share\" TO NAMESPACE '{C2}';", "rsfleet-qa-producer"),
        (f"CREATE DATABASE \"sales_db\" FROM DATASHARE \"sales_share\" OF NAMESPACE '{PROD}';",
         "rsfleet-qa-c1"),
        (f"CREATE DATABASE \"sales_db\" FROM DATASHARE \"sales_share\" OF NAMESPACE '{PROD}';",
         "rsfleet-qa-c2"),
    ]
    for i, (sql, wg) in enumerate(expected):
        expect_statement(client, sql, wg, f"s{i}")
    done = redshift.apply(api, fleet, actions)
    assert done == [(wg, sql) for sql, wg in expected]


def test_apply_stops_at_the_first_failure_and_the_next_plan_completes_it(client, api):
    fleet = redshift.fleet_from_outputs(OUTPUTS)
    actions = p.plan(DESIRED, FleetShareState()).actions
    expect_statement(client, 'CREATE DATASHARE "sales_share";', "rsfleet-qa-producer", "s0")
    expect_statement(client, 'ALTER DATASHARE "sales_share" ADD SCHEMA "sales";',
                     "rsfleet-qa-producer", "s1", statuses=("FAILED",),
                     error='ERROR: schema "sales" does not exist')
    with pytest.raises(StatementFailed, match="ADD SCHEMA"):
        redshift.apply(api, fleet, actions)
    # the share now exists; the next plan starts with the failed statement, not CREATE again
    from rsfleet.sharing.model import ShareState

    next_plan = p.plan(DESIRED, FleetShareState({"sales_share": ShareState()})).actions
    assert next_plan[0] == p.AddSchema("sales_share", "sales")
    assert p.CreateShare("sales_share") not in next_plan


def test_outputs_without_namespace_guids_are_bad_input():
    broken = {**OUTPUTS, "producer": {**OUTPUTS["producer"], "namespace_id": "not-a-guid"}}
    with pytest.raises(UsageError, match="not a GUID"):
        redshift.fleet_from_outputs(broken)
    with pytest.raises(UsageError, match="rsfleet apply"):
        redshift.fleet_from_outputs({"producer": {}})


def _serverless(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return boto3.client("redshift-serverless", region_name="us-east-1")


def test_fleet_discovered_through_the_serverless_api(monkeypatch, tmp_path):
    from rsfleet.spec import load_spec

    spec_file = tmp_path / "qa.tfvars"
    spec_file.write_text('environment = "qa"\nproducer = { base_capacity = 8 }\n'
                         'consumers = { c1 = { base_capacity = 8 } }\n', encoding="utf-8")
    spec = load_spec(spec_file)
    client = _serverless(monkeypatch)
    with Stubber(client) as stub:
        for wg, ns, guid in (("rsfleet-qa-producer", "rsfleet-qa-producer", PROD),
                             ("rsfleet-qa-c1", "rsfleet-qa-c1", C1)):
            stub.add_response("get_workgroup", {"workgroup": {
                "workgroupName": wg, "namespaceName": ns}}, {"workgroupName": wg})
            stub.add_response("get_namespace", {"namespace": {
                "namespaceName": ns, "namespaceId": guid, "adminPasswordSecretArn": SECRET,
                "dbName": "dev"}}, {"namespaceName": ns})
        outputs = FleetOutputs.from_api(spec, client)
        stub.assert_no_pending_responses()
    fleet = redshift.fleet_from_outputs(outputs)
    assert fleet.producer == redshift.Workgroup("rsfleet-qa-producer", PROD, SECRET, "dev")
    assert fleet.consumer_namespace_ids == {"c1": C1}

    missing = _serverless(monkeypatch)
    with Stubber(missing) as stub:
        stub.add_client_error("get_workgroup", "ResourceNotFoundException", "not found")
        with pytest.raises(FleetError, match="rsfleet-qa-producer not found"):
            FleetOutputs.from_api(spec, missing)
