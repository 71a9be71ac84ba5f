"""tests/targets/load.py's Load with persistent sessions that behave like a client pool:
each one lives `persistent_for` seconds, then closes and the client opens a new one through
the LB (a pool's max lifetime); a failed query is recorded and the client reconnects."""

from __future__ import annotations

import time

import psycopg
from targets.load import WHO, Event, Load


class PooledLoad(Load):
    def _persistent(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            try:
                conn = psycopg.connect(**self.connect(), autocommit=True)
            except psycopg.Error as exc:
                self._record(Event(began, time.monotonic(), None, False, str(exc)[:160],
                                   persistent=True))
                self._stop.wait(0.1)
                continue
            with conn:
                who = None
                while not self._stop.is_set():
                    if self.persistent_for is not None and \
                            time.monotonic() - began > self.persistent_for:
                        break  # the pool retires this session; the next one is opened
                    t0 = time.monotonic()
                    try:
                        who = who or conn.execute(WHO).fetchone()[0]
                        conn.execute(self.query).fetchone()
                        self._record(Event(t0, time.monotonic(), who, True, persistent=True))
                    except psycopg.Error as exc:
                        self._record(Event(t0, time.monotonic(), who, False, str(exc)[:160],
                                           persistent=True))
                        break
                    self._stop.wait(0.02)
