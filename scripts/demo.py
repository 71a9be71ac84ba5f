"""`make demo`: the whole story on a local fleet, narrated.

Runs the real `rsfleet` commands a user would type: start the fleet from the dev spec,
load sample data on the producer, share it with every consumer, run a load test through
HAProxy while one consumer is killed, bring it back, and leave the fleet running.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.rule import Rule

ROOT = Path(__file__).resolve().parent.parent
console = Console()


def rsfleet(*args: str, check: bool = True) -> int:
    exe = shutil.which("rsfleet", path=str(Path(sys.executable).parent)) or "rsfleet"
    console.print(f"[bold cyan]$ rsfleet {' '.join(args)}[/]", highlight=False)
    proc = subprocess.run([exe, *args], cwd=ROOT, check=False)
    if check and proc.returncode != 0:
        console.print(f"[red]demo stopped: `rsfleet {' '.join(args)}` exited "
                      f"{proc.returncode}[/]")
        sys.exit(proc.returncode)
    return proc.returncode


def step(title: str, why: str) -> None:
    console.print()
    console.print(Rule(f"[bold]{title}"))
    console.print(why, style="dim")


DEMO_JSON = "demo.json"
PUBLISHED_PNG = ROOT / "docs" / "img" / "demo-report.png"
PUBLISHED_JSON = ROOT / "docs" / "img" / "demo-report.json"


def write_summary(report: Path, seconds: float) -> Path:
    """demo.json: what the README says about this run (small; from the loadtest result)."""
    result = json.loads((report / "result.json").read_text(encoding="utf-8"))
    s = result["summary"]
    keep = ("duration_s", "queries", "ok", "failed", "throughput_qps", "latency_ms",
            "errors_by_kind", "errors_outside_faults", "connections", "failed_connections")
    fault_keys = ("kind", "target", "applied_s", "new_sessions_after", "failed_queries",
                  "failed_by_kind", "sessions_affected", "recovery_s")
    doc = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "demo_seconds": round(seconds, 1),
        "loadtest": {**{k: s[k] for k in keep},
                     "faults": [{k: f[k] for k in fault_keys} for f in s["faults"]]},
    }
    path = report / DEMO_JSON
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return path


def publish(report: Path) -> None:
    """Copy this run's picture and figures into docs/img and rewrite the README's lines."""
    shutil.copyfile(report / "report.png", PUBLISHED_PNG)
    shutil.copyfile(report / DEMO_JSON, PUBLISHED_JSON)
    subprocess.run([sys.executable, str(ROOT / "bench" / "report.py")], cwd=ROOT, check=True)
    console.print(f"Published {PUBLISHED_PNG.relative_to(ROOT)} and "
                  f"{PUBLISHED_JSON.relative_to(ROOT)}; README.md updated — look at the "
                  "picture before committing it.")


def next_steps(env: str) -> list[str]:
    """What to type after the demo: `rsfleet` lives in the venv, not on PATH (a newcomer's
    first `rsfleet local status` said `command not found`)."""
    venv_bin = Path(sys.executable).parent
    try:
        shown = venv_bin.relative_to(Path.cwd())
    except ValueError:
        shown = venv_bin
    return [f"The fleet is still running: `rsfleet local status --env {env}`. "
            "Stop it with [bold]make demo-down[/].",
            f"rsfleet is installed in {shown}/, not on your PATH: run "
            f"[bold]source {shown}/activate[/] first (or type {shown}/rsfleet)."]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env", default="dev")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--duration", default="20s")
    parser.add_argument("--report", type=Path, default=ROOT / "reports" / "demo")
    parser.add_argument("--publish", action="store_true",
                        help="copy report.png and demo.json into docs/img and update the "
                        "README's demo figures (maintainers)")
    args = parser.parse_args()
    env = ["--env", args.env]
    start = time.monotonic()

    step("1. The spec", "One tfvars file drives Terraform on AWS and this local fleet.")
    rsfleet("validate", *env)

    step("2. Start the fleet", "A PostgreSQL producer, one PostgreSQL cluster per consumer, "
         "HAProxy on 127.0.0.1:5439 — TLS everywhere, each process with its own pid file.")
    rsfleet("local", "up", *env)

    step("3. Load data on the producer and share it",
         f"{args.rows:,} orders in sales.orders; each consumer subscribes (logical "
         "replication stands in for a Redshift datashare) and joins the load balancer only "
         "once its copy is complete.")
    rsfleet("local", "seed", "--rows", str(args.rows), *env)
    rsfleet("share", "apply", *env)  # second apply: nothing to do
    rsfleet("share", "verify", *env)
    rsfleet("targets", "status", *env)

    step("4. Load test through HAProxy, with a crash",
         "32 client sessions, a new connection per query (the LB balances connections). "
         "At 7 s consumer c1 is killed (SIGKILL): reads continue on the others.")
    args.report.mkdir(parents=True, exist_ok=True)
    code = rsfleet("loadtest", *env, "--sessions", "32", "--connect-mode", "per-query",
                   "--duration", args.duration, "--kill", "c1@7s",
                   "--report", str(args.report), "--json", str(args.report / "result.json"),
                   "--no-raw", check=False)

    step("5. Bring c1 back", "It rejoins the rotation once it is ready again.")
    rsfleet("local", "restart", "c1", *env)
    rsfleet("local", "status", *env)

    step("6. Connect yourself", "Read-only app_reader through HAProxy, verify-full TLS with the "
         "fleet's CA (add --show to print the password).")
    rsfleet("local", "credentials", *env)

    console.print()
    console.print(Rule("[bold green]done"))
    console.print(f"Report: {args.report / 'report.html'} (and report.png); raw result: "
                  f"{args.report / 'result.json'}")
    from rsfleet.local.fleet import default_state_dir

    state = default_state_dir(args.env)
    console.print(f"State dir: {state} (fleet.json, secrets.json 0600, tls/, "
                  "nodes/<name>/server.log, haproxy/)")
    for line in next_steps(args.env):
        console.print(line, highlight=False, soft_wrap=True)  # commands stay whole
    seconds = time.monotonic() - start
    console.print(f"Demo took {seconds:.0f} s.", style="dim")
    if (args.report / "result.json").exists():
        write_summary(args.report, seconds)
        if args.publish and code == 0:
            publish(args.report)
    return 0 if code == 0 else code


if __name__ == "__main__":
    sys.exit(main())
