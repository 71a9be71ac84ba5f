"""Readiness probe: connect to a consumer directly (not through the LB) and read shared data.

Ready means: a session opens within the timeout, ``SELECT 1`` answers, and for every
datashare the consumer receives, each shared table in its ``consumer_database`` can be read
(``SELECT 1 FROM "schema"."table" LIMIT 1``). Locally ``data_ready(fleet, name)``, the
local share backend's ``consumer_ready`` passed in by the caller, adds its own verdict
(subscription state, lag bound).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rsfleet.fleet import PROBE, Fleet
from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.spec.models import FleetSpec

Probe = Callable[[str], tuple[bool, str]]
"""consumer name -> (ready, reason)."""


@dataclass(frozen=True)
class ShareCheck:
    database: str
    schemas: tuple[str, ...]  # whole schemas shared: every table in them is read
    tables: tuple[tuple[str, str], ...]  # single tables shared


def share_checks(spec: FleetSpec, consumer: str) -> list[ShareCheck]:
    """What the probe reads on one consumer, grouped by consumer database."""
    by_db: dict[str, tuple[list[str], list[tuple[str, str]]]] = {}
    for share in spec.shares_of(consumer):
        ds = spec.datashares[share]
        schemas, tables = by_db.setdefault(spec.database_for(share), ([], []))
        schemas.extend(s for s in ds.schemas if s not in schemas)
        for t in ds.tables:
            sch, tab = t.split(".", 1)
            if (sch, tab) not in tables:
                tables.append((sch, tab))
    return [ShareCheck(db, tuple(s), tuple(t)) for db, (s, t) in sorted(by_db.items())]


def login_refused(reason: str) -> bool:
    """A probe reason that says the server refused the login (PostgreSQL and Redshift both
    answer "password authentication failed for user ..."), not that it is unreachable."""
    return "authentication failed" in reason


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def probe_postgres(connect_kwargs: Callable[[str | None], dict[str, Any]],
                   checks: list[ShareCheck], timeout: float = 1.0) -> tuple[bool, str]:
    """Probe one consumer. ``connect_kwargs(dbname)`` gives psycopg.connect kwargs."""
    import psycopg
    from psycopg import sql

    targets: list[ShareCheck] = checks or [ShareCheck("", (), ())]
    read = 0
    for chk in targets:
        kw = dict(connect_kwargs(chk.database or None))
        kw["connect_timeout"] = max(1, round(timeout))
        opts = kw.get("options", "")
        kw["options"] = f"{opts} -c statement_timeout={int(timeout * 1000)}".strip()
        where = f"database {chk.database}" if chk.database else "default database"
        try:
            with psycopg.connect(**kw, autocommit=True) as conn:
                conn.execute("SELECT 1").fetchone()
                tables = list(chk.tables)
                for schema in chk.schemas:
                    # pg_tables lists tables whatever the privileges, so a missing GRANT
                    # shows up below as "cannot read", not as a missing table.
                    rows = conn.execute(
                        "SELECT tablename FROM pg_catalog.pg_tables "
                        "WHERE schemaname = %s ORDER BY tablename", (schema,)).fetchall()
                    if not rows:
                        return False, (f"{where}: schema {schema} has no tables "
                                       "(datashare not mounted or initial copy running)")
                    tables.extend((schema, r[0]) for r in rows)
                for schema, table in tables:
                    try:
                        conn.execute(sql.SQL("SELECT 1 FROM {}.{} LIMIT 1").format(
                            sql.Identifier(schema), sql.Identifier(table))).fetchall()
                    except psycopg.Error as exc:
                        return False, f"{where}: cannot read {schema}.{table}: {_short(exc)}"
                    read += 1
        except psycopg.OperationalError as exc:
            return False, f"{where}: cannot connect: {_short(exc)}"
        except psycopg.Error as exc:
            return False, f"{where}: {_short(exc)}"
    return True, f"SELECT 1 ok, {read} shared table(s) readable"


DataReady = Callable[[Fleet, str], tuple[bool, str]]
"""(fleet, consumer) -> is its copy of the shared data ready, and why: the local share
backend's ``rsfleet.sharing.local.consumer_ready`` (subscriptions, initial copy, lag),
passed in by the layers above (targets never imports sharing: pyproject.toml contracts)."""


def local_probe(fleet: Fleet, timeout: float = 1.0, *, data_ready: DataReady) -> Probe:
    """The probe for the local fleet: direct connection as rsfleet_probe (reads what
    app_reader reads) + ``data_ready``."""
    spec: FleetSpec = fleet.spec
    checks = {n: share_checks(spec, n) for n in spec.lb_consumers}

    def probe(name: str) -> tuple[bool, str]:
        node = fleet.consumers.get(name)
        if node is None:
            return False, "no such consumer in the local fleet"

        def kwargs(db: str | None) -> dict[str, Any]:
            # the probe's own role (a member of app_reader): clients cannot lock it out
            return fleet.connect_kwargs(node, role=PROBE, dbname=db)

        ok, reason = probe_postgres(kwargs, checks.get(name, []), timeout)
        if not ok and PROBE in reason and hasattr(fleet, "ensure_probe_role"):
            # a fleet started before the probe role existed: create it, probe again
            try:
                fleet.ensure_probe_role(name)
            except Exception as exc:  # a probe reports, never raises
                return False, f"{reason}; creating {PROBE} failed: {_short(exc)}"
            ok, reason = probe_postgres(kwargs, checks.get(name, []), timeout)
        if ok:
            try:
                ok2, why = data_ready(fleet, name)
            except Exception as exc:  # a probe reports, never raises
                ok2, why = False, f"consumer_ready failed: {_short(exc)}"
            if not ok2:
                return False, why
        return ok, reason

    return probe


# The consumer namespace's own first database (terraform/modules/consumer variable
# `database_name`, default "dev"); the probe connects there and reads the shared databases
# with three-part names.
CONSUMER_LOCAL_DATABASE = "dev"
Credentials = Callable[[str], tuple[str, str]]
"""consumer name -> (user, password) for the direct probe on AWS."""


def redshift_list_tables_sql() -> str:
    """Tables of one shared schema as the probing user sees them. Datashare databases are
    not in pg_catalog; SVV_REDSHIFT_TABLES lists local and datashare tables
    (https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_TABLES.html)."""
    return ("SELECT table_name FROM svv_redshift_tables "
            "WHERE database_name = %s AND schema_name = %s ORDER BY table_name")


def redshift_read_sql(database: str, schema: str, table: str) -> Any:
    """``SELECT 1 FROM "db"."schema"."table" LIMIT 1``: a datashare database is read with
    three-part names from a local database
    (https://docs.aws.amazon.com/redshift/latest/dg/database-direct-connect.html)."""
    from psycopg import sql

    return sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.Identifier(database, schema, table))


def probe_redshift(kwargs: dict[str, Any], checks: list[ShareCheck],
                   timeout: float = 2.0) -> tuple[bool, str]:
    """Probe one consumer workgroup over its endpoint (Redshift speaks the PostgreSQL
    protocol): connect, ``SELECT 1``, then every shared table with a three-part name."""
    import psycopg

    kw = {**kwargs, "connect_timeout": max(1, round(timeout))}
    read = 0
    try:
        with psycopg.connect(**kw, autocommit=True) as conn:
            # statement_timeout in ms as a session setting (Redshift does not take libpq
            # startup `options`)
            conn.execute(f"SET statement_timeout TO {int(timeout * 1000)}")
            conn.execute("SELECT 1").fetchone()
            for chk in checks:
                tables = list(chk.tables)
                for schema in chk.schemas:
                    rows = conn.execute(redshift_list_tables_sql(),
                                        (chk.database, schema)).fetchall()
                    if not rows:
                        return False, (f"{chk.database}.{schema} has no tables visible "
                                       "(datashare not mounted, or no USAGE granted)")
                    tables.extend((schema, r[0]) for r in rows)
                for schema, table in tables:
                    try:
                        conn.execute(redshift_read_sql(chk.database, schema, table)).fetchall()
                    except psycopg.Error as exc:
                        return False, (f"cannot read {chk.database}.{schema}.{table}: "
                                       f"{_short(exc)}")
                    read += 1
    except psycopg.OperationalError as exc:
        return False, f"cannot connect: {_short(exc)}"
    except psycopg.Error as exc:
        return False, _short(exc)
    return True, f"SELECT 1 ok, {read} shared table(s) readable"


def probe_connect(kwargs: dict[str, Any], timeout: float = 2.0) -> tuple[bool, str]:
    """The cheap check: open a session (TLS, authentication) and close it, no query.
    Redshift Serverless bills compute while queries run, not for open sessions
    (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-billing.html), so this
    check can run every few seconds on a fleet at rest without keeping it billing."""
    import psycopg

    kw = {**kwargs, "connect_timeout": max(1, round(timeout))}
    try:
        with psycopg.connect(**kw, autocommit=True):
            pass
    except psycopg.OperationalError as exc:
        return False, f"cannot connect: {_short(exc)}"
    except psycopg.Error as exc:
        return False, _short(exc)
    return True, "session opened"


class TieredProbe:
    """Cheap check every pass, data check (``SELECT 1`` and a row of every shared table:
    billed queries) at most every ``data_check_seconds`` per consumer.

    Ready = the cheap check passes now and the last data check passed. A consumer whose
    data check failed is checked again after ``retry_seconds`` (each retry is billed too).
    ``data_check_seconds = 0``: the data check on every pass (the local fleet: free)."""

    def __init__(self, cheap: Probe, deep: Probe, *, data_check_seconds: float,
                 retry_seconds: float | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        import threading
        import time

        self.cheap, self.deep = cheap, deep
        self.every = data_check_seconds
        self.retry = data_check_seconds if retry_seconds is None else retry_seconds
        self.clock = clock or time.monotonic
        self.last: dict[str, tuple[float, bool, str]] = {}
        self.data_checks = 0  # how many billed data checks ran (cost, bench)
        self._lock = threading.Lock()

    def due(self, name: str) -> bool:
        last = self.last.get(name)
        if last is None:
            return True
        wait = self.every if last[1] else self.retry
        return self.clock() - last[0] >= wait

    def __call__(self, name: str) -> tuple[bool, str]:
        if self.due(name):
            ok, why = self.deep(name)
            with self._lock:
                self.data_checks += 1
                self.last[name] = (self.clock(), ok, why)
            return ok, why
        ok, why = self.cheap(name)
        if not ok:
            return False, why
        at, deep_ok, deep_why = self.last[name]
        age = self.clock() - at
        return deep_ok, f"{why}; data check {age:.0f}s ago: {deep_why}"


def endpoint_probe(outputs: FleetOutputs, spec: FleetSpec, credentials: Credentials,
                   timeout: float = 2.0, *, data_check_seconds: float = 0.0,
                   retry_seconds: float | None = None) -> Probe:
    """AWS: connect to each consumer workgroup's endpoint directly (from inside the VPC),
    TLS required (the workgroups have require_ssl). ``data_check_seconds > 0``: the
    billed data check only that often, a session without a query in between
    (``TieredProbe``)."""
    checks = {n: share_checks(spec, n) for n in spec.lb_consumers}

    def kwargs_of(name: str) -> dict[str, Any] | None:
        c = outputs.consumers.get(name)
        if c is None or not c.endpoint_address:
            return None
        user, password = credentials(name)
        return {"host": c.endpoint_address, "port": int(c.port or 5439),
                "user": user, "password": password, "sslmode": "require",
                "dbname": c.database_name or CONSUMER_LOCAL_DATABASE}

    def with_login(check: Callable[[str, dict[str, Any]], tuple[bool, str]]) -> Probe:
        def run(name: str) -> tuple[bool, str]:
            kw = kwargs_of(name)
            if kw is None:
                return False, "no endpoint_address known for it"
            ok, why = check(name, kw)
            forget = getattr(credentials, "forget", None)
            # A refused login with a cached secret: it may have been rotated since it was
            # read. Read it again and, when the password changed, retry once, so a rotation
            # is not an outage.
            if not ok and login_refused(why) and forget is not None:
                forget(name)
                again = kwargs_of(name)
                if again is not None and again["password"] != kw["password"]:
                    ok, why = check(name, again)
            return ok, why
        return run

    deep = with_login(lambda name, kw: probe_redshift(kw, checks.get(name, []), timeout))
    if data_check_seconds <= 0:
        return deep
    cheap = with_login(lambda _name, kw: probe_connect(kw, timeout))

    return TieredProbe(cheap, deep, data_check_seconds=data_check_seconds,
                       retry_seconds=retry_seconds)


def probe_all(probe: Probe, names: list[str], workers: int = 8) -> dict[str, tuple[bool, str]]:
    """Probe consumers in parallel so one pass takes about one timeout, not N."""
    from concurrent.futures import ThreadPoolExecutor

    if not names:
        return {}

    def safe(name: str) -> tuple[bool, str]:
        try:
            return probe(name)
        except Exception as exc:  # a probe reports, never raises
            return False, f"probe error: {_short(exc)}"

    with ThreadPoolExecutor(max_workers=min(workers, len(names))) as pool:
        return dict(zip(names, pool.map(safe, names), strict=True))
