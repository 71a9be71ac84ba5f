"""The local fleet's state dir as rsfleet's own: a marker, checks before any change, a lock.

- Marker: `up` writes `.rsfleet-state` (JSON: the fleet's id, its environment, and the dir it
  was written in: path and device/inode) into the state dir it creates or adopts; fleet.json
  repeats the id. Only a dir whose marker was written in it (moved is fine, copied is not)
  and names the environment asked for is ever purged, and only the parts rsfleet creates in
  it (`OWN_PARTS`) are removed; anything else stays. A dir of an rsfleet from before markers
  (fleet.json, and nothing in it that rsfleet does not create) is purged too: that is the
  way out of a corrupt, unmarked one.
- Checks: `check_state_dir` inspects without touching (a file, a read-only parent, a
  non-empty dir that is not ours) so that `up` changes nothing before every check passed.
- Lock: one change at a time per fleet (`up`, `scale`, `down`, `restart`, `rollout`, backup
  `snapshot`/`apply`/`restore --in-place`): one `fcntl.flock` per state dir (`lock` in it,
  with the holder's pid, command and start time). A second change is refused at once (exit
  2, one line naming what runs, its pid and since when) instead of running into the first.
  The kernel releases a flock when its holder dies, so a dead pid's lock never blocks.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from rsfleet.errors import FleetError, UsageError

MARKER = ".rsfleet-state"
LOCK = "lock"
# Everything rsfleet creates in a state dir; purge removes these and nothing else.
OWN_PARTS = ("fleet.json", "fleet.json.tmp", "secrets.json", "nodes", "haproxy", "tls",
             "targets.json", "targets.json.lock", "targets-pass.json", LOCK, MARKER,
             # the local controller and its supervisor (controller/local.py, supervisor.py)
             "controller.pid", "supervisor.pid", "controller-state.json", "controller.log",
             "controller.log.1", "controller.log.2", "controller.log.3",
             "rollout.json",  # a rolling restart in progress (rollout/local.py)
             "backup")  # WAL archive, base backups, records, scratch clusters


KEPT_BACKUPS = "kept-backup-"  # + UTC time: backup/ of a purged fleet (purge keeps it)


def _written_by_rsfleet(name: str) -> bool:
    """Files other rsfleet commands keep in .rsfleet/ENV (a saved Terraform plan, its logs,
    the targets controller's state): they do not make the dir someone else's."""
    return (name in OWN_PARTS or name in ("terraform.tfplan", "backup")
            or name.startswith(KEPT_BACKUPS)
            or name.startswith("targets")  # targets-aws.json (+ .lock) of the AWS controller
            or (name.startswith("terraform-") and name.endswith(".log")))


def read_marker(state_dir: Path) -> dict[str, str] | None:
    try:
        doc = json.loads((state_dir / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("fleet_id"), str):
        return None
    return doc


def _dir_id(state_dir: Path) -> str:
    st = state_dir.stat()
    return f"{st.st_dev}:{st.st_ino}"


def _binding(state_dir: Path) -> dict[str, str]:
    """What ties a marker to the directory it is written in."""
    return {"dir": str(state_dir.resolve()), "dir_id": _dir_id(state_dir)}


def written_elsewhere(state_dir: Path, marker: dict[str, str]) -> str | None:
    """The dir a marker was written in when that is not `state_dir` (a copied marker), else
    None. Same inode (the dir was moved or renamed) or same path (recreated there) is here;
    a marker from before the binding (no "dir") is not bound at all: None."""
    if "dir" not in marker:
        return None
    try:
        if marker.get("dir_id") == _dir_id(state_dir):
            return None
    except OSError:
        pass
    if marker["dir"] == str(state_dir.resolve()):
        return None
    return marker["dir"]


def _bound_marker(state_dir: Path) -> dict[str, str] | None:
    """The marker when it is bound to `state_dir` (None: none, unreadable, or from before
    the binding). UsageError when it was written in another directory."""
    marker = read_marker(state_dir)
    if marker is None:
        return None
    other = written_elsewhere(state_dir, marker)
    if other is not None:
        raise UsageError(f"refusing to touch {state_dir}: its {MARKER} marker was written in "
                         f"{other} (a copy), so rsfleet did not create this directory",
                         hint="check --state-dir; remove the directory by hand if it is yours")
    return marker if "dir" in marker else None


def nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def check_state_dir(state_dir: Path, env: str) -> None:
    """Raise UsageError unless `up` may use `state_dir` for fleet `env`. Changes nothing."""
    if state_dir.exists() and not state_dir.is_dir():
        raise UsageError(f"--state-dir {state_dir} is a file, not a directory",
                         hint="pass a new or empty directory")
    if state_dir.is_dir():
        marker = read_marker(state_dir)
        if marker is not None:
            _bound_marker(state_dir)  # a marker copied from elsewhere: refused
            if marker.get("environment") not in (None, env):
                raise UsageError(f"{state_dir} holds the local fleet of environment "
                                 f"{marker.get('environment')!r}, not {env!r}",
                                 hint="pass another --state-dir, or the matching --env")
        elif not (state_dir / "fleet.json").is_file() and any(
                not _written_by_rsfleet(p.name) for p in state_dir.iterdir()):
            # Not ours (no marker) and not an older rsfleet's (no fleet.json): hands off.
            raise UsageError(f"{state_dir} is not empty and not an rsfleet state dir "
                             f"(no {MARKER} in it)",
                             hint="pass a new or empty directory as --state-dir")
    existing = nearest_existing(state_dir)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write to {existing} (needed for the state dir {state_dir})",
                         hint="pass a --state-dir in a directory you can write")


def claim(state_dir: Path, env: str) -> str:
    """Create (0711: the server user must traverse it, nothing listable) or adopt the state
    dir and mark it as this fleet's. Returns the fleet id. Call only after the checks."""
    try:
        if not state_dir.exists():
            state_dir.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):  # a concurrent `up` made it first
                state_dir.mkdir(mode=0o711)
                state_dir.chmod(0o711)  # mkdir's mode passes through the umask
        marker = read_marker(state_dir)
        if marker is not None:
            if "dir" not in marker:  # from before the binding: bind it now, same id
                tmp = state_dir / f".{MARKER}.{os.getpid()}.tmp"
                tmp.write_text(json.dumps({**marker, **_binding(state_dir)}), encoding="utf-8")
                tmp.replace(state_dir / MARKER)
            return marker["fleet_id"]
        doc = {"fleet_id": secrets.token_hex(8), "environment": env, **_binding(state_dir)}
        fd = os.open(state_dir / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:  # another `up` won the race: its id is the fleet's
        time.sleep(0.05)
        marker = read_marker(state_dir)
        if marker is None:
            raise FleetError(f"{state_dir / MARKER} is unreadable",
                             hint="another rsfleet is writing it; retry") from None
        return marker["fleet_id"]
    except OSError as exc:  # read-only file system, no permission: nothing was created
        raise UsageError(f"cannot create the state dir {state_dir}: "
                         f"{exc.strerror or type(exc).__name__}",
                         hint="pass a --state-dir in a directory you can write") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    return doc["fleet_id"]


def purge(state_dir: Path, log: Callable[[str], None], *, env: str | None = None,
          backups: bool = False) -> None:
    """Remove what rsfleet created in its state dir (`check_purge`), then the dir if nothing
    else is in it. A dir that is not the fleet's is refused (exit 2) and left as it was.
    The backups (WAL archive, base backups: often the largest part) are kept unless
    `backups`: backup/ becomes kept-backup-<UTC time>/, so that a new fleet in this dir
    archives into a backup/ of its own (the old WAL file names would collide)."""
    import shutil
    from datetime import UTC, datetime

    check_purge(state_dir, env)
    kept: Path | None = None
    if not backups and any(f.is_file() for f in (state_dir / "backup").rglob("*")):
        kept = state_dir / f"{KEPT_BACKUPS}{datetime.now(UTC):%Y%m%d-%H%M%S}"
        (state_dir / "backup").rename(kept)
    for part in OWN_PARTS:
        path = state_dir / part
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
    for path in state_dir.glob(f"{KEPT_BACKUPS}*") if backups else ():
        shutil.rmtree(path)  # asked for: earlier purges' kept backups go too
    if kept is not None:
        log(f"kept the backups ({_size_mb(kept):,.0f} MB: WAL archive, base backups) in "
            f"{kept}: remove it by hand when no longer needed (next time, `local down --purge "
            "--with-backups` deletes them with the fleet)")
    left = sorted(p.name for p in state_dir.iterdir() if not p.name.startswith(KEPT_BACKUPS))
    if left:
        log(f"kept {state_dir}: it also holds {', '.join(left[:5])}"
            f"{' …' if len(left) > 5 else ''}, which rsfleet did not create")
        return
    if any(state_dir.iterdir()):
        return  # only kept backups are left in it
    state_dir.rmdir()
    log(f"removed {state_dir}")


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def _recorded(state_dir: Path) -> tuple[str | None, str | None]:
    """fleet.json's fleet id and environment, when it can be read."""
    try:
        doc = json.loads((state_dir / "fleet.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    if not isinstance(doc, dict):
        return None, None
    spec = doc.get("spec")
    env = spec.get("environment") if isinstance(spec, dict) else None
    fid = doc.get("fleet_id")
    return (fid if isinstance(fid, str) else None), (env if isinstance(env, str) else None)


def check_purge(state_dir: Path, env: str | None = None) -> None:
    """UsageError unless `state_dir` is a fleet's own (`check_owned`) and its fleet.json (if
    readable) is the marker's fleet."""
    marker = check_owned(state_dir, "purge", env)
    recorded_id, _ = _recorded(state_dir)
    if marker is not None and recorded_id and recorded_id != marker["fleet_id"]:
        raise UsageError(f"refusing to purge {state_dir}: its fleet.json belongs to fleet "
                         f"{recorded_id}, the marker to {marker['fleet_id']}",
                         hint="check --state-dir; remove the directory by hand if it is yours")


def check_owned(state_dir: Path, what: str, env: str | None = None) -> dict[str, str] | None:
    """UsageError unless rsfleet may `what` (purge, stop the fleet in) `state_dir` for fleet
    `env` (None: any). Ours: a marker written in this dir, or (an rsfleet from before
    markers) a fleet.json and nothing in the dir that rsfleet does not create. Returns the
    bound marker, None for the second kind. Changes nothing."""
    if not state_dir.is_dir():
        raise UsageError(f"refusing to {what} {state_dir}: not an rsfleet state dir (not a "
                         "directory)", hint="check --state-dir/--env")
    marker = _bound_marker(state_dir)
    if marker is None:
        foreign = sorted(p.name for p in state_dir.iterdir() if not _written_by_rsfleet(p.name))
        if not (state_dir / "fleet.json").is_file() or foreign:
            held = f"; it holds {', '.join(foreign[:3])}{' …' if len(foreign) > 3 else ''}" \
                if foreign else ""
            raise UsageError(f"refusing to {what} {state_dir}: not an rsfleet state dir (no "
                             f"{MARKER} marker: rsfleet did not create it{held})",
                             hint="check --state-dir/--env")
    _, recorded_env = _recorded(state_dir)
    has = (marker or {}).get("environment") or recorded_env
    if env is not None and has is not None and has != env:
        raise UsageError(f"refusing to {what} {state_dir}: it holds the local fleet of "
                         f"environment {has!r}, not {env!r}; nothing was changed",
                         hint=f"pass --env {has}, or the --state-dir of {env}")
    return marker


# -- lock --------------------------------------------------------------------------------

_held: dict[Path, int] = {}  # state dir -> depth: the lock is re-entrant within a process


def _holder(path: Path) -> str:
    """`pid N (`command`) since HH:MM:SS UTC` from the lock file, as far as it says."""
    import datetime as dt

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        text = f"pid {doc['pid']} (`{doc['command']}`)"
    except (OSError, ValueError, KeyError, TypeError):
        return "another rsfleet process"
    with contextlib.suppress(KeyError, TypeError, ValueError, OverflowError, OSError):
        since = dt.datetime.fromtimestamp(float(doc["since"]), dt.UTC)
        text += f" since {since:%Y-%m-%d %H:%M:%S} UTC"
    return text


def _busy(state_dir: Path) -> UsageError:
    return UsageError(f"another change is running on the fleet in {state_dir}: "
                      f"{_holder(state_dir / LOCK)}; nothing was changed",
                      hint="one change at a time: wait for it to finish, then retry")


def check_unlocked(state_dir: Path) -> None:
    """UsageError (exit 2) now when another process holds the state dir's lock."""
    if state_dir.resolve() not in _held and is_locked(state_dir):
        raise _busy(state_dir)


@contextlib.contextmanager
def locked(state_dir: Path, command: str) -> Iterator[None]:
    """Hold the state dir's lock, or raise UsageError at once naming its holder. The dir
    must exist (see `claim`)."""
    key = state_dir.resolve()
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    path = state_dir / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(state_dir) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "command": command,
                                  "since": round(time.time(), 3)}).encode(), 0)
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the flock


def is_locked(state_dir: Path) -> bool:
    """Whether another process holds the state dir's lock right now (creates nothing)."""
    try:
        fd = os.open(state_dir / LOCK, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
