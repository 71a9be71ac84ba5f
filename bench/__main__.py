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
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
