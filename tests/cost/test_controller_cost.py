"""The controller's cost lines: Lambda, DynamoDB and the probes' billed RPU-seconds."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from rsfleet.cli import app
from rsfleet.cost import model

D = Decimal


@pytest.mark.parametrize("data_check,interval,expected", [
    ("3600", "5", 24 * 60),       # 24 checks a day, each billed the 60 s minimum
    ("300", "5", 288 * 60),       # every 5 minutes: 20 % of the day billed
    ("86400", "5", 60),           # once a day
    ("60", "5", 86400),           # a check a minute: the workgroup never rests
    ("0", "5", 86400),            # every pass: billing all day
    ("90", "5", 960 * 60),        # 960 checks × 60 s
])
def test_probe_billed_seconds(data_check, interval, expected):
    assert model.probe_billed_seconds_per_day(D(data_check), D(interval)) == expected


def lines(data_check="3600", **prices):
    defaults = {"lambda_gb_second": D("0.0000166667"), "lambda_request": D("0.0000002"),
                "dynamodb_wru": D("0.000000625"), "dynamodb_rru": D("0.000000125")}
    return {ln.name: ln for ln in model.controller_lines(
        days=30, consumers={"c1": 8, "c2": 8, "c3": 16}, interval_seconds=D(5),
        data_check_seconds=D(data_check), rpu_hour=D("0.375"), **{**defaults, **prices})}


def test_lines_by_hand():
    got = lines()
    # 43,200 invocations × 60 s × 0.25 GB = 648,000 GB-s × $0.0000166667 + 43,200 × $2e-7
    assert got["controller Lambda"].monthly == D("10.81")
    # 518,400 passes × (1 WRU × $0.625/M + 1 RRU × $0.125/M)
    assert got["controller DynamoDB"].monthly == D("0.39")
    # (8 + 8 + 16) RPU × 1,440 s/day × 30 days = 1,382,400 RPU-s = 384 RPU-h × $0.375
    assert got["controller probes"].monthly == D("144.00")


def test_data_check_every_pass_keeps_the_fleet_billing():
    # 32 RPU all day, 30 days: 23,040 RPU-h × $0.375
    assert lines("0")["controller probes"].monthly == D("8640.00")
    # once a day: 32 RPU × 60 s × 30 days = 16 RPU-h
    assert lines("86400")["controller probes"].monthly == D("6.00")


def test_a_missing_price_leaves_its_line_out():
    got = lines(lambda_gb_second=None, dynamodb_rru=None)
    assert set(got) == {"controller probes"}


SPEC = """
environment = "prod"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = 8 }
  c2 = { base_capacity = 8, behind_nlb = false }
}
controller = { enabled = true, data_check_seconds = 1800 }
"""


def test_cost_of_a_spec_with_the_controller(tmp_path):
    path = tmp_path / "prod.tfvars"
    path.write_text(SPEC, encoding="utf-8")
    res = CliRunner().invoke(app, ["cost", "--spec", str(path), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    other = {o["name"]: o for o in doc["other"]}
    # only c1 is behind the NLB and probed: 48 checks × 60 s × 8 RPU × 30 days = 192 RPU-h
    assert other["controller probes"]["monthly"] == "72.00"
    assert {"controller Lambda", "controller DynamoDB"} <= set(other)
    assert doc["prices"]["lambda_request"]["usd"] == "0.0000002"
    path.write_text(SPEC.replace("enabled = true", "enabled = false"), encoding="utf-8")
    res = CliRunner().invoke(app, ["cost", "--spec", str(path), "--json"])
    assert not [o for o in json.loads(res.stdout)["other"] if o["name"].startswith("controller")]
