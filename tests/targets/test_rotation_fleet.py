"""Elastic rotation on a real local fleet (PostgreSQL + HAProxy), driven by the one controller
loop (`targets watch`'s) with HAProxy's per-server sessions as the load signal: idle -> the
minimum in rotation, one consumer parked at a time; a load of sessions -> more in rotation
within a few passes, no session failed; load gone -> parked again."""

from __future__ import annotations

import json
import threading

import psycopg
import pytest

from rsfleet.controller.service import ControllerService, watch
from rsfleet.lifecycle import in_rotation
from rsfleet.sharing.local import consumer_ready
from rsfleet.targets import api

from .fleet import wait_for
from .load import Load

pytestmark = pytest.mark.fleet

ELASTIC = """
nlb = { register_targets_with_terraform = false }
rotation = { enabled = true, min_in_rotation = 1, target_sessions_per_consumer = 4,
             scale_in_after_seconds = 1 }
"""


def test_idle_parks_load_unparks_then_parks_again(local_fleet):
    from conftest import fleet_spec

    fleet = local_fleet(3, rows=200, spec_text=fleet_spec(3) + ELASTIC)
    ctx = api.local_context(fleet, data_ready=consumer_ready)
    assert ctx.rotation is not None and ctx.rotation.target_sessions == 4
    said: list[str] = []
    stop = threading.Event()
    loop = threading.Thread(target=watch, args=(ctx, 0.2), daemon=True,
                            kwargs={"stop": stop, "emit": said.append, "rise": 1})
    loop.start()
    held: list[psycopg.Connection] = []
    load = None
    try:
        # idle from the start: `local up`'s own pass put min_in_rotation = 1 in rotation,
        # the loop records the other ready ones as parked
        assert len(in_rotation(fleet)) == 1
        wait_for(lambda: said)
        status = {r.name: r for r in api.status(api.local_context(fleet, data_ready=consumer_ready))}
        assert sorted(r.rotation for r in status.values()) == ["in_rotation", "parked",
                                                               "parked"], (status, said)
        assert said[0].endswith("rotation: 0 session(s), 0 queued: 1 wanted at 4 per "
                                "consumer; 1 of 3 in rotation; no change"), said[0]
        # the metrics of a pass (the Lambda's and the local controller's EMF line)
        lines: list[str] = []
        ControllerService(api.local_context(fleet, data_ready=consumer_ready).controller(), ctx.name, source="test",
                          emit=lines.append).one_pass(1)
        [emf] = [json.loads(x) for x in lines if '"_aws"' in x]
        assert (emf["TargetsInRotation"], emf["ParkedTargets"]) == (1, 2), emf
        # 10 sessions held open through the LB: ceil(10 / 4) = 3 wanted, all back in
        load = Load(lambda: fleet.connect_kwargs("lb", "app_reader", "sales_db"),
                    new_per_s=10).start()
        held = [psycopg.connect(**fleet.connect_kwargs("lb", "app_reader", "sales_db"))
                for _ in range(10)]
        wait_for(lambda: len(in_rotation(fleet)) == 3, timeout=30)
        assert any("rotation: " in s and " 3 wanted at 4 per consumer" in s
                   and " in: ready" in s for s in said), said[-5:]
        for c in held:  # the held sessions still answer
            assert c.execute("SELECT 1").fetchone() == (1,)
        # load gone: parked again, down to one
        for c in held:
            c.close()
        held = []
        events = load.stop()
        load = None
        assert events and [e.error for e in events if not e.ok] == []
        # one at a time, each after scale_in_after_seconds of lower demand
        wait_for(lambda: len(in_rotation(fleet)) == 1, timeout=60)
        assert sum(" drained: parked, 1 wanted (it had the fewest sessions)" in s for s in said) == 2, said
    finally:
        for c in held:
            c.close()
        if load is not None:
            load.stop()
        stop.set()
        loop.join(10)
    changes = [s for s in said if "; no change" not in s]
    assert all(";" in s for s in said)  # one sentence per pass, each ends with the counts
    assert len(changes) <= 12, changes  # 2 parks, 2 unparks, their drains: no flapping
