"""The local fleet's WAL archive and backup dirs: what `local up` configures and `local
down` cleans up for `rsfleet backup` (rsfleet.backup.local builds on these; local/ does not
import backup/).

https://www.postgresql.org/docs/current/continuous-archiving.html
"""

from __future__ import annotations

import os
from pathlib import Path

from rsfleet.errors import UsageError
from rsfleet.local.postgres import PgServer, give_to_server_user


def backup_dir(state_dir: Path) -> Path:
    return state_dir / "backup"


def wal_dir(state_dir: Path) -> Path:
    return backup_dir(state_dir) / "wal"


def archive_settings(state_dir: Path) -> dict[str, str]:
    """postgresql.conf settings that archive every WAL segment of the producer into the
    state dir (at least once a minute when there were writes: archive_timeout)."""
    wal = wal_dir(state_dir)
    if "'" in str(wal) or "%" in str(wal):
        raise UsageError(f"state dir {state_dir} contains ' or %: WAL archiving cannot use it",
                         hint="pick another --state-dir")
    wal.mkdir(parents=True, exist_ok=True)
    for d in (backup_dir(state_dir), wal):
        os.chmod(d, 0o700)
        give_to_server_user(d)
    # test ! -f: an archived segment is never overwritten (PostgreSQL's documented example)
    return {"archive_mode": "on",
            "archive_command": f"'test ! -f \"{wal}/%f\" && cp \"%p\" \"{wal}/%f\"'",
            "archive_timeout": "'60s'"}


def scratch_clusters(state_dir: Path) -> list[PgServer]:
    """Running scratch clusters of this state dir (`local down` stops them)."""
    d = backup_dir(state_dir) / "scratch"
    found = [PgServer(f"scratch-{p.name}", p, 0) for p in sorted(d.iterdir())
             if p.is_dir()] if d.is_dir() else []
    return [s for s in found if s.is_running()]
