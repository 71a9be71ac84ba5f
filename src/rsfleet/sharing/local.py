"""The local datashare executor: PostgreSQL logical replication on the local fleet.

A datashare is a publication on the producer (`FOR TABLES IN SCHEMA` for shared schemas,
plus extra tables); each consumer subscribes in the share's consumer database after
creating the tables' DDL (copied from the producer catalog). Unlike Redshift datashares
(zero-copy), this copies rows. The replication role's password reaches the subscription
through a libpq passfile owned by the server user, so it is neither in argv nor in
pg_subscription.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from rsfleet.local.postgres import write_private
from rsfleet.spec.identifiers import check_identifier

REPLICATOR = "rsfleet_replicator"
MAX_READY_LAG_BYTES = 16 * 1024 * 1024


def subscription_name(share: str, consumer: str) -> str:
    """Deterministic, unique per consumer (slots live on the producer, shared namespace)."""
    return check_identifier(f"rsf_{share}_{consumer.replace('-', '_')}"[:63])


def _producer(fleet: Any, autocommit: bool = True) -> psycopg.Connection:
    return psycopg.connect(**fleet.admin_kwargs("producer", fleet.spec.producer.database_name),
                           autocommit=autocommit)


def _published_tables(cur: psycopg.Cursor, share: str) -> list[tuple[str, str]]:
    cur.execute("SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = %s "
                "ORDER BY 1, 2", (share,))
    return [(r[0], r[1]) for r in cur.fetchall()]


def _table_ddl(cur: psycopg.Cursor, schema: str, table: str) -> sql.Composed:
    cur.execute(
        """SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped
           ORDER BY a.attnum""", (schema, table))
    cols = []
    for name, typ, notnull in cur.fetchall():
        # format_type() output is PostgreSQL's own type text, not user input.
        col = sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(typ))
        cols.append(col + (sql.SQL(" NOT NULL") if notnull else sql.SQL("")))
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
    return sql.SQL("CREATE TABLE IF NOT EXISTS {}.{} ({})").format(
        sql.Identifier(schema), sql.Identifier(table), sql.SQL(", ").join(cols))


def _passfile(fleet: Any, consumer: str) -> str:
    node = fleet.node(consumer)
    path = node.root / "replication.pgpass"
    prod = fleet.producer
    line = f"127.0.0.1:{prod.port}:{fleet.spec.producer.database_name}:{REPLICATOR}:" \
           f"{fleet.password(REPLICATOR)}\n"
    write_private(path, line, owner_is_server=True)
    ca = node.root / "ca.crt"
    ca.write_bytes(fleet.ca_file.read_bytes())
    from rsfleet.local.postgres import give_to_server_user

    give_to_server_user(ca)
    return str(path)


def apply_local(fleet: Any, *, dry_run: bool = False) -> list[str]:
    """Make publications and subscriptions match the spec. Returns what was (or would be)
    done, one SQL-ish line per change; an empty list means nothing to do."""
    done: list[str] = []
    spec = fleet.spec

    def step(conn: psycopg.Connection | None, stmt: sql.Composable, where: str) -> None:
        text = stmt.as_string(conn) if conn is not None else str(stmt)
        done.append(f"-- on {where}\n{text};")
        if not dry_run and conn is not None:
            conn.execute(stmt)

    with _producer(fleet) as prod:
        cur = prod.cursor()
        for share in sorted(spec.datashares):
            ds = spec.datashares[share]
            cur.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", (share,))
            if cur.fetchone() is None:
                step(prod, sql.SQL("CREATE PUBLICATION {}").format(sql.Identifier(share)),
                     "producer")
            cur.execute("""SELECT n.nspname FROM pg_publication_namespace pn
                           JOIN pg_publication p ON p.oid = pn.pnpubid
                           JOIN pg_namespace n ON n.oid = pn.pnnspid WHERE p.pubname = %s""",
                        (share,))
            have_schemas = {r[0] for r in cur.fetchall()}
            cur.execute("""SELECT n.nspname || '.' || c.relname FROM pg_publication_rel pr
                           JOIN pg_publication p ON p.oid = pr.prpubid
                           JOIN pg_class c ON c.oid = pr.prrelid
                           JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE p.pubname = %s""", (share,))
            have_tables = {r[0] for r in cur.fetchall()}
            for schema in ds.schemas:
                if not _schema_exists(cur, schema):
                    step(prod, sql.SQL("CREATE SCHEMA {} AUTHORIZATION etl_writer").format(
                        sql.Identifier(schema)), "producer")
                if schema not in have_schemas:
                    step(prod, sql.SQL("ALTER PUBLICATION {} ADD TABLES IN SCHEMA {}").format(
                        sql.Identifier(share), sql.Identifier(schema)), "producer")
            for qualified in ds.tables:
                if qualified not in have_tables:
                    schema, table = qualified.split(".", 1)
                    step(prod, sql.SQL("ALTER PUBLICATION {} ADD TABLE {}.{}").format(
                        sql.Identifier(share), sql.Identifier(schema), sql.Identifier(table)),
                        "producer")
        # The replication role may read what it publishes.
        for schema in sorted({s for ds in spec.datashares.values() for s in ds.schemas}
                             | {t.split(".")[0] for ds in spec.datashares.values()
                                for t in ds.tables}):
            if not dry_run and _schema_exists(cur, schema):
                prod.execute(sql.SQL("GRANT USAGE ON SCHEMA {0} TO {1}; "
                                     "GRANT SELECT ON ALL TABLES IN SCHEMA {0} TO {1}").format(
                    sql.Identifier(schema), sql.Identifier(REPLICATOR)))
        published = {share: _published_tables(cur, share) for share in spec.datashares}
        ddl = {(s, t): _table_ddl(cur, s, t) for tables in published.values() for s, t in tables}

    for consumer in sorted(spec.consumers):
        for share in spec.shares_of(consumer):
            db = spec.database_for(share)
            done.extend(_apply_consumer(fleet, consumer, share, db, published[share], ddl,
                                        dry_run=dry_run))
    return done


def _schema_exists(cur: psycopg.Cursor, schema: str) -> bool:
    cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
    return cur.fetchone() is not None


def _apply_consumer(fleet: Any, consumer: str, share: str, db: str,
                    tables: list[tuple[str, str]], ddl: dict, *, dry_run: bool) -> list[str]:
    done: list[str] = []
    where = f"consumer {consumer} ({db})"
    sub = subscription_name(share, consumer)
    with psycopg.connect(**fleet.admin_kwargs(consumer, db), autocommit=True) as conn:
        cur = conn.cursor()

        def step(stmt: sql.Composable) -> None:
            done.append(f"-- on {where}\n{stmt.as_string(conn)};")
            if not dry_run:
                conn.execute(stmt)

        cur.execute("""SELECT n.nspname, c.relname FROM pg_class c
                       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r'""")
        have = {(r[0], r[1]) for r in cur.fetchall()}
        for schema in sorted({s for s, _ in tables}):
            if not any(s == schema for s, _ in have) and not _schema_exists(cur, schema):
                step(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
                step(sql.SQL("GRANT USAGE ON SCHEMA {} TO app_reader").format(
                    sql.Identifier(schema)))
                step(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES "
                             "TO app_reader").format(sql.Identifier(schema)))
        missing = [(s, t) for s, t in tables if (s, t) not in have]
        for s, t in missing:
            step(ddl[(s, t)])
            step(sql.SQL("GRANT SELECT ON {}.{} TO app_reader").format(
                sql.Identifier(s), sql.Identifier(t)))
        cur.execute("SELECT 1 FROM pg_subscription WHERE subname = %s", (sub,))
        if cur.fetchone() is None:
            prod = fleet.producer
            conninfo = (f"host=127.0.0.1 port={prod.port} "
                        f"dbname={fleet.spec.producer.database_name} user={REPLICATOR} "
                        f"sslmode=verify-full sslrootcert={fleet.node(consumer).root / 'ca.crt'} "
                        f"passfile={fleet.node(consumer).root / 'replication.pgpass'}")
            if not dry_run:
                _passfile(fleet, consumer)
            step(sql.SQL("CREATE SUBSCRIPTION {} CONNECTION {} PUBLICATION {}").format(
                sql.Identifier(sub), sql.Literal(conninfo), sql.Identifier(share)))
        elif missing:
            step(sql.SQL("ALTER SUBSCRIPTION {} REFRESH PUBLICATION").format(
                sql.Identifier(sub)))
    return done


def consumer_ready(fleet: Any, consumer: str) -> tuple[bool, str]:
    """Ready when every subscribed relation finished its initial copy (state 'r') and the
    replication lag is under MAX_READY_LAG_BYTES."""
    spec = fleet.spec
    try:
        for share in spec.shares_of(consumer):
            db = spec.database_for(share)
            sub = subscription_name(share, consumer)
            with psycopg.connect(**{**fleet.admin_kwargs(consumer, db), "connect_timeout": 2}) as c:
                row = c.execute(
                    """SELECT count(*), count(*) FILTER (WHERE sr.srsubstate <> 'r')
                       FROM pg_subscription s LEFT JOIN pg_subscription_rel sr
                       ON sr.srsubid = s.oid WHERE s.subname = %s""", (sub,)).fetchone()
                exists = c.execute("SELECT count(*) FROM pg_subscription WHERE subname = %s",
                                   (sub,)).fetchone()
            if not exists or exists[0] == 0:
                return False, f"share {share} not subscribed"
            if row and row[1]:
                return False, f"initial copy of {share} running ({row[1]} of {row[0]} tables)"
        with _producer(fleet) as prod:
            for share in spec.shares_of(consumer):
                lag = prod.execute(
                    """SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn), active
                       FROM pg_replication_slots WHERE slot_name = %s""",
                    (subscription_name(share, consumer),)).fetchone()
                if lag is None:
                    return False, f"no replication slot for {share}"
                if lag[0] is not None and lag[0] > MAX_READY_LAG_BYTES:
                    return False, f"replication lag {int(lag[0])} bytes"
    except psycopg.Error as exc:
        return False, f"not reachable: {str(exc).strip().splitlines()[0]}"
    return True, "ready"


def verify_local(fleet: Any) -> list[str]:
    """Each consumer reads each published table as app_reader; problems as lines."""
    problems: list[str] = []
    spec = fleet.spec
    with _producer(fleet) as prod:
        published = {s: _published_tables(prod.cursor(), s) for s in spec.datashares}
    for share, tables in sorted(published.items()):
        if not tables:
            problems.append(f"share {share} publishes no tables (seed the producer?)")
    for consumer in sorted(spec.consumers):
        for share in spec.shares_of(consumer):
            db = spec.database_for(share)
            if not published[share]:
                continue
            try:
                with psycopg.connect(**fleet.connect_kwargs(consumer, "app_reader", db)) as c:
                    for s, t in published[share]:
                        try:
                            c.execute(sql.SQL("SELECT 1 FROM {}.{} LIMIT 1").format(
                                sql.Identifier(s), sql.Identifier(t)))
                        except psycopg.Error as exc:
                            c.rollback()
                            problems.append(f"consumer {consumer}: {db}.{s}.{t}: "
                                            f"{str(exc).strip().splitlines()[0]}")
            except psycopg.Error as exc:
                problems.append(f"consumer {consumer}: cannot connect to {db}: "
                                f"{str(exc).strip().splitlines()[0]}")
                continue
            ready, reason = consumer_ready(fleet, consumer)
            if not ready:
                problems.append(f"consumer {consumer}: {reason}")
    return problems


def drop_consumer(fleet: Any, consumer: str) -> None:
    """Drop the consumer's subscriptions (and so their slots); if the consumer is down,
    drop its slots on the producer directly so WAL is not retained for it."""
    spec = fleet.spec
    for share in spec.shares_of(consumer) if consumer in spec.consumers else spec.datashares:
        sub = subscription_name(share, consumer)
        try:
            kw = {**fleet.admin_kwargs(consumer, spec.database_for(share)), "connect_timeout": 2}
            with psycopg.connect(**kw, autocommit=True) as c:
                c.execute(sql.SQL("DROP SUBSCRIPTION IF EXISTS {}").format(sql.Identifier(sub)))
        except (psycopg.Error, FileNotFoundError, KeyError):
            pass
        with _producer(fleet) as prod:
            prod.execute("""SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                            WHERE slot_name = %s AND NOT active""", (sub,))
