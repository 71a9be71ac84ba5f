"""A small steady load through the LB for the targets tests and benchmarks: new sessions at a
steady rate (connect, ask which consumer answers, close) plus persistent sessions running
queries in a loop (with `reconnect`, reopened when they end, as a client pool does).
Records per session: start time, consumer, ok/error."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

WHO = "SELECT current_setting('cluster_name')"


@dataclass
class Event:
    start: float  # time.monotonic() when the session/query began
    end: float
    consumer: str | None
    ok: bool
    error: str = ""
    persistent: bool = False


@dataclass
class Load:
    connect: Callable[[], dict[str, Any]]  # psycopg.connect kwargs for the LB
    new_per_s: float = 50.0
    persistent: int = 0
    persistent_for: float | None = None  # a persistent session closes after this long
    # when a persistent session ends (closed after persistent_for, or a failed query), the
    # client opens a new one through the LB, as a client pool does
    reconnect: bool = False
    query: str = "SELECT count(*) FROM sales.orders"
    events: list[Event] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _record(self, ev: Event) -> None:
        with self._lock:
            self.events.append(ev)

    def _new_sessions(self, worker: int, workers: int) -> None:
        period = workers / self.new_per_s
        nxt = time.monotonic() + worker * period / workers
        while not self._stop.is_set():
            t0 = time.monotonic()
            try:
                with psycopg.connect(**self.connect(), autocommit=True) as c:
                    who = c.execute(WHO).fetchone()[0]
                    c.execute(self.query).fetchone()
                self._record(Event(t0, time.monotonic(), who, True))
            except psycopg.Error as exc:
                self._record(Event(t0, time.monotonic(), None, False, str(exc).strip()[:160]))
            nxt += period
            self._stop.wait(max(0.0, nxt - time.monotonic()))

    def _persistent(self) -> None:
        while not self._stop.is_set():
            t0 = time.monotonic()
            try:
                conn = psycopg.connect(**self.connect(), autocommit=True)
            except psycopg.Error as exc:
                self._record(Event(t0, time.monotonic(), None, False, str(exc)[:160],
                                   persistent=True))
                if not self.reconnect:
                    return
                self._stop.wait(0.1)
                continue
            with conn:
                self._session(conn)
            if not self.reconnect:
                return

    def _session(self, conn: psycopg.Connection[Any]) -> None:
        """Queries in a loop until stopped, a query fails or `persistent_for` has passed."""
        began = time.monotonic()
        who = None
        while not self._stop.is_set():
            if self.persistent_for is not None and time.monotonic() - began > \
                    self.persistent_for:
                return  # a pool retires this session
            t0 = time.monotonic()
            try:
                who = who or conn.execute(WHO).fetchone()[0]
                conn.execute(self.query).fetchone()
                self._record(Event(t0, time.monotonic(), who, True, persistent=True))
            except psycopg.Error as exc:
                self._record(Event(t0, time.monotonic(), who, False, str(exc)[:160],
                                   persistent=True))
                return
            self._stop.wait(0.02)

    def start(self, workers: int = 4) -> Load:
        for i in range(workers):
            self._threads.append(threading.Thread(target=self._new_sessions, args=(i, workers),
                                                  daemon=True))
        for _ in range(self.persistent):
            self._threads.append(threading.Thread(target=self._persistent, daemon=True))
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> list[Event]:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=15)
        return sorted(self.events, key=lambda e: e.start)
