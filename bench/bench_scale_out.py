"""Scale-out: time from `local scale N+1` to the new consumer serving reads through the LB,
with a large shared fact table, and proof that no session reached it before it was ready.

Two LBs front the same rsfleet local fleet at once, with the same client load on each:
- rsfleet: the fleet's own HAProxy; `scale` adds the consumer in maintenance and the
  readiness controller puts it in rotation once it has its share;
- baseline: a hand-written HAProxy (`check inter 3s fall 3 rise 2`); the new consumer's
  server line is added the moment its PostgreSQL starts, as a user adding a consumer by
  hand would (its TCP check passes as soon as the port is open).

Per LB: sessions served by the new consumer, how many of them saw an incomplete table
(count(*) below the rows loaded) or failed, and HAProxy's own count of sessions sent to it.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import psycopg

from bench._fleet import BASELINE_SERVER_OPTIONS, local_fleet, start_lb

COUNT = "SELECT current_setting('cluster_name'), count(*) FROM sales.orders"
PROFILES = ("rsfleet", "baseline")
NEW = "c3"
CLIENTS_PER_LB = 3


def main(quick: bool = False) -> dict[str, Any]:
    from rsfleet.adapters.haproxy import HaproxyRuntime
    from rsfleet.lifecycle import scale

    rows = 50_000 if quick else 1_000_000
    with local_fleet(consumers=2, rows=rows) as fleet:
        base, base_port = start_lb(fleet.state_dir / "haproxy-baseline",
                                   {n: node.port for n, node in fleet.consumers.items()})
        try:
            ports = {"rsfleet": fleet.lb_port, "baseline": base_port}
            runtimes = {"rsfleet": HaproxyRuntime(fleet.haproxy_socket),
                        "baseline": HaproxyRuntime(base.socket)}
            time.sleep(6.5)  # the baseline's servers pass `rise 2` (checks every 3 s)
            seen: dict[str, list[tuple[float, str, int]]] = {p: [] for p in PROFILES}
            errors: dict[str, list[tuple[float, str]]] = {p: [] for p in PROFILES}
            stop = threading.Event()

            def client(p: str) -> None:
                kwargs = {**fleet.connect_kwargs("lb", "app_reader", "sales_db"),
                          "port": ports[p], "connect_timeout": 3}
                while not stop.is_set():
                    t = time.perf_counter()
                    try:
                        with psycopg.connect(**kwargs) as c:
                            name, n = c.execute(COUNT).fetchone()
                        seen[p].append((t, name, n))
                    except psycopg.Error as exc:
                        errors[p].append((t, str(exc).strip().splitlines()[0][:120]))
                        time.sleep(0.01)

            def on_log(line: str) -> None:
                # the moment the new PostgreSQL runs, the hand-configured LB gets its line
                m = re.match(rf"started {NEW} on 127\.0\.0\.1:(\d+)", line)
                if m:
                    runtimes["baseline"].add_server("consumers", NEW, "127.0.0.1",
                                                    int(m.group(1)),
                                                    options=BASELINE_SERVER_OPTIONS)
                    runtimes["baseline"].set_server_state("consumers", NEW, "ready")

            threads = [threading.Thread(target=client, args=(p,)) for p in PROFILES
                       for _ in range(CLIENTS_PER_LB)]
            for t in threads:
                t.start()
            t0 = time.perf_counter()
            scale(fleet, 3, log=on_log)
            returned = time.perf_counter() - t0
            time.sleep(3)
            stop.set()
            for t in threads:
                t.join()
            lb = {p: {s.name: s.total_sessions for s in runtimes[p].servers("consumers")}
                  for p in PROFILES}
        finally:
            base.stop()
    out: dict[str, Any] = {"rows": rows, "scale_returned_s": round(returned, 2),
                           "clients_per_lb": CLIENTS_PER_LB}
    print(f"{rows:,} rows: `scale 2 -> 3` returned after {returned:.2f} s")
    print(f"{'LB':<10}{'first on c3':>12}{'on c3':>7}{'incomplete':>11}{'failed':>8}"
          f"{'LB sent':>8}{'sessions':>9}")
    for p in PROFILES:
        on_new = [(t - t0, n) for t, name, n in seen[p] if name == NEW]
        incomplete = [n for _, n in on_new if n != rows]
        failed_after = [e for t, e in errors[p] if t >= t0]
        first = min((t for t, _ in on_new), default=float("nan"))
        out[p] = {"first_session_on_new_s": round(first, 2), "sessions_on_new": len(on_new),
                  "sessions_before_ready": len(incomplete),
                  "incomplete_counts_seen": sorted(set(incomplete))[:5],
                  "failed_sessions": len(failed_after),
                  "failed_examples": sorted({e for _, e in errors[p]})[:3],
                  "haproxy_sessions_to_new": lb[p].get(NEW), "sessions_total": len(seen[p])}
        print(f"{p:<10}{first:>11.2f}s{len(on_new):>7}{len(incomplete):>11}"
              f"{len(failed_after):>8}{lb[p].get(NEW)!s:>8}{len(seen[p]):>9}")
    return out
