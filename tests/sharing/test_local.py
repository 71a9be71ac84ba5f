"""The local datashare executor against real PostgreSQL fleets (tests/conftest.py's
fleet_factory: producer + consumers + HAProxy, TLS, roles, as `rsfleet local up` makes them).

Each test starts one fleet; they run in parallel under xdist.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace

import psycopg
import pytest
from typer.testing import CliRunner

from rsfleet.cli import app
from rsfleet.errors import FleetError
from rsfleet.local.fleet import wait_until
from rsfleet.sharing.local import (
    LocalShares,
    apply_local,
    consumer_ready,
    plan_local,
    subscription_name,
    verify_local,
)
from rsfleet.sharing.sync import sync
from rsfleet.spec.models import FleetSpec

runner = CliRunner()

ONE_CONSUMER_SHARE = """
environment = "test"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = 8 }
  c2 = { base_capacity = 8 }
}
datashares  = { sales_share = { schemas = ["sales"], consumers = ["c1"],
                                consumer_database = "sales_db" } }
"""

RESERVED_WORDS = """
environment = "test"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = 8 }
  c2 = { base_capacity = 8 }
}
datashares  = { select = { schemas = ["order"], consumers = ["c1"],
                           consumer_database = "group" } }
"""


def with_shares(fleet, datashares: dict):
    doc = fleet.spec.model_dump(mode="json")
    doc["datashares"] = datashares
    return replace(fleet, spec=FleetSpec.model_validate(doc))


def count(fleet, node: str, db: str, table: str) -> int:
    role = "etl_writer" if node == "producer" else "app_reader"
    with psycopg.connect(**fleet.connect_kwargs(node, role, db)) as c:
        return c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def caught_up(fleet, consumers, db: str, table: str, producer_db: str = "dev") -> bool:
    want = count(fleet, "producer", producer_db, table)
    return all(consumer_ready(fleet, c)[0] and count(fleet, c, db, table) == want
               for c in consumers)


def cli(fleet, *args: str):
    return runner.invoke(app, ["share", *args, "--state-dir", str(fleet.state_dir),
                               "--env", fleet.env])


@pytest.mark.fleet
def test_apply_is_idempotent_follows_new_tables_and_repairs_a_broken_consumer(fleet_factory):
    fleet = fleet_factory(ONE_CONSUMER_SHARE, rows=300)  # up + seed already applied once
    assert count(fleet, "c1", "sales_db", "sales.orders") == 300

    # second apply: nothing to do, through the API and the CLI
    assert apply_local(fleet) == []
    assert plan_local(fleet).empty
    result = cli(fleet, "apply")
    assert result.exit_code == 0, result.output
    assert "nothing to do" in result.output

    # c2 is not a consumer of the share: no subscription, no slot
    with psycopg.connect(**fleet.admin_kwargs("producer", "dev")) as c:
        slots = {r[0] for r in c.execute("SELECT slot_name FROM pg_replication_slots")}
    assert slots == {subscription_name("sales_share", "c1")}

    # the replication password is in no catalog, only in a 0600 passfile
    password = fleet.password("rsfleet_replicator")
    with psycopg.connect(**fleet.admin_kwargs("c1", "sales_db")) as c:
        conninfo = c.execute("SELECT subconninfo FROM pg_subscription").fetchone()[0]
    assert password not in conninfo and "sslmode=verify-full" in conninfo
    passfile = fleet.node("c1").root / "replication.pgpass"
    assert stat.S_IMODE(os.stat(passfile).st_mode) == 0o600

    # a table created in the shared schema after sharing
    with psycopg.connect(**fleet.connect_kwargs("producer", "etl_writer", "dev")) as c:
        c.execute('CREATE TABLE sales.returns (id int PRIMARY KEY, "order" text NOT NULL)')
        c.execute("INSERT INTO sales.returns SELECT g, 'r' || g FROM generate_series(1, 7) g")
    planned = plan_local(fleet)
    texts = [s.sql for s in planned.steps]
    assert 'CREATE TABLE IF NOT EXISTS "sales"."returns" ("id" integer NOT NULL, ' \
           '"order" text NOT NULL, PRIMARY KEY ("id"))' in texts
    assert texts[-1] == f'ALTER SUBSCRIPTION "{subscription_name("sales_share", "c1")}" ' \
                        "REFRESH PUBLICATION"
    assert {s.target for s in planned.steps} == {"consumer c1 (sales_db)"}
    assert plan_local(fleet).steps == planned.steps  # the plan changed nothing
    # apply runs what the plan shows, statement by statement
    shares = LocalShares(fleet, save=False)
    ran: list = []
    assert sync(planned, shares, dry_run=False, on_step=ran.append).done == planned.steps
    assert ran == list(planned.steps)
    assert wait_until(lambda: caught_up(fleet, ["c1"], "sales_db", "sales.returns"), 60)
    assert apply_local(fleet) == []

    # ... or nothing, when the fleet moved on after the plan was shown (as a stale saved
    # Terraform plan): sales.refunds is published at once (FOR TABLES IN SCHEMA), and the
    # old plan would refresh c1's subscription without its DDL
    with psycopg.connect(**fleet.connect_kwargs("producer", "etl_writer", "dev")) as c:
        c.execute("CREATE TABLE sales.refunds (id int PRIMARY KEY)")
    stale = plan_local(fleet)
    with psycopg.connect(**fleet.connect_kwargs("producer", "etl_writer", "dev")) as c:
        c.execute("CREATE TABLE sales.credits (id int PRIMARY KEY)")
    ran.clear()
    with pytest.raises(FleetError, match="changed since the plan was made"):
        sync(stale, shares, dry_run=False, on_step=ran.append)
    assert ran == []
    with psycopg.connect(**fleet.admin_kwargs("c1", "sales_db")) as c:
        assert c.execute("SELECT to_regclass('sales.refunds')").fetchone()[0] is None
    later = [s.sql for s in apply_local(fleet)]
    assert 'CREATE TABLE IF NOT EXISTS "sales"."credits" ("id" integer NOT NULL, ' \
           'PRIMARY KEY ("id"))' in later
    assert apply_local(fleet) == []
    assert wait_until(lambda: verify_local(fleet) == [], 60)  # the new tables' initial copy

    # a broken consumer: its subscription is gone (its slot with it)
    with psycopg.connect(**fleet.admin_kwargs("c1", "sales_db"), autocommit=True) as c:
        c.execute(f'DROP SUBSCRIPTION "{subscription_name("sales_share", "c1")}"')
    problems = verify_local(fleet)
    assert [p.text for p in problems] == ["consumer c1: share sales_share not subscribed"]
    assert problems[0].consumer == "c1"
    result = cli(fleet, "verify", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"] == [p.text for p in problems]

    # the next apply re-grants and re-mounts; the stale copy is emptied, not duplicated
    steps = apply_local(fleet)
    kinds = [s.sql for s in steps]
    assert any(s.startswith("SELECT pg_create_logical_replication_slot") for s in kinds)
    assert any(s.startswith("TRUNCATE") for s in kinds)
    assert any(s.startswith("CREATE SUBSCRIPTION") for s in kinds)
    with psycopg.connect(**fleet.connect_kwargs("producer", "etl_writer", "dev")) as c:
        c.execute("INSERT INTO sales.returns VALUES (100, 'after repair')")
    assert wait_until(lambda: caught_up(fleet, ["c1"], "sales_db", "sales.orders")
                      and caught_up(fleet, ["c1"], "sales_db", "sales.returns"), 60)
    assert verify_local(fleet) == []
    assert apply_local(fleet) == []


@pytest.mark.fleet
def test_add_a_consumer_then_prune_with_reserved_word_identifiers(fleet_factory):
    fleet = fleet_factory(RESERVED_WORDS, rows=0)
    # up created the share: schema "order" published to c1 as database "group"
    with psycopg.connect(**fleet.connect_kwargs("producer", "etl_writer", "dev")) as c:
        c.execute('CREATE TABLE "order"."user" ("select" int PRIMARY KEY, "from" text)')
        c.execute('INSERT INTO "order"."user" SELECT g, g::text FROM generate_series(1, 50) g')
    apply_local(fleet)
    assert wait_until(lambda: caught_up(fleet, ["c1"], "group", '"order"."user"'), 60)

    # add consumer c2 to the share (the spec file's datashares, through the CLI)
    everyone = {"select": {"schemas": ["order"], "consumers": ["*"],
                           "consumer_database": "group"}}
    wider = with_shares(fleet, everyone)
    spec_file = fleet.state_dir.parent / "wider.tfvars"
    spec_file.write_text(RESERVED_WORDS.replace('consumers = ["c1"]', 'consumers = ["*"]'),
                         encoding="utf-8")
    result = runner.invoke(app, ["share", "plan", "--json", "--spec", str(spec_file),
                                 "--state-dir", str(fleet.state_dir)])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["changes"] and plan["would_prune"] == []
    targets = [s["target"] for s in plan["steps"]]
    assert targets[0] == "producer" and set(targets[1:]) <= {"consumer c2", "consumer c2 (group)"}
    sqls = [s["sql"] for s in plan["steps"]]
    assert sqls[0] == "SELECT pg_create_logical_replication_slot('rsf_select_c2', 'pgoutput')"
    assert 'CREATE DATABASE "group"' in sqls
    assert 'CREATE TABLE IF NOT EXISTS "order"."user" ("select" integer NOT NULL, ' \
           '"from" text, PRIMARY KEY ("select"))' in sqls
    result = runner.invoke(app, ["share", "apply", "--spec", str(spec_file),
                                 "--state-dir", str(fleet.state_dir)])
    assert result.exit_code == 0, result.output
    assert wait_until(lambda: caught_up(wider, ["c1", "c2"], "group", '"order"."user"'), 60)
    assert verify_local(wider) == []
    assert apply_local(wider) == []

    # a second schema joins the share, then leaves it (pruned on the producer and consumers)
    with psycopg.connect(**fleet.connect_kwargs("producer", "etl_writer", "dev")) as c:
        c.execute('CREATE SCHEMA "from"')
        c.execute('CREATE TABLE "from"."x" (id int PRIMARY KEY)')
        c.execute('INSERT INTO "from"."x" VALUES (1), (2), (3)')
    both = with_shares(fleet, {"select": {**everyone["select"], "schemas": ["order", "from"]}})
    apply_local(both)
    assert wait_until(lambda: caught_up(both, ["c1", "c2"], "group", '"from"."x"'), 60)
    planned = plan_local(wider)
    assert planned.empty and planned.would_prune == ("producer: schema from in select",)
    steps = [s.sql for s in apply_local(wider, prune=True)]
    assert steps[0] == 'ALTER PUBLICATION "select" DROP TABLES IN SCHEMA "from"'
    assert steps.count('DROP TABLE IF EXISTS "from"."x"') == 2  # on c1 and c2
    for name in ("c1", "c2"):
        with psycopg.connect(**fleet.admin_kwargs(name, "group")) as c:
            assert c.execute("""SELECT to_regclass('"from"."x"')""").fetchone()[0] is None
    assert apply_local(wider, prune=True) == []
    assert verify_local(wider) == []

    # remove the share from the spec: reported, not acted on, without --prune
    bare = with_shares(fleet, {})
    planned = plan_local(bare)
    assert planned.empty
    assert planned.would_prune == ("consumer c1: database group (from select)",
                                   "consumer c2: database group (from select)",
                                   "producer: datashare select")
    assert apply_local(bare) == []
    steps = apply_local(bare, prune=True)
    order = [s.sql.split(" ")[0:2] for s in steps]
    assert order.index(["DROP", "SUBSCRIPTION"]) < order.index(["DROP", "PUBLICATION"])
    with psycopg.connect(**fleet.admin_kwargs("producer", "dev")) as c:
        assert c.execute("SELECT count(*) FROM pg_publication").fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM pg_replication_slots").fetchone()[0] == 0
    for name in ("c1", "c2"):
        with psycopg.connect(**fleet.admin_kwargs(name, "postgres")) as c:
            assert c.execute("SELECT count(*) FROM pg_subscription").fetchone()[0] == 0
            assert not c.execute("SELECT 1 FROM pg_database WHERE datname = 'group'").fetchone()
    assert apply_local(bare, prune=True) == []


def test_share_naming_a_consumer_the_fleet_lacks_is_bad_input(tmp_path):
    from rsfleet.local.fleet import LocalFleet
    from rsfleet.spec.loader import load_spec

    started = tmp_path / "started.tfvars"
    started.write_text(ONE_CONSUMER_SHARE, encoding="utf-8")
    LocalFleet.plan(load_spec(started), tmp_path / "state", lb_port=1, base_port=2).save()
    grown = tmp_path / "grown.tfvars"  # a valid spec, but c9 is not in the running fleet
    grown.write_text(ONE_CONSUMER_SHARE.replace('"c1"]', '"c1", "c9"]').replace(
        "consumers   = {", "consumers   = {\n  c9 = { base_capacity = 8 }"), encoding="utf-8")
    load_spec(grown)
    result = runner.invoke(app, ["share", "plan", "--spec", str(grown),
                                 "--state-dir", str(tmp_path / "state")])
    assert result.exit_code == 2
    assert "c9" in result.output and "local up" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("share", "consumer"), [
    ("s", "c1"), ("a" * 63, "consumer-with-a-long-name"), ("a" * 63, "consumer-with-a-long-namf"),
])
def test_subscription_names_are_valid_and_distinct(share, consumer):
    name = subscription_name(share, consumer)
    assert len(name) <= 63 and "-" not in name
    assert name == subscription_name(share, consumer)


def test_long_subscription_names_do_not_collide():
    a = subscription_name("a" * 63, "consumer-with-a-long-name")
    b = subscription_name("a" * 63, "consumer-with-a-long-namf")
    assert a != b
