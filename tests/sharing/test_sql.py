"""Redshift SQL rendering: exact text, quoting, and the fresh-fleet script."""

from __future__ import annotations

import textwrap

import pytest

from rsfleet.sharing import planner as p
from rsfleet.sharing.service import fresh_sql
from rsfleet.sharing.sql import render_fresh_fleet_sql, statement
from rsfleet.spec import load_spec

PROD = "11111111-1111-1111-1111-111111111111"
IDS = {
    "c1": "aaaaaaaa-0000-0000-0000-000000000001",
    "c2": "aaaaaaaa-0000-0000-0000-000000000002",
    "c3": "aaaaaaaa-0000-0000-0000-000000000003",
}

SPEC = """
environment = "qa"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = 8 }
  c2 = { base_capacity = 8 }
  c3 = { base_capacity = 8, behind_nlb = false }
}
datashares = {
  sales_share = { schemas = ["sales", "ref"], tables = ["hr.staff"], consumer_database = "sales_db" }
  audit_share = { schemas = ["audit"], consumers = ["c3", "c1"] }
}
"""

EXPECTED = textwrap.dedent(
    f"""\
    -- on producer
    CREATE DATASHARE "audit_share";
    ALTER DATASHARE "audit_share" ADD SCHEMA "audit";
    ALTER DATASHARE "audit_share" ADD ALL TABLES IN SCHEMA "audit";
    ALTER DATASHARE "audit_share" SET INCLUDENEW = TRUE FOR SCHEMA "audit";
    GRANT USAGE ON DATASHARE "audit_share" TO NAMESPACE '{IDS["c1"]}';
    GRANT USAGE ON DATASHARE "audit_share" TO NAMESPACE '{IDS["c3"]}';
    CREATE DATASHARE "sales_share";
    ALTER DATASHARE "sales_share" ADD SCHEMA "sales";
    ALTER DATASHARE "sales_share" ADD ALL TABLES IN SCHEMA "sales";
    ALTER DATASHARE "sales_share" SET INCLUDENEW = TRUE FOR SCHEMA "sales";
    ALTER DATASHARE "sales_share" ADD SCHEMA "ref";
    ALTER DATASHARE "sales_share" ADD ALL TABLES IN SCHEMA "ref";
    ALTER DATASHARE "sales_share" SET INCLUDENEW = TRUE FOR SCHEMA "ref";
    ALTER DATASHARE "sales_share" ADD SCHEMA "hr";
    ALTER DATASHARE "sales_share" ADD TABLE "hr"."staff";
    GRANT USAGE ON DATASHARE "sales_share" TO NAMESPACE '{IDS["c1"]}';
    GRANT USAGE ON DATASHARE "sales_share" TO NAMESPACE '{IDS["c2"]}';
    GRANT USAGE ON DATASHARE "sales_share" TO NAMESPACE '{IDS["c3"]}';
    -- on consumer c1
    CREATE DATABASE "audit_share_db" FROM DATASHARE "audit_share" OF NAMESPACE '{PROD}';
    CREATE DATABASE "sales_db" FROM DATASHARE "sales_share" OF NAMESPACE '{PROD}';
    -- on consumer c2
    CREATE DATABASE "sales_db" FROM DATASHARE "sales_share" OF NAMESPACE '{PROD}';
    -- on consumer c3
    CREATE DATABASE "audit_share_db" FROM DATASHARE "audit_share" OF NAMESPACE '{PROD}';
    CREATE DATABASE "sales_db" FROM DATASHARE "sales_share" OF NAMESPACE '{PROD}';
    """
)


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "qa.tfvars"
    path.write_text(SPEC, encoding="utf-8")
    return load_spec(path)


def test_fresh_fleet_sql_exact_text(spec):
    assert render_fresh_fleet_sql(spec, PROD, IDS) == EXPECTED


def test_fresh_fleet_sql_needs_every_consumer_namespace(spec):
    with pytest.raises(ValueError, match="c3"):
        render_fresh_fleet_sql(spec, PROD, {"c1": IDS["c1"], "c2": IDS["c2"]})


def test_placeholders_when_namespace_ids_are_unknown(spec):
    text, placeholders = fresh_sql(spec, None, {"c1": IDS["c1"]})
    assert placeholders
    assert "OF NAMESPACE '<producer namespace id>'" in text
    assert "TO NAMESPACE '<namespace id of c2>'" in text
    assert f"TO NAMESPACE '{IDS['c1']}'" in text


@pytest.mark.parametrize(
    "action",
    [
        p.CreateShare('x"; DROP TABLE t; --'),
        p.AddSchema("s", "Sales"),
        p.AddTable("s", "sales", "t x"),
        p.Mount("s", "c1", "db'--"),
    ],
)
def test_unsafe_identifiers_never_reach_sql(action):
    with pytest.raises(ValueError):
        statement(action, producer_namespace_id=PROD, consumer_namespace_ids=IDS)


def test_namespace_ids_are_validated():
    with pytest.raises(ValueError, match="GUID"):
        statement(p.Grant("s", "c1"), producer_namespace_id=PROD,
                  consumer_namespace_ids={"c1": "x' OR '1'='1"})


def test_prune_statements():
    kw = {"producer_namespace_id": PROD, "consumer_namespace_ids": IDS}
    assert statement(p.Revoke("s", "c2"), **kw) == (
        f"REVOKE USAGE ON DATASHARE \"s\" FROM NAMESPACE '{IDS['c2']}';")
    assert statement(p.DropShare("s"), **kw) == 'DROP DATASHARE "s";'
    assert statement(p.Unmount("s", "c1", "s_db"), **kw) == 'DROP DATABASE "s_db";'
    assert statement(p.RemoveSchema("s", "hr"), **kw) == 'ALTER DATASHARE "s" REMOVE SCHEMA "hr";'
    assert statement(p.RemoveTable("s", "ref", "rates"), **kw) == (
        'ALTER DATASHARE "s" REMOVE TABLE "ref"."rates";')
