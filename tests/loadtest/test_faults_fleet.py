"""Kill and drain under load on a real local fleet (PostgreSQL consumers behind HAProxy, rsfleet
profile; a fresh fleet per test, since each test breaks its own); and the CLI end to end."""

from __future__ import annotations

import json
import os
import signal
import struct
import time
from pathlib import Path

import pytest
from conftest import fleet_spec
from typer.testing import CliRunner

from rsfleet.adapters.haproxy import HaproxyRuntime
from rsfleet.cli import app
from rsfleet.loadtest import stats
from rsfleet.loadtest.model import FaultSpec, LoadTestResult
from rsfleet.loadtest.queries import Query
from rsfleet.loadtest.report import panel_data
from rsfleet.loadtest.runner import Endpoint, RunSettings, run

pytestmark = pytest.mark.fleet
NAMES = ["c1", "c2", "c3"]
MIX = [Query("count", "SELECT count(*) FROM sales.orders"),
       Query("group", "SELECT region, count(*) FROM sales.customers GROUP BY 1")]


def children(pid: int) -> set[int]:
    listed = Path(f"/proc/{pid}/task/{pid}/children")  # the postmaster has one thread
    if listed.exists():
        return {int(c) for c in listed.read_text().split()}
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:  # "pid (comm) state ppid ...": comm may hold spaces, split after its ")"
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            pass
    return found


def kill_and_wait_gone(fleet, name: str) -> None:
    """SIGKILL the postmaster, then wait until its backends have exited too: when this
    returns, no process of `name` is left to serve a query (the fault's done_s)."""
    pid = fleet.node(name).pid
    os.kill(pid, signal.SIGSTOP)  # stopped, it forks no backend we would not see
    backends = children(pid)
    fleet.kill(name)
    deadline = time.monotonic() + 30  # bounds a hang only
    while any(os.path.exists(f"/proc/{p}") for p in (pid, *backends)):
        assert time.monotonic() < deadline, f"{name}'s processes outlived the postmaster"
        time.sleep(0.005)


def injector_for(fleet):
    """Straight to the postmaster and to HAProxy's runtime API, so that the fault lands at its
    time (the product's injector, which also records an operator drain, does more)."""
    def inject(kind: str, name: str) -> str:
        if kind == "kill":
            kill_and_wait_gone(fleet, name)
            return f"SIGKILL postmaster of {name}"
        HaproxyRuntime(fleet.haproxy_socket).set_server_state("consumers", name, "drain")
        return f"drained {name}"
    return inject


def endpoint(fleet, names: list[str]) -> Endpoint:
    kwargs = {**fleet.connect_kwargs("lb", role="app_reader", dbname="sales_db"),
              "connect_timeout": 10}
    return Endpoint(backend="local", kwargs=kwargs, consumers=names)


def test_kill_timeline(fleet_factory):
    fleet = fleet_factory(fleet_spec(len(NAMES)))
    out = run(endpoint(fleet, NAMES), MIX,
              RunSettings(sessions=12, connect_mode="per-session", duration_s=6.0,
                          faults=[FaultSpec(kind="kill", target="c2", at_s=1.5)]),
              injector=injector_for(fleet))
    # the fault window spans the rest of the run: what is asserted is that every failure
    # came after the kill and was caused by it, not how fast a loaded host got over it
    s = stats.summarize(consumers=NAMES, queries=out.queries, connections=out.connections,
                        faults=out.faults, duration_s=out.duration_s, fault_window_s=60.0)
    (t,) = s.faults
    (ev,) = out.faults
    # no upper bound on when: on a loaded CI host the fault thread may wake late (it did,
    # 0.42 s); what matters is that it fired during the run, not before its time
    assert t.applied_s is not None and 1.5 <= t.applied_s < out.duration_s
    assert ev.done_s is not None and ev.done_s >= t.applied_s
    # the sessions on c2 lost their connection, reconnected elsewhere and recovered
    assert t.failed_queries >= 1 and t.sessions_affected >= 1
    assert set(t.failed_by_kind) <= {"connection_lost", "connect_refused"}
    assert {f.consumer for f in t.failed if f.error_kind == "connection_lost"} == {"c2"}
    assert t.recovery_s is not None  # every affected session succeeded again before the end
    # in-flight queries may still finish while the backends notice the postmaster's death;
    # nothing that starts after the kill returned (no process of c2 left) is served by c2
    assert not [q for q in out.queries if q.ok and q.consumer == "c2"
                and q.start_s > ev.done_s]
    assert s.reconnects >= t.sessions_affected
    after = [c for c in out.connections if c.reconnect and c.ok]
    assert after and all(c.consumer in ("c1", "c3") for c in after)
    assert s.errors_outside_faults == 0
    assert stats.verdict(s, None)[0] is True


def test_drain_timeline_loses_nothing(fleet_factory):
    fleet = fleet_factory(fleet_spec(len(NAMES)))
    out = run(endpoint(fleet, NAMES), MIX,
              RunSettings(sessions=6, connect_mode="per-query", duration_s=4.0,
                          faults=[FaultSpec(kind="drain", target="c1", at_s=1.0)]),
              injector=injector_for(fleet))
    s = stats.summarize(consumers=NAMES, queries=out.queries, connections=out.connections,
                        faults=out.faults, duration_s=out.duration_s, fault_window_s=5.0)
    (t,) = s.faults
    (ev,) = out.faults
    assert s.failed == 0 and t.failed_queries == 0 and t.recovery_s == 0.0
    # c1's new sessions after the drain began: only those opened before HAProxy's runtime
    # API had accepted it; a connection opened after that never reaches c1
    assert ev.done_s is not None
    racing = [c for c in out.connections if c.ok and c.consumer == "c1"
              and c.opened_s >= t.applied_s]
    assert t.new_sessions_after == len(racing)
    assert all(c.opened_s <= ev.done_s for c in racing)
    late = [c for c in out.connections if c.opened_s > ev.done_s]
    assert late and {c.consumer for c in late} == {"c2", "c3"}
    assert s.evenness[0].p_value > 0.001  # even before the drain


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_cli_end_to_end_json_and_report(tmp_path, monkeypatch, fleet_factory):
    fleet = fleet_factory(fleet_spec(2))
    password = fleet.password("app_reader")
    # --host mode: no fleet state, everything from the options (password in PGPASSWORD).
    monkeypatch.setenv("PGPASSWORD", password)
    monkeypatch.setenv("RSFLEET_STATE_DIR", str(tmp_path / "no-fleet-here"))
    direct = ["loadtest", "--host", "127.0.0.1", "--port", str(fleet.lb_port), "--user",
              "app_reader", "--database", "sales_db", "--sslmode", "require"]
    res = CliRunner().invoke(app, [
        *direct, "-n", "4", "--connect-mode", "per-query", "--queries", "60", "--json",
        str(tmp_path / "r.json"), "--report", str(tmp_path / "rep"), "--no-raw", "--quiet"])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "r.json").read_text())
    result = LoadTestResult.model_validate(doc)
    assert doc["schema_version"] == 1 and result.summary.queries == 60
    assert {c.name for c in result.summary.consumers} == {"c1", "c2"}
    # --no-raw (what `make demo` passes): no records, but the report's series are all there
    assert result.queries == [] and not result.raw_included
    data = panel_data(result)
    assert sum(sum(v) for v in data.queries_ok.values()) == result.summary.ok == 60
    assert sum(data.latency.counts) == 60
    assert sum(sum(v) for v in data.new_sessions.values()) == 60
    assert password not in (tmp_path / "r.json").read_text()
    assert png_size((tmp_path / "rep" / "report.png").read_bytes()) == (1100, 1400)
    # its Serverless bill: each consumer's queries within one 60 s billing period; --host
    # mode has no spec, so no capacity: billed seconds only, and no dollars
    bill = result.serverless
    assert bill is not None and bill.rpu_seconds is None
    assert sorted((b.name, b.periods, b.billed_s) for b in bill.consumers) == [
        ("c1", 1, 60), ("c2", 1, 60)]
    priced = CliRunner().invoke(app, ["cost", "--from-loadtest", str(tmp_path / "r.json")])
    assert priced.exit_code == 2 and "no base capacity recorded" in priced.output
    assert "<img" in (tmp_path / "rep" / "report.html").read_text()
    # writes are refused: every query fails -> exit 1 with the reason
    sql = tmp_path / "w.sql"
    sql.write_text("INSERT INTO sales.orders (order_id) VALUES (-5);\n")
    res = CliRunner().invoke(app, [*direct, "-n", "1", "--queries", "3", "--query-file",
                                   str(sql), "--quiet"])
    assert res.exit_code == 1
    assert "3 queries failed outside the fault windows" in res.output


def test_cli_refuses_faults_on_a_consumer_already_out_and_prints_the_undo(fleet_factory):
    """The docs' `--kill c2@.. --drain c3@..` left c2 dead and c3 drained; the next run took
    its full duration, then said "fault not applied". Refused at the start (exit 2, one
    line), and every run with faults ends with the commands that undo them."""
    fleet = fleet_factory(fleet_spec(3))
    where = ["--env", fleet.env, "--state-dir", str(fleet.state_dir)]
    args = f"--env {fleet.env} --state-dir {fleet.state_dir}"
    res = CliRunner().invoke(app, ["loadtest", *where, "-n", "4", "--connect-mode",
                                   "per-query", "-d", "3s", "--kill", "c2@1s", "--drain",
                                   "c3@1.5s", "--no-raw"])
    assert res.exit_code == 0, res.output
    assert "the faults are still in effect; undo them with:" in res.output
    assert f"rsfleet local restart c2 {args}" in res.output
    assert f"rsfleet targets undrain c3 {args}" in res.output
    for fault, why, fix in (("--kill", "c2", "is not running"), ("--drain", "c3", "is not in "
                                                                 "rotation")):
        started = time.monotonic()
        res = CliRunner().invoke(app, ["loadtest", *where, "-n", "4", "-d", "20s",
                                       f"{fault}", f"{why}@7s"])
        assert res.exit_code == 2, res.output
        lines = [x for x in res.output.splitlines() if x.strip()]
        assert len(lines) == 1 and f"consumer {why} {fix}" in lines[0], res.output
        assert time.monotonic() - started < 10  # at once, not after the 20 s run
    # the printed undo commands work: both back, and a run with faults is accepted again
    for line in (f"local restart c2 {args}", f"targets undrain c3 {args}"):
        res = CliRunner().invoke(app, line.split())
        assert res.exit_code == 0, res.output
    from rsfleet.lifecycle import in_rotation

    assert wait_for(lambda: {"c2", "c3"} <= in_rotation(fleet), 60)


def wait_for(cond, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize(("args", "message"), [
    (["--sessions", "0"], "--sessions 0"),
    (["--connect-mode", "sometimes"], "--connect-mode"),
    (["--duration", "soon"], "is not a duration"),
    (["--max-error-rate", "2"], "--max-error-rate"),
    (["--engine", "gevent"], "--engine"),
    (["--kill", "c1@5s", "--kill", "c1@5s"], "--kill c1@5s is given twice"),
    (["--database", ""], "--database is empty"),
])
def test_cli_bad_input_exit_2(args, message):
    res = CliRunner().invoke(app, ["loadtest", *args])
    assert res.exit_code == 2 and message in res.output
    assert "Traceback" not in res.output
