"""Backups on AWS through the redshift-serverless API, call by call (botocore Stubber: exact
requests, refusals and Data API rows). The commands end to end against the stateful
emulator: tests/emulated/test_backup_cli.py and test_restore_cli.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber

from rsfleet.adapters.redshift_data import DataApi
from rsfleet.backup import aws, records
from rsfleet.backup import planner as p
from rsfleet.backup.model import Observed, TableRecord, newest_status, policy_from_spec
from rsfleet.backup.service import AwsBackup, action_name
from rsfleet.backup.sync import sync
from rsfleet.errors import FleetError, UsageError
from rsfleet.fleet.outputs import FleetOutputs, WorkgroupOutputs
from rsfleet.spec.models import FleetSpec

from ._state import apply_to_state

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/rsfleet-scheduler"
NS = "rsfleet-dev-producer"
NOW = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)


def spec(backup: dict | None = None, **extra) -> FleetSpec:
    doc = {"environment": "dev", "producer": {"base_capacity": 8},
           "consumers": {"c1": {"base_capacity": 8}},
           "datashares": {"sales_share": {"schemas": ["sales"]}}, **extra}
    if backup is not None:
        doc["producer"]["backup"] = backup
    return FleetSpec.model_validate(doc)


POLICY = {"schedule": "rate(6 hours)", "retention_days": 14, "role_arn": ROLE,
          "copy": {"region": "us-west-2", "retention_days": 3}}


# (the response model requires at least one entry: an operator's copy to another region)
FOREIGN_COPY = {"snapshotCopyConfigurations": [
    {"snapshotCopyConfigurationId": "cc-ops", "destinationRegion": "eu-west-1",
     "snapshotRetentionPeriod": 30, "namespaceName": NS}]}


def rs_client():
    return boto3.client("redshift-serverless", region_name=REGION, aws_access_key_id="x",
                        aws_secret_access_key="x")  # Stubber: never sent


def data_client():
    return boto3.client("redshift-data", region_name=REGION, aws_access_key_id="x",
                        aws_secret_access_key="x")


def ours_response(cron="cron(0 0/6 * * ? *)", retention=14, state="ACTIVE"):
    return {"scheduledAction": {
        "scheduledActionName": f"rsfleet-{NS}-snapshots", "namespaceName": NS,
        "roleArn": ROLE, "schedule": {"cron": cron}, "state": state,
        "targetAction": {"createSnapshot": {"namespaceName": NS, "retentionPeriod": retention,
                                            "snapshotNamePrefix": f"rsfleet-{NS}"}}}}


def aws_plan(s, rs):
    return AwsBackup(s, rs).plan()


def aws_apply(s, rs):
    """`backup apply`: the plan, carried out by the one sync; returns the plan."""
    backend = AwsBackup(s, rs)
    return sync(backend.plan(), backend, dry_run=False).plan


def aws_restore(s, rs, *, snapshot, at, to, in_place, now, sleep):
    return AwsBackup(s, rs, now=lambda: now, sleep=sleep).restore(
        point=snapshot, at=at, to=to, in_place=in_place)


def aws_drill(s, rs, api_for, state_dir, *, at, now, clock, sleep, scratch_name=None):
    return AwsBackup(s, rs, api_for=api_for, state_dir=state_dir, now=now, clock=clock,
                     sleep=sleep).drill(at=at, scratch_name=scratch_name)


# -- the pure planner ------------------------------------------------------------------


def test_plan_creates_schedule_and_copy_then_nothing():
    policy = policy_from_spec(spec(POLICY))
    first = p.plan(policy, Observed())
    kinds = [type(a).__name__ for a in first.actions]
    assert kinds == ["CreateSchedule", "CreateCopy"]
    create = first.actions[0]
    assert create.cron == "cron(0 0/6 * * ? *)" and create.retention_days == 14
    assert create.name == action_name(spec(POLICY))
    again = p.plan(policy, apply_to_state(Observed(), first.actions))
    assert again.empty


def test_plan_updates_only_what_differs_and_reports_foreign_copies():
    policy = policy_from_spec(spec({**POLICY, "schedule": "rate(1 day)"}))
    after = apply_to_state(Observed(), p.plan(policy_from_spec(spec(POLICY)),
                                                Observed()).actions)
    from rsfleet.backup.model import CopyState

    after = Observed(after.schedules, (*after.copies, CopyState("cc-9", "eu-west-1", 1)))
    the_plan = p.plan(policy, after)
    assert [type(a).__name__ for a in the_plan.actions] == ["UpdateSchedule"]
    assert the_plan.actions[0].changes == ("schedule cron(0 0/6 * * ? *) -> cron(0 0 * * ? *)",)
    assert any("cc-9" in n and "left alone" in n for n in the_plan.notes)


def test_removing_the_policy_deletes_only_rsfleets_schedule():
    s = spec(POLICY)
    after = apply_to_state(Observed(), p.plan(policy_from_spec(s), Observed()).actions)
    the_plan = p.plan(None, after, action_name=action_name(s))
    assert the_plan.actions == (p.DeleteSchedule(action_name(s)),)
    assert any("us-west-2" in n for n in the_plan.notes)  # the copy: never deleted


# -- Stubber: observe + apply -----------------------------------------------------------


def test_apply_creates_schedule_and_copy_and_ignores_foreign_schedules():
    rs = rs_client()
    s = spec(POLICY)
    with Stubber(rs) as st:
        st.add_response("list_scheduled_actions", {"scheduledActions": [
            {"scheduledActionName": "someone-elses", "namespaceName": NS}]},
            {"namespaceName": NS})
        st.add_response("list_snapshot_copy_configurations", FOREIGN_COPY,
                        {"namespaceName": NS})
        st.add_response("create_scheduled_action", ours_response(), {
            "scheduledActionName": f"rsfleet-{NS}-snapshots", "namespaceName": NS,
            "roleArn": ROLE, "schedule": {"cron": "cron(0 0/6 * * ? *)"}, "enabled": True,
            "scheduledActionDescription": ANY,
            "targetAction": {"createSnapshot": {
                "namespaceName": NS, "retentionPeriod": 14, "snapshotNamePrefix": f"rsfleet-{NS}",
                "tags": [{"key": "managed-by", "value": "rsfleet"}]}}})
        st.add_response("create_snapshot_copy_configuration", {"snapshotCopyConfiguration": {
            "snapshotCopyConfigurationId": "cc-1", "destinationRegion": "us-west-2"}},
            {"namespaceName": NS, "destinationRegion": "us-west-2",
             "snapshotRetentionPeriod": 3})
        done = aws_apply(s, rs)
        st.assert_no_pending_responses()
    assert len(done.actions) == 2


def test_second_apply_changes_nothing():
    rs = rs_client()
    with Stubber(rs) as st:
        st.add_response("list_scheduled_actions", {"scheduledActions": [
            {"scheduledActionName": f"rsfleet-{NS}-snapshots", "namespaceName": NS}],
            "nextToken": "token-p2"}, {"namespaceName": NS})
        st.add_response("list_scheduled_actions", {"scheduledActions": []},
                        {"namespaceName": NS, "nextToken": "token-p2"})
        st.add_response("get_scheduled_action", ours_response(),
                        {"scheduledActionName": f"rsfleet-{NS}-snapshots"})
        st.add_response("list_snapshot_copy_configurations", {"snapshotCopyConfigurations": [
            {"snapshotCopyConfigurationId": "cc-1", "destinationRegion": "us-west-2",
             "snapshotRetentionPeriod": 3, "namespaceName": NS}]}, {"namespaceName": NS})
        assert aws_apply(spec(POLICY), rs).empty
        st.assert_no_pending_responses()


def test_apply_updates_schedule_and_copy_retention_and_deletes_when_removed():
    rs = rs_client()
    with Stubber(rs) as st:
        st.add_response("list_scheduled_actions", {"scheduledActions": [
            {"scheduledActionName": f"rsfleet-{NS}-snapshots", "namespaceName": NS}]})
        st.add_response("get_scheduled_action", ours_response(retention=5, state="DISABLED"))
        st.add_response("list_snapshot_copy_configurations", {"snapshotCopyConfigurations": [
            {"snapshotCopyConfigurationId": "cc-1", "destinationRegion": "us-west-2",
             "snapshotRetentionPeriod": 1}]})
        st.add_response("update_scheduled_action", ours_response(), {
            "scheduledActionName": f"rsfleet-{NS}-snapshots", "roleArn": ROLE,
            "schedule": {"cron": "cron(0 0/6 * * ? *)"}, "enabled": True,
            "scheduledActionDescription": ANY, "targetAction": ANY})
        st.add_response("update_snapshot_copy_configuration", {"snapshotCopyConfiguration": {}},
                        {"snapshotCopyConfigurationId": "cc-1", "snapshotRetentionPeriod": 3})
        aws_apply(spec(POLICY), rs)
        # producer.backup removed: only rsfleet's schedule goes
        st.add_response("list_scheduled_actions", {"scheduledActions": [
            {"scheduledActionName": f"rsfleet-{NS}-snapshots", "namespaceName": NS}]})
        st.add_response("get_scheduled_action", ours_response())
        st.add_response("list_snapshot_copy_configurations", FOREIGN_COPY)
        st.add_response("delete_scheduled_action", ours_response(),
                        {"scheduledActionName": f"rsfleet-{NS}-snapshots"})
        aws_apply(spec(None), rs)
        st.assert_no_pending_responses()


def test_a_policy_without_role_is_one_usage_line():
    with pytest.raises(UsageError) as info:
        aws_plan(spec({"schedule": "rate(1 day)"}), rs_client())
    assert info.value.exit_code == 2 and "role_arn" in str(info.value)


def test_api_refusal_is_a_fleet_error():
    rs = rs_client()
    with Stubber(rs) as st:
        st.add_client_error("list_scheduled_actions", "AccessDeniedException", "no")
        with pytest.raises(FleetError, match="ListScheduledActions"):
            aws_plan(spec(POLICY), rs)


# -- list / snapshot / restore ------------------------------------------------------------


def points_responses(st, *, snapshots=(), recovery=()):
    st.add_response("list_recovery_points", {"recoveryPoints": list(recovery)},
                    {"namespaceName": NS})
    st.add_response("list_snapshots", {"snapshots": list(snapshots)}, {"namespaceName": NS})


def snap(name, created, status="AVAILABLE"):
    return {"snapshotName": name, "snapshotCreateTime": created, "status": status,
            "namespaceName": NS, "totalBackupSizeInMegaBytes": 120.0}


def rp(rid, created):
    return {"recoveryPointId": rid, "recoveryPointCreateTime": created, "namespaceName": NS,
            "totalSizeInMegaBytes": 100.0}


def test_restore_points_newest_first_with_sizes():
    rs = rs_client()
    with Stubber(rs) as st:
        points_responses(st, snapshots=[snap("rsfleet-x", NOW - timedelta(hours=3)),
                                        snap("manual", NOW - timedelta(hours=1))],
                         recovery=[rp("rp-1", NOW - timedelta(minutes=20))])
        pts = aws.restore_points(rs, NS)
    assert [(x.id, x.kind, x.ours) for x in pts] == [
        ("rp-1", "recovery-point", False), ("manual", "snapshot", False),
        ("rsfleet-x", "snapshot", True)]
    assert pts[0].size_mb == 100.0


class Contains:
    def __init__(self, part: str) -> None:
        self.part = part

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and self.part in other

    def __ne__(self, other: object) -> bool:
        return not self == other


def stub_query(st, sql_part, columns, rows, sid, params=None, secret=ANY):
    """`params`: the Data API parameters the statement must carry ({name: value})."""
    expected = {"Sql": Contains(sql_part), "WorkgroupName": ANY, "Database": "dev",
                "SecretArn": secret}
    if params:
        expected["Parameters"] = [{"name": k, "value": v} for k, v in params.items()]
    st.add_response("execute_statement", {"Id": sid}, expected)
    st.add_response("describe_statement", {"Id": sid, "Status": "FINISHED"}, {"Id": sid})
    st.add_response("get_statement_result", {
        "ColumnMetadata": [{"name": c} for c in columns],
        "Records": [[{"stringValue": str(v)} if not isinstance(v, int) else {"longValue": v}
                     for v in row] for row in rows], "TotalNumRows": len(rows)}, {"Id": sid})


def stub_table_records(st, tables_rows, secret=ANY):
    """sales schema listing, then per table: columns + checksum."""
    stub_query(st, "svv_tables", ["table_schema", "table_name"],
               [["sales", t] for t in tables_rows], "q0", {"s0": "sales"}, secret)
    for i, (table, (n, chk)) in enumerate(sorted(tables_rows.items())):
        stub_query(st, "svv_columns", ["column_name"], [["id"], ["amount"]], f"c{i}",
                   {"schema": "sales", "table": table}, secret)
        stub_query(st, "md5(", ["n", "checksum"], [[n, chk]], f"k{i}", secret=secret)


def test_snapshot_records_counts_then_creates_a_tagged_snapshot(tmp_path):
    rs, rd = rs_client(), data_client()
    api = DataApi(rd, sleep=lambda s: None)
    from rsfleet.adapters.redshift_data import Target

    target = Target(NS, "dev", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x")
    with Stubber(rs) as st, Stubber(rd) as sd:
        stub_table_records(sd, {"orders": (1000, "123"), "customers": (10, "77")})
        st.add_response("list_snapshots", {"snapshots": []}, {"namespaceName": NS})
        st.add_response("create_snapshot", {"snapshot": snap("nightly", NOW, "CREATING")}, {
            "namespaceName": NS, "snapshotName": "nightly", "retentionPeriod": 14,
            "tags": [{"key": "managed-by", "value": "rsfleet"}]})
        outputs = FleetOutputs(producer=WorkgroupOutputs(
            workgroup_name=target.workgroup, admin_secret_arn=target.secret_arn))
        point = AwsBackup(spec(POLICY), rs, api_for=lambda wg: api, state_dir=tmp_path,
                          outputs=outputs, now=lambda: NOW).snapshot(name="nightly",
                                                                     retention_days=None)
        st.assert_no_pending_responses()
        sd.assert_no_pending_responses()
    assert point.id == "nightly"
    rec = records.load(tmp_path, "nightly")
    assert rec["tables"] == [TableRecord("sales.customers", 10, "77"),
                             TableRecord("sales.orders", 1000, "123")]


def test_snapshot_without_outputs_asks_the_api_for_the_producers_secret(tmp_path):
    """No --tf-outputs: FleetOutputs.from_api (GetWorkgroup, GetNamespace) gives the
    producer's managed admin secret, which the Data API statements then use."""
    rs, rd = rs_client(), data_client()
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:producer-admin"
    with Stubber(rs) as st, Stubber(rd) as sd:
        st.add_response("get_workgroup", {"workgroup": {
            "workgroupName": NS, "namespaceName": NS}}, {"workgroupName": NS})
        st.add_response("get_namespace", {"namespace": {
            "namespaceName": NS, "namespaceId": "ns-1", "adminPasswordSecretArn": secret,
            "dbName": "dev"}}, {"namespaceName": NS})
        stub_table_records(sd, {"orders": (5, "9")}, secret=secret)  # the API's secret
        st.add_response("list_snapshots", {"snapshots": []}, {"namespaceName": NS})
        st.add_response("create_snapshot", {"snapshot": snap("nightly", NOW, "CREATING")}, {
            "namespaceName": NS, "snapshotName": "nightly", "retentionPeriod": 14,
            "tags": [{"key": "managed-by", "value": "rsfleet"}]})
        AwsBackup(spec(POLICY), rs, api_for=lambda wg: DataApi(rd, sleep=lambda s: None),
                  state_dir=tmp_path, now=lambda: NOW).snapshot(name="nightly",
                                                                retention_days=None)
        st.assert_no_pending_responses()
        sd.assert_no_pending_responses()
    assert records.load(tmp_path, "nightly")["tables"] == [TableRecord("sales.orders", 5, "9")]


def test_snapshot_name_taken_is_usage_error(tmp_path):
    rs = rs_client()
    with Stubber(rs) as st:
        st.add_response("list_snapshots", {"snapshots": [snap("nightly", NOW)]})
        with pytest.raises(UsageError, match="exists already") as info:
            aws.create_snapshot(rs, NS, "nightly", 7)
    assert info.value.exit_code == 2


def test_restore_unknown_snapshot_future_time_and_existing_target_are_usage_errors():
    rs = rs_client()
    s = spec(POLICY)
    with Stubber(rs) as st:
        points_responses(st, snapshots=[snap("a", NOW - timedelta(hours=1))])
        with pytest.raises(UsageError, match="unknown snapshot 'nope'"):
            aws_restore(s, rs, snapshot="nope", at=None, to="copy-1", in_place=False, now=NOW,
                        sleep=lambda s: None)
        points_responses(st, snapshots=[snap("a", NOW - timedelta(hours=1))])
        with pytest.raises(UsageError, match="in the future"):
            aws_restore(s, rs, snapshot=None, at=NOW + timedelta(minutes=5), to="copy-1",
                        in_place=False, now=NOW, sleep=lambda s: None)
        points_responses(st, snapshots=[snap("a", NOW - timedelta(hours=1))])
        st.add_response("get_namespace", {"namespace": {"namespaceName": "copy-1"}},
                        {"namespaceName": "copy-1"})
        with pytest.raises(UsageError, match="namespace copy-1 exists already") as info:
            aws_restore(s, rs, snapshot="a", at=None, to="copy-1", in_place=False, now=NOW,
                        sleep=lambda s: None)
        assert info.value.exit_code == 2
        points_responses(st, snapshots=[snap("a", NOW - timedelta(hours=1))])
        with pytest.raises(UsageError, match="--in-place"):
            aws_restore(s, rs, snapshot="a", at=None, to=NS, in_place=False, now=NOW,
                        sleep=lambda s: None)
        st.assert_no_pending_responses()


def test_restore_at_a_time_uses_the_newest_recovery_point_before_it_into_a_new_namespace():
    rs = rs_client()
    with Stubber(rs) as st:
        points_responses(st, recovery=[rp("rp-old", NOW - timedelta(hours=2)),
                                       rp("rp-new", NOW - timedelta(minutes=10))])
        stub_scratch(st, "copy-1")
        st.add_response("restore_from_recovery_point", {"recoveryPointId": "rp-old"}, {
            "namespaceName": "copy-1", "workgroupName": "copy-1", "recoveryPointId": "rp-old",
            "maintainIntegration": False})
        st.add_response("get_namespace", {"namespace": {"status": "MODIFYING"}})
        st.add_response("get_namespace", {"namespace": {"status": "AVAILABLE"}})
        point = aws_restore(spec(POLICY), rs, snapshot=None, at=NOW - timedelta(hours=1),
                            to="copy-1", in_place=False, now=NOW, sleep=lambda s: None)
        st.assert_no_pending_responses()
    assert point.id == "rp-old"


def test_in_place_restore_keeps_the_datashares():
    rs = rs_client()
    with Stubber(rs) as st:
        points_responses(st, recovery=[rp("rp-1", NOW - timedelta(minutes=10))])
        st.add_response("restore_from_recovery_point", {"recoveryPointId": "rp-1"}, {
            "namespaceName": NS, "workgroupName": NS, "recoveryPointId": "rp-1",
            "maintainIntegration": True})
        st.add_response("get_namespace", {"namespace": {"status": "AVAILABLE"}})
        aws_restore(spec(POLICY), rs, snapshot=None, at=None, to=NS, in_place=True, now=NOW,
                    sleep=lambda s: None)
        st.assert_no_pending_responses()


def test_in_place_restore_from_a_snapshot_keeps_the_datashares_too():
    rs = rs_client()
    with Stubber(rs) as st:
        points_responses(st, snapshots=[snap("before-load", NOW - timedelta(hours=1))])
        st.add_response("restore_from_snapshot", {"snapshotName": "before-load"}, {
            "namespaceName": NS, "workgroupName": NS, "snapshotName": "before-load",
            "manageAdminPassword": True, "maintainIntegration": True})
        st.add_response("get_namespace", {"namespace": {"status": "MODIFYING"}})
        st.add_response("get_namespace", {"namespace": {"status": "AVAILABLE"}})
        done = aws_restore(spec(POLICY), rs, snapshot="before-load", at=None, to=None,
                           in_place=True, now=NOW, sleep=lambda s: None)
        st.assert_no_pending_responses()
    assert (done.id, done.kind, done.into, done.in_place) == ("before-load", "snapshot", NS,
                                                               True)


# -- drill ---------------------------------------------------------------------------------


def stub_scratch(st, name):
    st.add_client_error("get_namespace", "ResourceNotFoundException", "none",
                        expected_params={"namespaceName": name})
    st.add_response("get_workgroup", {"workgroup": {
        "workgroupName": NS, "subnetIds": ["subnet-1", "subnet-2", "subnet-3"],
        "securityGroupIds": ["sg-1"]}}, {"workgroupName": NS})
    st.add_response("create_namespace", {"namespace": {"namespaceName": name}}, {
        "namespaceName": name, "tags": ANY})
    st.add_response("create_workgroup", {"workgroup": {"workgroupName": name}}, {
        "workgroupName": name, "namespaceName": name, "baseCapacity": 8,
        "subnetIds": ["subnet-1", "subnet-2", "subnet-3"], "securityGroupIds": ["sg-1"],
        "publiclyAccessible": False, "tags": ANY})
    st.add_response("get_workgroup", {"workgroup": {"status": "CREATING"}})
    st.add_response("get_workgroup", {"workgroup": {"status": "AVAILABLE"}})


def stub_teardown(st, name):
    st.add_response("delete_workgroup", {"workgroup": {"workgroupName": name}},
                    {"workgroupName": name})
    st.add_response("get_workgroup", {"workgroup": {"status": "DELETING"}})
    st.add_client_error("get_workgroup", "ResourceNotFoundException", "gone")
    st.add_response("delete_namespace", {"namespace": {"namespaceName": name}},
                    {"namespaceName": name})


def drill_setup(tmp_path, checksum):
    records.save(tmp_path, "rsfleet-snap-1", NOW - timedelta(hours=1),
                 [TableRecord("sales.orders", 1000, "123")])
    rs, rd = rs_client(), data_client()
    st, sd = Stubber(rs), Stubber(rd)
    points_responses(st, snapshots=[snap("rsfleet-snap-1", NOW - timedelta(hours=1)),
                                    snap("unrecorded", NOW - timedelta(minutes=5))])
    stub_scratch(st, "drill-1")
    st.add_response("restore_from_snapshot", {"snapshotName": "rsfleet-snap-1"}, {
        "namespaceName": "drill-1", "workgroupName": "drill-1",
        "snapshotName": "rsfleet-snap-1", "manageAdminPassword": True,
        "maintainIntegration": False})
    st.add_response("get_namespace", {"namespace": {"status": "AVAILABLE"}})
    st.add_response("get_namespace", {"namespace": {
        "adminPasswordSecretArn": "arn:aws:secretsmanager:us-east-1:1:secret:drill"}})
    stub_query(sd, "svv_columns", ["column_name"], [["id"]], "c0",
               {"schema": "sales", "table": "orders"})
    stub_query(sd, "md5(", ["n", "checksum"], [[1000, checksum]], "k0")
    stub_teardown(st, "drill-1")
    ticks = iter([0.0, 42.5])
    return rs, rd, st, sd, dict(at=None, now=lambda: NOW, clock=lambda: next(ticks),
                                sleep=lambda s: None, scratch_name="drill-1")


def test_drill_creates_waits_verifies_and_tears_down(tmp_path):
    rs, rd, st, sd, kw = drill_setup(tmp_path, "123")
    with st, sd:
        result = aws_drill(spec(POLICY), rs, lambda wg: DataApi(rd, sleep=lambda s: None),
                           tmp_path, **kw)
        st.assert_no_pending_responses()
        sd.assert_no_pending_responses()
    assert result.verified and result.torn_down
    assert result.point == "rsfleet-snap-1"  # the newest *recorded* snapshot
    assert result.rpo_s == 3600.0 and result.rto_s == 42.5


def test_drill_reports_a_checksum_difference(tmp_path):
    rs, rd, st, sd, kw = drill_setup(tmp_path, "999")
    with st, sd:
        result = aws_drill(spec(POLICY), rs, lambda wg: DataApi(rd, sleep=lambda s: None),
                           tmp_path, **kw)
        st.assert_no_pending_responses()
    assert not result.verified
    assert result.problems == ["sales.orders: checksum 999, recorded 123"]


def failed_restore_drill(tmp_path, code, message, teardown):
    """A drill whose RestoreFromSnapshot answers ``code``; ``teardown(st)`` stubs what the
    teardown gets. Returns the FleetError raised; every stubbed call was made."""
    records.save(tmp_path, "rsfleet-snap-1", NOW - timedelta(hours=1),
                 [TableRecord("sales.orders", 1000, "123")])
    rs = rs_client()
    with Stubber(rs) as st:
        points_responses(st, snapshots=[snap("rsfleet-snap-1", NOW - timedelta(hours=1))])
        stub_scratch(st, "drill-1")
        st.add_client_error("restore_from_snapshot", code, message)
        teardown(st)
        with pytest.raises(FleetError) as info:
            aws_drill(spec(POLICY), rs, lambda wg: None, tmp_path, at=None, now=lambda: NOW,
                      clock=lambda: 0.0, sleep=lambda s: None, scratch_name="drill-1")
        st.assert_no_pending_responses()
    return info.value


def test_drill_tears_down_when_the_restore_fails(tmp_path):
    err = failed_restore_drill(tmp_path, "ConflictException", "busy",
                               lambda st: stub_teardown(st, "drill-1"))
    assert "RestoreFromSnapshot" in str(err)  # and DeleteWorkgroup + DeleteNamespace did run


def test_drill_without_a_recorded_snapshot_is_usage_error(tmp_path):
    rs = rs_client()
    with Stubber(rs) as st:
        points_responses(st, snapshots=[snap("unrecorded", NOW - timedelta(minutes=5))])
        with pytest.raises(UsageError, match="nothing recorded"):
            aws_drill(spec(POLICY), rs, lambda wg: None, tmp_path, at=None, now=lambda: NOW,
                      clock=lambda: 0.0, sleep=lambda s: None)


def test_status_rpo_is_the_age_of_the_newest_available_point():
    rs = rs_client()
    with Stubber(rs) as st:
        points_responses(st, snapshots=[snap("s1", NOW - timedelta(hours=2)),
                                        snap("s2", NOW - timedelta(minutes=1), "CREATING")],
                         recovery=[rp("rp-1", NOW - timedelta(minutes=25))])
        doc = newest_status(aws.restore_points(rs, NS), policy_in_force=True,
                            now=NOW).to_json()
    assert doc["newest_point"] == "rp-1" and doc["rpo_s"] == 1500.0


def test_status_without_role_arn_reports_instead_of_refusing():
    """status is read-only (List/Get calls): a policy without role_arn, which only `backup
    apply` needs, is reported with a note, not an exit-2 refusal."""
    no_role = spec({"schedule": "rate(6 hours)", "retention_days": 14})
    rs = rs_client()
    with Stubber(rs) as st:  # no schedule yet: not in force, the create is pending
        st.add_response("list_scheduled_actions", {"scheduledActions": []},
                        {"namespaceName": NS})
        st.add_response("list_snapshot_copy_configurations", FOREIGN_COPY,
                        {"namespaceName": NS})
        points_responses(st, recovery=[rp("rp-1", NOW - timedelta(minutes=25))])
        doc = AwsBackup(no_role, rs).status(NOW).to_json()
        st.assert_no_pending_responses()
    assert doc["policy_in_force"] is False and doc["rpo_s"] == 1500.0
    assert doc["pending"] == [f"create scheduled action rsfleet-{NS}-snapshots: snapshot "
                              f"{NS} cron(0 0/6 * * ? *), keep 14 days"]
    assert len(doc["notes"]) == 1 and "producer.backup.role_arn is not set" in doc["notes"][0]

    with Stubber(rs) as st:  # the schedule exists and matches on every field the spec sets
        st.add_response("list_scheduled_actions", {"scheduledActions": [
            {"scheduledActionName": f"rsfleet-{NS}-snapshots", "namespaceName": NS}]})
        st.add_response("get_scheduled_action", ours_response())
        st.add_response("list_snapshot_copy_configurations", FOREIGN_COPY)
        points_responses(st)
        doc = AwsBackup(no_role, rs).status(NOW).to_json()
    assert doc["policy_in_force"] is True and doc["pending"] == []
    assert f"the one in AWS assumes {ROLE}" in doc["notes"][0]
    assert doc["newest_point"] is None and doc["rpo_s"] is None
    with pytest.raises(UsageError, match="role_arn"):  # apply still needs it
        aws_plan(no_role, rs_client())


def test_drill_says_both_when_the_teardown_fails_too(tmp_path):
    err = failed_restore_drill(
        tmp_path, "ValidationException", "bad snapshot",
        lambda st: st.add_client_error("delete_workgroup", "AccessDeniedException",
                                       "not allowed"))
    text = str(err)
    assert "RestoreFromSnapshot" in text and "bad snapshot" in text
    assert "tearing down drill-1 failed" in text and "AccessDeniedException" in text
    assert "by hand" in text


def test_without_credentials_the_hint_names_only_what_helps(tmp_path, monkeypatch):
    """Every backup command calls the API itself: --tf-outputs is no way around it."""
    from typer.testing import CliRunner

    from rsfleet.cli import app

    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE",
                "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # no cached moto keys of this worker
    path = tmp_path / "dev.tfvars"
    path.write_text('environment = "dev"\nproducer = { base_capacity = 8 }\n'
                    "consumers = { c1 = { base_capacity = 8 } }\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["--backend", "aws", "backup", "list", "--spec",
                                      str(path), "--state-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "no AWS credentials" in lines[0], result.output
    assert "--tf-outputs" not in lines[0] and "configure AWS credentials" in lines[0]
