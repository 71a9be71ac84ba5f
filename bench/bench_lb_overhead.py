"""Load-balancer overhead, measured with pgbench (the field's standard C client).

The same pgbench load — 16 clients in 3 pgbench processes (6/5/5 clients, `-j` threads
each), one connection per client for the whole run — goes
- `direct`: each process to its own consumer (the load spread over the consumers by hand),
- `rsfleet`: every process through rsfleet's HAProxy (rsfleet.local.haproxy, as rendered),
- `baseline`: every process through a plain, hand-configured HAProxy,
in alternating rounds (the order rotates every round) so machine noise hits every mode
alike. The client side is identical in every mode; only the destination differs.

Three mixes: `point` (a one-row primary-key lookup: tiny queries, where the LB's
per-packet cost weighs most), `scan` (2,000 rows per query: few, large responses) and
`connect` (the point lookup with `pgbench -C`, a new connection per transaction: the LB's
per-connection cost, beside PostgreSQL's backend start and authentication).

Per mode: transactions/s (median of the rounds, and the spread), its ratio to direct per
round, p50/p99 latency from pgbench's per-transaction log (sampled), pgbench's own CPU
(cores; a client-bound run shows up as ~1 core per pgbench thread), HAProxy's CPU and the
whole host's busy share (other work on the machine shows up there).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._fleet import bench_fleet, start_lb
from bench._load import cpu_seconds

CLIENTS = 16
PROCESSES = 3  # one per consumer when direct
THREADS = 2  # pgbench -j per process
SAMPLING = 0.05  # share of transactions pgbench logs (for p50/p99)
POINT = "\\set id random(1, 20000)\nSELECT amount FROM sales.orders WHERE id = :id;\n"
SCRIPTS = {
    "point": POINT,
    "scan": "\\set lo random(1, 18000)\n"
            "SELECT id, region, amount FROM sales.orders WHERE id BETWEEN :lo AND :lo + 1999;\n",
    "connect": POINT,  # with pgbench -C: a new connection per transaction
}
PER_CONNECTION = {"connect"}
MODES = ("direct", "rsfleet", "baseline")


def split(total: int, parts: int) -> list[int]:
    """16 over 3 -> [6, 5, 5]."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def host_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole host, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def pgbench_bin() -> str:
    from rsfleet.local.postgres import pg_bin_dir

    return str(pg_bin_dir() / "pgbench")


def run_pgbench(ports: list[int], script: Path, seconds: float, password: str,
                workdir: Path, connect_each: bool = False) -> dict[str, Any]:
    """PROCESSES pgbench processes (process i to ports[i]) for `seconds`; their summed tps,
    sampled latencies and CPU."""
    env = {**os.environ, "PGPASSWORD": password, "PGSSLMODE": "disable"}
    procs = []
    for i, (port, clients) in enumerate(zip(ports, split(CLIENTS, PROCESSES), strict=True)):
        prefix = workdir / f"log{i}"
        args = [pgbench_bin(), "-n", "-h", "127.0.0.1", "-p", str(port), "-U", "app_reader",
                "-c", str(clients), "-j", str(min(THREADS, clients)), "-T", str(seconds),
                *(["-C"] if connect_each else []), "-f", str(script), "-l",
                "--sampling-rate", str(SAMPLING), "--log-prefix", str(prefix), "sales_db"]
        procs.append(subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env=env, cwd=workdir))
    tps, cpu, failed = 0.0, 0.0, 0
    for p in procs:
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out, err = p.communicate()
        cpu += usage.ru_utime + usage.ru_stime
        if p.returncode != 0:
            failed += 1
            print(f"pgbench exited {p.returncode}: {err.strip()[-300:]}")
            continue
        tps += next(float(line.split()[2]) for line in out.splitlines()
                    if line.startswith("tps = "))
    latencies = []
    for log in workdir.glob("log*"):
        # client_id transaction_no time script_no time_epoch time_us: time = latency in µs
        latencies += [int(line.split()[2]) / 1000 for line in log.read_text().splitlines()
                      if line.strip()]
        log.unlink()
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0

    return {"tps": tps, "p50_ms": pct(0.50), "p99_ms": pct(0.99), "client_cpu_s": cpu,
            "failed_processes": failed, "samples": len(latencies)}


def spread(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3)}


Edit = Callable[[str], str]


def _global(*lines: str) -> Edit:
    def edit(text: str) -> str:
        if "  nbthread 1\n" not in text:
            raise RuntimeError("rsfleet's HAProxy config no longer sets nbthread 1")
        return text.replace("  nbthread 1\n", "".join(f"  {ln}\n" for ln in lines))
    return edit


def _defaults(*lines: str) -> Edit:
    def edit(text: str) -> str:
        return text.replace("  mode tcp\n", "  mode tcp\n" + "".join(f"  {ln}\n" for ln in lines))
    return edit


# HAProxy settings tried against rsfleet's profile in the full run (HAProxy 2.6 keywords);
# each is rsfleet's configuration with one change. rsfleet keeps one only if it beats
# rsfleet's own figure by more than the spread between rounds (see docs/targets.md).
TRIED: dict[str, Edit] = {
    "nbthread 2": _global("nbthread 2"),  # HAProxy's default here: one thread per CPU
    "nbthread 2 + cpu-map": _global("nbthread 2", "cpu-map auto:1/1-2 0-1"),
    "splice-auto": _defaults("option splice-auto"),  # kernel splice() between sockets
    "tune.bufsize 64k": _global("nbthread 1", "tune.bufsize 65536"),  # fewer recv/send calls
    "tcp-smart-accept/connect": _defaults("option tcp-smart-accept",
                                          "option tcp-smart-connect"),  # fewer ACK packets
}


def main(quick: bool = False, variants: dict[str, Edit] | None = None,
         rounds: int | None = None, seconds: float | None = None) -> dict[str, Any]:
    """`variants`: more HAProxy modes, each rsfleet's configuration changed by a function
    (default in the full run: TRIED; none in --quick)."""
    rounds, seconds = rounds or (2 if quick else 6), seconds or (1 if quick else 4)
    if variants is None and not quick:
        variants = TRIED
    modes = (*MODES, *(variants or {}))
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {
        (mix, m): [] for mix in SCRIPTS for m in modes}
    with bench_fleet() as fleet, tempfile.TemporaryDirectory(prefix="rsfleet-pgbench-") as tmp:
        for i, (name, edit) in enumerate((variants or {}).items()):  # stopped with the fleet
            fleet.lbs[name] = start_lb(fleet.root / f"haproxy-tried-{i}",
                                       {n: pg.port for n, pg in fleet.consumers.items()},
                                       "rsfleet", edit=edit)
        work = Path(tmp)
        scripts = {}
        for mix, text in SCRIPTS.items():
            scripts[mix] = work / f"{mix}.sql"
            scripts[mix].write_text(text, encoding="ascii")
        for lb in ("rsfleet", *(variants or {})):  # the rsfleet profile starts them disabled
            runtime = fleet.runtime(lb)
            for name in fleet.consumers:
                runtime.set_server_state("consumers", name, "ready")
        consumer_ports = [pg.port for pg in fleet.consumers.values()]
        time.sleep(1.5)  # HAProxy's first checks (rise 2)
        for r in range(rounds):
            for mix in SCRIPTS:
                for mode in modes[r % len(modes):] + modes[:r % len(modes)]:  # rotate order
                    if mode == "direct":
                        ports, lb_pid = consumer_ports, None
                    else:
                        proc, port = fleet.lbs[mode]
                        ports, lb_pid = [port] * PROCESSES, proc.pid
                    lb0 = cpu_seconds(lb_pid) if lb_pid else 0.0
                    busy0, total0 = host_busy()
                    t0 = time.perf_counter()
                    res = run_pgbench(ports, scripts[mix], seconds, fleet.password, work,
                                      connect_each=mix in PER_CONNECTION)
                    wall = time.perf_counter() - t0
                    busy1, total1 = host_busy()
                    res["lb_cores"] = (cpu_seconds(lb_pid) - lb0) / wall if lb_pid else 0.0
                    res["client_cores"] = res["client_cpu_s"] / wall
                    res["host_busy"] = (busy1 - busy0) / max(total1 - total0, 1)
                    runs[(mix, mode)].append(res)
    return summarize(runs, modes, rounds, seconds)


def summarize(runs: dict[tuple[str, str], list[dict[str, Any]]], modes: tuple[str, ...],
              rounds: int, seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "client": f"pgbench, {CLIENTS} clients in {PROCESSES} processes "
                  f"({'/'.join(map(str, split(CLIENTS, PROCESSES)))}), -j {THREADS} each",
        "rounds": rounds, "round_seconds": seconds, "clients": CLIENTS,
        "processes": PROCESSES, "threads_per_process": THREADS, "cpus": os.cpu_count(),
        "scripts": SCRIPTS, "per_connection": sorted(PER_CONNECTION),
        "tried": [m for m in modes if m not in MODES], "mixes": {}}
    print(f"{'mix':7} {'mode':24} {'tps':>8} {'ratio (min-max)':>17} {'p50 ms':>7} "
          f"{'p99 ms':>7} {'client':>7} {'LB':>6} {'host':>5}")
    for mix in SCRIPTS:
        direct = runs[(mix, "direct")]
        mix_out = out["mixes"][mix] = {}
        for mode in modes:
            rs = runs[(mix, mode)]
            # per round: this mode's tps over direct's in the same round
            ratios = [r["tps"] / d["tps"] if d["tps"] else 0.0 for r, d in zip(rs, direct,
                                                                                strict=True)]

            def med(key: str, rs: list[dict[str, Any]] = rs) -> float:
                return statistics.median(r[key] for r in rs)

            mix_out[mode] = m = {
                "tps": round(med("tps"), 1),
                "throughput_ratio": spread(ratios),
                "p50_ms": round(med("p50_ms"), 3), "p99_ms": round(med("p99_ms"), 3),
                "client_cores": round(med("client_cores"), 2),
                "lb_cores": round(med("lb_cores"), 3),
                "host_busy": round(med("host_busy"), 3),
                "failed_processes": sum(r["failed_processes"] for r in rs),
            }
            tr = m["throughput_ratio"]
            print(f"{mix:7} {mode:24} {m['tps']:8.0f} {tr['median']:6.2f} "
                  f"({tr['min']:.2f}-{tr['max']:.2f}) {m['p50_ms']:7.2f} {m['p99_ms']:7.2f} "
                  f"{m['client_cores']:7.2f} {m['lb_cores']:6.2f} {m['host_busy']:5.0%}")
    return out
