"""Scale-out: time from `local scale N+1` to the new consumer serving reads through the LB,
with a large shared fact table, and proof that no session reached it before it was ready:
every session it served saw the complete table, no client session failed, and HAProxy's own
count of sessions sent to it equals the sessions the clients saw it serve."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg

from bench._fleet import local_fleet

COUNT = "SELECT current_setting('cluster_name'), count(*) FROM sales.orders"


def main(quick: bool = False) -> dict[str, Any]:
    from rsfleet.local.lifecycle import scale

    rows = 50_000 if quick else 1_000_000
    with local_fleet(consumers=2, rows=rows) as fleet:
        seen: list[tuple[float, str, int]] = []
        errors: list[str] = []
        stop = threading.Event()

        def client() -> None:
            while not stop.is_set():
                try:
                    with psycopg.connect(**fleet.connect_kwargs("lb", "app_reader",
                                                                 "sales_db")) as c:
                        name, n = c.execute(COUNT).fetchone()
                    seen.append((time.perf_counter(), name, n))
                except psycopg.Error as exc:
                    errors.append(str(exc).splitlines()[0][:120])

        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        t0 = time.perf_counter()
        scale(fleet, 3)
        returned = time.perf_counter() - t0
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join()
        from rsfleet.adapters.haproxy import HaproxyRuntime

        lb = {srv.name: srv.total_sessions
              for srv in HaproxyRuntime(fleet.haproxy_socket).servers("consumers")}
    on_new = [(t - t0, n) for t, name, n in seen if name == "c3"]
    incomplete = [n for _, n in on_new if n != rows]
    first = min((t for t, _ in on_new), default=float("nan"))
    print(f"{rows:,} rows: scale 2->3 returned after {returned:.2f} s; first session on c3 "
          f"at {first:.2f} s; {len(on_new)} sessions on c3, {len(incomplete)} saw an "
          f"incomplete table; {len(errors)} client session(s) failed; HAProxy sent "
          f"{lb.get('c3')} session(s) to c3")
    return {"rows": rows, "scale_returned_s": round(returned, 2),
            "first_session_on_new_s": round(first, 2), "sessions_on_new": len(on_new),
            "sessions_before_ready": len(incomplete), "failed_sessions": len(errors),
            "failed_examples": sorted(set(errors))[:3],
            "haproxy_sessions_to_new": lb.get("c3"), "sessions_total": len(seen)}
