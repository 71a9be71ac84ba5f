"""The README's benchmark table is derived from the committed results, not typed by hand."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_report(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(root / "bench" / "report.py"), *args],
                          capture_output=True, text=True, cwd=root, check=False, timeout=60)


def test_readme_table_matches_committed_results() -> None:
    proc = run_report(ROOT, "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "up to date" in proc.stdout


def test_check_notices_a_changed_result(tmp_path: Path) -> None:
    # a copy of the repo's README and bench/ with one figure changed must be reported stale
    (tmp_path / "bench").mkdir()
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    shutil.copy(ROOT / "bench" / "report.py", tmp_path / "bench" / "report.py")
    shutil.copytree(ROOT / "bench" / "results", tmp_path / "bench" / "results")
    path = tmp_path / "bench" / "results" / "drain.json"
    doc = json.loads(path.read_text())
    doc["result"]["summary"]["rsfleet"]["failed_queries"] += 1
    path.write_text(json.dumps(doc))
    proc = run_report(tmp_path, "--check")
    assert proc.returncode == 1
    assert "stale" in proc.stdout
