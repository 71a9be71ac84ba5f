"""The per-session decisions both engines share (runner._Session): pure, no database."""

from __future__ import annotations

from rsfleet.loadtest.model import ConnectionRecord
from rsfleet.loadtest.queries import Query
from rsfleet.loadtest.runner import RECONNECT_BACKOFF_S, RunSettings, _Session

MIX = [Query("a", "SELECT 1"), Query("b", "SELECT 2"), Query("c", "SELECT 3")]


def crec(opened_s: float) -> ConnectionRecord:
    return ConnectionRecord(id=0, session=0, consumer="c1", opened_s=opened_s, connect_ms=1.0,
                            ok=True, reconnect=False)


def test_round_robin_from_a_seeded_offset_same_for_both_engines():
    one = _Session(3, MIX, RunSettings(sessions=4, seed=7))
    two = _Session(3, MIX, RunSettings(sessions=4, seed=7))
    names = [one.next_query().name for _ in range(6)]
    assert names == [two.next_query().name for _ in range(6)]  # same seed, same order
    assert names[:3] == names[3:] and sorted(names[:3]) == ["a", "b", "c"]


def test_connect_backoff_doubles_to_its_cap_with_jitter_and_resets_on_success():
    ses = _Session(0, MIX, RunSettings(sessions=1))
    first, cap = RECONNECT_BACKOFF_S
    pauses = [ses.connect_failed() for _ in range(12)]
    assert ses.after_failure  # the next connection is a reconnect
    assert first * 0.5 <= pauses[0] < first * 1.5
    assert all(cap * 0.5 <= p < cap * 1.5 for p in pauses[-3:])
    ses.connected()
    assert first * 0.5 <= ses.connect_failed() < first * 1.5


def test_when_a_session_closes_its_connection():
    per_query = _Session(0, MIX, RunSettings(sessions=1, connect_mode="per-query"))
    assert per_query.done_with(crec(0.0), 0.1)
    pooled = _Session(0, MIX, RunSettings(sessions=1, session_lifetime_s=2.0))
    assert not pooled.done_with(crec(10.0), 11.9) and pooled.done_with(crec(10.0), 12.0)
    kept = _Session(0, MIX, RunSettings(sessions=1))
    assert not kept.done_with(crec(0.0), 1e6)
    kept.query_ok()
    assert not kept.after_failure
