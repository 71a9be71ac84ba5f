"""`rsfleet local rollout` on a real local fleet (PostgreSQL consumers with logical
replication shares, HAProxy `rsfleet` profile) under a continuous load of new sessions and
pooled persistent sessions."""

from __future__ import annotations

import json
import time

import psycopg
from targets.fleet import wait_for
from targets.load import Load
from typer.testing import CliRunner

from rsfleet.cli import app
from rsfleet.rollout.local import RECORD, rollout
from rsfleet.targets.store import Drain, JsonFileStore

SPEC = """
environment = "test"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = 8, query_timeout_seconds = 90 }
  c2 = { base_capacity = 8 }
  c3 = { base_capacity = 8 }
}
nlb         = { deregistration_delay = 20 }
datashares  = { sales_share = { schemas = ["sales"], consumer_database = "sales_db" } }
"""


class Out:
    """A CLI result with its output unwrapped (the console wraps long lines)."""

    def __init__(self, res) -> None:
        self.exit_code = res.exit_code
        self.stdout = res.stdout  # alone: JSON is parsed from it (problems go to stderr)
        self.output = " ".join(res.output.split())
        self.lines = res.output.splitlines()


def cli(fleet, *args: str) -> Out:
    return Out(CliRunner().invoke(app, ["local", *args, "--state-dir", str(fleet.state_dir)],
                                  env={"COLUMNS": "250"}))


def pids(fleet) -> dict[str, int | None]:
    return {n: fleet.node(n).pid for n in fleet.spec.consumers}


def timeout_of(fleet, name: str) -> str:
    with psycopg.connect(**fleet.connect_kwargs(fleet.node(name), "app_reader",
                                                "sales_db")) as c:
        return c.execute("SHOW statement_timeout").fetchone()[0]


def test_rolling_restart_under_load_loses_no_query(fleet_factory):
    fleet = fleet_factory(SPEC, rows=2000)
    before = pids(fleet)
    load = Load(lambda: {**fleet.connect_kwargs("lb"), "connect_timeout": 10},
                new_per_s=20, persistent=4, persistent_for=1.5, reconnect=True).start(workers=2)
    logs: list[str] = []
    stamped: list[tuple[float, str]] = []

    def log(m: str) -> None:
        stamped.append((time.monotonic(), m))
        logs.append(m)

    try:
        # waits, not sleeps: the load's rate is whatever the host allows
        wait_for(lambda: {e.consumer for e in list(load.events) if e.ok and not e.persistent}
                 == {"c1", "c2", "c3"} and any(e.persistent for e in list(load.events)))
        t0 = time.monotonic()
        out = rollout(fleet, restart=True, drain_timeout=20, log=log)
        t1 = time.monotonic()
        wait_for(lambda: any(not e.persistent and e.start > t1 for e in list(load.events)))
    finally:
        events = load.stop()
    after = pids(fleet)
    assert all(after[n] not in (None, before[n]) for n in before), (before, after)
    assert out.result is not None and sorted(out.result.changed) == ["c1", "c2", "c3"]
    assert out.result.waves == 3
    during = [e for e in events if t0 <= e.start <= t1]
    assert [e.error for e in events if not e.ok] == []
    # the load ran through every wave: from when HAProxy took the drain of a consumer (the
    # "  -> " line after "drain cN") until its undrain began, new sessions and pooled queries
    # went on, elsewhere
    for n in ("c1", "c2", "c3"):
        i = next(i for i, (_, m) in enumerate(stamped) if m.startswith(f"drain {n}:"))
        assert stamped[i + 1][1].startswith("  -> "), stamped[i:i + 2]
        out_from = stamped[i + 1][0]
        out_to = next(t for t, m in stamped if m.startswith(f"undrain {n}:"))
        wave = [e for e in events if out_from < e.start and e.end < out_to]
        new = {e.consumer for e in wave if not e.persistent}
        assert new and n not in new, (n, new)
        assert any(e.persistent for e in wave), n
    # every consumer served during the rollout (each was back in rotation before the next)
    assert {e.consumer for e in during} == {"c1", "c2", "c3"}
    # the steps, in order, per consumer
    kinds = [m.split(":")[0] for m in logs if not m.startswith(" ")]
    assert kinds[:5] == ["drain c1", "wait_drained c1", "change c1", "wait_ready c1",
                         "undrain c1"]
    assert any("restarted: postmaster pid" in m for m in logs)
    assert not (fleet.state_dir / RECORD).exists()
    assert JsonFileStore(fleet.state_dir / "targets.json").load().drained == {}
    # nothing left to do: a second run changes nothing
    again = rollout(fleet, log=logs.append)
    assert again.result is not None and again.result.done == []


def test_settings_rollout_from_a_changed_spec_dry_run_then_apply_then_resume(fleet_factory):
    fleet = fleet_factory(SPEC, rows=500)
    spec_file = fleet.state_dir.parent / "spec.tfvars"
    spec_file.write_text(SPEC.replace("query_timeout_seconds = 90",
                                      "query_timeout_seconds = 120"), encoding="utf-8")
    # the fleet applies the spec `local up` recorded: a newer file goes through `up` first
    res = cli(fleet, "rollout", "--spec", str(spec_file))
    assert res.exit_code == 2, res.output
    assert "differs from the fleet's recorded spec for consumer(s) c1" in res.output
    assert "rsfleet local up" in res.output
    res = cli(fleet, "up", "--spec", str(spec_file))
    assert res.exit_code == 0 and "c1 differs from the spec" in res.output, res.output
    before = pids(fleet)

    res = cli(fleet, "rollout", "--dry-run", "--spec", str(spec_file))
    assert res.exit_code == 0, res.output
    assert "wave 1" in res.output and "wave 2" not in res.output
    assert "drain c1: in rotation" in res.output
    assert "change c1: statement_timeout of app_reader 90s -> 120s" in res.output
    assert "wait_ready c1: a real query" in res.output
    assert timeout_of(fleet, "c1") == "90s"  # dry run: nothing changed
    res = cli(fleet, "rollout", "--dry-run", "--detailed-exitcode")
    assert res.exit_code == 3, res.output  # for scripts: changes pending

    # an earlier run stopped with c2 drained by the rollout: this run brings it back first
    JsonFileStore(fleet.state_dir / "targets.json").modify(
        lambda st: st.drains.__setitem__("c2", Drain(why="rollout")))
    res = cli(fleet, "rollout")
    assert res.exit_code == 0, res.output
    assert "undrain c2" in res.output and "1 consumer(s) changed (c1)" in res.output
    assert res.output.index("undrain c2") < res.output.index("drain c1")
    assert timeout_of(fleet, "c1") == "2min"
    assert pids(fleet) == before  # a settings change: no restart
    assert JsonFileStore(fleet.state_dir / "targets.json").load().drained == {}

    res = cli(fleet, "rollout")
    assert res.exit_code == 0 and "nothing to change" in res.output, res.output


def test_a_failed_restart_stops_the_rollout_with_the_rest_in_rotation(fleet_factory):
    fleet = fleet_factory(SPEC, rows=200)
    conf = fleet.node("c1").data_dir / "rsfleet.conf"
    good = conf.read_text()
    conf.write_text(good + "shared_buffers = 'not a size'\n")  # c1 cannot start again
    before = pids(fleet)
    res = cli(fleet, "rollout", "--restart", "--drain-timeout", "5")
    assert res.exit_code == 1, res.output
    assert "rollout stopped at change c1" in res.output
    assert "c1 stays out of rotation, drained by the rollout" in res.output
    # c2 and c3 untouched and serving
    assert pids(fleet)["c2"] == before["c2"] and pids(fleet)["c3"] == before["c3"]
    st = json.loads(cli(fleet, "status", "--json").stdout)
    rot = {r["name"]: r["in_rotation"] for r in st if r["name"] in ("c1", "c2", "c3")}
    assert rot == {"c1": False, "c2": True, "c3": True}
    assert (fleet.state_dir / RECORD).exists()

    # fixed: the second run resumes (starts c1 ... it is not running, so start it first)
    conf.write_text(good)
    fleet.node("c1").start()
    res = cli(fleet, "rollout", "--restart", "--drain-timeout", "5")
    assert res.exit_code == 0, res.output
    assert "resuming the rolling restart" in res.output
    after = pids(fleet)
    assert after["c2"] != before["c2"] and after["c3"] != before["c3"]
    rot = {r["name"]: r["in_rotation"] for r in json.loads(cli(fleet, "status", "--json").stdout)
           if r["name"] in ("c1", "c2", "c3")}
    assert rot == {"c1": True, "c2": True, "c3": True}


def test_bad_options_exit_2_before_anything_changes(fleet_factory):
    fleet = fleet_factory(SPEC, rows=0)
    res = cli(fleet, "rollout", "--max-unavailable", "0")
    assert res.exit_code == 2 and "--max-unavailable 0: must be at least 1" in res.output
    res = cli(fleet, "rollout", "--drain-timeout", "-1")
    assert res.exit_code == 2 and "--drain-timeout" in res.output
