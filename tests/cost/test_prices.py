"""The packaged price data: every figure has a source and a date; bad files are bad input."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from rsfleet.cost.prices import REGION_RE, load_prices, parse_decimal
from rsfleet.errors import UsageError


def test_packaged_prices_have_source_and_date_per_figure():
    book = load_prices()
    assert book.currency == "USD"
    for required in ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1",
                     "ap-southeast-2"):
        assert required in book.regions
    for name, region in book.regions.items():
        assert REGION_RE.match(name)
        for key in ("rpu_hour", "rms_gb_month", "nlb_hour", "nlb_lcu_hour"):
            p = getattr(region, key)
            if p is None:
                continue
            assert p.usd > 0, (name, key)
            assert "https://" in p.source, (name, key)
            assert p.as_of[:4] >= "2025", (name, key)
    east = book.regions["us-east-1"]
    assert east.rpu_hour.usd == Decimal("0.375")
    assert east.rms_gb_month is not None and east.nlb_hour is not None
    assert east.nlb_lcu_hour is not None
    assert book.nlcu_tcp is not None and book.nlcu_tcp.new_connections_per_second == 800


def test_seed_scenario_data():
    sc = load_prices().scenarios["seed"]
    assert sc.rpu_hour == Decimal("0.36") and sc.days == 30
    assert {k: v[1] for k, v in sc.workgroups.items()} == {
        "producer": 8, "analytics": 4, "reporting": 2}


def test_unknown_region_lists_known():
    with pytest.raises(UsageError, match=r"known: .*us-east-1"):
        load_prices().region("xx-nowhere-1")


def test_missing_figure_is_bad_input_with_a_hint():
    with pytest.raises(UsageError) as err:
        load_prices().figure("eu-west-1", "rms_gb_month", "--storage-price")
    assert "--storage-price" in str(err.value)


@pytest.mark.parametrize(("content", "fragment"), [
    ("{not json", "cannot read prices"),
    (json.dumps({"currency": "USD", "regions": {"us-east-1": {"rpu_hour": {"usd": "0.3"}}}}),
     "source"),
    (json.dumps({"currency": "USD", "regions": {"Ohio": {"rpu_hour": {
        "usd": "0.3", "source": "x", "as_of": "2026-01"}}}}), "not AWS region names"),
    (json.dumps({"currency": "USD", "regions": {"us-east-2": {"rpu_hour": {
        "usd": "-1", "source": "x", "as_of": "2026-01"}}}}), "usd"),
])
def test_bad_prices_file(tmp_path, content, fragment):
    path = tmp_path / "p.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=fragment) as err:
        load_prices(path)
    assert "\n" not in str(err.value)


def test_missing_prices_file(tmp_path):
    with pytest.raises(UsageError, match="cannot read prices"):
        load_prices(tmp_path / "absent.json")


@pytest.mark.parametrize(("text", "ok"), [("0.36", True), (" 1 ", True), ("1e2", True),
                                          ("inf", False), ("nan", False), ("-0.1", False),
                                          ("x", False)])
def test_parse_decimal(text, ok):
    if ok:
        assert parse_decimal(text, "--price") == Decimal(text.strip())
    else:
        with pytest.raises(UsageError):
            parse_decimal(text, "--price")
