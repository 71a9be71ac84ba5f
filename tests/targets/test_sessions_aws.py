"""The AWS side of drains that pools survive (rsfleet.targets.sessions.RedshiftSessions):
what rsfleet asks a draining consumer through the Redshift Data API, and when, during an
NLB deregistration delay. The Data API by botocore's Stubber (moto has no statement
results); time by the tests' Clock."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import ANY, Stubber
from conftest import Clock

from rsfleet.adapters.redshift_data import DataApi, Target
from rsfleet.targets.sessions import _AWS_SQL, RedshiftSessions, wait_drained

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift!c2-admin-AbCdEf"
C2 = Target("rsfleet-qa-c2", "dev", SECRET)


@pytest.fixture
def data(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("redshift-data", region_name="us-east-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def expect_close(stub, sid: str, idle_only: bool, closed: int) -> None:
    stub.add_response("execute_statement", {"Id": sid}, {
        "Sql": _AWS_SQL, "WorkgroupName": "rsfleet-qa-c2", "Database": "dev",
        "SecretArn": SECRET,
        "Parameters": [{"name": "probe", "value": "rsfleet_probe"},
                       {"name": "idle_only", "value": "true" if idle_only else "false"}]})
    stub.add_response("describe_statement", {"Id": sid, "Status": "FINISHED"}, {"Id": sid})
    stub.add_response("get_statement_result", {
        "Records": [[{"longValue": closed}]], "ColumnMetadata": [{"name": "closed"}],
        "TotalNumRows": 1}, {"Id": ANY})


def test_sessions_are_closed_between_transactions_then_the_rest_before_the_delay_ends(data):
    client, stub = data
    clock = Clock()
    api = DataApi(client, sleep=clock.sleep)
    closer = RedshiftSessions(api, {"c2": C2}, min_interval=4.0, clock=clock)
    # a 20 s deregistration delay, polled every second: idle sessions at 0, 4, 8, 12 s
    # (one statement per 4 s, each billed), then everything left 5 s before the delay ends
    for i, n in enumerate((2, 1, 0, 0)):
        expect_close(stub, f"idle-{i}", True, n)
    expect_close(stub, "rest", False, 1)
    waited = wait_drained("c2", lambda: (False, 0), closer, 20.0, lb_finishes_drain=True,
                          margin=5.0, poll=1.0, clock=clock, sleep=clock.sleep)
    assert (waited.closed_idle, waited.closed_at_timeout) == (3, 1)
    assert waited.waited == pytest.approx(20.0)  # the NLB's own drain ends at the delay
    assert waited.summary() == ("3 session(s) closed between transactions; 1 closed at the "
                                "timeout")


def test_the_statement_lists_no_superuser_no_probe_and_not_itself():
    """Read as text: what the one statement may end (Redshift, STV_SESSIONS + PG_USER)."""
    sql = " ".join(_AWS_SQL.split())
    assert "pg_terminate_backend(s.process)" in sql
    assert "NOT u.usesuper" in sql and "<> :probe" in sql and "<> pg_backend_pid()" in sql
    assert "svv_transactions" in sql and "status = 'Running'" in sql


def test_a_failed_statement_closes_nothing_and_does_not_stop_the_drain(data):
    client, stub = data
    clock = Clock()
    closer = RedshiftSessions(DataApi(client, sleep=clock.sleep), {"c2": C2}, clock=clock)
    stub.add_client_error("execute_statement", "ValidationException", "workgroup not found")
    assert closer.close("c2").closed == 0
    assert closer.close("c9").closed == 0  # not a consumer it knows: nothing asked
