"""User-supplied and external text is printed as written, never read as Rich markup
(issue 13: `[/x]` in a path crashed with MarkupError, `[red]` vanished). Real subprocesses:
the defect was in rendering."""

from __future__ import annotations

import os
import subprocess
import sys

GOOD = ('environment = "xy"\nproducer = { base_capacity = 8 }\n'
        'consumers = { c1 = { base_capacity = 8 } }\n')


def rsfleet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rsfleet", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})


def test_closing_tag_in_a_missing_spec_path(tmp_path):
    path = tmp_path / "[" / "x]" / "a.tfvars"
    proc = rsfleet("validate", "--spec", "/tmp/[/x]/a.tfvars")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "error: spec file /tmp/[/x]/a.tfvars does not exist (pass an existing .tfvars)"]
    assert not path.exists()


def test_tags_in_paths_are_printed_as_written(tmp_path):
    d = tmp_path / "[red]x"
    d.mkdir()
    good = d / "a.tfvars"
    good.write_text(GOOD)
    proc = rsfleet("validate", "--spec", str(good))
    assert proc.returncode == 0, proc.stderr
    assert f"{good} is valid" in proc.stdout
    bad = d / "[bold]b.tfvars"
    bad.write_text(GOOD.replace("8 }\nconsumers", "7 }\nconsumers"))
    proc = rsfleet("validate", "--spec", str(bad))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: {bad}: producer: base_capacity 7")
