"""Every numeric option is range-checked and output paths are checked before a run: one
line, exit 2, nothing run (issue 13: `loadtest --port 0` was ignored, `--json DIR` failed
after the whole run)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def rsfleet(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RSFLEET_STATE_DIR"}
    return subprocess.run([sys.executable, "-m", "rsfleet", *args], capture_output=True,
                          text=True, timeout=60, cwd=cwd, env=env)


@pytest.mark.parametrize(("args", "line"), [
    (["loadtest", "--port", "0"], "error: --port 0: must be between 1 and 65535"),
    (["loadtest", "--port", "70000"], "error: --port 70000: must be between 1 and 65535"),
    (["loadtest", "--seed", "-1"], "error: --seed -1: must be between 0 and 4294967295"),
    (["loadtest", "--duration", "25h"], "error: --duration 25h: must be more than 0 and at "
     "most 24h"),
    (["loadtest", "--fault-window", "2h"], "error: --fault-window 2h: must be between 0 and 1h"),
    (["loadtest", "--queries", "0"], "error: --queries 0: must be at least 1"),
    (["diagnose", "--port", "0"], "error: --port 0: must be between 1 and 65535"),
    (["local", "seed", "--rows", "-5"], "error: --rows -5: must be between 0 and 100000000"),
    (["targets", "watch", "--rise", "0"],
     "error: Invalid value for '--rise': Input should be greater than or equal to 1 "
     "(see `rsfleet targets watch --help`)"),
    (["loadtest", "--sessions", "x"],
     "error: Invalid value for '--sessions' / '-n': Input should be a valid integer, unable "
     "to parse string as an integer (see `rsfleet loadtest --help`)"),
])
def test_out_of_range_is_one_line(args, line):
    proc = rsfleet(*args, "--env", "dev")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [line]


def test_loadtest_output_paths_are_checked_before_the_run(tmp_path):
    proc = rsfleet("loadtest", "--env", "dev", "--json", str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: --json {tmp_path} is a directory (pass a file path, e.g. result.json, or - "
        "for stdout)"]
    proc = rsfleet("loadtest", "--env", "dev", "--json", str(tmp_path / "no" / "r.json"))
    assert proc.returncode == 2 and "does not exist" in proc.stderr
    (tmp_path / "f").write_text("x")
    proc = rsfleet("loadtest", "--env", "dev", "--report", str(tmp_path / "f"))
    assert proc.returncode == 2 and f"--report {tmp_path / 'f'} is a file" in proc.stderr
