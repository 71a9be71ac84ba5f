"""Drains that application pools survive: a draining consumer's client sessions are closed
at transaction boundaries, not cut at the drain timeout.

The load balancer stops sending new sessions to a draining consumer, but a pooled session
stays open for the pool's lifetime (SQLAlchemy: forever without ``pool_recycle``; HikariCP:
30 minutes), so it is still there when the drain times out, and cutting it then fails
whatever it is running (issue 26 measured 5 errors, "SSL error: unexpected eof", through
one ``local rollout --restart --drain-timeout 10``). As PgBouncer's ``RECONNECT`` does for
its server connections, rsfleet closes each session *between transactions* instead:

- every poll of the drain, the reader sessions that are idle (no statement running, no
  transaction open, not just validated by their pool) are terminated: in the first half of
  the drain only those idle for over a second (parked in their pool; a client that retires
  its sessions after a maximum lifetime ends the busy ones itself meanwhile), then every
  one as soon as it is idle. A pool that validates on checkout (``pool_pre_ping``) finds
  the connection closed and opens a new one, which the load balancer sends to a consumer
  in rotation; a pool that does not validate fails one query on that connection.
- a busy session (a statement running, or a transaction open) is left alone until it is
  idle again, i.e. until its transaction ended;
- only at the drain timeout is anything left terminated.

Only client sessions of the reader logins are touched: never rsfleet's own (the admin that
runs this, the readiness probe), never replication or background workers.

Locally this is ``pg_stat_activity`` + ``pg_terminate_backend`` on the consumer, over the
admin connection rsfleet already has. On AWS the same on the consumer through the Redshift
Data API: ``STV_SESSIONS`` lists the sessions
(https://docs.aws.amazon.com/redshift/latest/dg/r_STV_SESSIONS.html), a session with an open
transaction is in ``SVV_TRANSACTIONS``
(https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_TRANSACTIONS.html), a running statement
in ``STV_RECENTS`` with status ``Running``
(https://docs.aws.amazon.com/redshift/latest/dg/r_STV_RECENTS.html), and
``PG_TERMINATE_BACKEND(pid)`` ends a session, rolling back its open transaction
(https://docs.aws.amazon.com/redshift/latest/dg/PG_TERMINATE_BACKEND.html). There the
remaining sessions are closed a few seconds before the NLB's deregistration delay ends, so
clients get Redshift's own "terminating connection" error rather than the NLB's reset.

``wait_drained`` is the one drain wait every drain uses (`targets drain --wait`, rollouts,
`local scale`). The controller's own drains (unready, removed; parked with elastic rotation)
do not call ``SessionCloser.close`` yet: its loop is being restructured.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from rsfleet.fleet.protocol import PROBE, READER


@dataclass(frozen=True)
class Closed:
    """One pass over a consumer's reader sessions: how many were terminated, how many are
    still open (busy: a statement running or a transaction open)."""

    closed: int
    busy: int


class SessionCloser(Protocol):
    """The client sessions of one consumer, seen and closed from the consumer's side."""

    def begin(self, name: str) -> int:
        """The drain of ``name`` starts; returns how many reader sessions it has (0 when
        unknown). Never raises."""
        ...

    def end(self, name: str) -> None:
        """The drain's wait is over: undo what ``begin`` changed (never raises)."""
        ...

    def close(self, name: str, *, idle_only: bool = True, min_idle: float = 0.0) -> Closed:
        """Terminate consumer ``name``'s reader sessions: those between transactions and
        idle for at least ``min_idle`` seconds (``idle_only``), or all of them. Never
        raises: a consumer that cannot be reached has nothing rsfleet can close
        (``Closed(0, 0)``)."""
        ...


# -- local: PostgreSQL ---------------------------------------------------------------------

# The reader sessions; for each idle one the activity snapshot is taken again right before
# its pg_terminate_backend (pg_stat_clear_snapshot: a statement otherwise sees one snapshot
# of every backend, taken when it first reads one), so a session that began a transaction
# meanwhile is spared, and a read that took longer than FRESH_MICROSECONDS (this backend
# was descheduled) is not trusted. A pool's validation (BEGIN and a ping: two round trips)
# takes longer than that; what is left is the few microseconds between the clock read and
# the signal. Measured under a load average of 16 on 2 cores: without the re-read 1 failed
# query per ~10 sessions closed, with it (no time check) 1 per ~44.
# (idle_session_timeout, which the backend enforces itself, was tried and is worse: its
# timer firing as the pool's validation arrives ends the session at the statement after
# it, https://www.postgresql.org/docs/15/runtime-config-client.html.)
FRESH_MICROSECONDS = 300
# A pool validates a connection as it hands it out (SQLAlchemy pool_pre_ping: `;`; HikariCP
# and pgjdbc's isValid: an empty query; others `SELECT 1`), outside a transaction: the
# session is idle again, but its application's transaction is about to start. Such a session
# counts as busy for this long after its validation.
VALIDATED_SECONDS = 5
_LOCAL_SQL = """
DO $$
DECLARE
  r record;
  still text;
  t timestamptz;
  q text;
  since timestamptz;
  closed int := 0;
  busy int := 0;
BEGIN
  FOR r IN SELECT pid, state FROM pg_stat_activity
           WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
             AND usename = ANY(string_to_array(%(roles)s, ','))
  LOOP
    IF %(idle_only)s THEN
      t := clock_timestamp();
      PERFORM pg_stat_clear_snapshot();
      SELECT a.state, a.query, a.state_change INTO still, q, since
        FROM pg_stat_get_activity(r.pid) a;
      -- just validated by its pool (checked out: its work follows), or read long ago
      -- (this backend was descheduled: the pool may have validated it meanwhile): the
      -- next poll looks again
      IF still IS DISTINCT FROM 'idle'
         OR since > clock_timestamp() - %(min_idle)s * interval '1 s'
         OR (lower(btrim(q, E' ;\n')) IN ('', 'select 1')
             AND since > clock_timestamp() - %(validated)s * interval '1 s')
         OR clock_timestamp() - t > %(fresh)s * interval '1 microsecond' THEN
        busy := busy + 1;
        CONTINUE;
      END IF;
    END IF;
    IF pg_terminate_backend(r.pid) THEN
      closed := closed + 1;
    END IF;
  END LOOP;
  PERFORM set_config('rsfleet.closed', closed::text || ',' || busy::text, false);
END $$
"""


class LocalSessions:
    """The local fleet's consumers (PostgreSQL), over the fleet's admin connection."""

    def __init__(self, fleet: Any, roles: Iterable[str] = (READER,),
                 connect_timeout: float = 2.0) -> None:
        self.fleet = fleet
        # rsfleet's own logins are never readers here, even if someone lists them
        self.roles = sorted(set(roles) - {PROBE})
        self.connect_timeout = connect_timeout

    def _connect(self, name: str) -> Any:
        import psycopg

        kwargs = {**self.fleet.admin_kwargs(name),
                  "connect_timeout": max(1, int(self.connect_timeout))}
        return psycopg.connect(**kwargs, autocommit=True)

    def begin(self, name: str) -> int:
        """How many reader sessions ``name`` has as its drain starts."""
        import psycopg

        try:
            with self._connect(name) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                    "'client backend' AND usename = ANY(%s)", (self.roles,)).fetchone()
        except psycopg.Error:
            return 0  # down or restarting: its sessions are gone anyway
        return int(row[0]) if row else 0

    def end(self, name: str) -> None:
        return None

    def close(self, name: str, *, idle_only: bool = True, min_idle: float = 0.0) -> Closed:
        import psycopg
        from psycopg import sql

        # DO takes no parameters: the values are rendered as literals by psycopg
        body = sql.SQL(_LOCAL_SQL.replace("%(roles)s", "{roles}").replace(
            "%(idle_only)s", "{idle_only}").replace("%(fresh)s", "{fresh}").replace(
            "%(validated)s", "{validated}").replace("%(min_idle)s", "{min_idle}")).format(
            roles=sql.Literal(",".join(self.roles)), idle_only=sql.Literal(idle_only),
            fresh=sql.Literal(FRESH_MICROSECONDS), validated=sql.Literal(VALIDATED_SECONDS),
            min_idle=sql.Literal(float(min_idle)))
        try:
            with self._connect(name) as conn:
                conn.execute(body)
                row = conn.execute("SELECT current_setting('rsfleet.closed')").fetchone()
        except psycopg.Error:
            return Closed(0, 0)  # down or restarting: its sessions are gone anyway
        closed, busy = (int(x) for x in str(row[0] if row else "0,0").split(","))
        return Closed(closed, busy)


# -- AWS: Redshift through the Data API --------------------------------------------------

# Non-superuser sessions other than the probe's login and this statement's own session (the
# admin the Data API logs in as is a superuser, so it is never listed); `:idle_only`: only
# those with no open transaction and no running statement. Listed and ended in ONE statement,
# so a session cannot start a transaction between the two (a second Data API call comes a
# second later). Redshift has no idle_session_timeout to set on a running workgroup.
_AWS_SQL = """
SELECT count(pg_terminate_backend(s.process)) AS closed
FROM stv_sessions s
JOIN pg_user u ON u.usename = trim(s.user_name)
WHERE NOT u.usesuper AND trim(s.user_name) <> :probe AND s.process <> pg_backend_pid()
  AND (:idle_only = 'false'
       OR (s.process NOT IN (SELECT pid FROM svv_transactions)
           AND s.process NOT IN (SELECT pid FROM stv_recents WHERE status = 'Running')))
"""


class RedshiftSessions:
    """The AWS consumers, through the Redshift Data API (``rsfleet.adapters.redshift_data``)
    as the namespace's admin. ``targets``: consumer name -> where to run. One statement per
    consumer at most every ``min_interval`` seconds: every statement is billed (60 s minimum
    while the workgroup is otherwise idle; a draining consumer is usually busy anyway).
    Verified against the documentation only, not against a real workgroup."""

    def __init__(self, data_api: Any, targets: Mapping[str, Any], *,
                 min_interval: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.data_api = data_api
        self.targets = dict(targets)
        self.min_interval = min_interval
        self.clock = clock
        self._last: dict[str, float] = {}

    def begin(self, name: str) -> int:
        return 0

    def end(self, name: str) -> None:
        return None

    def close(self, name: str, *, idle_only: bool = True, min_idle: float = 0.0) -> Closed:
        # min_idle is not applied: STV_SESSIONS has no idle time (SYS_QUERY_HISTORY would
        # need a second statement); idle sessions are closed from the first look
        from rsfleet.errors import FleetError

        target = self.targets.get(name)
        if target is None:
            return Closed(0, 0)
        now = self.clock()
        if idle_only and now - self._last.get(name, -1e9) < self.min_interval:
            return Closed(0, 0)
        self._last[name] = now
        try:
            rows = self.data_api.query(_AWS_SQL, target, {
                "probe": PROBE, "idle_only": "true" if idle_only else "false"})
        except FleetError:
            return Closed(0, 0)
        closed = int(rows[0].get("closed") or 0) if rows else 0
        return Closed(closed, 0)  # the busy ones are not counted: one statement only


# -- the one drain wait ----------------------------------------------------------------------

# HikariCP validates a connection on checkout only when it has been idle for more than its
# aliveBypassWindowMs (500 ms by default: com.zaxxer.hikari.pool.HikariPool,
# https://github.com/brettwooldridge/HikariCP): a session idle longer than a second is
# parked in its pool and safe to close at any time of the drain.
PARKED_IDLE_SECONDS = 1.0


@dataclass(frozen=True)
class DrainWait:
    """How a drain wait ended: ``gone`` (the LB dropped the target), ``left`` sessions the LB
    still counts, ``waited`` seconds; sessions closed between transactions / at the end."""

    gone: bool
    left: int
    waited: float
    closed_idle: int
    closed_at_timeout: int

    def summary(self) -> str:
        parts = []
        if self.closed_idle:
            parts.append(f"{self.closed_idle} session(s) closed between transactions")
        if self.closed_at_timeout:
            parts.append(f"{self.closed_at_timeout} closed at the timeout")
        return "; ".join(parts)


def wait_drained(name: str, observe: Callable[[], tuple[bool, int]],
                 closer: SessionCloser | None, limit: float, *,
                 lb_finishes_drain: bool = False, margin: float = 0.0, poll: float = 0.2,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> DrainWait:
    """Wait for the drain of ``name``: until the LB has no session on it (``observe()`` ->
    (gone from the LB, sessions the LB counts)), or ``limit`` seconds. Meanwhile close its
    reader sessions as they come between transactions; ``margin`` seconds before the limit,
    close what is left (the LB's own cut comes later and then finds nothing). An LB that
    finishes the drain itself (NLB) is waited for until the limit, its session count being
    unknown."""
    started = closer.begin(name) if closer is not None else 0
    try:
        waited = _wait(name, observe, closer, limit, lb_finishes_drain=lb_finishes_drain,
                       margin=margin, poll=poll, clock=clock, sleep=sleep)
        # the sessions that ended by themselves between transactions count too
        ended = started - waited.closed_at_timeout - waited.left
        if ended > waited.closed_idle:
            waited = replace(waited, closed_idle=ended)
        return waited
    finally:
        if closer is not None:
            closer.end(name)


def _wait(name: str, observe: Callable[[], tuple[bool, int]], closer: SessionCloser | None,
          limit: float, *, lb_finishes_drain: bool, margin: float, poll: float,
          clock: Callable[[], float], sleep: Callable[[float], None]) -> DrainWait:
    t0 = clock()
    deadline = t0 + max(0.0, limit)
    idle = forced = 0
    while True:
        gone, sessions = observe()
        if gone:
            return DrainWait(True, 0, clock() - t0, idle, forced)
        if sessions <= 0 and not lb_finishes_drain:
            return DrainWait(False, 0, clock() - t0, idle, forced)
        now = clock()
        if now >= deadline - margin:
            break
        if closer is not None:
            # first half of the drain: only sessions parked in their pool (idle for a while:
            # a pool validates those before reuse, and a client that retires its sessions
            # ends them meanwhile); then every session as soon as it is between transactions
            parked_only = now - t0 < (deadline - margin - t0) / 2
            idle += closer.close(name, idle_only=True,
                                 min_idle=PARKED_IDLE_SECONDS if parked_only else 0.0).closed
        sleep(poll)
    if closer is not None:
        forced = closer.close(name, idle_only=False).closed
        if forced and not lb_finishes_drain:
            # the LB sees the server close the sessions: give it a moment to count them gone
            end = clock() + 1.0
            while clock() < end:
                gone, sessions = observe()
                if gone or sessions <= 0:
                    break
                sleep(min(poll, 0.05))
    remaining = clock()
    while remaining < deadline:  # the NLB's drain ends at the delay, not before
        sleep(min(poll, deadline - remaining))
        remaining = clock()
    gone, sessions = observe()
    return DrainWait(gone, 0 if gone else sessions, clock() - t0, idle, forced)
