"""The cost model: the seed's corrected figures, per-second billing, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from rsfleet.cli import app
from rsfleet.cost import model
from rsfleet.errors import UsageError

runner = CliRunner()
P = Decimal("0.36")


@pytest.mark.parametrize(("hours", "expected"), [(8, "2764.80"), (4, "1382.40"), (2, "691.20")])
def test_seed_figures_corrected(hours, expected):
    wg = model.workgroup("w", 32, model.Usage(hours_per_day=Decimal(hours)), days=30, rpu_hour=P)
    assert wg.monthly == Decimal(expected)
    assert wg.yearly == Decimal(expected) * 12


def test_seed_scenario_total_via_cli():
    result = runner.invoke(app, ["cost", "--scenario", "seed", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["total_monthly"] == "4838.40"
    assert [w["monthly"] for w in doc["workgroups"]] == ["2764.80", "1382.40", "691.20"]
    # the seed's own table was 10x too low
    assert doc["seed_claimed_monthly"]["producer"] == "276.48"


@pytest.mark.parametrize(
    ("bursts", "seconds", "billed_seconds"),
    [
        (1, "10", 60),  # a 10 s burst is billed the 60 s minimum
        (1, "60", 60),
        (1, "61", 61),  # past the minimum: per second
        (100, "0.5", 6000),
        (0, "30", 0),  # no bursts, no compute cost
        (5, "0", 0),
    ],
)
def test_per_second_billing_with_60_second_minimum(bursts, seconds, billed_seconds):
    usage = model.Usage(bursts_per_day=bursts, burst_seconds=Decimal(seconds))
    assert usage.billed_seconds_per_day() == billed_seconds
    wg = model.workgroup("w", 8, usage, days=30, rpu_hour=Decimal("0.36"))
    # 8 RPU x billed seconds x 30 days at $0.36/RPU-hour, rounded to cents once
    assert wg.monthly == model.money(Decimal(8 * billed_seconds * 30) * Decimal("0.36") / 3600)


def test_bursts_beyond_a_day_are_rejected():
    usage = model.Usage(bursts_per_day=2000, burst_seconds=Decimal(60))
    with pytest.raises(UsageError, match="more than 24"):
        usage.billed_hours_per_day()


def test_split_vs_single_is_arithmetic():
    out = model.split_vs_single(32, Decimal(4), days=30, rpu_hour=P)
    assert out["two_small_monthly"] == out["one_big_monthly"] == "2764.80"
    assert out["one_big_serving_both_periods_monthly"] == "5529.60"


SPEC = """
environment = "prod"
aws_region  = "us-east-1"
producer    = { base_capacity = 32, max_capacity = 64 }
consumers   = {
  c1 = { base_capacity = 32 }
  c2 = { base_capacity = 16 }
}
"""


def test_fleet_from_spec_with_per_workgroup_hours(tmp_path):
    spec = tmp_path / "prod.tfvars"
    spec.write_text(SPEC, encoding="utf-8")
    result = runner.invoke(app, ["cost", "--spec", str(spec), "--price", "0.36", "--hours",
                                 "c1=4", "--hours-per-day", "2", "--no-nlb", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    monthly = {w["name"]: w["monthly"] for w in doc["workgroups"]}
    assert monthly == {"producer": "691.20", "c1": "1382.40", "c2": "345.60"}
    assert doc["total_monthly"] == "2419.20"
    assert doc["workgroups"][0]["monthly_at_max_capacity"] == "1382.40"
    assert any("max capacity" in n for n in doc["notes"])


def test_fleet_includes_nlb_line_from_price_data(tmp_path):
    spec = tmp_path / "prod.tfvars"
    spec.write_text(SPEC, encoding="utf-8")
    result = runner.invoke(app, ["cost", "--spec", str(spec), "--json"])
    doc = json.loads(result.stdout)
    nlb = next(o for o in doc["other"] if o["name"] == "nlb")
    # 720 h x ($0.0225 + 1 LCU x $0.006) from the packaged us-east-1 price data
    assert nlb["monthly"] == "20.52"
    assert doc["workgroups"][0]["rpu_hour"] == "0.375"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--rpu", "32", "--hours-per-day", "-1"], "between 0 and 24"),
        (["--rpu", "32", "--hours-per-day", "25"], "between 0 and 24"),
        (["--rpu", "12"], "not an allowed capacity"),
        (["--rpu", "1024", "--region", "ap-south-1", "--price", "0.4"], "not an allowed capacity"),
        (["--rpu", "8", "--region", "mars-1"], "no prices for region 'mars-1'"),
        (["--rpu", "8", "--price", "-3"], "non-negative"),
        (["--scenario", "nope"], "unknown scenario"),
        ([], "nothing to price"),
        (["--rpu", "8", "--hours", "c1=3"], "needs --env or --spec"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, fragment):
    result = runner.invoke(app, ["cost", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr


def test_bad_hours_entries(tmp_path):
    spec = tmp_path / "prod.tfvars"
    spec.write_text(SPEC, encoding="utf-8")
    for bad, fragment in (("c9=3", "unknown workgroup 'c9'"), ("c1", "NAME=HOURS"),
                          ("c1=x", "not a number"), ("c1=30", "between 0 and 24")):
        result = runner.invoke(app, ["cost", "--spec", str(spec), "--hours", bad])
        assert result.exit_code == 2, (bad, result.output)
        assert fragment in result.stderr


def test_real_subprocess_bad_input_no_traceback():
    proc = subprocess.run([sys.executable, "-m", "rsfleet", "cost", "--rpu", "32",
                           "--hours-per-day", "30"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "between 0 and 24" in proc.stderr
