"""Drains that application pools survive (issue 26), tried as a new user would: a real
SQLAlchemy QueuePool over psycopg 3, no pool_recycle, through the local fleet's HAProxy.

A draining consumer's sessions are closed between transactions (rsfleet.targets.sessions):
a validating pool (pool_pre_ping=True) sees 0 errors through a rolling restart and a
`targets drain --wait`; a pool that does not validate fails at most one query per pooled
connection. Without the closing, the pooled sessions stay on the drained consumer until the
drain timeout and are cut there, whatever they run (the issue measured 5 errors).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from rsfleet.rollout.local import rollout
from rsfleet.sharing.local import consumer_ready
from rsfleet.targets import api

pytestmark = pytest.mark.fleet

POOL_SIZE = 6
# short reads, and transactions that stay open a moment (busy sessions at drain time)
QUICK = "SELECT count(*) FROM sales.orders"
SLOW = "SELECT count(*) FROM sales.orders, pg_sleep(0.15)"
THINK = 0.05  # seconds between an application's transactions on one thread


@pytest.fixture(scope="module")
def fleet(local_fleet):
    return local_fleet(3, rows=200)


@dataclass
class PoolLoad:
    """Threads that check out a pooled connection, run one transaction, give it back."""

    engine: Any
    errors: list[str] = field(default_factory=list)
    ok: int = 0
    served: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def _work(self, i: int) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            try:
                with self.engine.connect() as conn:  # a transaction, committed on exit
                    who = conn.execute(text("SELECT current_setting('cluster_name')")).scalar()
                    conn.execute(text(SLOW if (i + n) % 3 == 0 else QUICK)).scalar()
                    conn.commit()
                with self._lock:
                    self.ok += 1
                    self.served[str(who)] = self.served.get(str(who), 0) + 1
            except DBAPIError as exc:
                with self._lock:
                    self.errors.append(str(exc.orig or exc).strip().splitlines()[0][:160])
            self._stop.wait(THINK)

    def start(self) -> PoolLoad:
        for i in range(POOL_SIZE):
            t = threading.Thread(target=self._work, args=(i,), daemon=True)
            self._threads.append(t)
            t.start()
        return self

    def stop(self) -> PoolLoad:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=20)
        return self


def pool(fleet, *, pre_ping: bool) -> Any:
    """The common default: QueuePool, no recycle; `pool_pre_ping` validates on checkout."""
    return create_engine("postgresql+psycopg://", pool_size=POOL_SIZE, max_overflow=0,
                         pool_pre_ping=pre_ping,
                         creator=lambda: psycopg.connect(**fleet.connect_kwargs("lb")))


def warm(load: PoolLoad, seconds: float = 1.5) -> None:
    """Every pooled connection opened and in use on the consumers before the drain."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.1)
    assert load.ok > 0 and not load.errors, load.errors


def test_a_validating_pool_sees_no_error_through_a_rolling_restart(fleet):
    engine = pool(fleet, pre_ping=True)
    load = PoolLoad(engine).start()
    try:
        warm(load)
        t0 = time.monotonic()
        done = rollout(fleet, restart=True, drain_timeout=8)
        took = time.monotonic() - t0
    finally:
        load.stop()
        engine.dispose()
    assert load.errors == [], load.errors
    waits = [what for step, what in done.result.done if step.kind == "wait_drained"]
    assert len(waits) == 3, done.result.done
    # the pooled sessions were closed between transactions, not at the timeout: every drain
    # ended early, with no session left (without the closing each waits the 8 s and cuts)
    for what in waits:
        assert "no sessions left" in what, what
        assert "closed between transactions" in what, what
        assert "closed at the timeout" not in what, what
    assert took < 3 * 8, took
    assert load.ok > 50 and set(load.served) == {"c1", "c2", "c3"}, load.served


def test_targets_drain_closes_pooled_sessions_between_transactions(fleet):
    ctx = api.local_context(fleet, data_ready=consumer_ready)
    engine = pool(fleet, pre_ping=True)
    load = PoolLoad(engine).start()
    try:
        warm(load)
        result = api.drain(ctx, "c2", wait=True, timeout=8)
        during = dict(load.served)
        time.sleep(1.0)
        after = dict(load.served)
    finally:
        load.stop()
        engine.dispose()
        api.undrain(ctx, "c2")
    assert load.errors == [], load.errors
    assert "no sessions left" in result and "closed between transactions" in result, result
    assert after.get("c2", 0) == during.get("c2", 0)  # the pool moved to c1 and c3


def test_a_pool_without_validation_fails_at_most_one_query_per_connection(fleet):
    ctx = api.local_context(fleet, data_ready=consumer_ready)
    engine = pool(fleet, pre_ping=False)
    load = PoolLoad(engine).start()
    try:
        warm(load)
        result = api.drain(ctx, "c3", wait=True, timeout=8)
        time.sleep(1.0)
    finally:
        load.stop()
        engine.dispose()
        api.undrain(ctx, "c3")
    assert "no sessions left" in result, result
    # each failure is the first query on a connection closed while idle in the pool
    assert len(load.errors) <= POOL_SIZE, load.errors
    assert all("terminating connection" in e or "closed" in e for e in load.errors), load.errors


def test_the_controllers_pass_closes_a_drained_consumers_pooled_sessions(fleet):
    """The background controller's drains (parked, unready, an operator's drain seen by the
    next pass) close sessions between transactions too: without it, the pool keeps reusing
    its sessions on the drained consumer until HAProxy cuts them at the drain timeout."""
    ctx = api.local_context(fleet, data_ready=consumer_ready)
    ctl = ctx.controller()
    # a 20 s drain delay (the spec's nlb.deregistration_delay): idle-for-a-while sessions
    # only in its first half, then every one between transactions; HAProxy's own cut at 20 s
    # (maint) must not be what empties c1, so the wait below ends before it
    ctl.settings = replace(ctl.settings, deregistration_delay=20.0)
    engine = pool(fleet, pre_ping=True)
    load = PoolLoad(engine).start()
    try:
        warm(load)
        api.drain(ctx, "c1")  # no --wait: nothing closes its sessions but the controller
        assert ctx.adapter.observe()["c1"].sessions > 0
        left, end = None, time.monotonic() + 18.0
        while time.monotonic() < end:
            ctl.run_pass()
            left = ctx.adapter.observe()["c1"].sessions
            if left == 0:
                break
            time.sleep(0.5)
        during = dict(load.served)
        time.sleep(1.0)
        after = dict(load.served)
    finally:
        load.stop()
        engine.dispose()
        api.undrain(ctx, "c1")
    assert left == 0, "the pooled sessions stayed on the drained consumer"
    assert load.errors == [], load.errors
    assert after.get("c1", 0) == during.get("c1", 0)  # the pool moved to c2 and c3
