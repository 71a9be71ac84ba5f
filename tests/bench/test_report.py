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


def copy_repo(tmp_path: Path) -> None:
    """The README, bench/ and the demo's committed result, copied to tmp_path."""
    (tmp_path / "bench").mkdir()
    (tmp_path / "docs" / "img").mkdir(parents=True)
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    shutil.copy(ROOT / "bench" / "report.py", tmp_path / "bench" / "report.py")
    shutil.copytree(ROOT / "bench" / "results", tmp_path / "bench" / "results")
    shutil.copy(ROOT / "docs" / "img" / "demo-report.json", tmp_path / "docs" / "img")


def test_check_notices_a_changed_result(tmp_path: Path) -> None:
    # a copy of the repo's README and bench/ with one figure changed must be reported stale
    copy_repo(tmp_path)
    path = tmp_path / "bench" / "results" / "drain.json"
    doc = json.loads(path.read_text())
    doc["result"]["summary"]["rsfleet"]["failed_queries"] += 1
    path.write_text(json.dumps(doc))
    proc = run_report(tmp_path, "--check")
    assert proc.returncode == 1
    assert "stale" in proc.stdout


def test_readme_demo_figures_come_from_the_demo_result(tmp_path: Path) -> None:
    doc = json.loads((ROOT / "docs" / "img" / "demo-report.json").read_text())
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- demo:figures -->", 1)[1].split("<!-- /demo:figures -->", 1)[0]
    flat = " ".join(block.split())
    lt = doc["loadtest"]
    assert f"**{doc['demo_seconds']:.0f} s**" in flat
    assert f"{lt['ok']:,} of {lt['queries']:,} queries" in flat
    assert f"{lt['failed']:,} failed" in flat and doc["date"][:10] in flat
    # a changed demo result makes the README stale
    copy_repo(tmp_path)
    path = tmp_path / "docs" / "img" / "demo-report.json"
    doc["loadtest"]["failed"] += 1
    path.write_text(json.dumps(doc))
    proc = run_report(tmp_path, "--check")
    assert proc.returncode == 1
    assert "stale" in proc.stdout


def _load_report_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_report", ROOT / "bench" / "report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_panel_of_the_benchmark_figure_shows_data(tmp_path: Path) -> None:
    """Each of the nine panels draws something from the results: bars not all zero, points,
    or lines with data (a panel fed empty series would still write a PNG)."""
    from matplotlib.collections import PathCollection
    from matplotlib.patches import Rectangle

    fig = _load_report_module().figure(tmp_path / "bench.png")
    assert len(fig.axes) == 9
    for ax in fig.axes:
        bars = [p.get_height() for p in ax.patches if isinstance(p, Rectangle)]
        points = sum(len(c.get_offsets()) for c in ax.collections
                     if isinstance(c, PathCollection))
        lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
        assert sum(bars) > 0 or points > 0 or lines, f"panel {ax.get_title()!r} shows no data"
        assert ax.get_title()
    assert (tmp_path / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
