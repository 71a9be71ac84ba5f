"""The local links of the diagnose chain against real PostgreSQL servers and a real HAProxy.

Until the shared `local_fleet` fixture lands, the servers come from the loadtest test
harness and a thin adapter gives them the LocalFleet shape (CONTRACTS.md §6) that the
checks read: `.spec`, `.consumers[name].host/.port`, `.lb_host/.lb_port`,
`.haproxy_socket`, `.connect_kwargs(node_or_"lb", role, dbname)`. TLS is covered once the
fleet (with its CA) is there.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from loadtest.minifleet import PASSWORD, mini_fleet

from rsfleet.diagnose import checks
from rsfleet.spec.models import FleetSpec

pytestmark = pytest.mark.fleet
NAMES = ["c1", "c2", "c3"]


@dataclass
class Node:
    name: str
    host: str
    port: int


class FleetView:
    def __init__(self, mf):
        self.mf = mf
        self.spec = FleetSpec.model_validate({
            "environment": "dev", "producer": {"base_capacity": 8},
            "consumers": {n: {"base_capacity": 8} for n in NAMES},
            "datashares": {"sales_share": {"schemas": ["sales"],
                                           "consumer_database": "sales_db"}}})
        self.consumers = {n: Node(n, "127.0.0.1", p) for n, p in mf.ports.items()}
        self.lb_host, self.lb_port = "127.0.0.1", mf.lb_port
        self.haproxy_socket = mf.sock
        self.state_dir = mf.root
        self.ca_file = None

    def connect_kwargs(self, node, role="app_reader", dbname=None):
        port = self.lb_port if node == "lb" else node.port
        return {"host": "127.0.0.1", "port": port, "user": role, "password": PASSWORD,
                "dbname": dbname or "sales_db", "sslmode": "disable", "connect_timeout": 3}


def ctx_for(mf) -> checks.DiagContext:
    ctx = checks.DiagContext(backend="local", env="dev", timeout=2)
    ctx.fleet = FleetView(mf)
    ctx.spec = ctx.fleet.spec
    return ctx


@pytest.fixture(scope="module")
def fleet():
    with mini_fleet(NAMES, unseeded=("c3",)) as mf:
        yield mf


def test_healthy_links(fleet):
    ctx = ctx_for(fleet)
    for link in (checks.check_dns, checks.check_tcp, checks.check_auth):
        got = link(ctx)
        assert [c.status for c in got] == ["ok"], got


def test_consumer_with_no_shared_data(fleet):
    got = {c.name: c for c in checks.check_datashare(ctx_for(fleet))}
    assert got["c1: sales_db mounted and readable"].status == "ok"
    c3 = got["c3: sales_db mounted and readable"]
    assert c3.status == "broken" and "sales" in c3.detail
    assert c3.fix == "share the data: rsfleet share apply --env dev"


def test_wrong_password(fleet, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "not-the-password")
    (c,) = checks.check_auth(ctx_for(fleet))
    assert c.status == "broken" and "password authentication failed" in c.detail
    assert "PGPASSWORD" in c.fix


def test_stopped_consumer_then_stopped_haproxy():
    with mini_fleet(["c1", "c2"]) as mf:
        mf.kill("c2")
        ctx = ctx_for(mf)
        ctx.spec = FleetSpec.model_validate({
            "environment": "dev", "producer": {"base_capacity": 8},
            "consumers": {"c1": {"base_capacity": 8}, "c2": {"base_capacity": 8}},
            "datashares": {"sales_share": {"schemas": ["sales"],
                                           "consumer_database": "sales_db"}}})
        import time

        deadline = time.monotonic() + 10
        while True:  # HAProxy needs fall 2 x inter 500ms to see it
            got = {c.name: c for c in checks.check_targets(ctx)}
            if got["c2 LB health"].status == "broken" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert got["c1 LB health"].status == "ok" and got["c1 readiness"].status == "ok"
        assert got["c2 LB health"].status == "broken"
        assert got["c2 LB health"].detail.startswith("DOWN")
        assert got["c2 readiness"].status == "broken"
        assert "rsfleet local restart c2" in got["c2 readiness"].fix
        # auth through the LB still works: HAProxy sends sessions to c1
        assert checks.check_auth(ctx)[0].status == "ok"

        import os
        import signal

        os.kill(mf.haproxy_pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            (tcp,) = checks.check_tcp(ctx)
            if tcp.status == "broken":
                break
            time.sleep(0.1)
        assert tcp.status == "broken" and "HAProxy is not listening" in tcp.fix
        (tg,) = checks.check_targets(ctx)
        assert tg.status == "broken" and tg.name == "HAProxy runtime API"
