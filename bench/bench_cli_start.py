"""CLI start time: `rsfleet --help` against `python -c pass`, interleaved, medians."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import Any


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def main(quick: bool = False) -> dict[str, Any]:
    runs = 5 if quick else 25
    base, cli = [], []
    for _ in range(runs):
        base.append(_time([sys.executable, "-c", "pass"]))
        cli.append(_time([sys.executable, "-m", "rsfleet", "--help"]))
    b, c = statistics.median(base), statistics.median(cli)
    print(f"python -c pass {b * 1000:.0f} ms; rsfleet --help {c * 1000:.0f} ms; "
          f"ratio {c / b:.1f}x (median of {runs})")
    return {"runs": runs, "python_ms": round(b * 1000, 1), "rsfleet_help_ms": round(c * 1000, 1),
            "ratio": round(c / b, 2)}
