"""Backup drill: RPO and RTO of `rsfleet backup drill` for a fact table of 1,000,000 rows,
beside a naive `pg_dump -Fc` + `pg_restore` of the same database in the same run.

- rsfleet: `backup snapshot` (pg_basebackup + a named restore point, rows and checksums
  recorded), then `backup drill`: restore the point into a scratch cluster (base backup copy
  + WAL replay to the restore point), verify rows + checksum of every shared table, tear down.
  RTO = drill start to verified; RPO = age of the restore point at drill start.
- baseline: `pg_dump -Fc` of the producer's database, then a fresh cluster (initdb + start),
  `pg_restore` into it, and the same row count + checksum of the fact table.
  RTO = restore start to verified; RPO = age of the dump's snapshot at restore start.

Both start their restore right after their backup, so the RPOs above are the floor of
each method; what bounds RPO in operation is given beside: the WAL archive's
archive_timeout (60 s) for rsfleet, the dump interval (>= the dump's duration) for pg_dump.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench._fleet import free_port, local_fleet

FACT = "sales.orders"


def _checksum(conn: psycopg.Connection) -> tuple[int, str]:
    from rsfleet.backup.records import pg_checksum_sql

    n, chk = conn.execute(pg_checksum_sql(FACT)).fetchone()
    return int(n), str(chk)


def rsfleet_drill(fleet: Any) -> dict[str, Any]:
    from rsfleet.backup import local

    t0 = time.monotonic()
    point = local.snapshot(fleet, name="bench-point")
    backup_s = time.monotonic() - t0
    result = local.drill(fleet, at=None)
    assert result.torn_down
    return {"backup_s": round(backup_s, 2), "rto_s": round(result.rto_s, 2),
            "rpo_s": round(result.rpo_s, 2), "verified": result.verified,
            "base_backup_mb": point.size_mb, "rpo_bound_s": 60,
            "rpo_bound": "archive_timeout = 60 s (WAL archive; any archived time is a target)"}


def baseline_dump_restore(fleet: Any, expected: tuple[int, str]) -> dict[str, Any]:
    from rsfleet.local.postgres import PgServer, as_server_user, give_to_server_user, pg_bin_dir

    work = Path(tempfile.mkdtemp(prefix="rsfleet-bench-dump-", dir="/var/tmp"))
    work.chmod(0o711)
    admin = fleet.admin_kwargs("producer", fleet.spec.producer.database_name)
    env = {**os.environ, "PGPASSWORD": admin["password"]}
    dump = work / "db.dump"
    server = PgServer("bench-restore", work / "node", free_port())
    try:
        t0 = time.monotonic()
        taken = datetime.now(UTC)
        subprocess.run([str(pg_bin_dir() / "pg_dump"), "-Fc", "-h", admin["host"], "-p",
                        str(admin["port"]), "-U", admin["user"], "-d", admin["dbname"], "-f",
                        str(dump)], env=env, check=True, capture_output=True)
        dump_s = time.monotonic() - t0
        give_to_server_user(work)
        give_to_server_user(dump)
        t1 = time.monotonic()
        rpo_s = (datetime.now(UTC) - taken).total_seconds()
        password = secrets.token_urlsafe(16)
        server.init(superuser="bench", password=password, settings={"max_connections": "20"},
                    tls=None, hba=["local all all scram-sha-256"])
        server.start()
        kw = server.connect_kwargs("bench", password, "postgres")
        with psycopg.connect(**kw, autocommit=True) as c:
            c.execute("CREATE DATABASE restored")
        proc = subprocess.run(as_server_user([
            str(pg_bin_dir() / "pg_restore"), "--no-owner", "--no-privileges", "-h",
            str(server.socket_dir), "-p", str(server.port), "-U", "bench", "-d", "restored",
            str(dump)]), env={**os.environ, "PGPASSWORD": password}, capture_output=True,
            text=True, check=False)
        with psycopg.connect(**{**kw, "dbname": "restored"}) as c:
            found = _checksum(c)
        rto_s = time.monotonic() - t1
        return {"backup_s": round(dump_s, 2), "rto_s": round(rto_s, 2), "rpo_s": round(rpo_s, 2),
                "verified": found == expected, "dump_mb": round(dump.stat().st_size / 1e6, 1),
                "pg_restore_errors": proc.stderr.count("error:"),
                "rpo_bound": "the dump interval, at least one dump's duration"}
    finally:
        server.stop("immediate")
        shutil.rmtree(work, ignore_errors=True)


def main(quick: bool = False) -> dict[str, Any]:
    rows = 100_000 if quick else 1_000_000
    with local_fleet(consumers=1, rows=rows) as fleet:
        from rsfleet.backup.local import _admin

        with _admin(fleet) as c:
            expected = _checksum(c)
        assert expected[0] == rows, expected
        ours = rsfleet_drill(fleet)
        base = baseline_dump_restore(fleet, expected)
    result = {"rows": rows, "table": FACT, "rsfleet": ours, "baseline": base,
              "rto_ratio_baseline_over_rsfleet": round(base["rto_s"] / ours["rto_s"], 2),
              "method": __doc__.split("\n\n", 1)[1].strip()}
    print(f"{rows:,} rows: rsfleet backup {ours['backup_s']:.1f} s, drill RTO "
          f"{ours['rto_s']:.1f} s, RPO {ours['rpo_s']:.1f} s, verified {ours['verified']}; "
          f"pg_dump {base['backup_s']:.1f} s, restore RTO {base['rto_s']:.1f} s, RPO "
          f"{base['rpo_s']:.1f} s, verified {base['verified']}")
    return result

