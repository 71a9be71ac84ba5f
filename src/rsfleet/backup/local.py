"""Backups of the local fleet's producer: WAL archive, base backups, point-in-time restore.

Layout in the state dir:
  backup/wal/              the producer's archived WAL (archive_command copies each segment)
  backup/base/<name>/      a base backup (`pg_basebackup -Fp -X stream`) + meta.json
  backup/records/<name>.json  rows + checksum per shared table at restore point <name>
  backup/scratch/<name>/   clusters restored by `backup restore --to` / `backup drill`, each
                           marked (.rsfleet-scratch: the fleet's id and the name) at its
                           creation; `backup discard` deletes only a marked one

`backup snapshot` = a base backup, then - with the shared tables locked against writes
(SHARE mode) - their rows and checksums are recorded and a named restore point is written
(pg_create_restore_point), so recovery to that name gives exactly the recorded rows.
https://www.postgresql.org/docs/current/continuous-archiving.html
https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-BACKUP
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rsfleet.backup import planner as p
from rsfleet.backup import records
from rsfleet.backup.model import (
    MARK,
    BackupStatus,
    DrillResult,
    Restored,
    RestorePoint,
    TableRecord,
    compare,
)
from rsfleet.errors import FleetError, UsageError
from rsfleet.local.archive import (  # noqa: F401 (re-exported for callers and tests)
    archive_settings,
    backup_dir,
    base_dir,
    mark_scratch,
    scratch_clusters,
    scratch_dir,
    scratch_is_ours,
    wal_dir,
)
from rsfleet.local.fleet import LocalFleet

if TYPE_CHECKING:  # imported inside the functions that connect
    import psycopg

    from rsfleet.local.postgres import PgServer
    from rsfleet.spec.models import FleetSpec

Log = Callable[[str], None]
# Apply the datashares again and let the ready consumers back in (the composition layer's
# rsfleet.lifecycle.share_and_gate, passed in: backup sits below it).
Reshare = Callable[[LocalFleet, Log], None]
NAME_RE = re.compile(r"[a-z][a-z0-9-]{0,47}")


def _quiet(_: str) -> None:
    pass


# -- archiving: the producer's settings are applied by `local up` (rsfleet.local.archive)


def _admin(fleet: LocalFleet, node: str = "producer",
           dbname: str | None = None) -> psycopg.Connection[tuple[Any, ...]]:
    import psycopg

    return psycopg.connect(**fleet.admin_kwargs(node, dbname or fleet.spec.producer.database_name),
                           autocommit=True)


def _row(c: psycopg.Connection[tuple[Any, ...]], query: str,
         params: tuple[object, ...] = ()) -> tuple[Any, ...]:
    """The row of a query that always returns one (SHOW, a function, a one-row view)."""
    row = c.execute(query, params).fetchone()
    if row is None:
        raise FleetError(f"PostgreSQL returned no row for: {query}")
    return row


def archiving_on(fleet: LocalFleet) -> bool:
    with _admin(fleet, dbname="postgres") as c:
        return str(_row(c, "SHOW archive_mode")[0]) == "on"


def switch_and_wait_archived(fleet: LocalFleet, timeout: float = 60) -> None:
    """Close the current WAL segment and wait until the archive has it (so a restore can
    replay everything written up to now)."""
    with _admin(fleet, dbname="postgres") as c:
        seg = _row(c, "SELECT pg_walfile_name(pg_switch_wal())")[0]
        deadline = time.monotonic() + timeout
        while True:
            last, failed = _row(c, "SELECT last_archived_wal, last_failed_wal "
                                   "FROM pg_stat_archiver")
            if last is not None and last[:24] >= seg:  # same timeline: names sort by position
                return
            if (wal_dir(fleet.state_dir) / seg).is_file():
                return
            if time.monotonic() > deadline:
                raise FleetError(f"WAL segment {seg} not archived after {timeout:.0f}s "
                                 f"(last failed: {failed})",
                                 hint=f"see {fleet.producer.log_file}")
            time.sleep(0.1)


# -- shared tables: records ---------------------------------------------------------------


def shared_tables(cur: psycopg.Connection[tuple[Any, ...]], spec: FleetSpec) -> list[str]:
    schemas, tables = records.shared_schemas_and_tables(spec)
    found = set(tables)
    if schemas:
        rows = cur.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema = ANY(%s)", (schemas,)).fetchall()
        found |= {r[0] for r in rows}
    return sorted(found)


def table_records(cur: psycopg.Connection[tuple[Any, ...]],
                  tables: list[str]) -> list[TableRecord]:
    out = []
    for table in tables:
        n, checksum = _row(cur, records.pg_checksum_sql(table))
        out.append(TableRecord(table, int(n), str(checksum)))
    return out


# -- base backups and snapshots ------------------------------------------------------------


@dataclass(frozen=True)
class BaseBackup:
    name: str
    path: Path
    start: datetime
    end: datetime

    @property
    def data(self) -> Path:
        return self.path / "data"


def base_backups(state_dir: Path) -> list[BaseBackup]:
    """Complete base backups (meta.json written last), oldest first."""
    out = []
    d = base_dir(state_dir)
    for meta in sorted(d.glob("*/meta.json")) if d.is_dir() else []:
        doc = json.loads(meta.read_text(encoding="utf-8"))
        out.append(BaseBackup(doc["name"], meta.parent, datetime.fromisoformat(doc["start"]),
                              datetime.fromisoformat(doc["end"])))
    return sorted(out, key=lambda b: b.end)


def _run_pg(tool: str, *args: str, env: dict[str, str] | None = None) -> None:
    from rsfleet.local.postgres import as_server_user, pg_bin_dir

    proc = subprocess.run(as_server_user([str(pg_bin_dir() / tool), *args]), capture_output=True,
                          text=True, check=False, stdin=subprocess.DEVNULL,
                          env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise FleetError(f"{tool} failed: {detail[0]}")


def take_base_backup(fleet: LocalFleet, name: str) -> BaseBackup:
    from rsfleet.local.postgres import give_to_server_user

    if not archiving_on(fleet):
        raise FleetError("WAL archiving is off on the producer (it was started before rsfleet "
                         "archived WAL)", hint="restart the fleet: rsfleet local down, then "
                         "rsfleet local up (data is kept)")
    path = base_dir(fleet.state_dir) / name
    if path.exists():
        raise UsageError(f"a base backup named {name} exists already", hint="pass another --name")
    path.mkdir(parents=True)
    os.chmod(path, 0o700)
    for d in (base_dir(fleet.state_dir), path):
        give_to_server_user(d)
    start = datetime.now(UTC)
    kw = fleet.connect_kwargs("producer", "rsfleet_replicator")
    env = {"PGPASSWORD": kw["password"], "PGSSLMODE": kw["sslmode"],
           "PGSSLROOTCERT": kw["sslrootcert"], "PGCONNECT_TIMEOUT": "10"}
    try:
        _run_pg("pg_basebackup", "-D", str(path / "data"), "-Fp", "-X", "stream", "-c", "fast",
                "-h", kw["host"], "-p", str(kw["port"]), "-U", kw["user"], "-w",
                "-l", f"rsfleet {name}", env=env)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    end = datetime.now(UTC)
    (path / "meta.json").write_text(json.dumps(
        {"name": name, "start": start.isoformat(), "end": end.isoformat()}), encoding="utf-8")
    return BaseBackup(name, path, start, end)


def snapshot(fleet: LocalFleet, *, name: str | None = None, log: Log = _quiet) -> RestorePoint:
    """A base backup, then a named restore point with the shared tables' rows + checksums
    recorded at exactly that point (writers wait on a SHARE lock meanwhile). Holds the state
    dir's lock: no `local down/restart` meanwhile."""
    from rsfleet.local import state

    with state.locked(fleet.state_dir, "rsfleet backup snapshot"):
        return _snapshot(fleet, name=name, log=log)


def _snapshot(fleet: LocalFleet, *, name: str | None, log: Log) -> RestorePoint:
    from psycopg import sql

    now = datetime.now(UTC)
    name = name or f"{MARK}-{now:%Y%m%d-%H%M%S-%f}"[:48]
    if not NAME_RE.fullmatch(name):
        raise UsageError(f"--name {name!r}: 1-48 lowercase letters, digits and hyphens, "
                         "starting with a letter")
    if records.load(fleet.state_dir, name) is not None:
        raise UsageError(f"a snapshot named {name} exists already", hint="pass another --name")
    base = take_base_backup(fleet, name)
    log(f"base backup {name}: {(base.end - base.start).total_seconds():.1f} s")
    with _admin(fleet) as c, c.transaction():
        tables = shared_tables(c, fleet.spec)
        if tables:
            c.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.SQL(", ").join(
                sql.Identifier(*t.split(".", 1)) for t in tables)))
        recorded = table_records(c, tables)
        lsn, at = _row(c, "SELECT pg_create_restore_point(%s)::text, clock_timestamp()",
                       (name,))
    switch_and_wait_archived(fleet)
    records.save(fleet.state_dir, name, at, recorded, kind="base-backup", base=name, lsn=lsn)
    return RestorePoint(name, "base-backup", at, _size_mb(base.path), ours=True)


def _size_mb(path: Path) -> float:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, f)).st_size
    return round(total / 1e6, 1)


def restore_points(fleet: LocalFleet) -> list[RestorePoint]:
    """Recorded snapshots, newest first, and the end of the WAL archive (the newest time a
    point-in-time restore can reach)."""
    points = [RestorePoint(r["point"], "base-backup", r["created"],
                           _size_mb(base_dir(fleet.state_dir) / r["point"]), ours=True)
              for r in records.all_records(fleet.state_dir)
              if (base_dir(fleet.state_dir) / r["point"] / "meta.json").is_file()]
    last = _last_archived(fleet)
    if last is not None and base_backups(fleet.state_dir):
        points.append(RestorePoint("wal-archive", "wal", last, _size_mb(wal_dir(fleet.state_dir))))
    return sorted(points, key=lambda p: p.created, reverse=True)


_XACT_TIME = re.compile(r"desc: (?:COMMIT|ABORT) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) UTC")


def newest_archived_commit(state_dir: Path) -> datetime | None:
    """The time of the newest commit (or abort) in the WAL archive: the newest time a
    point-in-time restore can stop at (PostgreSQL's recovery_target_time is reached only at
    a transaction end). Read with pg_waldump, newest segment first; None when there is
    none."""
    from rsfleet.local.postgres import pg_bin_dir

    wal = wal_dir(state_dir)
    segments = sorted((f for f in wal.iterdir() if re.fullmatch(r"[0-9A-F]{24}", f.name)),
                      reverse=True) if wal.is_dir() else []
    for segment in segments:
        # pg_waldump exits non-zero at a segment's unused tail; what it printed is valid
        proc = subprocess.run([str(pg_bin_dir() / "pg_waldump"), str(segment)],
                              capture_output=True, text=True, check=False,
                              stdin=subprocess.DEVNULL, env={**os.environ, "TZ": "UTC"})
        times = _XACT_TIME.findall(proc.stdout)
        if times:
            return datetime.fromisoformat(times[-1]).replace(tzinfo=UTC)
    return None


def _last_archived(fleet: LocalFleet) -> datetime | None:
    with contextlib.suppress(Exception), _admin(fleet, dbname="postgres") as c:
        last: datetime | None = _row(c, "SELECT last_archived_time FROM pg_stat_archiver")[0]
        return last
    return None


# -- restore --------------------------------------------------------------------------------


@dataclass
class Scratch:
    name: str
    root: Path
    port: int
    server: PgServer = field(repr=False)


def scratch_root(state_dir: Path, name: str) -> Path:
    return scratch_dir(state_dir) / name


def _refuse_unreachable(fleet: LocalFleet, at: datetime | None) -> None:
    """A time target after the archive's newest commit cannot be reached: PostgreSQL stops a
    time target only at a transaction end, so recovery would replay everything and then fail
    ("recovery ended before configured recovery target was reached"). Refuse it at once,
    naming the newest time that can be restored. Called after the current WAL is archived."""
    if at is None:
        return
    reach = newest_archived_commit(fleet.state_dir)
    if reach is None or at > reach:
        newest = reach.isoformat() if reach else "none yet"
        raise UsageError(f"--at {at.isoformat()} is after the newest archived commit "
                         f"({newest}): no restore can stop there; nothing was changed",
                         hint=f"the newest time that can be restored is {newest}: pass "
                         "--at at or before it")


def _choose(fleet: LocalFleet, *, at: datetime | None, point: str | None, now: datetime
            ) -> tuple[BaseBackup, dict[str, str]]:
    """The base backup to start from and the recovery target settings."""
    bases = base_backups(fleet.state_dir)
    if point is not None:
        match = [b for b in bases if b.name == point]
        if not match or records.load(fleet.state_dir, point) is None:
            raise UsageError(f"unknown snapshot {point!r}", hint="see `rsfleet backup list`")
        return match[0], {"recovery_target_name": f"'{point}'"}
    if at is not None:
        if at > now:
            raise UsageError(f"--at {at.isoformat()} is in the future",
                             hint="give a time in the past")
        usable = [b for b in bases if b.end <= at]
        if not usable:
            first = bases[0].end.isoformat() if bases else "none yet"
            raise UsageError(f"--at {at.isoformat()} is before the oldest base backup "
                             f"({first})", hint="take one: rsfleet backup snapshot")
        return usable[-1], {"recovery_target_time": f"'{at.isoformat()}'"}
    if not bases:
        raise UsageError("no base backup yet", hint="take one: rsfleet backup snapshot")
    return bases[-1], {}  # replay the whole archive


def _recovery_conf(fleet: LocalFleet, target: dict[str, str]) -> dict[str, str]:
    wal = wal_dir(fleet.state_dir)
    conf = {"restore_command": f"'cp \"{wal}/%f\" \"%p\"'",
            "recovery_target_timeline": "'latest'", **target}
    if target:
        conf["recovery_target_action"] = "'promote'"
        conf["recovery_target_inclusive"] = "false" if "recovery_target_time" in target \
            else "true"
    return conf


def _copy_base(base: BaseBackup, data: Path) -> None:
    data.parent.mkdir(parents=True, exist_ok=True)
    # cp -a keeps the server user's ownership and the 0700/0600 modes
    proc = subprocess.run(["cp", "-a", str(base.data), str(data)], capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        raise FleetError(f"copying base backup {base.name}: {proc.stderr.strip()[:200]}")


def _append_conf(path: Path, conf: dict[str, str]) -> None:
    from rsfleet.local.postgres import give_to_server_user

    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n# rsfleet restore\n" + "".join(f"{k} = {v}\n" for k, v in conf.items()))
    give_to_server_user(path)


def _wait_promoted(fleet: LocalFleet, server: PgServer, timeout: float = 600) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    kw = server.connect_kwargs("rsfleet_admin", fleet.password("rsfleet_admin"), "postgres")
    while time.monotonic() < deadline:
        if not server.is_running():
            tail = server.log_file.read_text(errors="replace").strip().splitlines()[-1:] \
                if server.log_file.is_file() else ["no log"]
            raise FleetError(f"restored cluster {server.name} stopped during recovery: "
                             f"{tail[0][:200]}", hint=f"see {server.log_file}")
        with contextlib.suppress(psycopg.Error), psycopg.connect(**kw, autocommit=True) as c:
            row = c.execute("SELECT pg_is_in_recovery()").fetchone()
            if row is not None and not row[0]:
                return
        time.sleep(0.1)
    raise FleetError(f"restored cluster {server.name} still in recovery after {timeout:.0f}s")


def restore_scratch(fleet: LocalFleet, *, at: datetime | None, point: str | None, name: str,
                    now: datetime | None = None) -> Scratch:
    """A new cluster `name` in backup/scratch/, restored from the chosen base backup and the
    WAL archive up to the target, promoted, on a free 127.0.0.1 port (no archiving)."""
    from rsfleet.local.fleet import port_free
    from rsfleet.local.postgres import PgServer, give_to_server_user

    if not NAME_RE.fullmatch(name):
        raise UsageError(f"--to {name!r}: 1-48 lowercase letters, digits and hyphens, "
                         "starting with a letter")
    root = scratch_root(fleet.state_dir, name)
    if root.exists():
        if scratch_is_ours(fleet.state_dir, name):
            raise UsageError(f"restore target {name} exists already ({root})",
                             hint=f"pick another --to, or `rsfleet backup discard --name {name}`")
        raise UsageError(f"restore target {name} exists already ({root}) and rsfleet did not "
                         "create it", hint="pick another --to")
    base, target = _choose(fleet, at=at, point=point, now=now or datetime.now(UTC))
    if fleet.producer.is_running():
        switch_and_wait_archived(fleet)
    _refuse_unreachable(fleet, at)
    root.mkdir(parents=True)
    os.chmod(root, 0o700)
    mark_scratch(fleet.state_dir, name)  # before anything is in it: ours to discard
    give_to_server_user(root.parent)
    give_to_server_user(root)
    port = _free_port(port_free)
    server = PgServer(f"scratch-{name}", root, port)
    try:
        _copy_base(base, server.data_dir)
        server.socket_dir.mkdir(exist_ok=True)
        give_to_server_user(server.socket_dir)
        _append_conf(server.data_dir / "rsfleet.conf", {
            "port": str(port), "unix_socket_directories": f"'{server.socket_dir}'",
            "cluster_name": f"'scratch-{name}'", "archive_mode": "off",
            **_recovery_conf(fleet, target)})
        (server.data_dir / "recovery.signal").touch()
        give_to_server_user(server.data_dir / "recovery.signal")
        server.start()
        _wait_promoted(fleet, server)
    except FleetError as exc:
        why = _log_problem(server.log_file)
        with contextlib.suppress(Exception):
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
        raise FleetError(f"restore into {name} failed: {why or exc.message}") from None
    except BaseException:
        with contextlib.suppress(Exception):
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
        raise
    return Scratch(name, root, port, server)


def _log_problem(log_file: Path) -> str | None:
    """The server log's last FATAL/PANIC/ERROR line (the reason a restore stopped)."""
    try:
        lines = log_file.read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        if any(k in line for k in ("FATAL:", "PANIC:", "ERROR:")):
            return line.strip()[:300]
    return None


def _free_port(port_free: Callable[[int], bool]) -> int:
    import socket

    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        if port_free(port):
            return port
    raise FleetError("no free port on 127.0.0.1 for the scratch cluster")


def discard_scratch(fleet: LocalFleet, name: str) -> None:
    from rsfleet.local.postgres import PgServer

    if not NAME_RE.fullmatch(name or ""):
        raise UsageError(f"--name {name!r} is not a scratch cluster name")
    root = scratch_root(fleet.state_dir, name)
    if not root.is_dir():
        raise UsageError(f"no scratch cluster {name} in {root.parent}")
    if not scratch_is_ours(fleet.state_dir, name):
        # Never delete what rsfleet did not create: only `restore --to`/`drill` mark theirs.
        raise UsageError(f"refusing to discard {root}: not a scratch cluster rsfleet made (no "
                         "marker of this fleet in it); nothing was changed",
                         hint="check --name; remove the directory by hand if it is yours")
    PgServer(f"scratch-{name}", root, 0).stop("immediate")
    shutil.rmtree(root)


def scratch_records(fleet: LocalFleet, scratch: Scratch, tables: list[str]) -> list[TableRecord]:
    import psycopg

    kw = scratch.server.connect_kwargs("rsfleet_admin", fleet.password("rsfleet_admin"),
                                       fleet.spec.producer.database_name)
    with psycopg.connect(**kw, autocommit=True) as c:
        present = {r[0] for r in c.execute(
            "SELECT schemaname || '.' || tablename FROM pg_tables").fetchall()}
        return table_records(c, [t for t in tables if t in present])


# -- drill ------------------------------------------------------------------------------------


def drill(fleet: LocalFleet, *, at: datetime | None, clock: Callable[[], float] = time.monotonic,
          keep: bool = False) -> DrillResult:
    """Restore the newest recorded snapshot at or before `at` into a scratch cluster, verify
    rows + checksums, tear it down (also on failure). RTO = start to verified."""
    start, now = clock(), datetime.now(UTC)
    if at is not None and at > now:
        raise UsageError(f"--at {at.isoformat()} is in the future", hint="give a time in the past")
    when = at or now
    recs = [r for r in records.all_records(fleet.state_dir)
            if r["created"] <= when and (base_dir(fleet.state_dir) / r["point"]
                                         / "meta.json").is_file()]
    if not recs:
        raise UsageError(f"no snapshot taken by `rsfleet backup snapshot` at or before "
                         f"{when.isoformat()}: nothing recorded to verify against",
                         hint="run `rsfleet backup snapshot` first")
    rec = recs[-1]
    name = f"drill-{os.getpid()}-{int(time.time() * 1000) % 10**8}"
    result = DrillResult(rec["point"], rec["created"], (now - rec["created"]).total_seconds(),
                         0.0, False, scratch=name)
    scratch = None
    try:
        scratch = restore_scratch(fleet, at=None, point=rec["point"], name=name, now=now)
        found = scratch_records(fleet, scratch, [t.table for t in rec["tables"]])
        check = compare(rec["tables"], found)
        result.verified, result.problems = check.ok, list(check.problems)
        result.rto_s = clock() - start
    finally:
        if scratch is not None and not keep:
            discard_scratch(fleet, scratch.name)
        result.torn_down = not keep
    return result


# -- in-place restore of the producer -----------------------------------------------------------


def restore_in_place(fleet: LocalFleet, *, at: datetime | None, point: str | None,
                     reshare: Reshare, log: Log = _quiet) -> str:
    """Restore the producer itself; its old data dir is kept beside (data.before-<time>).
    The consumers' copies are then ahead of the producer and their slots are gone: their
    subscriptions are dropped and made again (`reshare`: the datashares applied, the ready
    consumers let back in), which copies every shared row afresh."""
    from rsfleet.local import state

    with state.locked(fleet.state_dir, "rsfleet backup restore --in-place"):
        return _restore_in_place(fleet, at=at, point=point, reshare=reshare, log=log)


def _restore_in_place(fleet: LocalFleet, *, at: datetime | None, point: str | None,
                      reshare: Reshare, log: Log) -> str:
    import psycopg
    from psycopg import sql

    from rsfleet.sharing.local import subscription_name

    base, target = _choose(fleet, at=at, point=point, now=datetime.now(UTC))
    producer = fleet.producer
    if producer.is_running():
        switch_and_wait_archived(fleet)
    _refuse_unreachable(fleet, at)
    producer.stop()
    old = producer.root / f"data.before-{datetime.now(UTC):%Y%m%d%H%M%S}"
    producer.data_dir.rename(old)
    log(f"producer stopped; its data dir is kept as {old}")
    try:
        _copy_base(base, producer.data_dir)
        conf = _recovery_conf(fleet, target)
        _append_conf(producer.data_dir / "postgresql.auto.conf", conf)
        (producer.data_dir / "recovery.signal").touch()
        from rsfleet.local.postgres import give_to_server_user

        give_to_server_user(producer.data_dir / "recovery.signal")
        producer.start()
        _wait_promoted(fleet, producer)
    except BaseException:
        with contextlib.suppress(Exception):
            producer.stop("immediate")
        shutil.rmtree(producer.data_dir, ignore_errors=True)
        old.rename(producer.data_dir)
        with contextlib.suppress(Exception):
            producer.start()
        raise
    with _admin(fleet, dbname="postgres") as c:
        for key in conf:  # ALTER SYSTEM rewrites postgresql.auto.conf without them
            c.execute(sql.SQL("ALTER SYSTEM RESET {}").format(sql.Identifier(key)))
        c.execute("SELECT pg_reload_conf()")
    log(f"producer restored from {base.name} ({', '.join(target.values()) or 'end of WAL'})")
    spec = fleet.spec
    for consumer in spec.consumers:
        if not fleet.node(consumer).is_running():
            log(f"consumer {consumer} is down: its subscriptions are rebuilt when it starts")
            continue
        for share in spec.shares_of(consumer):
            sub = sql.Identifier(subscription_name(share, consumer))
            with contextlib.suppress(psycopg.errors.UndefinedObject), psycopg.connect(
                    **fleet.admin_kwargs(consumer, spec.database_for(share)),
                    autocommit=True) as c:
                # Its slot did not survive the restore (pg_basebackup omits pg_replslot):
                # detach the subscription from it before dropping.
                c.execute(sql.SQL("ALTER SUBSCRIPTION {} DISABLE").format(sub))
                c.execute(sql.SQL("ALTER SUBSCRIPTION {} SET (slot_name = NONE)").format(sub))
                c.execute(sql.SQL("DROP SUBSCRIPTION {}").format(sub))
        log(f"consumer {consumer}: subscriptions dropped, re-subscribing")
    reshare(fleet, log)
    return base.name + (f" at {next(iter(target.values()))}" if target else "")


# -- policy (plan / apply / status) ------------------------------------------------------------


def _policy(fleet: LocalFleet) -> tuple[int, int | None]:
    from rsfleet.spec.schedule import interval_seconds

    b = fleet.spec.producer.backup
    if b is None:
        return 7, None
    return b.retention_days, interval_seconds(b.schedule)


def plan_local(fleet: LocalFleet, *, now: datetime | None = None) -> p.Plan:
    """Expire rsfleet's snapshots older than retention_days; take one when the newest is
    older than the schedule's interval (a rate schedule; there is no scheduler locally)."""
    now = now or datetime.now(UTC)
    retention, interval = _policy(fleet)
    actions: list[p.Action] = []
    notes: list[str] = []
    if not archiving_on(fleet):
        notes.append("WAL archiving is off on the producer: restart the fleet (local down, "
                     "local up) to turn it on")
    recs = records.all_records(fleet.state_dir)
    keep_from = now - timedelta(days=retention)
    expire = [r["point"] for r in recs if r["created"] < keep_from]
    if len(expire) == len(recs) and expire:
        expire = expire[:-1]  # never the last one
    actions += [p.ExpireSnapshot(point, retention) for point in expire]
    newest = recs[-1]["created"] if recs else None
    if newest is None or (interval is not None and (now - newest).total_seconds() >= interval):
        actions.append(p.TakeSnapshot("none yet" if newest is None else
                                      "the newest is older than the schedule's interval"))
    if interval is None and fleet.spec.producer.backup is not None:
        notes.append("a cron schedule is not run locally: `backup apply` takes a snapshot "
                     "only when there is none")
    return p.Plan(tuple(actions), tuple(notes))


def _execute(fleet: LocalFleet, the_plan: p.Plan, on_step: Callable[[p.Action], None] | None,
             log: Log) -> list[p.Action]:
    from rsfleet.local import state

    done: list[p.Action] = []
    with state.locked(fleet.state_dir, "rsfleet backup apply"):
        for action in the_plan.actions:
            if on_step is not None:
                on_step(action)
            if isinstance(action, p.ExpireSnapshot):
                shutil.rmtree(base_dir(fleet.state_dir) / action.point, ignore_errors=True)
                (records.records_dir(fleet.state_dir) / f"{action.point}.json").unlink(
                    missing_ok=True)
            elif isinstance(action, p.TakeSnapshot):
                _snapshot(fleet, name=None, log=log)  # (the state dir is locked already)
            else:
                raise TypeError(f"not a local backup action: {action.describe()}")
            done.append(action)
        _prune_wal(fleet)
    return done


def _prune_wal(fleet: LocalFleet) -> None:
    """WAL older than the oldest base backup's start is of no use to any restore."""
    bases = base_backups(fleet.state_dir)
    if not bases:
        return
    label = bases[0].data / "backup_label"
    if not label.is_file():
        return
    m = re.search(r"START WAL LOCATION: .* \(file ([0-9A-F]{24})\)", label.read_text())
    if not m:
        return
    first = m.group(1)
    for f in wal_dir(fleet.state_dir).iterdir():
        if re.fullmatch(r"[0-9A-F]{24}", f.name) and f.name[8:] < first[8:]:
            f.unlink()


def local_status(fleet: LocalFleet, *, now: datetime) -> BackupStatus:
    """In force: WAL is archived, a snapshot exists, and `backup apply` has nothing to do
    (no snapshot older than the rate schedule's interval, none past retention) - as on AWS,
    where what apply would still change is `pending`."""
    on = archiving_on(fleet)
    recs = records.all_records(fleet.state_dir)
    pending = tuple(a.describe() for a in plan_local(fleet, now=now).actions)
    last_wal = _last_archived(fleet)
    newest_snap = recs[-1] if recs else None
    newest = None
    if newest_snap is not None:
        newest = newest_snap["created"]
        if last_wal is not None and last_wal > newest:
            newest = last_wal  # PITR reaches any archived time after a base backup
    return BackupStatus(
        policy_in_force=bool(on and recs and not pending),
        newest_point=newest_snap["point"] if newest_snap else None,
        newest_point_time=newest_snap["created"] if newest_snap else None,
        rpo_s=round((now - newest).total_seconds(), 1) if newest else None, pending=pending,
        wal_archiving=on, last_archived_wal_time=last_wal, newest_restorable_time=newest)


# -- the backend -----------------------------------------------------------------------------


class LocalBackup:
    """`BackupBackend` on the local fleet's producer."""

    def __init__(self, fleet: LocalFleet, *, reshare: Reshare, log: Log = _quiet) -> None:
        self.fleet = fleet
        self.reshare = reshare  # for an in-place restore (rsfleet.lifecycle.share_and_gate)
        self.log = log

    @property
    def producer(self) -> str:
        return self.fleet.env

    def plan(self) -> p.Plan:
        return plan_local(self.fleet)

    def execute(self, plan: p.Plan, *, on_step: Callable[[p.Action], None] | None
                ) -> Sequence[p.Action]:
        return _execute(self.fleet, plan, on_step, self.log)

    def points(self) -> list[RestorePoint]:
        return restore_points(self.fleet)

    def status(self, now: datetime) -> BackupStatus:
        return local_status(self.fleet, now=now)

    def snapshot(self, *, name: str | None, retention_days: int | None) -> RestorePoint:
        return snapshot(self.fleet, name=name, log=self.log)

    def restore(self, *, point: str | None, at: datetime | None, to: str | None,
                in_place: bool, log: Log = _quiet) -> Restored:
        """In place: the producer, then every consumer re-subscribed and checked as `share
        verify` checks (a problem left is a FleetError). Else a scratch cluster `to`."""
        if in_place:
            from rsfleet.sharing.local import verify_local

            what = restore_in_place(self.fleet, at=at, point=point, reshare=self.reshare,
                                    log=log)
            problems = verify_local(self.fleet)  # consumers rebuilt and readable
            if problems:
                raise FleetError(f"after the restore, {len(problems)} datashare problem(s): "
                                 f"{problems[0]}", hint="run `rsfleet share apply`, then "
                                 "`rsfleet share verify`")
            return Restored(what, "base-backup", "the producer", in_place=True,
                            shares_verified=True)
        if to is None:
            raise UsageError("--to NAME is required", hint="or --in-place")
        scratch = restore_scratch(self.fleet, at=at, point=point, name=to)
        return Restored(point or (at.isoformat() if at else "end of the WAL archive"),
                        "base-backup" if point else "time", scratch.name,
                        address=f"127.0.0.1:{scratch.port}", data_dir=str(scratch.root))

    def drill(self, *, at: datetime | None) -> DrillResult:
        return drill(self.fleet, at=at)

    def discard(self, name: str) -> None:
        discard_scratch(self.fleet, name)
