"""The local controller's supervisor: keeps `python -m rsfleet.controller.local` running, as
EventBridge Scheduler keeps re-invoking the Lambda on AWS.

`rsfleet local up` starts it (rsfleet.controller.local.ControllerProcess.start) and `down`
stops it. It:
- runs the controller as its child and starts it again when it exits or is killed, after
  RESTART_DELAY seconds (doubling up to MAX_DELAY while it keeps dying within STABLE seconds
  of its start, back to RESTART_DELAY once it ran that long);
- keeps the pid files ``supervisor.pid`` (itself) and ``controller.pid`` (the child now), and
  ``controller-state.json`` (child pid, interval, restarts, last exit), which `local status`
  shows;
- is the only writer of ``controller.log``: the child's stdout and stderr come through a
  pipe and go to a size-capped log (logging.handlers.RotatingFileHandler: LOG_BYTES per
  file, LOG_BACKUPS old files controller.log.1 … .N, the oldest dropped);
- on SIGTERM/SIGINT stops the child (SIGTERM: it finishes its pass; SIGKILL after 10 s) and
  exits, removing its pid files.

The child stops by itself when its supervisor is gone (its parent pid changes), so a killed
supervisor never leaves an unsupervised controller behind for the next `local up` to double.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import logging.handlers
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

MODULE = "rsfleet.controller.supervisor"
CONTROLLER_MODULE = "rsfleet.controller.local"
SUPERVISOR_PID = "supervisor.pid"
CONTROLLER_PID = "controller.pid"
STATE_FILE = "controller-state.json"
LOG_FILE = "controller.log"
LOG_BYTES = 5 * 2**20  # ~2 h of passes at 1 s (about 700 B a pass); 4 files: 20 MiB at most
LOG_BACKUPS = 3
RESTART_DELAY = 1.0
MAX_DELAY = 30.0
STABLE = 60.0


def log_handler(state_dir: Path, max_bytes: int = LOG_BYTES) -> logging.Handler:
    handler = logging.handlers.RotatingFileHandler(
        state_dir / LOG_FILE, maxBytes=max_bytes, backupCount=LOG_BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


class Supervisor:
    def __init__(self, state_dir: Path, interval: float, *, log_bytes: int = LOG_BYTES) -> None:
        self.state_dir = state_dir
        self.interval = interval
        self.stop = threading.Event()
        self.log = logging.getLogger(f"rsfleet.controller.{os.getpid()}")
        self.log.propagate = False
        self.log.setLevel(logging.INFO)
        self.log.addHandler(log_handler(state_dir, log_bytes))
        self.pump: threading.Thread | None = None
        self.restarts = 0
        self.last_exit: str | None = None
        self.last_restart: float | None = None

    def event(self, name: str, **fields: object) -> None:
        from datetime import UTC, datetime

        when = datetime.now(UTC).isoformat(timespec="milliseconds")  # as the controller's
        self.log.info(json.dumps({"time": when, "event": name, "supervisor_pid": os.getpid(),
                                  **fields}))

    def save(self, pid: int | None) -> None:
        write_atomic(self.state_dir / STATE_FILE, json.dumps({
            "supervisor_pid": os.getpid(), "pid": pid, "interval_s": self.interval,
            "restarts": self.restarts, "last_exit": self.last_exit,
            "last_restart": self.last_restart}))
        if pid is None:
            (self.state_dir / CONTROLLER_PID).unlink(missing_ok=True)
        else:
            write_atomic(self.state_dir / CONTROLLER_PID, f"{pid}\n")

    def spawn(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(  # our own interpreter and module
            [sys.executable, "-m", CONTROLLER_MODULE, "--state-dir", str(self.state_dir),
             "--interval", f"{self.interval:g}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            close_fds=True)
        self.pump = threading.Thread(target=self._pump, args=(proc,), daemon=True)
        self.pump.start()
        self.save(proc.pid)
        return proc

    def _drained(self) -> None:
        """Wait until the child's last lines are in the log (its pipe closed)."""
        if self.pump is not None:
            self.pump.join(timeout=5)

    def _pump(self, proc: subprocess.Popen[bytes]) -> None:
        """The child's output, line by line, into the size-capped log."""
        assert proc.stdout is not None
        for raw in proc.stdout:
            self.log.info(raw.decode(errors="replace").rstrip("\n"))

    def run(self) -> int:
        delay = RESTART_DELAY
        self.event("supervisor_started", interval_s=self.interval)
        while not self.stop.is_set():
            started = time.monotonic()
            proc = self.spawn()
            while proc.poll() is None and not self.stop.wait(0.2):
                pass
            if self.stop.is_set():
                self._end(proc)
                break
            self._drained()
            code = proc.returncode
            self.last_exit = (f"killed by {signal.Signals(-code).name}" if code < 0
                              else f"exit code {code}")
            self.save(None)
            delay = RESTART_DELAY if time.monotonic() - started >= STABLE else (
                min(delay * 2, MAX_DELAY) if self.restarts else delay)
            self.event("controller_exited", pid=proc.pid, how=self.last_exit,
                       restart_in_s=delay)
            if self.stop.wait(delay):
                break
            self.restarts += 1
            self.last_restart = time.time()
        self.save(None)
        self.event("supervisor_stopped", restarts=self.restarts)
        return 0

    def _end(self, proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)  # the loop finishes its pass
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        self._drained()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Keeps the local fleet's controller running.")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--log-bytes", type=int, default=LOG_BYTES,
                        help="size at which controller.log is rotated")
    args = parser.parse_args(argv)
    state_dir = args.state_dir.resolve()
    sup = Supervisor(state_dir, args.interval, log_bytes=max(1024, args.log_bytes))
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sup.stop.set())
    try:
        return sup.run()
    except Exception as exc:  # say why in the log `local status` points to, then exit
        sup.event("supervisor_failed", error=f"{type(exc).__name__}: {exc}")
        return 1
    finally:
        pid_file = state_dir / SUPERVISOR_PID
        with contextlib.suppress(OSError, ValueError):
            if int(pid_file.read_text(encoding="utf-8").split()[0]) == os.getpid():
                pid_file.unlink()


if __name__ == "__main__":
    raise SystemExit(main())
