"""Backups of the local fleet on real PostgreSQL: WAL archive, base backups, PITR into a
scratch cluster, drills, and the in-place restore of the producer (then `share verify`)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from conftest import fleet_spec
from typer.testing import CliRunner

from rsfleet.backup import local, records
from rsfleet.cli import app
from rsfleet.errors import UsageError

runner = CliRunner()


def write_rows(fleet, first: int, last: int) -> None:
    kw = fleet.connect_kwargs("producer", "etl_writer", fleet.spec.producer.database_name)
    with psycopg.connect(**kw) as c:
        c.execute("""INSERT INTO sales.orders SELECT g, 1, 1, 1, 1.0, now()
                     FROM generate_series(%s::bigint, %s::bigint) g""", (first, last))


def producer_count(fleet) -> int:
    kw = fleet.connect_kwargs("producer", "etl_writer", fleet.spec.producer.database_name)
    with psycopg.connect(**kw) as c:
        return c.execute("SELECT count(*) FROM sales.orders").fetchone()[0]


def cli(fleet, *args: str):
    return runner.invoke(app, ["backup", *args, "--state-dir", str(fleet.state_dir)])


def test_pitr_between_two_points_and_drill(fleet_factory, tmp_path):
    fleet = fleet_factory(fleet_spec(1), rows=2000)
    assert local.archiving_on(fleet)
    # no autoanalyze commit on the producer later on: the "--at after the newest commit"
    # case below needs the test's own writes to be the last ones
    kw = fleet.connect_kwargs("producer", "etl_writer", fleet.spec.producer.database_name)
    with psycopg.connect(**kw) as c:
        c.execute("ALTER TABLE sales.orders SET (autovacuum_enabled = false)")
    result = cli(fleet, "snapshot", "--name", "first")
    assert result.exit_code == 0, result.output
    rec = records.load(fleet.state_dir, "first")
    orders = {t.table: t for t in rec["tables"]}["sales.orders"]
    assert orders.rows == 2000
    time.sleep(1.2)
    between = datetime.now(UTC)
    time.sleep(1.2)
    write_rows(fleet, 2001, 2500)
    assert producer_count(fleet) == 2500

    # PITR to a time between the two: exactly the first point's rows and checksum
    scratch = local.restore_scratch(fleet, at=between, point=None, name="pitr")
    try:
        found = {t.table: t for t in local.scratch_records(fleet, scratch, ["sales.orders"])}
        assert found["sales.orders"] == orders
    finally:
        local.discard_scratch(fleet, "pitr")
    assert not local.scratch_root(fleet.state_dir, "pitr").exists()

    # bad input: one line, exit 2, nothing made
    for args, fragment in [
        (("restore", "--from", "nope", "--to", "x1"), "unknown snapshot 'nope'"),
        (("restore", "--at", (datetime.now(UTC) + timedelta(hours=1)).isoformat(), "--to",
          "x2"), "in the future"),
        (("restore", "--at", "2000-01-01T00:00:00Z", "--to", "x3"), "before the oldest base"),
        (("restore", "--in-place", "--from", "first"), "not a terminal"),
        (("restore", "--from", "first"), "--to NAME is required: the name of a new scratch "
         "cluster to restore into (the producer is not touched)"),
        (("restore", "--in-place", "--to", "producer", "--from", "first"),
         "--in-place restores the producer of the local fleet test over itself; --to "
         "producer names another target (drop --to, or drop --in-place to restore into a "
         "new scratch cluster named producer)"),
    ]:
        result = cli(fleet, *args)
        assert result.exit_code == 2, (args, result.output)
        lines = [x for x in result.output.splitlines() if x.strip()]
        assert len(lines) == 1 and fragment in lines[0], result.output
        if "rsfleet " in lines[0]:  # a hint naming a command repeats the --state-dir typed
            assert "--state-dir" in lines[0], lines[0]
    assert producer_count(fleet) == 2500  # the refused in-place restore changed nothing
    # --at after the newest commit: PostgreSQL would replay the whole archive and then fail
    # ("recovery ended before configured recovery target was reached"); refused at once,
    # naming the newest time that can be restored
    started = time.monotonic()
    result = cli(fleet, "restore", "--at", datetime.now(UTC).isoformat(), "--to", "x4")
    assert result.exit_code == 2, result.output
    newest = local.newest_archived_commit(fleet.state_dir)
    assert newest is not None and newest < datetime.now(UTC)
    assert "is after the newest archived commit" in result.output
    assert f"the newest time that can be restored is {newest.isoformat()}" in result.output
    assert time.monotonic() - started < 10 and not local.scratch_root(fleet.state_dir,
                                                                      "x4").exists()
    scratch = local.restore_scratch(fleet, at=None, point="first", name="taken")
    try:
        result = cli(fleet, "restore", "--from", "first", "--to", "taken")
        assert result.exit_code == 2 and "exists already" in result.output
    finally:
        local.discard_scratch(fleet, "taken")

    # drill: newest recorded point, verified, RPO/RTO, scratch gone
    out = tmp_path / "drill.json"
    result = cli(fleet, "drill", "--json", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["verified"] is True and doc["point"] == "first" and doc["torn_down"]
    taken = datetime.fromisoformat(doc["point_time"]).isoformat(timespec="seconds")
    assert f"✓ verified snapshot first (taken {taken}): RPO" in result.output
    # --at a later time drills the newest snapshot taken at or before it, and says which
    result = cli(fleet, "drill", "--at", between.isoformat(), "--json", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["point"] == "first"
    assert f"✓ verified snapshot first (taken {taken}): RPO" in result.output
    # --at before every snapshot: nothing recorded then, one line, exit 2
    result = cli(fleet, "drill", "--at", "2000-01-01T00:00:00Z")
    assert result.exit_code == 2 and "no snapshot taken by `rsfleet backup snapshot` at or " \
        "before 2000-01-01" in result.output
    assert doc["rpo_s"] > 2.0 and doc["rto_s"] > 0
    assert not (fleet.state_dir / "backup" / "scratch" / doc["scratch"]).exists()

    # a record that does not match: exit 1, verified false, torn down all the same
    path = records.records_dir(fleet.state_dir) / "first.json"
    bad = json.loads(path.read_text())
    for t in bad["tables"]:
        if t["table"] == "sales.orders":
            t["rows"] += 1
    path.write_text(json.dumps(bad))
    result = cli(fleet, "drill", "--json", str(out))
    assert result.exit_code == 1
    doc = json.loads(out.read_text())
    assert doc["verified"] is False and doc["problems"] == [
        "sales.orders: 2000 rows, recorded 2001"]
    assert not (fleet.state_dir / "backup" / "scratch" / doc["scratch"]).exists()

    result = cli(fleet, "status", "--json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert status["wal_archiving"] and status["policy_in_force"]
    assert status["rpo_s"] is not None and status["rpo_s"] < 120
    # one meaning per field: newest_point_time is when that snapshot was taken, even when
    # WAL archived after it makes a later time restorable (that is newest_restorable_time)
    from rsfleet.local.fleet import ADMIN
    from rsfleet.local.fleet import wait_until as wait

    newest = records.all_records(fleet.state_dir)[-1]
    with psycopg.connect(**fleet.connect_kwargs("producer", ADMIN, "postgres"),
                         autocommit=True) as c:
        c.execute("CREATE TABLE IF NOT EXISTS public.wal_tick (x int)")
        c.execute("SELECT pg_switch_wal()")

    def later_wal():
        return json.loads(cli(fleet, "status", "--json").output)

    assert wait(lambda: later_wal()["newest_restorable_time"] > later_wal()["newest_point_time"],
                60, 0.5)
    status = later_wal()
    assert status["newest_point"] == newest["point"]
    assert status["newest_point_time"] == newest["created"].isoformat()
    text = cli(fleet, "status").output
    assert f"newest restore point: {newest['point']}, taken" in text
    assert "restorable up to:" in text and "RPO now:" in text
    listed = json.loads(cli(fleet, "list", "--json").output)
    assert [p["kind"] for p in listed if p["id"] == "first"] == ["base-backup"]


def test_in_place_restore_rebuilds_consumers_then_share_verify_passes(fleet_factory):
    from rsfleet.sharing.local import verify_local

    fleet = fleet_factory(fleet_spec(2), rows=1000)
    local.snapshot(fleet, name="before-mistake")
    write_rows(fleet, 1001, 1300)  # the "mistake", replicated to both consumers
    consumer_kw = fleet.connect_kwargs("c1", "app_reader", "sales_db")

    def consumer_count() -> int:
        with psycopg.connect(**consumer_kw) as c:
            return c.execute("SELECT count(*) FROM sales.orders").fetchone()[0]

    deadline = time.monotonic() + 60  # bounds a hang only (replication on a loaded host)
    while consumer_count() != 1300 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert consumer_count() == 1300
    result = cli(fleet, "restore", "--in-place", "--from", "before-mistake", "--yes-in-place")
    assert result.exit_code == 0, result.output
    assert "every consumer reads every shared object" in result.output
    assert producer_count(fleet) == 1000
    assert consumer_count() == 1000  # rebuilt from the restored producer, not ahead of it
    assert verify_local(fleet) == []
    result = runner.invoke(app, ["share", "verify", "--state-dir", str(fleet.state_dir)])
    assert result.exit_code == 0, result.output
    # the producer still archives and can be written to on its new timeline
    write_rows(fleet, 1001, 1010)
    assert producer_count(fleet) == 1010


def test_snapshot_names_are_checked():
    with pytest.raises(UsageError):
        local.restore_scratch(type("F", (), {"state_dir": None})(), at=None, point=None,
                              name="Bad Name")


def test_local_down_stops_a_scratch_cluster_left_running(fleet_factory):
    from rsfleet.lifecycle import down

    fleet = fleet_factory(fleet_spec(1), rows=100)
    local.snapshot(fleet, name="p1")
    scratch = local.restore_scratch(fleet, at=None, point="p1", name="left")
    assert scratch.server.is_running()
    assert [s.name for s in local.scratch_clusters(fleet.state_dir)] == ["scratch-left"]
    down(fleet)
    assert not scratch.server.is_running()


def test_local_plan_apply_takes_a_snapshot_expires_old_ones_and_converges(fleet_factory):
    fleet = fleet_factory(fleet_spec(1), rows=100)
    # before the first base backup no restore can use WAL: none is kept
    local.switch_and_wait_archived(fleet)
    assert [p.name for p in local.wal_dir(fleet.state_dir).iterdir()] == []
    plan = json.loads(cli(fleet, "plan", "--json").output)
    assert plan["changes"] and "none yet" in plan["steps"][0]
    assert cli(fleet, "apply", "--dry-run").exit_code == 0
    assert cli(fleet, "apply", "--dry-run", "--detailed-exitcode").exit_code == 3
    assert cli(fleet, "plan", "--detailed-exitcode").exit_code == 3
    assert records.all_records(fleet.state_dir) == []  # --dry-run changed nothing
    assert cli(fleet, "apply").exit_code == 0
    assert cli(fleet, "plan", "--detailed-exitcode").exit_code == 0
    assert len(records.all_records(fleet.state_dir)) == 1
    assert any(len(p.name) == 24 for p in local.wal_dir(fleet.state_dir).iterdir())
    assert json.loads(cli(fleet, "plan", "--json").output)["changes"] is False
    # a snapshot older than retention_days (7 by default) expires; the newest never does
    local.snapshot(fleet, name="second")
    first = records.all_records(fleet.state_dir)[0]["point"]
    path = records.records_dir(fleet.state_dir) / f"{first}.json"
    doc = json.loads(path.read_text())
    doc["created"] = (datetime.now(UTC) - timedelta(days=8)).isoformat()
    path.write_text(json.dumps(doc))
    plan = json.loads(cli(fleet, "plan", "--json").output)
    assert plan["steps"] == [f"expire snapshot {first} (older than 7 days)"]
    # what apply would still do means the policy is not in force (exit 1), as on AWS
    status = cli(fleet, "status", "--json")
    assert status.exit_code == 1, status.output
    doc = json.loads(status.output)
    assert doc["policy_in_force"] is False and doc["pending"] == plan["steps"]
    assert cli(fleet, "apply").exit_code == 0
    status = cli(fleet, "status", "--json")
    assert status.exit_code == 0 and json.loads(status.output)["pending"] == []
    assert [r["point"] for r in records.all_records(fleet.state_dir)] == ["second"]
    assert not (local.base_dir(fleet.state_dir) / first).exists()
    assert json.loads(cli(fleet, "plan", "--json").output)["changes"] is False
