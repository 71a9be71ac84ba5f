"""The controller beside the local fleet: the Lambda's loop (`ControllerService.one_pass` in
`run_passes`, through `run_until_stopped`) as a supervised background process.

`rsfleet local up` starts it (``start``), `rsfleet local down` stops it (``stop``):
- a supervisor (rsfleet.controller.supervisor, pid file ``supervisor.pid``) runs the
  controller (pid file ``controller.pid``) and starts it again within about a second when it
  exits or is killed, as EventBridge Scheduler re-invokes the Lambda on AWS; restarts are
  counted in ``controller-state.json`` and shown by `rsfleet local status`;
- log ``<state dir>/controller.log`` (the same JSON action lines and EMF lines the Lambda
  writes to CloudWatch Logs), written by the supervisor alone and rotated at a size cap
  (controller.log.1 … .3);
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
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rsfleet.controller import supervisor
from rsfleet.controller.supervisor import CONTROLLER_PID as PID_FILE
from rsfleet.controller.supervisor import LOG_FILE as LOG_FILE  # (re-exported)
from rsfleet.controller.supervisor import STATE_FILE, SUPERVISOR_PID
from rsfleet.local.pidfile import PidFile, process_alive, stop

MODULE = "rsfleet.controller.local"
DEFAULT_INTERVAL = 1.0


@dataclass(frozen=True)
class ControllerStatus:
    """What `local status` says about the controller."""

    state: str  # running | down (its supervisor restarts it) | unsupervised | off
    pid: int | None
    supervisor_pid: int | None
    restarts: int
    interval_s: float | None
    last_exit: str | None
    problem: str  # why `local status` exits 1 ("" when none)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class ControllerProcess:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)

    @property
    def pid_file(self) -> Path:
        return self.state_dir / PID_FILE

    @property
    def supervisor_pid_file(self) -> Path:
        return self.state_dir / SUPERVISOR_PID

    @property
    def log_file(self) -> Path:
        return self.state_dir / LOG_FILE

    @property
    def pid(self) -> int | None:
        return PidFile(self.pid_file).pid

    @property
    def supervisor_pid(self) -> int | None:
        return PidFile(self.supervisor_pid_file).pid

    def _alive(self, pid: int | None, module: str) -> bool:
        """`pid` is this module for this state dir (a recycled pid is not ours)."""
        return pid is not None and process_alive(
            pid, cmdline=(module, str(self.state_dir.resolve())))

    def is_running(self) -> bool:
        """The controller itself runs now (not only its supervisor)."""
        return self._alive(self.pid, MODULE)

    def is_supervised(self) -> bool:
        """Its supervisor runs (then the controller runs, or is about to run again)."""
        return self._alive(self.supervisor_pid, supervisor.MODULE)

    def _state(self) -> dict[str, Any]:
        try:
            doc = json.loads((self.state_dir / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return doc if isinstance(doc, dict) else {}

    def status(self) -> ControllerStatus:
        doc = self._state()
        running, supervised = self.is_running(), self.is_supervised()
        restarts = int(doc.get("restarts") or 0) if supervised else 0
        interval, last_exit = doc.get("interval_s"), doc.get("last_exit")
        fix = f"see {self.log_file}; `rsfleet local up` starts both again"
        if running and supervised:
            state, problem = "running", ""
        elif supervised:
            state, problem = "down", (f"controller: down (exited: {last_exit or 'unknown'}; "
                                      f"its supervisor starts it again; {restarts} restart(s) "
                                      f"so far; {self.log_file})")
        elif running:
            state, problem = "unsupervised", ("controller: running without its supervisor "
                                              "(nothing restarts it): `rsfleet local up` "
                                              "supervises it")
        elif self.supervisor_pid_file.exists():  # started, and its supervisor is gone
            state, problem = "down", f"controller: down, and its supervisor too ({fix})"
        else:
            state, problem = "off", ""  # not started (`local up --no-controller`, or down)
        return ControllerStatus(state, self.pid if running else None,
                                self.supervisor_pid if supervised else None, restarts,
                                float(interval) if isinstance(interval, int | float) else None,
                                last_exit if isinstance(last_exit, str) else None, problem)

    def start(self, *, interval: float = DEFAULT_INTERVAL, timeout: float = 30.0,
              log_bytes: int = supervisor.LOG_BYTES) -> int:
        """Start it under its supervisor unless that runs; returns the controller's pid."""
        if self.is_supervised():
            pid = self._wait_for_controller(timeout)
            return pid if pid is not None else self.supervisor_pid  # type: ignore[return-value]
        self.stop()  # a controller left without its supervisor (or from an older rsfleet)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen(  # our own interpreter and module
            [sys.executable, "-m", supervisor.MODULE, "--state-dir",
             str(self.state_dir.resolve()), "--interval", f"{interval:g}",
             "--log-bytes", str(log_bytes)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True)
        PidFile(self.supervisor_pid_file).write(proc.pid)
        pid = self._wait_for_controller(timeout, proc)
        return pid if pid is not None else proc.pid

    def _wait_for_controller(self, timeout: float,
                             started: subprocess.Popen[bytes] | None = None) -> int | None:
        """The controller's pid once it runs; None when its supervisor ends first or after
        `timeout`. A supervisor this process just started is watched through its Popen: right
        after exec, /proc/PID/cmdline can still read empty (seen under load), which
        `is_supervised` would take for "not ours"."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.is_running():
                return self.pid
            if (started.poll() is not None) if started else not self.is_supervised():
                break
            time.sleep(0.05)
        return None

    def stop(self, timeout: float = 10.0) -> int | None:
        """Stop the supervisor (it stops the controller: SIGTERM, the loop finishes its
        pass), then any controller left; SIGKILL after ``timeout``. Returns the controller's
        pid it stopped, or None when none ran."""
        pid = self.pid if self.is_running() else None
        sup = self.supervisor_pid
        if self.is_supervised() and sup is not None:
            stop(sup, self.is_supervised, timeout=timeout + 2)  # it waits `timeout` for its child
        if self.is_running() and self.pid is not None:
            stop(self.pid, self.is_running, timeout=timeout)
        for name in (PID_FILE, SUPERVISOR_PID, STATE_FILE):
            (self.state_dir / name).unlink(missing_ok=True)
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
    from rsfleet.sharing.local import consumer_ready
    from rsfleet.targets.api import local_context

    fleet = LocalFleet.open(None, state_dir)
    ctx = local_context(fleet, data_ready=consumer_ready, probe_timeout=1.0)
    ctl = ctx.controller(rise=2, fall=2)
    ctl.resume(ctx.store.last_pass())

    def emit(line: str) -> None:
        print(stamped(line), flush=True)

    service = ControllerService(ctl, ctx.name, source=f"local pid {os.getpid()}", emit=emit,
                                interval=interval)
    emit(f'{{"event": "started", "pid": {os.getpid()}, "interval_s": {interval}}}')
    stop = stop or threading.Event()
    parent = os.getppid()

    def orphaned() -> None:
        # its supervisor gone (the parent pid changes): stop, so that the next `local up`
        # does not find a controller nothing supervises beside the one it starts
        while not stop.wait(0.5):
            if os.getppid() != parent:
                stop.set()

    threading.Thread(target=orphaned, daemon=True).start()
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
