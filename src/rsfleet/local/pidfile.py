"""A process named by a pid file: read the pid, tell whether it is still that process, write
the file, stop the process. One copy for PostgreSQL, HAProxy and the local controller.

A pid file outlives its process, and the kernel recycles pids: a live pid is ours only when
its /proc entry says so (the command's name, or its command line), and a zombie (a dead
child nobody reaped yet, common for daemons in containers without an init) is not alive.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterable
from pathlib import Path


def process_alive(pid: int, names: Iterable[str] = (), *, cmdline: Iterable[str] = ()) -> bool:
    """`pid` runs, is not a zombie, its command name is one of `names` (when given) and its
    command line holds every string of `cmdline` (when given)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    comm = stat[stat.index("(") + 1: stat.rindex(")")]
    state = stat[stat.rindex(")") + 2:].split(" ", 1)[0]
    if state in ("Z", "X"):
        return False
    wanted = tuple(names)
    if wanted and comm not in wanted:
        return False
    needed = tuple(cmdline)
    if needed:
        args = _cmdline(pid)
        return all(n in args for n in needed)
    return True


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [p.decode(errors="replace") for p in raw.split(b"\0") if p]


class PidFile:
    """The file; its first word is the pid (postmaster.pid has more lines after it)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @property
    def pid(self) -> int | None:
        try:
            return int(self.path.read_text(encoding="utf-8").split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def write(self, pid: int) -> None:
        """Atomically: a reader never sees a half-written file."""
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(f"{pid}\n", encoding="utf-8")
        tmp.replace(self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def stop(pid: int, running: Callable[[], bool], *, timeout: float,
         poll: float = 0.05) -> None:
    """SIGTERM, then SIGKILL when `running()` still holds after `timeout` seconds. A child of
    this process is reaped on the way (else it would stay a zombie until we exit)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while running() and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(poll)
    if running():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)  # our child: gone now (ChildProcessError at once for any other)
