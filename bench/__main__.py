"""Run benchmarks: `python -m bench --all [--quick]` or `python -m bench NAME...`.

Each module `bench/bench_<name>.py` defines `main(quick: bool) -> dict`: it prints its own
table (ratios measured side by side in one run) and returns a JSON-able result, which is
written to bench/results/<name>.json together with the machine and the date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def machine() -> dict:
    mem_kb = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            mem_kb = int(fh.readline().split()[1])
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run: {', '.join(available())}")
    parser.add_argument("--all", action="store_true", help="run every benchmark")
    parser.add_argument("--quick", action="store_true", help="short smoke run (CI)")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="result directory")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="--quick only: run N benchmarks at a time, each in its own "
                        "process (the smoke checks that each runs; its figures are not used)")
    args = parser.parse_args(argv)
    if args.jobs < 1 or (args.jobs > 1 and not args.quick):
        # a full run's ratios are measured side by side on a quiet machine: one at a time
        parser.error("--jobs N: N >= 1, and above 1 only with --quick")
    names = available() if args.all else args.names
    unknown = sorted(set(names) - set(available()))
    if unknown or not names:
        parser.error(f"unknown or no benchmark: {unknown or '(none)'}; choose from {available()}")
    from rsfleet.errors import UsageError
    from rsfleet.output import check_output_dir

    try:  # before the runs (minutes): their results must not be lost at the end
        check_output_dir(args.out, "--out")
    except UsageError as exc:
        parser.error(str(exc))
    args.out.mkdir(parents=True, exist_ok=True)
    if args.jobs > 1 and len(names) > 1:
        return _in_parallel(names, args.jobs, args.out)
    failed = []
    for name in names:
        print(f"\n=== bench {name} {'(quick)' if args.quick else ''} ===", flush=True)
        module = importlib.import_module(f"bench.bench_{name}")
        start = time.monotonic()
        try:
            result = module.main(quick=args.quick)
        except Exception as exc:  # one benchmark failing must not hide the others
            print(f"bench {name} failed: {exc!r}", file=sys.stderr)
            failed.append(name)
            continue
        doc = {
            "benchmark": name,
            "quick": args.quick,
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "wall_seconds": round(time.monotonic() - start, 1),
            "result": result,
        }
        suffix = "-quick" if args.quick else ""
        path = args.out / f"{name}{suffix}.json"
        path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path}")
    return 1 if failed else 0


def _in_parallel(names: list[str], jobs: int, out: Path) -> int:
    """`python -m bench --quick NAME` for each name, `jobs` at a time; each one's output is
    printed whole when it ends (most of a quick run is waiting on fleets, not CPU)."""
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    def one(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out),
                               name], cwd=HERE.parent, capture_output=True, text=True,
                              check=False, stdin=subprocess.DEVNULL)

    failed = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for name, proc in zip(names, pool.map(one, names), strict=True):
            print(proc.stdout, end="", flush=True)
            print(proc.stderr, end="", file=sys.stderr, flush=True)
            if proc.returncode != 0:
                failed.append(name)
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
