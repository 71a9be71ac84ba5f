"""Where the producer's backups live in the state dir, and its WAL archiving settings.

`local up` gives the producer these settings; rsfleet.backup.local takes base backups,
restores and drills on top of them (see docs/backup.md).
  backup/wal/       archived WAL segments        backup/base/<name>/  base backups
  backup/records/   rows + checksums per point   backup/scratch/<name>/  restored clusters
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from rsfleet.errors import UsageError
from rsfleet.local.postgres import PgServer, give_to_server_user


def backup_dir(state_dir: Path) -> Path:
    return state_dir / "backup"


def wal_dir(state_dir: Path) -> Path:
    return backup_dir(state_dir) / "wal"


def base_dir(state_dir: Path) -> Path:
    return backup_dir(state_dir) / "base"


def scratch_dir(state_dir: Path) -> Path:
    return backup_dir(state_dir) / "scratch"


def archive_settings(state_dir: Path) -> dict[str, str]:
    """postgresql.conf settings that archive every WAL segment of the producer into the
    state dir (at least once a minute when there were writes: archive_timeout)."""
    wal = wal_dir(state_dir)
    if "'" in str(wal) or "%" in str(wal) or '"' in str(wal):
        raise UsageError(f"state dir {state_dir} contains ', \" or %: WAL archiving cannot "
                         "use it", hint="pick another --state-dir")
    wal.mkdir(parents=True, exist_ok=True)
    for d in (backup_dir(state_dir), wal):
        os.chmod(d, 0o700)
        give_to_server_user(d)
    # test ! -f: an archived segment is never overwritten (PostgreSQL's documented example,
    # https://www.postgresql.org/docs/current/continuous-archiving.html). Before the first
    # base backup no restore can use WAL: it is let go (exit 0) instead of filling the disk.
    base = base_dir(state_dir)
    return {"archive_mode": "on",
            "archive_command": (f"'test -z \"$(ls -A \"{base}\" 2>/dev/null)\" || "
                                f"{{ test ! -f \"{wal}/%f\" && cp \"%p\" \"{wal}/%f\"; }}'"),
            "archive_timeout": "'60s'"}


SCRATCH_MARKER = ".rsfleet-scratch"


def _fleet_id(state_dir: Path) -> str | None:
    from rsfleet.local.state import read_marker

    marker = read_marker(state_dir)
    return marker["fleet_id"] if marker else None


def mark_scratch(state_dir: Path, name: str) -> None:
    """Mark backup/scratch/<name> (just created) as made by this fleet's rsfleet."""
    path = scratch_dir(state_dir) / name / SCRATCH_MARKER
    path.write_text(json.dumps({"fleet_id": _fleet_id(state_dir), "name": name}),
                    encoding="utf-8")


def scratch_is_ours(state_dir: Path, name: str) -> bool:
    """backup/scratch/<name> carries the marker rsfleet wrote when it made it, for this name
    and this fleet (a marker copied from another scratch dir or fleet does not count)."""
    try:
        doc = json.loads((scratch_dir(state_dir) / name / SCRATCH_MARKER)
                         .read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(doc, dict) and doc.get("name") == name
            and doc.get("fleet_id") == _fleet_id(state_dir))


def scratch_clusters(state_dir: Path) -> list[PgServer]:
    """Running scratch clusters rsfleet made in this state dir (`local down` stops them)."""
    d = scratch_dir(state_dir)
    found = [PgServer(f"scratch-{p.name}", p, 0) for p in sorted(d.iterdir())
             if p.is_dir() and scratch_is_ours(state_dir, p.name)] if d.is_dir() else []
    return [s for s in found if s.is_running()]
