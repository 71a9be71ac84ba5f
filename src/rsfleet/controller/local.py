"""The controller beside the local fleet: the Lambda's loop (`ControllerService.one_pass` in
`run_passes`, through `run_until_stopped`) as a supervised background process.

`rsfleet local up` starts it (``start``), `rsfleet local down` stops it (``stop``):
- pid file ``<state dir>/controller.pid``, log ``<state dir>/controller.log`` (the same JSON
  action lines and EMF lines the Lambda writes to CloudWatch Logs);
- the drain state is the fleet's ``targets.json`` (`rsfleet targets drain` writes it too),
  the last pass ``targets-pass.json`` (`rsfleet targets status` shows it);
- the probe is the local one (direct connection as app_reader, every shared table read,
  the subscription state): on the local fleet a data check costs nothing, so every pass.

Run in the foreground: ``python -m rsfleet.controller.local --state-dir DIR``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from rsfleet.local.pidfile import PidFile, process_alive, stop

PID_FILE = "controller.pid"
LOG_FILE = "controller.log"
MODULE = "rsfleet.controller.local"
DEFAULT_INTERVAL = 1.0


class ControllerProcess:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)

    @property
    def pid_file(self) -> Path:
        return self.state_dir / PID_FILE

    @property
    def log_file(self) -> Path:
        return self.state_dir / LOG_FILE

    @property
    def pid(self) -> int | None:
        return PidFile(self.pid_file).pid

    def is_running(self) -> bool:
        """The pid file names a live process that is this module for this state dir (a
        recycled pid is not ours)."""
        pid = self.pid
        return pid is not None and process_alive(
            pid, cmdline=(MODULE, str(self.state_dir.resolve())))

    def start(self, *, interval: float = DEFAULT_INTERVAL) -> int:
        """Start it in the background unless it runs; returns its pid."""
        running = self.pid if self.is_running() else None
        if running is not None:
            return running
        self.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.log_file, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
        try:
            proc = subprocess.Popen(  # our own interpreter and module
                [sys.executable, "-m", MODULE, "--state-dir", str(self.state_dir.resolve()),
                 "--interval", f"{interval:g}"],
                stdin=subprocess.DEVNULL, stdout=fd, stderr=fd, start_new_session=True,
                close_fds=True)
        finally:
            os.close(fd)
        PidFile(self.pid_file).write(proc.pid)
        return proc.pid

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM (the loop finishes its pass), SIGKILL after ``timeout``; returns the pid
        it stopped, or None when none ran."""
        pid = self.pid if self.is_running() else None
        if pid is not None:
            stop(pid, self.is_running, timeout=timeout)
        PidFile(self.pid_file).remove()
        return pid


def stamped(line: str, now: datetime | None = None) -> str:
    """The JSON line with its UTC time first: CloudWatch Logs stamps each line the Lambda
    writes, a log file does not (controller.log's action lines had no time at all)."""
    try:
        doc = json.loads(line)
    except ValueError:
        return line
    if not isinstance(doc, dict) or "time" in doc:
        return line
    when = (now or datetime.now(UTC)).isoformat(timespec="milliseconds")
    return json.dumps({"time": when, **doc}, default=str)


def run(state_dir: Path, interval: float, *, stop: threading.Event | None = None,
        max_passes: int | None = None) -> int:
    """The loop, in this process, until SIGTERM/SIGINT (or ``stop``). Returns passes run."""
    from rsfleet.controller.loop import run_until_stopped
    from rsfleet.controller.service import ControllerService
    from rsfleet.local.fleet import LocalFleet
    from rsfleet.targets.api import local_context

    fleet = LocalFleet.open(None, state_dir)
    ctx = local_context(fleet, probe_timeout=1.0)
    ctl = ctx.controller(rise=2, fall=2)
    ctl.resume(ctx.store.last_pass())

    def emit(line: str) -> None:
        print(stamped(line), flush=True)

    service = ControllerService(ctl, ctx.name, source=f"local pid {os.getpid()}", emit=emit)
    emit(f'{{"event": "started", "pid": {os.getpid()}, "interval_s": {interval}}}')
    res = run_until_stopped(service.one_pass, interval=interval, stop=stop,
                            max_passes=max_passes)
    emit(f'{{"event": "stopped", "passes": {res.passes}, '
         f'"failed_passes": {res.failed_passes}}}')
    return res.passes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The readiness controller of a local fleet.")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--interval", type=float, default=DEFAULT_INTERVAL)
    args = parser.parse_args(argv)
    if not 0.1 <= args.interval <= 60:
        print("--interval must be 0.1-60 seconds", file=sys.stderr)
        return 2
    run(args.state_dir, args.interval)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
