"""Shared fixtures.

- `free_port()`: a free TCP port on 127.0.0.1.
- `fleet_factory`: starts real local fleets (PostgreSQL producer + consumers + HAProxy) from a
  spec text, each in its own state dir and free ports; stops every process it started (by
  pid file) at teardown. `make(spec_text, rows=2000)` -> LocalFleet (seeded and shared).
"""

from __future__ import annotations

import random
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

DEV_SPEC = """
environment = "test"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = 8 }
  c2 = { base_capacity = 8 }
  c3 = { base_capacity = 8 }
}
datashares  = { sales_share = { schemas = ["sales"], consumer_database = "sales_db" } }
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_block(size: int) -> int:
    """A base port with `size` consecutive free ports after it."""
    from rsfleet.local.fleet import port_free

    for _ in range(200):
        base = random.randint(20000, 60000)
        if all(port_free(base + i) for i in range(size)):
            return base
    raise RuntimeError("no block of free ports")


def state_root() -> Path:
    """A private dir the unprivileged PostgreSQL user can traverse (pytest's tmp is 0700)."""
    root = Path(tempfile.mkdtemp(prefix="rsfleet-test-", dir="/var/tmp"))
    root.chmod(0o711)
    return root


@pytest.fixture
def fleet_factory() -> Iterator[Callable[..., object]]:
    from rsfleet.local.fleet import LocalFleet
    from rsfleet.local.lifecycle import down, seed, up
    from rsfleet.spec.loader import load_spec

    started: list[LocalFleet] = []
    roots: list[Path] = []

    def make(spec_text: str = DEV_SPEC, *, rows: int = 2000) -> LocalFleet:
        root = state_root()
        roots.append(root)
        spec_file = root / "spec.tfvars"
        spec_file.write_text(spec_text, encoding="utf-8")
        spec = load_spec(spec_file)
        base = free_port_block(len(spec.consumers) + 3)
        fleet = up(spec, root / "state", lb_port=free_port(), base_port=base)
        started.append(fleet)
        if rows:
            seed(fleet, rows)
        return LocalFleet.open(spec.environment, root / "state")

    yield make
    for fleet in started:
        try:
            current = LocalFleet.open(fleet.env, fleet.state_dir)
        except Exception:
            current = fleet
        down(current)
    for root in roots:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def traversable_tmp() -> Iterator[Path]:
    """Like tmp_path, but the unprivileged PostgreSQL user can enter it."""
    root = state_root()
    yield root
    shutil.rmtree(root, ignore_errors=True)
