"""The local datashare executor: the planner's actions as PostgreSQL logical replication.

Same planner as on AWS (rsfleet.sharing.planner), another executor. The actions run in the
planner's order (its phases); each becomes one or more `LocalStep`s (a ShareStep):

planner action          Redshift                            local fleet (PostgreSQL 15)
CreateShare             CREATE DATASHARE                    CREATE PUBLICATION
AddSchema               ALTER DATASHARE ADD SCHEMA          ALTER PUBLICATION ADD TABLES IN SCHEMA
AddAllTables,           ALTER DATASHARE ...                 nothing: TABLES IN SCHEMA covers the
  SetIncludeNew                                             schema's current and future tables
AddTable                ALTER DATASHARE ADD TABLE           ALTER PUBLICATION ADD TABLE
Grant(consumer)         GRANT USAGE ... TO NAMESPACE        the consumer's slot on the producer
Mount(consumer)         CREATE DATABASE ... FROM DATASHARE  DDL copied from the producer, then
                                                            CREATE SUBSCRIPTION (that slot)
Unmount                 DROP DATABASE                       DROP SUBSCRIPTION (+ the database)
Revoke                  REVOKE USAGE ... FROM NAMESPACE     drop the consumer's slot
DropShare               DROP DATASHARE                      DROP PUBLICATION

One thing Redshift does by itself needs a step here: a table created later in a shared
schema is published at once (like INCLUDENEW), but each consumer needs its DDL and an
`ALTER SUBSCRIPTION ... REFRESH PUBLICATION`; `apply` plans those as "sync" steps, after
the plan's actions. Until then the consumers' apply workers wait for the table, so
replication to them pauses.

Unlike Redshift datashares (zero-copy: consumers read the producer's managed storage),
this copies rows. Slots are one per consumer × share, named `rsf_<share>_<consumer>`.
The replication role's password reaches the subscription through a libpq passfile
(0600, owned by the server user, in the consumer's node dir): it is in neither argv, logs
nor pg_subscription. Connections to the producer use TLS verified against the fleet CA.
Every identifier goes through psycopg.sql.Identifier / Literal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

import psycopg
from psycopg import sql

from rsfleet.errors import FleetError
from rsfleet.fleet import Fleet
from rsfleet.sharing import planner as p
from rsfleet.sharing.model import FleetShareState, Problem, ShareState, desired_from_spec
from rsfleet.sharing.sync import OnStep, SharePlan
from rsfleet.spec.identifiers import check_identifier
from rsfleet.spec.models import FleetSpec

REPLICATOR = "rsfleet_replicator"
WRITER = "etl_writer"
READER = "app_reader"
MAX_READY_LAG_BYTES = 16 * 1024 * 1024
F = TypeVar("F", bound=Fleet)


# -- results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalStep:
    """One statement that apply ran (or would run): a ShareStep. It carries where it runs,
    so that apply executes the plan that was shown, statement by statement."""

    target: str  # "producer" | "consumer c1" | "consumer c1 (sales_db)"
    sql: str  # without the final `;`
    node: str = field(default="", compare=False)  # "producer" or a consumer's name
    db: str = field(default="", compare=False)  # the database it runs in
    # done first: write the consumer's replication passfile (CREATE SUBSCRIPTION reads it);
    # close rsfleet's own connection to this database (DROP DATABASE)
    passfile: bool = field(default=False, compare=False)
    release: str = field(default="", compare=False)

    @property
    def where(self) -> str:
        return self.target

    @property
    def statement(self) -> str:
        return f"{self.sql};"

    def to_json(self) -> dict[str, str]:
        return {"target": self.target, "sql": self.sql}


# -- names and small helpers ------------------------------------------------------------


def subscription_name(share: str, consumer: str) -> str:
    """Deterministic and unique per consumer × share (slots share the producer's namespace).
    Also the replication slot's name. Long names keep a hash so they never collide."""
    name = f"rsf_{share}_{consumer.replace('-', '_')}"
    if len(name) > 63:
        digest = hashlib.sha256(f"{share}/{consumer}".encode()).hexdigest()[:8]
        name = f"rsf_{share[:28]}_{consumer.replace('-', '_')[:20]}_{digest}"
    return check_identifier(name)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _ident(*parts: str) -> sql.Composable:
    return sql.SQL(".").join(sql.Identifier(x) for x in parts)


def _producer_db(fleet: Fleet) -> str:
    return fleet.spec.producer.database_name


def _connect(fleet: Fleet, node: str, dbname: str, timeout: int = 5) -> psycopg.Connection:
    return psycopg.connect(**{**fleet.admin_kwargs(node, dbname), "connect_timeout": timeout},
                           autocommit=True)


# -- observation ------------------------------------------------------------------------


@dataclass
class _Observed:
    state: FleetShareState
    published: dict[str, set[tuple[str, str]]]  # share -> tables published now
    # (consumer, database) -> tables present there / relations the subscription tracks
    consumer_tables: dict[tuple[str, str], set[tuple[str, str]]]
    subscribed: dict[tuple[str, str], set[tuple[str, str]]]  # (consumer, share) -> relations
    databases: dict[str, set[str]]  # consumer -> databases that exist
    unreachable: dict[str, str]  # consumer -> why


def _observe_producer(cur: psycopg.Cursor, consumers: list[str]) -> tuple[
        dict[str, ShareState], dict[str, set[tuple[str, str]]]]:
    cur.execute("SELECT pubname FROM pg_publication ORDER BY 1")
    pubs = [r[0] for r in cur.fetchall()]
    cur.execute("""SELECT p.pubname, n.nspname FROM pg_publication_namespace pn
                   JOIN pg_publication p ON p.oid = pn.pnpubid
                   JOIN pg_namespace n ON n.oid = pn.pnnspid""")
    schemas: dict[str, set[str]] = {x: set() for x in pubs}
    for pub, nsp in cur.fetchall():
        schemas[pub].add(nsp)
    cur.execute("""SELECT p.pubname, n.nspname FROM pg_publication_rel pr
                   JOIN pg_publication p ON p.oid = pr.prpubid
                   JOIN pg_class c ON c.oid = pr.prrelid
                   JOIN pg_namespace n ON n.oid = c.relnamespace""")
    table_schemas: dict[str, set[str]] = {x: set() for x in pubs}
    for pub, nsp in cur.fetchall():
        table_schemas[pub].add(nsp)
    cur.execute("SELECT pubname, schemaname, tablename FROM pg_publication_tables")
    published: dict[str, set[tuple[str, str]]] = {x: set() for x in pubs}
    for pub, s, t in cur.fetchall():
        published[pub].add((s, t))
    cur.execute("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'rsf\\_%'")
    slots = {r[0] for r in cur.fetchall()}
    shares = {
        pub: ShareState(
            schemas=frozenset(schemas[pub] | table_schemas[pub]),
            includenew=frozenset(schemas[pub]),  # TABLES IN SCHEMA covers new tables
            tables=frozenset(f"{s}.{t}" for s, t in published[pub]),
            grants=frozenset(c for c in consumers if subscription_name(pub, c) in slots),
        )
        for pub in pubs
    }
    return shares, published


def _observe(fleet: Fleet) -> _Observed:
    spec = fleet.spec
    consumers = sorted(spec.consumers)
    with _connect(fleet, "producer", _producer_db(fleet)) as prod:
        shares, published = _observe_producer(prod.cursor(), consumers)
    mounts: dict[str, dict[str, str]] = {}
    consumer_tables: dict[tuple[str, str], set[tuple[str, str]]] = {}
    subscribed: dict[tuple[str, str], set[tuple[str, str]]] = {}
    databases: dict[str, set[str]] = {}
    unreachable: dict[str, str] = {}
    known = set(shares) | set(spec.datashares)
    for consumer in consumers:
        try:
            with _connect(fleet, consumer, "postgres", timeout=3) as c:
                databases[consumer] = {r[0] for r in c.execute(
                    "SELECT datname FROM pg_database WHERE NOT datistemplate")}
                subs = c.execute("""SELECT s.subname, d.datname, s.subpublications
                                    FROM pg_subscription s
                                    JOIN pg_database d ON d.oid = s.subdbid""").fetchall()
            ours = {subscription_name(share, consumer): share for share in known}
            for subname, datname, pubs in subs:
                share = ours.get(subname)
                if share is not None and share in (pubs or []):
                    mounts.setdefault(consumer, {})[datname] = share
            wanted_dbs = {spec.database_for(s) for s in spec.shares_of(consumer)}
            for db in sorted((wanted_dbs | set(mounts.get(consumer, {}))) & databases[consumer]):
                with _connect(fleet, consumer, db, timeout=3) as c:
                    consumer_tables[(consumer, db)] = {
                        (s, t) for s, t in c.execute(
                            """SELECT n.nspname, c.relname FROM pg_class c
                               JOIN pg_namespace n ON n.oid = c.relnamespace
                               WHERE c.relkind IN ('r', 'p')
                                 AND n.nspname NOT IN ('pg_catalog', 'information_schema')""")}
                    for share, subname in ((s, subscription_name(s, consumer))
                                           for s in known):
                        rows = c.execute(
                            """SELECT n.nspname, c.relname FROM pg_subscription s
                               JOIN pg_subscription_rel sr ON sr.srsubid = s.oid
                               JOIN pg_class c ON c.oid = sr.srrelid
                               JOIN pg_namespace n ON n.oid = c.relnamespace
                               WHERE s.subname = %s""", (subname,)).fetchall()
                        if mounts.get(consumer, {}).get(db) == share:
                            subscribed[(consumer, share)] = {(s, t) for s, t in rows}
        except psycopg.OperationalError as exc:
            unreachable[consumer] = _first_line(exc)
            mounts.pop(consumer, None)
    return _Observed(FleetShareState(shares, mounts), published, consumer_tables, subscribed,
                     databases, unreachable)


# -- the producer's catalog -------------------------------------------------------------


def _table_ddl(cur: psycopg.Cursor, schema: str, table: str) -> sql.Composed | None:
    """CREATE TABLE for a consumer: columns, types, NOT NULL, primary key (what logical
    replication needs). None when the table does not exist on the producer."""
    cur.execute(
        """SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped
           ORDER BY a.attnum""", (schema, table))
    cols: list[sql.Composable] = []
    for name, typ, notnull in cur.fetchall():
        # format_type() output is PostgreSQL's own rendering of the type, not user input.
        col = sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(typ))
        cols.append(col + (sql.SQL(" NOT NULL") if notnull else sql.SQL("")))
    if not cols:
        return None
    cur.execute(
        """SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
           WHERE i.indisprimary AND n.nspname = %s AND c.relname = %s
           ORDER BY array_position(i.indkey, a.attnum)""", (schema, table))
    pk = [r[0] for r in cur.fetchall()]
    if pk:
        cols.append(sql.SQL("PRIMARY KEY ({})").format(
            sql.SQL(", ").join(map(sql.Identifier, pk))))
    return sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(
        _ident(schema, table), sql.SQL(", ").join(cols))


def _schema_tables(cur: psycopg.Cursor, schema: str) -> set[tuple[str, str]]:
    cur.execute("""SELECT n.nspname, c.relname FROM pg_class c
                   JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = %s AND c.relkind IN ('r', 'p')""", (schema,))
    return {(r[0], r[1]) for r in cur.fetchall()}


def _schema_exists(cur: psycopg.Cursor, schema: str) -> bool:
    cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
    return cur.fetchone() is not None


def _table_exists(cur: psycopg.Cursor, schema: str, table: str) -> bool:
    cur.execute("""SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = %s AND c.relname = %s""", (schema, table))
    return cur.fetchone() is not None


# -- execution --------------------------------------------------------------------------


class _Runner:
    """Records the statements of a plan (nothing is run: `_carry_out` runs a plan)."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet
        self.steps: list[LocalStep] = []

    def run(self, node: str, db: str, stmt: sql.Composed | sql.SQL,
            target: str | None = None, *, passfile: bool = False, release: str = "") -> None:
        self.steps.append(LocalStep(
            target or (node if node == "producer" else f"consumer {node} ({db})"),
            stmt.as_string(None),  # identifiers and literals rendered by psycopg
            node=node, db=db, passfile=passfile, release=release))


def _carry_out(fleet: Fleet, steps: Sequence[LocalStep],
               on_step: OnStep | None) -> list[LocalStep]:
    """Run the plan's statements in order, one autocommit connection per node × database,
    stopping at the first failure (the next plan resumes from what is there)."""
    conns: dict[tuple[str, str], psycopg.Connection] = {}
    done: list[LocalStep] = []
    try:
        for step in steps:
            if step.release:  # DROP DATABASE: not while rsfleet itself is connected to it
                old = conns.pop((step.node, step.release), None)
                if old is not None:
                    old.close()
            if step.passfile:
                _passfile(fleet, step.node)
            if on_step:
                on_step(step)
            key = (step.node, step.db)
            if key not in conns:
                conns[key] = _connect(fleet, step.node, step.db)
            try:
                # the statement was rendered by psycopg from identifiers and literals
                conns[key].execute(sql.SQL(step.sql))
            except psycopg.Error as exc:
                raise FleetError(f"on {step.target}: {step.sql} failed: {_first_line(exc)}",
                                 hint=_fix_for(exc)) from None
            done.append(step)
    finally:
        for conn in conns.values():
            conn.close()
    return done


def _fix_for(exc: psycopg.Error) -> str:
    text = _first_line(exc).lower()
    if "does not exist" in text:
        return "create it on the producer (or fix the spec), then run `rsfleet share apply`"
    if "permission denied" in text:
        return "the local fleet's roles are not as rsfleet set them up: run `rsfleet local up`"
    if "could not connect" in text or "connection" in text:
        return "start the fleet (`rsfleet local up`) and run `rsfleet share apply` again"
    return "fix the cause and run `rsfleet share apply` again: it resumes where this stopped"


def _passfile(fleet: Fleet, consumer: str) -> tuple[str, str]:
    """(passfile, CA file) in the consumer's node dir, readable only by the server user."""
    node_dir = fleet.node_dir(consumer)
    path = node_dir / "replication.pgpass"
    prod = fleet.producer
    # .pgpass escaping: backslash and colon (https://www.postgresql.org/docs/15/libpq-pgpass.html)
    secret = fleet.password(REPLICATOR).replace("\\", "\\\\").replace(":", "\\:")
    line = f"127.0.0.1:{prod.port}:{_producer_db(fleet)}:{REPLICATOR}:{secret}\n"
    ca = node_dir / "ca.crt"
    fleet.write_server_file(path, line, private=True)
    fleet.write_server_file(ca, fleet.ca_file.read_bytes(), private=False)
    return str(path), str(ca)


def _conninfo(fleet: Fleet, consumer: str) -> str:
    node_dir = fleet.node_dir(consumer)
    # Values are ours (port number, validated database name, paths under the state dir).
    return (f"host=127.0.0.1 port={fleet.producer.port} dbname={_producer_db(fleet)} "
            f"user={REPLICATOR} sslmode=verify-full sslrootcert={node_dir / 'ca.crt'} "
            f"passfile={node_dir / 'replication.pgpass'}")


def _grant_replicator_schema(r: _Runner, schema: str) -> None:
    db = _producer_db(r.fleet)
    s, rep = sql.Identifier(schema), sql.Identifier(REPLICATOR)
    r.run("producer", db, sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(s, rep))
    r.run("producer", db, sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(s, rep))
    r.run("producer", db, sql.SQL(
        "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(
        sql.Identifier(WRITER), s, rep))


def _execute(r: _Runner, a: p.Action, prod: psycopg.Cursor, obs: _Observed,
             published: dict[str, set[tuple[str, str]]]) -> None:
    """One planner action as statements on the producer or a consumer."""
    db = _producer_db(r.fleet)
    share = sql.Identifier(a.share)
    match a:
        case p.CreateShare():
            r.run("producer", db, sql.SQL("CREATE PUBLICATION {}").format(share))
        case p.AddSchema(schema=schema):
            spec_share = r.fleet.spec.datashares.get(a.share)
            if spec_share is not None and schema not in spec_share.schemas:
                return  # only the schema of an extra table: nothing to publish by itself
            if not _schema_exists(prod, schema):
                r.run("producer", db, sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(
                    sql.Identifier(schema), sql.Identifier(WRITER)))
            r.run("producer", db, sql.SQL("ALTER PUBLICATION {} ADD TABLES IN SCHEMA {}").format(
                share, sql.Identifier(schema)))
            _grant_replicator_schema(r, schema)
        case p.AddAllTables() | p.SetIncludeNew():
            pass  # FOR TABLES IN SCHEMA publishes the schema's current and future tables
        case p.AddTable(schema=schema, table=table):
            r.run("producer", db, sql.SQL("ALTER PUBLICATION {} ADD TABLE {}").format(
                share, _ident(schema, table)))
            r.run("producer", db, sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                sql.Identifier(schema), sql.Identifier(REPLICATOR)))
            r.run("producer", db, sql.SQL("GRANT SELECT ON {} TO {}").format(
                _ident(schema, table), sql.Identifier(REPLICATOR)))
        case p.RemoveSchema(schema=schema):
            prod.execute("""SELECT 1 FROM pg_publication_namespace pn
                            JOIN pg_publication p ON p.oid = pn.pnpubid
                            JOIN pg_namespace n ON n.oid = pn.pnnspid
                            WHERE p.pubname = %s AND n.nspname = %s""", (a.share, schema))
            if prod.fetchone() is not None:
                r.run("producer", db, sql.SQL("ALTER PUBLICATION {} DROP TABLES IN SCHEMA {}")
                      .format(share, sql.Identifier(schema)))
            prod.execute("""SELECT c.relname FROM pg_publication_rel pr
                            JOIN pg_publication p ON p.oid = pr.prpubid
                            JOIN pg_class c ON c.oid = pr.prrelid
                            JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE p.pubname = %s AND n.nspname = %s ORDER BY 1""",
                         (a.share, schema))
            for (table,) in prod.fetchall():
                r.run("producer", db, sql.SQL("ALTER PUBLICATION {} DROP TABLE {}").format(
                    share, _ident(schema, table)))
        case p.RemoveTable(schema=schema, table=table):
            r.run("producer", db, sql.SQL("ALTER PUBLICATION {} DROP TABLE {}").format(
                share, _ident(schema, table)))
        case p.Grant(consumer=consumer):
            slot = subscription_name(a.share, consumer)
            r.run("producer", db, sql.SQL(
                "SELECT pg_create_logical_replication_slot({}, 'pgoutput')").format(
                sql.Literal(slot)))
        case p.Revoke(consumer=consumer):
            slot = subscription_name(a.share, consumer)
            r.run("producer", db, sql.SQL(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                "WHERE slot_name = {} AND NOT active").format(sql.Literal(slot)))
        case p.DropShare():
            r.run("producer", db, sql.SQL("DROP PUBLICATION IF EXISTS {}").format(share))
        case p.Mount():
            _mount(r, a, obs, published.get(a.share, set()), prod)
        case p.Unmount():
            _unmount(r, a)
        case _:  # pragma: no cover - the planner makes no other action
            raise TypeError(f"not a datashare action: {a!r}")


def _copy_tables(r: _Runner, consumer: str, db: str, tables: set[tuple[str, str]],
                 present: set[tuple[str, str]], prod: psycopg.Cursor) -> None:
    """DDL + grants for `tables` missing on the consumer."""
    missing = sorted(tables - present)
    for schema in sorted({s for s, _ in missing} - {s for s, _ in present}):
        ident = sql.Identifier(schema)
        r.run(consumer, db, sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(ident))
        r.run(consumer, db, sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
            ident, sql.Identifier(READER)))
        r.run(consumer, db, sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(
            ident, sql.Identifier(READER)))
    for schema, table in missing:
        ddl = _table_ddl(prod, schema, table)
        if ddl is None:
            continue  # dry run of a table the producer does not have: its ADD TABLE fails
        r.run(consumer, db, ddl)
        r.run(consumer, db, sql.SQL("GRANT SELECT ON {} TO {}").format(
            _ident(schema, table), sql.Identifier(READER)))


def _mount(r: _Runner, a: p.Mount, obs: _Observed, published: set[tuple[str, str]],
           prod: psycopg.Cursor) -> None:
    consumer, db = a.consumer, a.database
    if db not in obs.databases.get(consumer, set()):
        r.run(consumer, "postgres", sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)),
              target=f"consumer {consumer}")
        r.run(consumer, "postgres", sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(db), sql.Identifier(READER)), target=f"consumer {consumer}")
        obs.databases.setdefault(consumer, set()).add(db)
        present: set[tuple[str, str]] = set()
    else:
        present = obs.consumer_tables.get((consumer, db), set())
    _copy_tables(r, consumer, db, published, present, prod)
    stale = sorted(published & present)
    if stale:
        # A new subscription copies every row: empty what an earlier one left behind.
        r.run(consumer, db, sql.SQL("TRUNCATE {}").format(
            sql.SQL(", ").join(_ident(s, t) for s, t in stale)))
    obs.consumer_tables[(consumer, db)] = present | published
    sub = subscription_name(a.share, consumer)
    r.run(consumer, db, sql.SQL(
        "CREATE SUBSCRIPTION {} CONNECTION {} PUBLICATION {} "
        "WITH (create_slot = false, slot_name = {})").format(
        sql.Identifier(sub), sql.Literal(_conninfo(r.fleet, consumer)),
        sql.Identifier(a.share), sql.Identifier(sub)), passfile=True)


def _unmount(r: _Runner, a: p.Unmount) -> None:
    spec = r.fleet.spec
    sub = subscription_name(a.share, a.consumer)
    r.run(a.consumer, a.database,
          sql.SQL("DROP SUBSCRIPTION IF EXISTS {}").format(sql.Identifier(sub)))
    still_wanted = a.consumer in spec.consumers and a.database in {
        spec.database_for(s) for s in spec.shares_of(a.consumer)}
    if not still_wanted:
        r.run(a.consumer, "postgres", sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(a.database)), target=f"consumer {a.consumer}", release=a.database)


def _plan(fleet: Fleet, *, prune: bool) -> SharePlan:
    """Observe, plan (pure: planner.py), and render every statement apply will run, in
    order. Reads the producer's catalog (table DDL, what each share will publish); changes
    nothing."""
    spec = fleet.spec
    obs = _observe(fleet)
    # Consumers we cannot reach are left out of this run on both sides (nothing granted,
    # nothing revoked): their state is unknown until they are back.
    gone = set(obs.unreachable)
    desired = [replace(d, consumers=tuple(c for c in d.consumers if c not in gone))
               for d in desired_from_spec(spec)]
    observed = FleetShareState(
        {k: replace(v, grants=v.grants - gone) for k, v in obs.state.shares.items()},
        obs.state.mounts)
    the_plan = p.plan(desired, observed, prune=prune)
    r = _Runner(fleet)
    with _connect(fleet, "producer", _producer_db(fleet)) as conn:
        prod = conn.cursor()
        # What each share publishes once the producer's steps ran: the tables the
        # consumers get (their DDL, their subscriptions' refresh, what prune drops).
        published = _projected(fleet, obs, prod, the_plan.actions)
        for a in the_plan.actions:  # in the planner's order (planner.py)
            _execute(r, a, prod, obs, published)
        mounted_now = {(a.consumer, a.share) for a in the_plan.actions
                       if isinstance(a, p.Mount)}
        _sync(r, obs, published, mounted_now, prod, prune=prune)
    text = "".join(f"-- on {s.target}\n{s.statement}\n" for s in r.steps)
    return SharePlan(r.steps, text, the_plan.would_prune, tuple(sorted(obs.unreachable)))


def _projected(fleet: Fleet, obs: _Observed, prod: psycopg.Cursor,
               actions: Sequence[p.Action]) -> dict[str, set[tuple[str, str]]]:
    """What each publication will publish after the plan's producer actions: what it
    publishes now, changed action by action as `_execute` changes it."""
    out = {k: set(v) for k, v in obs.published.items()}
    for a in actions:
        match a:
            case p.CreateShare():
                out.setdefault(a.share, set())
            case p.AddSchema(schema=schema):
                spec_share = fleet.spec.datashares.get(a.share)
                if spec_share is None or schema in spec_share.schemas:
                    out.setdefault(a.share, set()).update(_schema_tables(prod, schema))
            case p.AddTable(schema=schema, table=table):
                if _table_exists(prod, schema, table):
                    out.setdefault(a.share, set()).add((schema, table))
            case p.RemoveSchema(schema=schema):
                out[a.share] = {t for t in out.get(a.share, set()) if t[0] != schema}
            case p.RemoveTable(schema=schema, table=table):
                out.get(a.share, set()).discard((schema, table))
            case p.DropShare():
                out.pop(a.share, None)
    return out


def _sync(r: _Runner, obs: _Observed, published: dict[str, set[tuple[str, str]]],
          mounted_now: set[tuple[str, str]], prod: psycopg.Cursor, *, prune: bool) -> None:
    """Existing subscriptions follow their publication: new tables get DDL on the consumer
    and the subscription is refreshed; with prune, the consumer's copies of tables that left
    the share are dropped. The replication role can read every published table."""
    db = _producer_db(r.fleet)
    for share in sorted(published):
        for s, t in sorted(published[share]):
            prod.execute("SELECT has_table_privilege(%s, format('%%I.%%I', %s::text, %s::text),"
                         " 'SELECT')", (REPLICATOR, s, t))
            row = prod.fetchone()
            if row and not row[0]:
                r.run("producer", db, sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                    sql.Identifier(s), sql.Identifier(REPLICATOR)))
                r.run("producer", db, sql.SQL("GRANT SELECT ON {} TO {}").format(
                    _ident(s, t), sql.Identifier(REPLICATOR)))
    spec = r.fleet.spec
    for consumer in sorted(spec.consumers):
        if consumer in obs.unreachable:
            continue
        for share in spec.shares_of(consumer):
            dbname = spec.database_for(share)
            if (consumer, share) in mounted_now:
                continue
            if obs.state.mounts.get(consumer, {}).get(dbname) != share:
                continue
            want = published.get(share, set())
            present = obs.consumer_tables.get((consumer, dbname), set())
            _copy_tables(r, consumer, dbname, want, present, prod)
            tracked = obs.subscribed.get((consumer, share), set())
            if want != tracked:
                r.run(consumer, dbname, sql.SQL("ALTER SUBSCRIPTION {} REFRESH PUBLICATION").format(
                    sql.Identifier(subscription_name(share, consumer))))
            left = sorted(tracked - want)
            if prune and left:
                r.run(consumer, dbname, sql.SQL("DROP TABLE IF EXISTS {}").format(
                    sql.SQL(", ").join(_ident(s, t) for s, t in left)))


# -- the API the commands and the local fleet use ----------------------------------------


def with_datashares_of(fleet: F, spec: FleetSpec) -> F:
    """The fleet with `spec`'s datashares (its nodes stay as they are). A share naming a
    consumer the running fleet does not have is bad input."""
    from pydantic import ValidationError

    from rsfleet.errors import UsageError

    doc = fleet.spec.model_dump(mode="json")
    doc["datashares"] = {k: v.model_dump(mode="json") for k, v in spec.datashares.items()}
    try:
        merged = FleetSpec.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0].get("msg", str(exc)).removeprefix("Value error, ")
        raise UsageError(f"datashares do not fit the running local fleet: {first.splitlines()[0]}",
                         hint="add the consumer with `rsfleet local up` (or `local scale`) "
                         "first, or fix the spec") from None
    return fleet.with_spec(merged)


class LocalShares:
    """The local fleet's datashares (publications and subscriptions): a ShareBackend."""

    def __init__(self, fleet: Fleet, *, save: bool = True) -> None:
        self.fleet = fleet
        self.save = save  # remember the spec's datashares in fleet.json after execute

    def plan(self, *, prune: bool) -> SharePlan:
        """What `execute` would run, changing nothing."""
        return _plan(self.fleet, prune=prune)

    def execute(self, plan: SharePlan, *, prune: bool,
                on_step: OnStep | None) -> list[LocalStep]:
        """Run exactly the statements of `plan` (what `share plan` showed), in order, or
        nothing: a plan the fleet has moved away from (the producer got a table in a shared
        schema, a consumer came back) is refused, as Terraform refuses a stale saved plan.
        Its statements could fail half-way (a consumer's REFRESH PUBLICATION of a table
        whose DDL the old plan lacks) or miss what is needed now."""
        now = _plan(self.fleet, prune=prune)
        if list(now.steps) != list(plan.steps):
            changed = len(set(now.steps) ^ set(plan.steps))
            raise FleetError(f"the fleet changed since the plan was made ({changed} "
                             "statement(s) differ): nothing was applied",
                             hint="run `rsfleet share plan` (or `share apply`) again")
        steps = _carry_out(self.fleet, [s for s in plan.steps if isinstance(s, LocalStep)],
                           on_step)
        if self.save:  # the local fleet remembers its datashares (restarts re-apply them)
            self.fleet.save()
        return steps

    def verify(self) -> list[Problem]:
        return verify_local(self.fleet)


def plan_local(fleet: Fleet, *, prune: bool = False) -> SharePlan:
    """What `apply_local` would run, changing nothing."""
    return LocalShares(fleet, save=False).plan(prune=prune)


def apply_local(fleet: Fleet, *, prune: bool = False) -> list[LocalStep]:
    """Make publications and subscriptions match the spec (plan, then `sync`); returns the
    statements run. An empty list means nothing to do. Unreachable consumers are skipped
    with a warning (their share is completed by the next apply). fleet.json is not
    rewritten (`share apply` does that through LocalShares)."""
    from rsfleet.output import warn
    from rsfleet.sharing.sync import sync

    shares = LocalShares(fleet, save=False)
    the_plan = shares.plan(prune=prune)
    for consumer in the_plan.skipped:
        warn(f"consumer {consumer} not reachable: its datashares were left as they are "
             f"(start it: rsfleet local restart {consumer}; then share apply)")
    if the_plan.empty:
        return []
    done = sync(the_plan, shares, dry_run=False, prune=prune).done
    return [s for s in done if isinstance(s, LocalStep)]


def consumer_ready(fleet: Fleet, consumer: str) -> tuple[bool, str]:
    """Ready when every subscription of the consumer exists and is enabled, every subscribed
    relation finished its initial copy (srsubstate 'r'), and the slot's lag on the producer
    is under MAX_READY_LAG_BYTES."""
    spec = fleet.spec
    try:
        for share in spec.shares_of(consumer):
            sub = subscription_name(share, consumer)
            with psycopg.connect(**{**fleet.admin_kwargs(consumer, spec.database_for(share)),
                                    "connect_timeout": 2}) as c:
                row = c.execute(
                    """SELECT s.subenabled, count(sr.srrelid),
                              count(*) FILTER (WHERE sr.srsubstate <> 'r')
                       FROM pg_subscription s LEFT JOIN pg_subscription_rel sr
                       ON sr.srsubid = s.oid WHERE s.subname = %s GROUP BY s.subenabled""",
                    (sub,)).fetchone()
            if row is None:
                return False, f"share {share} not subscribed"
            if not row[0]:
                return False, f"subscription to {share} disabled"
            if row[2]:
                return False, f"initial copy of {share} running ({row[2]} of {row[1]} tables)"
        with psycopg.connect(**{**fleet.admin_kwargs("producer", _producer_db(fleet)),
                                "connect_timeout": 2}) as prod:
            for share in spec.shares_of(consumer):
                lag = prod.execute(
                    """SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn),
                              wal_status
                       FROM pg_replication_slots WHERE slot_name = %s""",
                    (subscription_name(share, consumer),)).fetchone()
                if lag is None:
                    return False, f"no replication slot for {share}"
                if lag[1] == "lost":
                    return False, f"replication slot for {share} lost (WAL removed): " \
                                  "drop and re-add the consumer"
                if lag[0] is not None and lag[0] > MAX_READY_LAG_BYTES:
                    return False, f"replication lag {int(lag[0])} bytes"
    except psycopg.Error as exc:
        return False, f"not reachable: {_first_line(exc)}"
    return True, "ready"


def verify_local(fleet: Fleet) -> list[Problem]:
    """Each consumer reads each published table as app_reader, and is subscribed and caught
    up; one Problem line per thing missing. Empty list: all good."""
    problems: list[Problem] = []
    spec = fleet.spec
    with _connect(fleet, "producer", _producer_db(fleet)) as prod:
        _, published = _observe_producer(prod.cursor(), [])
    for share, ds in sorted(spec.datashares.items()):
        tables = published.get(share)
        if tables is None:
            problems.append(Problem(f"producer: datashare {share} does not exist "
                                    "(run rsfleet share apply)", object=share))
            continue
        if not tables:
            problems.append(Problem(f"producer: share {share} publishes no tables "
                                    "(seed the producer?)", object=share))
        for qualified in ds.tables:
            if tuple(qualified.split(".", 1)) not in tables:
                problems.append(Problem(f"producer: {qualified} is not in share {share}",
                                        object=qualified))
    for consumer in sorted(spec.consumers):
        for share in spec.shares_of(consumer):
            db = spec.database_for(share)
            readable = sorted(published.get(share) or ())
            if not readable:
                continue
            try:
                with psycopg.connect(**fleet.connect_kwargs(consumer, READER, db)) as c:
                    for s, t in readable:
                        try:
                            c.execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(_ident(s, t)))
                        except psycopg.Error as exc:
                            c.rollback()
                            problems.append(Problem(
                                f"consumer {consumer}: {db}.{s}.{t}: {_first_line(exc)}",
                                consumer=consumer, object=f"{db}.{s}.{t}"))
            except psycopg.Error as exc:
                problems.append(Problem(f"consumer {consumer}: cannot connect to {db}: "
                                        f"{_first_line(exc)}", consumer=consumer, object=db))
                continue
            ready, reason = consumer_ready(fleet, consumer)
            if not ready:
                problems.append(Problem(f"consumer {consumer}: {reason}", consumer=consumer,
                                        object=share))
    # one readiness line per consumer is enough
    seen: set[str] = set()
    out: list[Problem] = []
    for item in problems:
        if item.text in seen:
            continue
        seen.add(item.text)
        out.append(item)
    return out


def drop_consumer(fleet: Fleet, consumer: str) -> None:
    """Drop the consumer's subscriptions (and so their slots); if the consumer is down,
    drop its slots on the producer directly so WAL is not retained for it."""
    spec = fleet.spec
    shares = spec.shares_of(consumer) if consumer in spec.consumers else sorted(spec.datashares)
    for share in shares:
        sub = subscription_name(share, consumer)
        try:
            with _connect(fleet, consumer, spec.database_for(share), timeout=2) as c:
                c.execute(sql.SQL("DROP SUBSCRIPTION IF EXISTS {}").format(sql.Identifier(sub)))
        except (psycopg.Error, FileNotFoundError, KeyError, FleetError):
            pass
        with _connect(fleet, "producer", _producer_db(fleet)) as prod:
            prod.execute("""SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                            WHERE slot_name = %s AND NOT active""", (sub,))
