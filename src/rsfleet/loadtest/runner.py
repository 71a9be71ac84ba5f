"""The load generator: N sessions through the load balancer, every query recorded.

Two engines with the same behaviour: `threads` (one OS thread per session, blocking
psycopg; libpq releases the GIL while it waits on the socket) and `asyncio` (one event
loop, psycopg.AsyncConnection). docs/loadtest.md has the measurement that picked the
default (DEFAULT_ENGINE).

Per session: open a connection (autocommit), ask once which consumer served it
(`Endpoint.identify_sql`), then run queries from the mix in a round robin that starts at
a random offset. `per-query` mode opens a new connection for every query (connection-level
balancing becomes visible); `per-session` keeps one and reconnects when it is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rsfleet.loadtest.faults import Injector
from rsfleet.loadtest.model import (
    ConnectionRecord,
    ErrorKind,
    FaultEvent,
    FaultSpec,
    QueryRecord,
)
from rsfleet.loadtest.queries import Query

DEFAULT_ENGINE = "threads"
ENGINES = ("threads", "asyncio")
RECONNECT_BACKOFF_S = (0.02, 0.5)  # first and largest pause after a failed connect
MAX_ERROR_TEXT = 160

LOCAL_IDENTIFY_SQL = "SELECT current_setting('cluster_name')"
# Redshift: current_namespace returns the namespace GUID of the workgroup that runs the
# session (https://docs.aws.amazon.com/redshift/latest/dg/r_CURRENT_NAMESPACE.html).
REDSHIFT_IDENTIFY_SQL = "SELECT current_namespace"

if TYPE_CHECKING:  # psycopg is imported by the engines, when they run
    import psycopg

    _Conn = psycopg.Connection[tuple[Any, ...]]
    _AConn = psycopg.AsyncConnection[tuple[Any, ...]]


@dataclass
class Endpoint:
    """Where and how to connect, and how to tell which consumer answered."""

    backend: str
    kwargs: dict[str, Any]  # for psycopg.connect: host, port, user, password, dbname, ssl...
    consumers: list[str]
    identify_sql: str = LOCAL_IDENTIFY_SQL
    namespace_map: dict[str, str] = field(default_factory=dict)  # GUID -> consumer name

    def consumer_name(self, value: object) -> str:
        text = str(value)
        return self.namespace_map.get(text, text)

    def describe(self) -> dict[str, Any]:
        return {k: self.kwargs.get(k) for k in ("host", "port", "user", "dbname")}


@dataclass
class RunSettings:
    sessions: int
    connect_mode: str = "per-session"
    duration_s: float | None = 10.0
    queries: int | None = None
    faults: list[FaultSpec] = field(default_factory=list)
    engine: str = DEFAULT_ENGINE
    seed: int = 0
    tick_s: float = 0.25
    # per-session: close a session this long after it opened (between two queries) and open
    # a new one, as a pool with a maximum connection lifetime does; None: keep it
    session_lifetime_s: float | None = None


@dataclass
class Progress:
    """Running counts for the live view (read from another thread; ints are atomic)."""

    started: float = 0.0
    ok: int = 0
    failed: int = 0
    per_consumer: Counter[str] = field(default_factory=Counter)
    sessions_per_consumer: Counter[str] = field(default_factory=Counter)
    events: list[str] = field(default_factory=list)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started if self.started else 0.0


@dataclass
class RunOutput:
    queries: list[QueryRecord]
    connections: list[ConnectionRecord]
    faults: list[FaultEvent]
    duration_s: float


def _expired(crec: ConnectionRecord | None, lifetime_s: float | None, now_s: float) -> bool:
    """The session has lived its --session-lifetime: close it before the next query."""
    return lifetime_s is not None and crec is not None and now_s - crec.opened_s >= lifetime_s


def classify(exc: BaseException, phase: str) -> ErrorKind:
    """Error kind of an exception raised while connecting (`connect`) or querying (`query`)."""
    import psycopg
    from psycopg import errors as e

    sqlstate = getattr(exc, "sqlstate", None) or ""
    text = str(exc).lower()
    if isinstance(exc, e.QueryCanceled) or sqlstate == "57014" or "timeout expired" in text \
            or "statement timeout" in text or isinstance(exc, TimeoutError):
        return "timeout"
    if sqlstate in ("42501", "28P01", "28000") or isinstance(
            exc, e.InsufficientPrivilege | e.InvalidPassword | e.InvalidAuthorizationSpecification
    ) or "password authentication failed" in text or "permission denied" in text \
            or "no pg_hba.conf entry" in text:
        return "permission"
    if phase == "connect":
        if isinstance(exc, psycopg.OperationalError | OSError):
            return "connect_refused"
        return "other"
    if isinstance(exc, e.AdminShutdown | e.CrashShutdown | e.CannotConnectNow) \
            or sqlstate.startswith(("57P", "08")):
        return "connection_lost"
    if isinstance(exc, psycopg.InterfaceError | OSError) or (
            isinstance(exc, psycopg.OperationalError)
            and any(s in text for s in ("closed", "lost", "terminat", "consuming input",
                                        "eof", "broken", "reset"))):
        return "connection_lost"
    return "other"


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:MAX_ERROR_TEXT]


class _Recorder:
    def __init__(self, settings: RunSettings, progress: Progress) -> None:
        self.settings = settings
        self.progress = progress
        self.t0 = time.perf_counter()
        progress.started = self.t0
        self.lock = threading.Lock()
        self.queries: list[QueryRecord] = []
        self.connections: list[ConnectionRecord] = []
        self.faults: list[FaultEvent] = []
        self.remaining = settings.queries
        self.stop = threading.Event()

    def now(self) -> float:
        return time.perf_counter() - self.t0

    def take(self) -> bool:
        if self.stop.is_set():
            return False
        if self.remaining is None:
            return True
        with self.lock:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
            return True

    def connection(self, **kw: Any) -> ConnectionRecord:
        with self.lock:
            rec = ConnectionRecord(id=len(self.connections), **kw)
            self.connections.append(rec)
        if rec.ok and rec.consumer:
            self.progress.sessions_per_consumer[rec.consumer] += 1
        return rec

    def query(self, rec: QueryRecord) -> None:
        self.queries.append(rec)  # list.append is atomic under the GIL
        if rec.ok:
            self.progress.ok += 1
            if rec.consumer:
                self.progress.per_consumer[rec.consumer] += 1
        else:
            self.progress.failed += 1

    # The two engines (threads, asyncio) record outcomes through these, so that a query and
    # a failed connect are counted the same way whichever engine ran them.

    def opened(self, session: int, t: float, reconnect: bool, *, consumer: str | None = None,
               exc: Exception | None = None, phase: str = "connect") -> ConnectionRecord:
        """A session opened at ``t``: connected and identified (``consumer``), or failed in
        ``phase`` (connect, or the identify ``query``) with ``exc``."""
        return self.connection(
            session=session, consumer=consumer, opened_s=round(t, 5),
            connect_ms=round((self.now() - t) * 1000, 3), ok=exc is None, reconnect=reconnect,
            error_kind=None if exc is None else classify(exc, phase),
            error=None if exc is None else _short(exc))

    def connect_failed(self, session: int, crec: ConnectionRecord, q: Query) -> None:
        """The query that could not run because its connection failed."""
        self.query(QueryRecord(session=session, conn=crec.id, consumer=None, query=q.name,
                               start_s=crec.opened_s, latency_ms=crec.connect_ms, ok=False,
                               error_kind=crec.error_kind, error=crec.error))

    def query_done(self, session: int, crec: ConnectionRecord, q: Query, t: float,
                   exc: Exception | None = None) -> str | None:
        """Record a query that started at ``t``; returns its error kind when it failed."""
        kind = None if exc is None else classify(exc, "query")
        self.query(QueryRecord(session=session, conn=crec.id, consumer=crec.consumer,
                               query=q.name, start_s=round(t, 5),
                               latency_ms=round((self.now() - t) * 1000, 3), ok=exc is None,
                               error_kind=kind, error=None if exc is None else _short(exc)))
        return kind

    def fault(self, spec: FaultSpec, injector: Injector | None) -> None:
        applied = self.now()
        try:
            if injector is None:
                raise RuntimeError("no fault injector for this backend")
            detail = injector(spec.kind, spec.target)
            ev = FaultEvent(kind=spec.kind, target=spec.target, at_s=spec.at_s,
                            applied_s=round(applied, 4), done_s=round(self.now(), 4), ok=True,
                            detail=detail)
        except Exception as exc:
            ev = FaultEvent(kind=spec.kind, target=spec.target, at_s=spec.at_s, applied_s=None,
                            ok=False, detail=_short(exc))
        self.faults.append(ev)
        self.progress.events.append(f"{ev.at_s:.1f}s {ev.kind} {ev.target}: {ev.detail}")

    def output(self) -> RunOutput:
        return RunOutput(queries=sorted(self.queries, key=lambda q: q.start_s),
                         connections=self.connections,
                         faults=sorted(self.faults, key=lambda f: f.at_s),
                         duration_s=self.now())


class _Session:
    """What one session decides, whichever engine runs it (the engines only do the I/O):
    which query comes next, the pause after a failed connect, when to close."""

    def __init__(self, i: int, mix: Sequence[Query], settings: RunSettings) -> None:
        self.i = i
        self.mix = mix
        self.rng = random.Random(settings.seed * 100003 + i)  # noqa: S311 - load spread
        self.k = self.rng.randrange(len(mix))
        self.per_query = settings.connect_mode == "per-query"
        self.lifetime_s = settings.session_lifetime_s
        self.after_failure = False  # the next connection is a reconnect
        self.backoff = RECONNECT_BACKOFF_S[0]

    def next_query(self) -> Query:
        q = self.mix[self.k % len(self.mix)]
        self.k += 1
        return q

    def connect_failed(self) -> float:
        """How long to wait before the next attempt (jittered, doubling up to the cap)."""
        self.after_failure = True
        pause = self.backoff * (0.5 + self.rng.random())
        self.backoff = min(self.backoff * 2, RECONNECT_BACKOFF_S[1])
        return pause

    def connected(self) -> None:
        self.backoff = RECONNECT_BACKOFF_S[0]

    def query_ok(self) -> None:
        self.after_failure = False

    def query_failed(self, conn: _Conn | _AConn, kind: str | None) -> bool:
        """True when the connection must be closed (and a new one opened)."""
        self.after_failure = True
        return _unusable(conn, kind)

    def done_with(self, crec: ConnectionRecord | None, now_s: float) -> bool:
        """Close after this query: per-query mode, or the session lived its lifetime."""
        return self.per_query or _expired(crec, self.lifetime_s, now_s)


# ---------------------------------------------------------------------------- threads

def _run_threads(endpoint: Endpoint, mix: Sequence[Query], rec: _Recorder,
                 injector: Injector | None, on_tick: Callable[[], None] | None) -> None:
    import psycopg

    s = rec.settings

    def open_conn(session: int, reconnect: bool) -> tuple[_Conn | None, ConnectionRecord]:
        t = rec.now()
        try:
            conn = psycopg.connect(**endpoint.kwargs, autocommit=True)
        except Exception as exc:
            return None, rec.opened(session, t, reconnect, exc=exc)
        try:
            row = conn.execute(endpoint.identify_sql).fetchone()
            consumer = endpoint.consumer_name(row[0] if row else None)
        except Exception as exc:
            _close(conn)
            return None, rec.opened(session, t, reconnect, exc=exc, phase="query")
        return conn, rec.opened(session, t, reconnect, consumer=consumer)

    done = threading.Event()
    alive = [s.sessions]
    alive_lock = threading.Lock()

    def session(i: int) -> None:
        try:
            _session(i)
        finally:
            with alive_lock:
                alive[0] -= 1
                if alive[0] == 0:
                    done.set()

    def _session(i: int) -> None:
        ses = _Session(i, mix, s)
        conn = None
        crec: ConnectionRecord | None = None
        while rec.take():
            q = ses.next_query()
            if conn is None:
                conn, crec = open_conn(i, ses.after_failure)
                if conn is None:
                    rec.connect_failed(i, crec, q)
                    rec.stop.wait(ses.connect_failed())
                    continue
                ses.connected()
            assert crec is not None
            t = rec.now()
            try:
                cur = conn.execute(q.sql)
                if cur.description is not None:
                    cur.fetchall()
                rec.query_done(i, crec, q, t)
                ses.query_ok()
            except Exception as exc:
                if ses.query_failed(conn, rec.query_done(i, crec, q, t, exc)):
                    _close(conn)
                    conn = None
            if conn is not None and ses.done_with(crec, rec.now()):
                _close(conn)
                conn = None
        if conn is not None:
            _close(conn)

    workers = [threading.Thread(target=session, args=(i,), daemon=True, name=f"lt-{i}")
               for i in range(s.sessions)]
    fault_threads = []
    for spec in s.faults:
        def fire(spec: FaultSpec = spec) -> None:
            if not rec.stop.wait(max(0.0, spec.at_s - rec.now())):
                rec.fault(spec, injector)
        fault_threads.append(threading.Thread(target=fire, daemon=True, name="lt-fault"))
    for th in (*workers, *fault_threads):
        th.start()
    deadline = None if s.duration_s is None else s.duration_s
    try:
        while any(w.is_alive() for w in workers):
            if deadline is not None and rec.now() >= deadline:
                rec.stop.set()
            if on_tick:
                on_tick()
            wait = s.tick_s if deadline is None else max(0.0, min(s.tick_s, deadline - rec.now()))
            done.wait(wait)
    finally:
        rec.stop.set()
        for th in (*workers, *fault_threads):
            th.join()


def _unusable(conn: _Conn | _AConn, kind: str | None) -> bool:
    """After a failed query: reconnect rather than reuse (a timeout may leave it busy)."""
    return bool(conn.closed or conn.broken or kind in ("connection_lost", "timeout"))


def _close(conn: _Conn) -> None:
    with contextlib.suppress(Exception):  # a broken connection may fail to close
        conn.close()


# ---------------------------------------------------------------------------- asyncio

async def _run_asyncio(endpoint: Endpoint, mix: Sequence[Query], rec: _Recorder,
                       injector: Injector | None, on_tick: Callable[[], None] | None) -> None:
    import psycopg

    s = rec.settings
    stop = asyncio.Event()

    async def open_conn(session: int,
                        reconnect: bool) -> tuple[_AConn | None, ConnectionRecord]:
        t = rec.now()
        try:
            conn = await psycopg.AsyncConnection.connect(**endpoint.kwargs, autocommit=True)
        except Exception as exc:
            return None, rec.opened(session, t, reconnect, exc=exc)
        try:
            cur = await conn.execute(endpoint.identify_sql)
            row = await cur.fetchone()
            consumer = endpoint.consumer_name(row[0] if row else None)
        except Exception as exc:
            await _aclose(conn)
            return None, rec.opened(session, t, reconnect, exc=exc, phase="query")
        return conn, rec.opened(session, t, reconnect, consumer=consumer)

    async def session(i: int) -> None:
        ses = _Session(i, mix, s)
        conn = None
        crec: ConnectionRecord | None = None
        while not stop.is_set() and rec.take():
            q = ses.next_query()
            if conn is None:
                conn, crec = await open_conn(i, ses.after_failure)
                if conn is None:
                    rec.connect_failed(i, crec, q)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), ses.connect_failed())
                    continue
                ses.connected()
            assert crec is not None
            t = rec.now()
            try:
                cur = await conn.execute(q.sql)
                if cur.description is not None:
                    await cur.fetchall()
                rec.query_done(i, crec, q, t)
                ses.query_ok()
            except Exception as exc:
                if ses.query_failed(conn, rec.query_done(i, crec, q, t, exc)):
                    await _aclose(conn)
                    conn = None
            if conn is not None and ses.done_with(crec, rec.now()):
                await _aclose(conn)
                conn = None
        if conn is not None:
            await _aclose(conn)

    async def fire(spec: FaultSpec) -> None:
        try:
            await asyncio.wait_for(stop.wait(), max(0.0, spec.at_s - rec.now()))
        except TimeoutError:
            await asyncio.to_thread(rec.fault, spec, injector)

    tasks = [asyncio.create_task(session(i)) for i in range(s.sessions)]
    fault_tasks = [asyncio.create_task(fire(f)) for f in s.faults]
    try:
        while not all(t.done() for t in tasks):
            if s.duration_s is not None and rec.now() >= s.duration_s:
                stop.set()
                rec.stop.set()
            if on_tick:
                on_tick()
            wait = s.tick_s
            if s.duration_s is not None:
                wait = max(0.0, min(wait, s.duration_s - rec.now()))
            await asyncio.wait(tasks, timeout=wait, return_when=asyncio.ALL_COMPLETED)
    finally:
        stop.set()
        rec.stop.set()
        await asyncio.gather(*tasks, *fault_tasks, return_exceptions=True)


async def _aclose(conn: _AConn) -> None:
    with contextlib.suppress(Exception):  # a broken connection may fail to close
        await conn.close()


def run(endpoint: Endpoint, mix: Sequence[Query], settings: RunSettings, *,
        injector: Injector | None = None, progress: Progress | None = None,
        on_tick: Callable[[], None] | None = None) -> RunOutput:
    """Run the load; returns every query and connection. Blocks until done."""
    if not mix:
        raise ValueError("empty query mix")
    if settings.engine not in ENGINES:
        raise ValueError(f"unknown engine {settings.engine!r}")
    rec = _Recorder(settings, progress or Progress())
    if settings.engine == "asyncio":
        import selectors

        # psycopg's async connections need a selector loop (not proactor); the default
        # loop on Linux is a SelectorEventLoop.
        loop = asyncio.SelectorEventLoop(selectors.DefaultSelector())
        try:
            loop.run_until_complete(_run_asyncio(endpoint, mix, rec, injector, on_tick))
        finally:
            loop.close()
    else:
        _run_threads(endpoint, mix, rec, injector, on_tick)
    return rec.output()
