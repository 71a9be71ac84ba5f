"""Elastic rotation's AWS signal (rsfleet.targets.cloudwatch) against moto's CloudWatch:
metrics put with put_metric_data are read back through one GetMetricData, cached between
passes, and drive a rotation decision of the controller on moto's NLB."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.targets.cloudwatch import NAMESPACE, CloudWatchLoad
from rsfleet.targets.controller import Controller
from rsfleet.targets.nlb import NlbTargets
from rsfleet.targets.rotation import Load, RotationSettings
from rsfleet.targets.store import JsonFileStore as StateStore

from .passes import done
from .test_nlb import REGION, aws, registered  # noqa: F401  (the moto NLB fixture)

WGS = {"c1": "demo-c1", "c2": "demo-c2", "c3": "demo-c3"}


def put(cw, workgroup: str, metric: str, value: float, *, at: float,
        query_type: str | None = None) -> None:
    dims = [{"Name": "Workgroup", "Value": workgroup}]
    if query_type is not None:
        dims.append({"Name": "QueryType", "Value": query_type})
    cw.put_metric_data(Namespace=NAMESPACE, MetricData=[{
        "MetricName": metric, "Dimensions": dims, "Value": value,
        "Timestamp": datetime.fromtimestamp(at, UTC)}])


@pytest.fixture
def cw():
    with mock_aws():
        yield boto3.client("cloudwatch", region_name=REGION)


def test_reads_the_newest_points_summed_over_workgroups_and_query_types(cw):
    now = time.time()
    put(cw, "demo-c1", "DatabaseConnections", 30, at=now - 240)  # older: not the newest
    put(cw, "demo-c1", "DatabaseConnections", 42, at=now - 90)
    put(cw, "demo-c1", "QueriesRunning", 5, at=now - 90)
    put(cw, "demo-c2", "DatabaseConnections", 3, at=now - 90)
    put(cw, "demo-c2", "QueriesRunning", 9, at=now - 90)  # more running than sessions seen
    # QueriesQueued has no Workgroup-only series: one per QueryType, summed
    put(cw, "demo-c1", "QueriesQueued", 2, at=now - 90, query_type="SELECT")
    put(cw, "demo-c1", "QueriesQueued", 1, at=now - 90, query_type="OTHER")
    put(cw, "other-fleet", "QueriesQueued", 50, at=now - 90, query_type="SELECT")  # not ours
    put(cw, "other-fleet", "DatabaseConnections", 500, at=now - 90)
    sig = CloudWatchLoad(cw, WGS, clock=lambda: now)
    assert sig() == Load(sessions=42 + 9, queued=3)
    # 2 metrics x 3 workgroups + 2 QueriesQueued series, in one call
    assert sig.calls == 1 and sig.last is not None and sig.last.metrics_requested == 8
    # a data point is stamped with the start of its minute
    assert sig.last.newest is not None and now - 150 <= sig.last.newest <= now - 90


def test_idle_workgroups_publish_nothing_and_read_as_no_load(cw):
    sig = CloudWatchLoad(cw, WGS)
    assert sig() == Load(0, 0) and sig.last is not None and sig.last.newest is None


def test_one_call_a_minute_at_most_cached_in_between(cw):
    t = [time.time()]
    put(cw, "demo-c1", "DatabaseConnections", 10, at=t[0] - 90)
    sig = CloudWatchLoad(cw, WGS, clock=lambda: t[0])
    assert sig() == Load(10)
    put(cw, "demo-c1", "DatabaseConnections", 70, at=t[0] - 30)
    t[0] += 59  # the next passes within the minute: the cached load, no call
    assert sig() == Load(10) and sig.calls == 1
    t[0] += 1
    assert sig() == Load(70) and sig.calls == 2


def test_controller_on_the_nlb_scales_out_from_cloudwatch_and_parks_when_it_drops(aws, tmp_path):  # noqa: F811
    """The decision through the controller's AWS pass: the load read from moto's CloudWatch
    (two workgroups busy: 120 sessions -> 3 wanted at 50) puts all three in; when the
    metrics drop, the controller parks one after the wait (deregistered on the NLB)."""
    elbv2, tg, outputs = aws
    cw = boto3.client("cloudwatch", region_name=REGION)
    adapter = NlbTargets.from_outputs(FleetOutputs.of(outputs), register_with_terraform=False,
                                      deregistration_delay=30, client=elbv2)
    now = [time.time()]
    # points a complete minute before the read (the current minute's is not readable yet)
    put(cw, "demo-c1", "DatabaseConnections", 70, at=now[0] - 90)
    put(cw, "demo-c2", "DatabaseConnections", 50, at=now[0] - 90)
    sig = CloudWatchLoad(cw, WGS, clock=lambda: now[0])
    ctl = Controller(adapter, ["c1", "c2", "c3"], lambda n: (True, "ok"),
                     StateStore(tmp_path / "targets.json"), rise=1, fall=1,
                     clock=lambda: now[0], load=sig,
                     rotation=RotationSettings(scale_in_after=120))
    first = ctl.run_pass()
    assert sorted(done(first)) == [("enable", "c1"), ("enable", "c2"), ("enable", "c3")]
    assert "120 session(s), 0 queued: 3 wanted" in first.sentence
    # demand drops to 10 sessions: 1 wanted; parked one at a time after 120 s
    now[0] += 60
    put(cw, "demo-c1", "DatabaseConnections", 10, at=now[0] - 90)
    put(cw, "demo-c2", "DatabaseConnections", 0, at=now[0] - 90)
    hold = ctl.run_pass()
    assert hold.plan.rotation is not None and hold.plan.rotation.change == "hold"
    assert hold.plan.actions == ()
    now[0] += 121
    put(cw, "demo-c1", "DatabaseConnections", 10, at=now[0] - 90)
    parked = ctl.run_pass()
    assert done(parked) == [("park", "c1")], parked.sentence
    assert "10 session(s), 0 queued: 1 wanted" in parked.sentence
    assert registered(elbv2, tg).get("10.40.0.10") in (None, "draining")
    assert sig.calls == 3  # one GetMetricData per pass a minute or more apart


def test_unreadable_signal_turns_rotation_off_for_the_pass(aws, tmp_path):  # noqa: F811
    """CloudWatch refusing the call (here: a region moto's CloudWatch rejects is not
    available, so a bad query does it) does not fail the pass: rotation is off for it and
    every ready consumer serves, a parked one comes back."""
    elbv2, tg, outputs = aws
    cw = boto3.client("cloudwatch", region_name=REGION)
    adapter = NlbTargets.from_outputs(FleetOutputs.of(outputs), register_with_terraform=False,
                                      deregistration_delay=30, client=elbv2)
    sig = CloudWatchLoad(cw, WGS, window=-60)  # start after end: GetMetricData refuses it
    lines: list[str] = []
    store = StateStore(tmp_path / "targets.json")
    from rsfleet.targets.store import Drain

    store.modify(lambda st: st.drains.__setitem__("c3", Drain(why="parked", who="rotation",
                                                              since=0.0)))
    ctl = Controller(adapter, ["c1", "c2", "c3"], lambda n: (True, "ok"), store, rise=1,
                     fall=1, load=sig, rotation=RotationSettings(), log=lines.append)
    res = ctl.run_pass()
    assert any(line.startswith("elastic rotation off this pass: cannot read the load")
               for line in lines), lines
    assert ("unpark", "c3") in done(res)
    assert "10.40.2.30" in registered(elbv2, tg)
