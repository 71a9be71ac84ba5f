"""The UpdateWorkgroup executor against botocore's Stubber, for what the redshift-serverless
emulator does not reproduce: the "wait until at least one snapshot exists" refusal, the exact
request of a config call, an API parameter rsfleet does not manage. The order of capacity calls
and the ConflictException after a concurrent change run against the emulator
(tests/emulated/test_workgroup_updates.py)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from conftest import Clock

from rsfleet.errors import FleetError, UsageError
from rsfleet.workgroups.enforce import WorkgroupUpdater
from rsfleet.workgroups.plan import ALWAYS, WorkgroupSettings

WG = "rsfleet-dev-c1"
BASE_CONFIG = {
    "auto_mv": "true", "datestyle": "ISO, MDY", "enable_user_activity_logging": "true",
    "require_ssl": "true", "max_query_execution_time": "3600",
    "enable_large_strings_opt_in": "false",
}


def wg(base=8, mx=8, status="AVAILABLE", **config):
    params = [{"parameterKey": k, "parameterValue": v}
              for k, v in {**BASE_CONFIG, **config}.items()]
    return {"workgroup": {"workgroupName": WG, "status": status, "baseCapacity": base,
                          "maxCapacity": mx, "configParameters": params}}


def want(base=8, mx=8, timeout=3600):
    return WorkgroupSettings(base, mx, {**ALWAYS, "max_query_execution_time": str(timeout)})


@pytest.fixture
def rs():
    client = boto3.client("redshift-serverless", region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def updater(client, clock, timeout=600):
    return WorkgroupUpdater(client, timeout=timeout, poll=5, sleep=clock.sleep, clock=clock)


def get(stub, resp):
    stub.add_response("get_workgroup", resp, {"workgroupName": WG})


def test_in_sync_workgroup_with_large_strings_parameter_makes_no_call(rs):
    client, stub = rs
    get(stub, wg())
    result = updater(client, Clock()).enforce(WG, want())
    assert result.applied == [] and result.retries == 0


def test_snapshot_not_yet_taken_is_retried(rs):
    client, stub = rs
    clock = Clock()
    get(stub, wg(8, 8))
    stub.add_client_error("update_workgroup", service_error_code="ValidationException",
                          service_message="Failed to update the RPU capacity for Serverless "
                          "workgroup. Wait until at least one snapshot exists and retry.",
                          expected_params={"workgroupName": WG, "maxCapacity": 16})
    get(stub, wg(8, 8))
    stub.add_response("update_workgroup", wg(8, 16), {"workgroupName": WG, "maxCapacity": 16})
    get(stub, wg(8, 16))
    stub.add_response("update_workgroup", wg(16, 16), {"workgroupName": WG, "baseCapacity": 16})
    get(stub, wg(16, 16))
    result = updater(client, clock).enforce(WG, want(16, 16))
    assert [c.change for c in result.applied] == ["maxCapacity", "baseCapacity"]
    assert result.retries == 1


def test_config_call_sends_full_set_with_one_key_changed(rs):
    client, stub = rs
    get(stub, wg(require_ssl="false"))
    sent = [{"parameterKey": k, "parameterValue": v}
            for k, v in sorted({**BASE_CONFIG, "require_ssl": "true"}.items())]
    stub.add_response("update_workgroup", wg(), {"workgroupName": WG, "configParameters": sent})
    get(stub, wg())
    result = updater(client, Clock()).enforce(WG, want())
    assert [c.describe() for c in result.applied] == ["config:require_ssl: false -> true"]


def test_other_validation_error_stops_with_what_was_applied(rs):
    client, stub = rs
    get(stub, wg(max_query_execution_time="60"))
    stub.add_client_error("update_workgroup", service_error_code="ValidationException",
                          service_message="You didn't specify any changes to the "
                          "configuration parameters.")
    with pytest.raises(FleetError) as err:
        updater(client, Clock()).enforce(WG, want())
    assert "0 of the planned calls were applied" in str(err.value)
    assert "You didn't specify any changes" in err.value.message


def test_setting_that_does_not_stick_is_reported_not_looped(rs):
    client, stub = rs
    for _ in range(5):  # budget: 1 planned call + 4
        get(stub, wg(require_ssl="false"))
        stub.add_response("update_workgroup", wg(require_ssl="false"))
    get(stub, wg(require_ssl="false"))
    with pytest.raises(FleetError, match="does not keep its settings: config:require_ssl"):
        updater(client, Clock()).enforce(WG, want())


def test_modifying_longer_than_timeout_fails(rs):
    client, stub = rs
    clock = Clock()
    for _ in range(4):  # reads at t=0, 5, 10, 15 (> 10: give up)
        get(stub, wg(status="MODIFYING"))
    with pytest.raises(FleetError, match="stayed MODIFYING"):
        updater(client, clock, timeout=10).enforce(WG, want())


def test_missing_workgroup_is_a_usage_error(rs):
    client, stub = rs
    stub.add_client_error("get_workgroup", service_error_code="ResourceNotFoundException",
                          service_message="Workgroup not found")
    with pytest.raises(UsageError, match="does not exist"):
        updater(client, Clock()).plan(WG, want())


def test_fleet_dry_run_plans_every_workgroup_producer_first(rs):
    from rsfleet.spec.models import FleetSpec
    from rsfleet.workgroups.service import enforce_fleet

    client, stub = rs
    spec = FleetSpec.model_validate({
        "environment": "dev", "producer": {"base_capacity": 8},
        "consumers": {"c1": {"base_capacity": 8, "query_timeout_seconds": 900}}})
    stub.add_response("get_workgroup", wg(), {"workgroupName": "rsfleet-dev-producer"})
    get(stub, wg(require_ssl="false"))
    lines: list[str] = []
    done = enforce_fleet(spec, updater(client, Clock()), dry_run=True, report=lines.append)
    assert lines == [
        "rsfleet-dev-producer: in sync",
        "rsfleet-dev-c1: would update config:max_query_execution_time: 3600 -> 900",
        "rsfleet-dev-c1: would update config:require_ssl: false -> true"]
    assert list(done) == ["rsfleet-dev-producer", WG]
