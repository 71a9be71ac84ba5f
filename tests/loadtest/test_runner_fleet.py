"""The runner against a real local fleet: PostgreSQL consumers behind HAProxy (rsfleet
profile), the `sales` schema shared from the producer (tests/conftest.py `local_fleet`)."""

from __future__ import annotations

import pytest

from rsfleet.loadtest import stats
from rsfleet.loadtest.queries import Query, discover_mix
from rsfleet.loadtest.runner import Endpoint, RunSettings, run

pytestmark = pytest.mark.fleet
NAMES = ["c1", "c2", "c3"]


@pytest.fixture(scope="module")
def fleet(local_fleet):
    return local_fleet(len(NAMES))


def lb_kwargs(fleet, **kw) -> dict:
    """app_reader through the LB into the shared database, TLS verified by the fleet's CA."""
    return {**fleet.connect_kwargs("lb", role="app_reader", dbname="sales_db"),
            "connect_timeout": 10, **kw}


def endpoint(fleet, **kw) -> Endpoint:
    return Endpoint(backend="local", kwargs=lb_kwargs(fleet, **kw), consumers=list(NAMES))


def mix_of(fleet):
    import psycopg

    with psycopg.connect(**lb_kwargs(fleet)) as c:
        return discover_mix(c, backend="local", database="sales_db", schemas=["sales"],
                            tables=[])


def summarize(out, window=10.0):
    return stats.summarize(consumers=NAMES, queries=out.queries, connections=out.connections,
                           faults=out.faults, duration_s=out.duration_s, fault_window_s=window)


def test_discovered_mix(fleet):
    # `local seed`: customers, products, orders; orders has no text column to group by.
    assert sorted(q.name for q in mix_of(fleet)) == [
        "count:sales.customers", "count:sales.orders", "count:sales.products",
        "group:sales.customers", "group:sales.products",
        "sample:sales.customers", "sample:sales.orders", "sample:sales.products",
        "sum:sales.customers", "sum:sales.orders", "sum:sales.products"]


@pytest.mark.parametrize("engine", ["threads", "asyncio"])
def test_per_query_connections_spread_evenly(fleet, engine):
    out = run(endpoint(fleet), mix_of(fleet),
              RunSettings(sessions=6, connect_mode="per-query", duration_s=None, queries=300,
                          engine=engine))
    s = summarize(out)
    assert s.queries == 300 and s.failed == 0
    assert [c.name for c in s.consumers] == NAMES
    # HAProxy round robin: every consumer gets a third of the new connections
    assert all(abs(c.sessions - 100) <= 6 for c in s.consumers), s.consumers
    assert s.evenness[0].p_value > 0.01
    assert {q.consumer for q in out.queries} == set(NAMES)


def test_per_session_reuses_one_connection(fleet):
    out = run(endpoint(fleet), mix_of(fleet),
              RunSettings(sessions=9, connect_mode="per-session", duration_s=None,
                          queries=300))  # a count, not a duration: no rate assumed
    s = summarize(out)
    assert s.connections == 9 and s.reconnects == 0 and s.failed == 0
    assert sorted(c.sessions for c in s.consumers) == [3, 3, 3]
    assert s.queries == 300
    by_session = {}
    for q in out.queries:
        by_session.setdefault(q.session, set()).add(q.conn)
    assert all(len(v) == 1 for v in by_session.values())


@pytest.mark.parametrize("engine", ["threads", "asyncio"])
def test_session_lifetime_opens_a_new_session_once_it_is_reached(fleet, engine):
    # a lifetime shorter than any connect + query: every session is used for one query
    # and then replaced (a pool's maximum connection lifetime), none of it a failure
    out = run(endpoint(fleet), mix_of(fleet),
              RunSettings(sessions=3, connect_mode="per-session", duration_s=None,
                          queries=30, session_lifetime_s=1e-6, engine=engine))
    s = summarize(out)
    assert s.failed == 0 and s.reconnects == 0 and s.queries == 30
    assert s.connections == 30
    assert {q.session for q in out.queries} == {0, 1, 2}


def test_error_kinds_from_real_failures(fleet):
    # writes through the LB: permission denied for the SELECT-only role
    writes = [Query("write", "INSERT INTO sales.orders (order_id) VALUES (-1)")]
    out = run(endpoint(fleet), writes, RunSettings(sessions=2, duration_s=None, queries=4))
    assert {q.error_kind for q in out.queries} == {"permission"}
    assert out.connections and all(c.ok for c in out.connections)  # session kept
    # wrong password: fails at connect, classified as permission
    out = run(endpoint(fleet, password="wrong"), writes,
              RunSettings(sessions=1, duration_s=None, queries=2))
    assert [c.error_kind for c in out.connections] == ["permission", "permission"]
    assert [c.reconnect for c in out.connections] == [False, True]
    # statement timeout
    slow = [Query("sleep", "SELECT pg_sleep(2)")]
    out = run(endpoint(fleet, options="-c statement_timeout=100"), slow,
              RunSettings(sessions=1, duration_s=None, queries=1))
    assert out.queries[0].error_kind == "timeout"
    # nothing listening
    out = run(Endpoint(backend="local", kwargs=lb_kwargs(fleet, port=1), consumers=NAMES),
              slow, RunSettings(sessions=1, duration_s=None, queries=1))
    assert out.queries[0].error_kind == "connect_refused"
