"""rsfleet's UpdateWorkgroup executor (workgroups.enforce) against the emulator, which keeps
the workgroup's state and checks every call as the API reference says: one attribute per
call, base capacity <= max capacity after each call, refused while MODIFYING. So the order of
the planned capacity calls is proven by a service that would refuse a wrong one, for every
direction of change, not by a script of expected calls."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from aws_emulator import mock_aws
from conftest import Clock

from rsfleet.errors import FleetError
from rsfleet.workgroups.enforce import WorkgroupUpdater
from rsfleet.workgroups.plan import ALWAYS, WorkgroupSettings

REGION = "us-east-1"
WG = "rsfleet-emu-c1"


@pytest.fixture(scope="module")
def _aws() -> Iterator[object]:
    with mock_aws():
        yield boto3.client("redshift-serverless", region_name=REGION)


@pytest.fixture
def rs(_aws):
    from aws_emulator.moto_redshift_serverless import redshiftserverless_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    redshiftserverless_backends[DEFAULT_ACCOUNT_ID][REGION].reset()
    return _aws


def workgroup(rs, base: int, mx: int) -> None:
    rs.create_namespace(namespaceName=WG)
    rs.create_workgroup(workgroupName=WG, namespaceName=WG, baseCapacity=base, maxCapacity=mx)


def settings(rs) -> tuple[int, int, dict[str, str]]:
    wg = rs.get_workgroup(workgroupName=WG)["workgroup"]
    return (wg["baseCapacity"], wg["maxCapacity"],
            {p["parameterKey"]: p["parameterValue"] for p in wg["configParameters"]})


@pytest.mark.parametrize(("start", "want", "order"), [
    ((8, 16), (64, 128), ["maxCapacity", "baseCapacity"]),  # base above the old max: max first
    ((64, 128), (8, 16), ["baseCapacity", "maxCapacity"]),  # max below the old base: base first
    ((8, 128), (32, 64), ["maxCapacity", "baseCapacity"]),  # both inside: either order is valid
    ((32, 32), (32, 512), ["maxCapacity"]),
])
def test_capacity_changes_in_an_order_the_service_accepts(rs, start, want, order) -> None:
    workgroup(rs, *start)
    clock = Clock()
    updater = WorkgroupUpdater(rs, timeout=600, poll=5, sleep=clock.sleep, clock=clock)
    result = updater.enforce(WG, WorkgroupSettings(*want, ALWAYS))
    capacity = [c.change for c in result.applied if not c.change.startswith("config:")]
    assert capacity == order
    base, mx, config = settings(rs)
    assert (base, mx) == want
    assert all(config[k] == v for k, v in ALWAYS.items())
    # each call waited for the MODIFYING it caused before the next one (no busy answer)
    assert result.retries == 0 and clock.sleeps.count(5) >= len(result.applied)


def test_conflict_after_a_concurrent_change_is_retried_after_it_settles(rs) -> None:
    """Someone else changes the workgroup between rsfleet's read and its UpdateWorkgroup:
    the service answers ConflictException (MODIFYING); rsfleet backs off, waits for
    AVAILABLE, re-plans from a fresh read and goes on."""
    workgroup(rs, 128, 256)
    other = boto3.client("redshift-serverless", region_name=REGION)
    sent: list[str] = []

    def concurrent_change(**_: object) -> None:
        if not sent:
            sent.append("auto_mv")
            other.update_workgroup(workgroupName=WG, configParameters=[
                {"parameterKey": "auto_mv", "parameterValue": "false"}])

    rs.meta.events.register("before-call.redshift-serverless.UpdateWorkgroup",
                            concurrent_change)
    try:
        clock = Clock()
        updater = WorkgroupUpdater(rs, timeout=600, poll=5, sleep=clock.sleep, clock=clock)
        result = updater.enforce(WG, WorkgroupSettings(512, 1024, {}))
    finally:
        rs.meta.events.unregister("before-call.redshift-serverless.UpdateWorkgroup",
                                  concurrent_change)
    assert result.retries == 1
    assert [c.change for c in result.applied] == ["maxCapacity", "baseCapacity"]
    assert 10 in clock.sleeps  # the backoff after the conflict (poll * 2)
    base, mx, config = settings(rs)
    assert (base, mx, config["auto_mv"]) == (512, 1024, "false")


def test_a_refused_value_stops_with_what_was_applied(rs) -> None:
    workgroup(rs, 8, 16)
    clock = Clock()
    updater = WorkgroupUpdater(rs, timeout=600, poll=5, sleep=clock.sleep, clock=clock)
    with pytest.raises(FleetError) as err:  # 12 RPU: not a step of 8, the service refuses
        updater.enforce(WG, WorkgroupSettings(12, 16, {}))
    assert "ValidationException" in err.value.message
    assert "0 of the planned calls were applied" in str(err.value)
    assert settings(rs)[:2] == (8, 16)
