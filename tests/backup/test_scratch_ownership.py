"""`backup discard` deletes only scratch clusters rsfleet made (and marked), and `backup drill
--json` checks its output path before the drill: on a recorded fleet that is not running
(the refusals come before anything would start)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import free_port_block

from rsfleet.local import state
from rsfleet.local.archive import mark_scratch, scratch_dir
from rsfleet.local.fleet import LocalFleet
from rsfleet.spec.loader import load_spec

SPEC = ('environment = "xy"\nproducer = { base_capacity = 8 }\n'
        'consumers = { c1 = { base_capacity = 8 } }\n')


def rsfleet(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RSFLEET_STATE_DIR"}
    return subprocess.run([sys.executable, "-m", "rsfleet", *args], capture_output=True,
                          text=True, timeout=120, env={**env, "COLUMNS": "200"})


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [x for x in (proc.stdout + proc.stderr).splitlines() if x.strip()]
    assert len(lines) == 1, proc.stdout + proc.stderr
    return lines[0]


@pytest.fixture
def sdir(tmp_path: Path) -> Path:
    spec_file = tmp_path / "x.tfvars"
    spec_file.write_text(SPEC)
    sdir = tmp_path / "s"
    state.claim(sdir, "xy")
    base = free_port_block(3)
    LocalFleet.plan(load_spec(spec_file), sdir, lb_port=base + 2, base_port=base).save()
    return sdir


def test_discard_refuses_a_scratch_dir_rsfleet_did_not_make(sdir):
    # the repro: `backup discard --name foreign` deleted backup/scratch/foreign/
    foreign = scratch_dir(sdir) / "foreign"
    foreign.mkdir(parents=True)
    (foreign / "precious").write_text("keep me")
    proc = rsfleet("backup", "discard", "--name", "foreign", "--state-dir", str(sdir))
    assert proc.returncode == 2
    assert f"refusing to discard {foreign}: not a scratch cluster rsfleet made" in one_line(proc)
    assert (foreign / "precious").read_text() == "keep me"
    # ... and restore's refusal of that name does not suggest discarding it
    proc = rsfleet("backup", "restore", "--to", "foreign", "--state-dir", str(sdir))
    assert proc.returncode == 2
    line = one_line(proc)
    assert "exists already" in line and "rsfleet did not create it" in line
    assert "backup discard" not in line
    # a marker copied from another scratch cluster does not make it ours either
    (scratch_dir(sdir) / "other").mkdir()
    mark_scratch(sdir, "other")
    (foreign / ".rsfleet-scratch").write_bytes(
        (scratch_dir(sdir) / "other" / ".rsfleet-scratch").read_bytes())
    proc = rsfleet("backup", "discard", "--name", "foreign", "--state-dir", str(sdir))
    assert proc.returncode == 2 and (foreign / "precious").is_file()
    # one rsfleet made (marked at its creation, as restore --to does): discarded
    proc = rsfleet("backup", "restore", "--to", "other", "--state-dir", str(sdir))
    assert proc.returncode == 2 and "backup discard --name other" in one_line(proc)
    proc = rsfleet("backup", "discard", "--name", "other", "--state-dir", str(sdir))
    assert proc.returncode == 0, proc.stderr
    assert not (scratch_dir(sdir) / "other").exists()


@pytest.mark.parametrize("path", ["/proc/rsfleet-no-dir/drill.json", "/proc/drill.json"])
def test_drill_checks_its_json_path_before_the_drill(sdir, path):
    # the repro: the whole drill ran, then writing the result failed and it was lost
    proc = rsfleet("backup", "drill", "--json", path, "--state-dir", str(sdir))
    assert proc.returncode == 2
    assert one_line(proc).startswith(f"error: --json {path}: ")
    assert not (sdir / "backup").exists()  # nothing was restored, nothing written


def test_bench_and_artifact_check_their_out_before_the_work():
    for cmd in ([sys.executable, "-m", "bench", "--out", "/proc/rsfleet-x", "cli_start"],
                [sys.executable, "-m", "rsfleet.controller.artifact", "--out",
                 "/proc/rsfleet-x/a.zip"]):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                              cwd=Path(__file__).resolve().parents[2])
        assert proc.returncode == 2, proc.stderr
        assert "--out /proc/rsfleet-x" in proc.stderr and "===" not in proc.stdout, cmd
