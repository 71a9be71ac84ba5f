"""The HAProxy adapter and the controller against real PostgreSQL consumers (the shared
`pg_server_factory` fixture) behind a real HAProxy with the `rsfleet` profile
(rsfleet.local.haproxy), see tests/targets/fleet.py."""

from __future__ import annotations

import os
import threading
import time

import psycopg
import pytest

from rsfleet.controller.service import watch
from rsfleet.targets.api import drain, sync, undrain

from .fleet import target_fleet, wait_for
from .load import Load
from .passes import done, planned

pytestmark = pytest.mark.fleet


def context(fleet, delay: float = 5.0):
    return fleet.context(delay)


@pytest.fixture
def fleet3(pg_server_factory, traversable_tmp):
    with target_fleet(pg_server_factory, traversable_tmp) as f:
        yield f


def test_probe_says_why(fleet3):
    ctx = context(fleet3)
    assert ctx.probe("c1") == (True, "SELECT 1 ok, 1 shared table(s) readable")
    fleet3.kill("c2")
    ok, why = ctx.probe("c2")
    assert not ok and "cannot connect" in why


def test_killed_consumer_leaves_rotation_and_new_sessions_succeed(fleet3):
    ctx = context(fleet3)
    logs: list[str] = []
    sentences: list[str] = []
    stop = threading.Event()
    # the one controller loop, as `targets watch` runs it
    watcher = threading.Thread(target=watch, args=(ctx, 0.2), kwargs={
        "stop": stop, "log": logs.append, "emit": sentences.append}, daemon=True)
    watcher.start()
    load = Load(lambda: fleet3.kwargs(), new_per_s=60).start()
    try:
        # every consumer served before the kill (a wait, not a sleep: the rate is the host's)
        wait_for(lambda: {e.consumer for e in list(load.events) if e.ok} == {"c1", "c2", "c3"})
        pid = fleet3.postmaster_pid("c2")
        fleet3.kill("c2")
        # sessions that started before the process was really gone were in flight on it
        wait_for(lambda: not os.path.exists(f"/proc/{pid}"), step=0.001)
        killed_at = time.monotonic()
        wait_for(lambda: ctx.adapter.observe()["c2"].state == "maint")
        # a pass with nothing left to do still says why c2 is out
        wait_for(lambda: any(s.startswith("c2 out: not ready: ") and "cannot connect" in s
                             and s.endswith("2 of 3 in rotation; no change")
                             for s in list(sentences)))
        # enough new sessions after the kill to mean something, however loaded the machine
        wait_for(lambda: sum(e.start > killed_at for e in list(load.events)) > 30, timeout=60)
    finally:
        events = load.stop()
        stop.set()
        watcher.join(10)
    after = [e for e in events if e.start > killed_at]
    assert len(after) > 30
    assert [e for e in after if not e.ok] == []  # redispatch: new sessions all succeed
    assert {e.consumer for e in after} <= {"c1", "c3"}
    assert {e.consumer for e in events if e.start < killed_at and e.ok} == {"c1", "c2", "c3"}
    assert any("c2: NOT READY" in m and "cannot connect" in m for m in logs), logs
    assert any(m.startswith("drain c2") for m in logs)
    assert any(m.startswith("disable c2") for m in logs)
    assert not any(m.startswith(("drain c1", "drain c3")) for m in logs)
    # one sentence per pass: the drain's pass names c2 and its reason
    assert any(s.startswith("c2 drained: not ready: ") and "cannot connect" in s
               for s in sentences), sentences
    assert sentences[0] == "3 of 3 in rotation; no change", sentences[:3]


def test_restarted_consumer_returns_after_rise(fleet3):
    ctx = context(fleet3)
    fleet3.servers["c3"].stop("fast")  # clean: the fixture runs synchronous_commit=off
    ctl = ctx.controller(rise=2, fall=1)
    ctl.run_pass()
    ctl.run_pass()
    assert ctx.adapter.observe()["c3"].state == "maint"
    fleet3.servers["c3"].start()
    first = ctl.run_pass()
    assert first.plan.actions == ()  # one good probe < rise 2
    second = ctl.run_pass()
    assert done(second) == [("enable", "c3")], second.status
    assert ctx.adapter.observe()["c3"].state == "in_rotation"


def test_drain_lets_sessions_finish_and_sends_new_ones_elsewhere(fleet3):
    ctx = context(fleet3, delay=20.0)
    load = Load(lambda: fleet3.kwargs(), new_per_s=40, persistent=6,
                persistent_for=3.0).start()
    logged: list[tuple[str, float]] = []  # drain() logs "drain c1" once HAProxy took it
    try:
        wait_for(lambda: ctx.adapter.observe()["c1"].sessions >= 1)
        drained_at = time.monotonic()
        result = drain(ctx, "c1", wait=True, timeout=20,
                       log=lambda m: logged.append((m, time.monotonic())))
        returned_at = time.monotonic()
        # new sessions opened while c1 drained and after: a wait, not a sleep
        wait_for(lambda: any(not e.persistent and e.start > returned_at
                             for e in list(load.events)))
    finally:
        events = load.stop()
    assert "no sessions left" in result and "state maint" in result
    assert [e for e in events if not e.ok] == []  # zero failed queries
    persistent_c1 = [e for e in events if e.persistent and e.consumer == "c1"]
    assert any(e.start > drained_at for e in persistent_c1)  # kept running after the drain
    # it really waited for the persistent sessions on c1: their last query ended before
    # drain() returned
    assert max(e.end for e in persistent_c1) <= returned_at
    (landed_at,) = [t for m, t in logged if m.startswith("drain c1")]
    new_after = [e for e in events if not e.persistent and e.start > landed_at]
    assert new_after and "c1" not in {e.consumer for e in new_after}
    # the drain is remembered: a reconcile pass keeps c1 out, undrain brings it back
    assert sync(ctx).plan.actions == ()
    assert ctx.adapter.observe()["c1"].state == "maint"
    assert undrain(ctx, "c1") == "set server consumers/c1 state ready"
    assert ctx.adapter.observe()["c1"].state == "in_rotation"


def test_not_ready_consumer_never_receives_a_session(pg_server_factory, traversable_tmp):
    # The rsfleet profile starts every server in maintenance: an unready consumer is never
    # put in rotation, so not even the first session can reach it.
    with target_fleet(pg_server_factory, traversable_tmp, unseeded=("c3",),
                      in_rotation=False) as fleet:
        ctx = context(fleet)
        assert {n: a.state for n, a in ctx.adapter.observe().items()} == {
            "c1": "maint", "c2": "maint", "c3": "maint"}
        res = sync(ctx)  # before any traffic
        assert done(res) == [("enable", "c1"), ("enable", "c2")]
        c3 = {s.name: s for s in res.status}["c3"]
        assert c3.ready is False and "schema sales has no tables" in c3.reason
        assert ctx.adapter.observe()["c3"].state == "maint"
        with fleet.admin("c3") as c:
            c.execute("CREATE SCHEMA sales")
            c.execute("CREATE TABLE sales.orders (id int, region text, amount numeric)")
            c.execute("GRANT USAGE ON SCHEMA sales TO app_reader")
        wait_for(lambda: all(a.lb_health.startswith("UP") for n, a in
                             ctx.adapter.observe().items() if n != "c3"))
        load = Load(lambda: fleet.kwargs(), new_per_s=60).start()
        wait_for(lambda: len(load.events) > 20)  # a wait, not a sleep: the rate is the host's
        # the table exists but app_reader cannot read it yet: still not ready
        res = sync(ctx)
        assert res.plan.actions == ()
        assert "cannot read sales.orders" in {s.name: s for s in res.status}["c3"].reason
        before = load.stop()
        assert len(before) > 20 and all(e.ok for e in before)
        assert "c3" not in {e.consumer for e in before}
        with fleet.admin("c3") as c:
            c.execute("GRANT SELECT ON ALL TABLES IN SCHEMA sales TO app_reader")
        res = sync(ctx)
        assert done(res) == [("enable", "c3")]
        # enabled, HAProxy's own check still has to see it UP (rise 2) before sessions go
        wait_for(lambda: ctx.adapter.observe()["c3"].lb_health.startswith("UP"))
        seen = set()
        for _ in range(12):
            with psycopg.connect(**fleet.kwargs(), autocommit=True) as c:
                seen.add(c.execute("SELECT current_setting('cluster_name')").fetchone()[0])
        assert "c3" in seen


def test_last_consumer_is_kept_when_all_unready(pg_server_factory, traversable_tmp):
    with target_fleet(pg_server_factory, traversable_tmp, ("c1",), unseeded=("c1",)) as fleet:
        ctx = context(fleet)
        logs: list[str] = []
        res = sync(ctx, log=logs.append)
        assert res.result.done == [] and [k for k, _ in planned(res)] == ["warn"]
        assert ctx.adapter.observe()["c1"].state == "in_rotation"
        assert any("LAST TARGET IN ROTATION IS NOT READY" in m for m in logs)


def test_removed_member_is_drained_then_deleted(fleet3):
    ctx = context(fleet3, delay=0.0)
    ctx.members = ["c1", "c2"]
    first = sync(ctx)
    assert done(first) == [("drain", "c3")]
    second = sync(ctx)
    assert done(second) == [("remove", "c3")]
    assert "c3" not in ctx.adapter.observe()
    ctx.members = ["c1", "c2", "c3"]  # scale back out: added as a dynamic server
    third = sync(ctx)
    assert done(third) == [("enable", "c3")]
    assert "add server consumers/c3" in third.result.done[0].result
    assert ctx.adapter.observe()["c3"].state == "in_rotation"
