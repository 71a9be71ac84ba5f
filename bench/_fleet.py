"""A throwaway rsfleet local fleet for benchmarks (free ports, a private state dir)."""

from __future__ import annotations

import contextlib
import random
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

SPEC = """
environment = "bench"
producer    = { base_capacity = 8 }
consumers   = {
%s
}
datashares  = { sales_share = { schemas = ["sales"], consumer_database = "sales_db" } }
"""


def spec_text(consumers: int) -> str:
    return SPEC % "\n".join(f"  c{i} = {{ base_capacity = 8 }}" for i in range(1, consumers + 1))


@contextlib.contextmanager
def local_fleet(consumers: int = 2, rows: int = 10_000) -> Iterator[object]:
    from rsfleet.local.fleet import LocalFleet, port_free
    from rsfleet.local.lifecycle import down, seed, up
    from rsfleet.spec.loader import load_spec

    root = Path(tempfile.mkdtemp(prefix="rsfleet-bench-", dir="/var/tmp"))
    root.chmod(0o711)
    (root / "spec.tfvars").write_text(spec_text(consumers), encoding="utf-8")
    spec = load_spec(root / "spec.tfvars")
    while True:
        base = random.randint(20000, 60000)
        if all(port_free(base + i) for i in range(consumers + 8)):
            break
    fleet = up(spec, root / "state", lb_port=base + consumers + 6, base_port=base)
    try:
        if rows:
            seed(fleet, rows)
        yield LocalFleet.open(spec.environment, root / "state")
    finally:
        with contextlib.suppress(Exception):
            fleet = LocalFleet.open(spec.environment, root / "state")
        down(fleet)
        shutil.rmtree(root, ignore_errors=True)
