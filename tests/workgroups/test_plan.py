"""The pure UpdateWorkgroup planner: one change per call, base <= max after every call,
parameters rsfleet does not manage (enable_large_strings_opt_in) never cause a call."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rsfleet.errors import UsageError
from rsfleet.workgroups.plan import (
    ALWAYS,
    UNLIMITED,
    WorkgroupSettings,
    WorkgroupState,
    desired_for,
    drift,
    plan_updates,
)

API_CONFIG = {  # what GetWorkgroup returns today, incl. the key provider 5.100.0 rejects
    "auto_mv": "true", "datestyle": "ISO, MDY", "enable_case_sensitive_identifier": "false",
    "enable_user_activity_logging": "true", "query_group": "default",
    "search_path": "$user, public", "require_ssl": "true", "use_fips_ssl": "false",
    "max_query_execution_time": "3600", "enable_large_strings_opt_in": "false",
}


def state(base: int = 8, mx: int | None = 8, **config: str) -> WorkgroupState:
    return WorkgroupState("rsfleet-dev-c1", "AVAILABLE", base, mx, {**API_CONFIG, **config})


def wanted(base: int | None = 8, mx: int | None = 8, timeout: int = 3600) -> WorkgroupSettings:
    return WorkgroupSettings(base, mx, {**ALWAYS, "max_query_execution_time": str(timeout)})


def apply(st0: WorkgroupState, call) -> WorkgroupState:
    kw = call.kwargs
    config = dict(st0.config)
    if "configParameters" in kw:
        config = {p["parameterKey"]: p["parameterValue"] for p in kw["configParameters"]}
    return WorkgroupState(st0.name, st0.status, kw.get("baseCapacity", st0.base_capacity),
                          kw.get("maxCapacity", st0.max_capacity), config)


def test_in_sync_workgroup_with_extra_api_parameter_plans_nothing():
    assert plan_updates(state(), wanted()) == []
    assert drift(state(), wanted()) == []


def test_extra_parameter_is_carried_unchanged_in_a_config_call():
    calls = plan_updates(state(require_ssl="false"), wanted())
    assert [c.change for c in calls] == ["config:require_ssl"]
    sent = {p["parameterKey"]: p["parameterValue"] for p in calls[0].kwargs["configParameters"]}
    assert sent == {**API_CONFIG, "require_ssl": "true"}  # one key changed, the rest as read
    assert set(calls[0].kwargs) == {"configParameters"}


def test_each_changed_parameter_is_its_own_call_and_later_calls_keep_earlier_changes():
    calls = plan_updates(state(require_ssl="false", max_query_execution_time="60"),
                         wanted(timeout=7200))
    assert [c.describe() for c in calls] == [
        "config:max_query_execution_time: 60 -> 7200", "config:require_ssl: false -> true"]
    last = {p["parameterKey"]: p["parameterValue"] for p in calls[1].kwargs["configParameters"]}
    assert last["max_query_execution_time"] == "7200" and last["require_ssl"] == "true"


def test_missing_parameter_is_set():
    st0 = WorkgroupState("wg", "AVAILABLE", 8, 8, {"auto_mv": "true"})
    changes = [c.change for c in plan_updates(st0, wanted())]
    assert changes == ["config:enable_user_activity_logging", "config:max_query_execution_time",
                       "config:require_ssl"]


def test_raise_base_above_current_max_goes_max_first():
    calls = plan_updates(state(128, 256), wanted(512, 1024))
    assert [c.change for c in calls] == ["maxCapacity", "baseCapacity"]


def test_lower_max_below_current_base_goes_base_first():
    calls = plan_updates(state(512, 1024), wanted(128, 256))
    assert [c.change for c in calls] == ["baseCapacity", "maxCapacity"]


def test_capacity_calls_carry_one_field_each():
    for c in plan_updates(state(8, 16), wanted(32, 64)):
        assert len(c.kwargs) == 1


def test_unset_max_means_unlimited():
    st0 = state(8, None)
    assert [c.describe() for c in plan_updates(st0, wanted(16, None))] == [
        "baseCapacity: 8 -> 16"]
    calls = plan_updates(st0, wanted(8, 64))
    assert [c.describe() for c in calls] == ["maxCapacity: none -> 64"]
    assert UNLIMITED > 5632


def test_base_above_max_is_refused():
    with pytest.raises(UsageError):
        WorkgroupSettings(64, 32)
    with pytest.raises(UsageError):  # max left as is (16) but base raised above it
        plan_updates(state(8, 16), WorkgroupSettings(base_capacity=32))


@pytest.mark.parametrize("timeout", ["59", "86400", "1h"])
def test_query_timeout_outside_what_aws_allows_is_refused(timeout):
    with pytest.raises(UsageError):
        WorkgroupSettings(config={"max_query_execution_time": timeout})


CAP = st.sampled_from([4, 8, 16, 32, 64, 128, 256, 512, 1024])


@given(b0=CAP, m0=CAP, b1=CAP, m1=CAP)
def test_every_intermediate_state_keeps_base_at_most_max(b0, m0, b1, m1):
    if b0 > m0 or b1 > m1:
        return
    cur = state(b0, m0)
    for call in plan_updates(cur, wanted(b1, m1)):
        assert len(call.kwargs) == 1
        cur = apply(cur, call)
        assert cur.base_capacity <= cur.max_capacity
    assert (cur.base_capacity, cur.max_capacity) == (b1, m1)
    assert plan_updates(cur, wanted(b1, m1)) == []


def test_desired_for_spec_consumer_and_producer():
    from rsfleet.spec.models import FleetSpec

    spec = FleetSpec.model_validate({
        "project_name": "rsfleet", "environment": "dev", "aws_region": "us-east-1",
        "producer": {"base_capacity": 8},
        "consumers": {"c1": {"base_capacity": 8, "max_capacity": 32,
                             "query_timeout_seconds": 900}},
    })
    c1 = desired_for(spec, "c1")
    assert (c1.base_capacity, c1.max_capacity) == (8, 32)
    assert c1.config == {**ALWAYS, "max_query_execution_time": "900"}
    prod = desired_for(spec, None)
    assert prod.config == dict(ALWAYS) and prod.max_capacity == 8
