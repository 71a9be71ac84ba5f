"""The HAProxy runtime API client (rsfleet.adapters.haproxy) against a real HAProxy started
here (the `rsfleet` profile of rsfleet.local.haproxy, free ports, stopped by pid file).

The servers point at ports where nothing listens: these tests are about the API (admin
states, sessions, dynamic servers, errors), not about health."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import free_port

from rsfleet.adapters.haproxy import HaproxyRuntime
from rsfleet.errors import FleetError
from rsfleet.local.haproxy import HaproxyProcess, HaproxyServer, render_config
from rsfleet.targets.haproxy import HaproxyTargets

pytestmark = pytest.mark.fleet
BE = "consumers"


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[HaproxyRuntime]:
    proc = HaproxyProcess(tmp_path / "haproxy")
    for attempt in range(5):
        proc.write(render_config([HaproxyServer("c1", free_port()), HaproxyServer("c2",
                                                                                  free_port())],
                                 lb_port=free_port(), socket_path=proc.socket,
                                 pid_file=proc.pid_file))
        try:
            proc.start()
            break
        except Exception:
            if attempt == 4:
                raise
    try:
        yield HaproxyRuntime(proc.socket)
    finally:
        proc.stop()
    assert not proc.is_running()


def admin(rt: HaproxyRuntime) -> dict[str, str]:
    return {s.name: s.admin for s in rt.servers(BE)}


def test_show_stat_is_parsed(runtime):
    rows = runtime.show_stat()
    names = {(r["pxname"], r["svname"]) for r in rows}
    assert {("redshift", "FRONTEND"), (BE, "BACKEND"), (BE, "c1"), (BE, "c2")} <= names
    servers = {s.name: s for s in runtime.servers(BE)}
    assert set(servers) == {"c1", "c2"}
    assert servers["c1"].address == "127.0.0.1" and 0 < servers["c1"].port < 65536
    assert servers["c1"].sessions == 0
    # the rsfleet profile starts every server in maintenance
    assert admin(runtime) == {"c1": "maint", "c2": "maint"}
    assert not any(s.in_rotation for s in servers.values())


def test_state_changes_are_visible(runtime):
    runtime.set_server_state(BE, "c1", "ready")
    runtime.set_server_state(BE, "c2", "ready")
    assert admin(runtime) == {"c1": "ready", "c2": "ready"}
    runtime.set_server_state(BE, "c1", "drain")
    adapter = HaproxyTargets(runtime, {}, deregistration_delay=1)
    assert adapter.admin_states()["c1"] & 0x08  # FDRAIN in `show servers state`
    assert {n: a.state for n, a in adapter.observe().items()} == {
        "c1": "draining", "c2": "in_rotation"}
    runtime.set_server_state(BE, "c1", "maint")
    assert adapter.observe()["c1"].state == "maint"
    runtime.set_server_state(BE, "c1", "ready")
    assert adapter.observe()["c1"].state == "in_rotation"
    runtime.shutdown_sessions(BE, "c1")  # no sessions: accepted, nothing happens


def test_unknown_server_is_a_fleet_error_with_haproxys_text(runtime):
    with pytest.raises(FleetError, match="No such server"):
        runtime.set_server_state(BE, "nope", "drain")
    with pytest.raises(FleetError, match=r"(?i)no such backend"):
        runtime.set_server_state("nobackend", "c1", "drain")


def test_dynamic_server_add_and_delete(runtime):
    port = free_port()
    runtime.add_server(BE, "c3", "127.0.0.1", port, options="check inter 500ms")
    servers = {s.name: s for s in runtime.servers(BE)}
    assert servers["c3"].port == port and servers["c3"].admin == "maint"  # added in maint
    with pytest.raises(FleetError, match=r"(?i)already exists"):
        runtime.add_server(BE, "c3", "127.0.0.1", port, options="check")
    with pytest.raises(FleetError, match="unknown keyword 'bogus'"):
        runtime.add_server(BE, "c4", "127.0.0.1", port, options="bogus")
    assert "c4" not in admin(runtime)
    runtime.set_server_state(BE, "c3", "ready")
    assert admin(runtime)["c3"] == "ready"
    # HAProxy refuses to delete a server that is not in maintenance
    with pytest.raises(FleetError, match=r"(?i)maintenance"):
        runtime.del_server(BE, "c3")
    runtime.set_server_state(BE, "c3", "maint")
    runtime.del_server(BE, "c3")
    assert "c3" not in admin(runtime)


def test_bad_names_never_reach_haproxy(runtime):
    with pytest.raises(FleetError, match="invalid HAProxy server name"):
        runtime.set_server_state(BE, "c1 state ready; shutdown", "maint")
    with pytest.raises(FleetError, match="multi-command"):
        runtime.command("show stat; shutdown sessions server consumers/c1")
    with pytest.raises(FleetError, match="unknown server state"):
        runtime.set_server_state(BE, "c1", "up")  # type: ignore[arg-type]
    assert admin(runtime) == {"c1": "maint", "c2": "maint"}


def test_unreachable_socket_is_a_fleet_error(tmp_path):
    with pytest.raises(FleetError, match="not reachable"):
        HaproxyRuntime(tmp_path / "missing.sock").show_stat()
