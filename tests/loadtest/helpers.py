"""Builders for synthetic load test records (data, not stand-ins for a system)."""

from __future__ import annotations

from rsfleet.loadtest.model import ConnectionRecord, FaultEvent, QueryRecord


def conn(cid: int, session: int, consumer: str | None, at: float, ok: bool = True,
         reconnect: bool = False, kind: str | None = None) -> ConnectionRecord:
    return ConnectionRecord(id=cid, session=session, consumer=consumer, opened_s=at,
                            connect_ms=1.0, ok=ok, reconnect=reconnect,
                            error_kind=None if ok else (kind or "connect_refused"))


def query(session: int, consumer: str | None, at: float, ok: bool = True,
          latency_ms: float = 2.0, kind: str | None = None, cid: int | None = 0) -> QueryRecord:
    return QueryRecord(session=session, conn=cid, consumer=consumer, query="count:sales.orders",
                       start_s=at, latency_ms=latency_ms, ok=ok,
                       error_kind=None if ok else (kind or "connection_lost"))


def fault(kind: str, target: str, at: float, applied: float | None = None) -> FaultEvent:
    applied = at if applied is None else applied
    return FaultEvent(kind=kind, target=target, at_s=at, applied_s=applied, ok=True)
