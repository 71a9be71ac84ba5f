"""Parsing of durations, faults, query files; building the built-in mix from a catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from rsfleet.errors import UsageError
from rsfleet.loadtest.faults import parse_duration, parse_fault
from rsfleet.loadtest.queries import (
    TableInfo,
    build_mix,
    parse_query_file,
    shared_objects,
    tables_from_catalog,
)
from rsfleet.spec.models import FleetSpec


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("500ms", 0.5), ("2m", 120),
                                                ("1h", 3600), ("7", 7), (" 1.5s ", 1.5)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "-1s", "10 days", "1e3s"])
def test_parse_duration_rejects(text):
    with pytest.raises(UsageError, match="is not a duration"):
        parse_duration(text)


def test_parse_fault():
    f = parse_fault("kill", "c2@10s", ["c1", "c2"])
    assert (f.kind, f.target, f.at_s) == ("kill", "c2", 10)
    with pytest.raises(UsageError, match="expected NAME@TIME"):
        parse_fault("kill", "c2", ["c2"])
    with pytest.raises(UsageError, match="no consumer 'c9'"):
        parse_fault("drain", "c9@1s", ["c1", "c2"])
    with pytest.raises(UsageError, match="not a consumer name"):
        parse_fault("drain", "C1;drop@1s", ["c1"])
    with pytest.raises(UsageError, match="not a duration"):
        parse_fault("drain", "c1@soon", ["c1"])


def test_query_file(tmp_path: Path):
    p = tmp_path / "q.sql"
    p.write_text("-- a comment\n-- name: top_regions\nSELECT region, count(*)\n"
                 "FROM sales.orders GROUP BY 1;\n\nSELECT 1;\nSELECT 2", encoding="utf-8")
    qs = parse_query_file(p)
    assert [q.name for q in qs] == ["top_regions", "q2", "q3"]
    assert qs[0].sql == "SELECT region, count(*)\nFROM sales.orders GROUP BY 1"
    empty = tmp_path / "e.sql"
    empty.write_text("-- nothing\n", encoding="utf-8")
    with pytest.raises(UsageError, match="no SQL statement"):
        parse_query_file(empty)
    with pytest.raises(UsageError, match="cannot read"):
        parse_query_file(tmp_path / "missing.sql")


def test_catalog_to_mix_quotes_and_skips_unsafe_names():
    rows = [
        ("sales", "orders", "id", "integer"), ("sales", "orders", "region", "text"),
        ("sales", "orders", "amount", "numeric"),
        ("sales", "select", "note", "character varying"),   # reserved word: quoted
        ("sales", 'x"; drop table y; --', "a", "integer"),  # not an identifier: skipped
        ("other", "t", "a", "integer"),                     # not shared: skipped
        ("extra", "kept", "a", "bigint"),                   # listed in tables
    ]
    tables = tables_from_catalog(rows, ["sales"], ["extra.kept"])
    assert tables == [TableInfo("extra", "kept", "a", None),
                      TableInfo("sales", "orders", "id", "region"),
                      TableInfo("sales", "select", None, "note")]
    mix = {q.name: q.sql for q in build_mix(tables)}
    assert mix["count:sales.select"] == 'SELECT count(*) FROM "sales"."select"'
    assert mix["sum:sales.orders"] == ('SELECT sum("id"), avg("id"), min("id"), max("id") '
                                       'FROM "sales"."orders"')
    assert "group:extra.kept" not in mix and "sum:sales.select" not in mix
    three = build_mix([TableInfo("sales", "orders")], database_prefix="sales_db")
    assert three[0].sql == 'SELECT count(*) FROM "sales_db"."sales"."orders"'


def test_shared_objects_picks_the_share():
    spec = FleetSpec.model_validate({
        "environment": "qa", "producer": {"base_capacity": 8},
        "consumers": {"c1": {"base_capacity": 8}},
        "datashares": {"b_share": {"schemas": ["b"]},
                       "a_share": {"schemas": ["a"], "tables": ["x.y"],
                                   "consumer_database": "adb"}},
    })
    assert shared_objects(spec, None) == ("adb", ["a"], ["x.y"])
    assert shared_objects(spec, "b_share_db") == ("b_share_db", ["b"], [])
    nospec = FleetSpec.model_validate({"environment": "qa", "producer": {"base_capacity": 8},
                                       "consumers": {"c1": {"base_capacity": 8}}})
    with pytest.raises(UsageError, match="no datashares"):
        shared_objects(nospec, None)
