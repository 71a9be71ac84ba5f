"""The one pid-file helper of PostgreSQL, HAProxy and the local controller (local/pidfile.py),
on real processes: a recycled or dead pid is not ours, a zombie is not alive, stop() ends a
process that ignores SIGTERM."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from rsfleet.local.pidfile import PidFile, process_alive, stop

IGNORES_TERM = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                "print('ready', flush=True); time.sleep(60)")


def test_the_pid_is_the_first_word_and_garbage_is_none(tmp_path):
    f = PidFile(tmp_path / "x.pid")
    assert f.pid is None  # no file
    f.write(4242)
    assert f.pid == 4242 and not list(tmp_path.glob(".*.tmp"))  # written whole, in place
    (tmp_path / "x.pid").write_text("4243\n/var/lib/pg\n1700000000\n")  # postmaster.pid
    assert f.pid == 4243
    (tmp_path / "x.pid").write_text("not a pid\n")
    assert f.pid is None
    f.remove()
    f.remove()  # twice: nothing to remove is fine
    assert not (tmp_path / "x.pid").exists()


def test_alive_only_when_name_and_command_line_match_and_not_a_zombie():
    proc = subprocess.Popen(["sleep", "30"])
    try:
        assert process_alive(proc.pid)
        # right after fork the child may not have exec'd sleep yet (its cmdline is still
        # Python's, or empty under load): wait for the exec, up to 5 s
        for _ in range(100):
            if Path(f"/proc/{proc.pid}/cmdline").read_bytes().startswith(b"sleep"):
                break
            time.sleep(0.05)
        assert process_alive(proc.pid, ("sleep",), cmdline=("30",))
        assert not process_alive(proc.pid, ("haproxy",))  # a recycled pid is not ours
        assert not process_alive(proc.pid, cmdline=("rsfleet.controller.local",))
        proc.kill()
        deadline = 50
        while deadline and process_alive(proc.pid, ("sleep",)):
            subprocess.run(["sleep", "0.05"], check=True)
            deadline -= 1
        assert not process_alive(proc.pid)  # a zombie (not reaped yet) is not alive
    finally:
        proc.kill()
        proc.wait()
    assert not process_alive(proc.pid)


def test_stop_kills_what_ignores_sigterm_and_reaps_its_child():
    proc = subprocess.Popen([sys.executable, "-c", IGNORES_TERM], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    stop(proc.pid, lambda: process_alive(proc.pid), timeout=0.3)
    assert not process_alive(proc.pid)
    try:  # reaped by stop(): no child left to wait for
        os.waitpid(proc.pid, os.WNOHANG)
        reaped = False
    except ChildProcessError:
        reaped = True
    assert reaped
    proc.returncode = -9  # already reaped: keep Popen from waiting on a pid that is gone
