"""`rsfleet cost` through the CLI: figures, the fleet from a spec, JSON schema, bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from rsfleet.cli import app

runner = CliRunner()
MONEY = re.compile(r"^\d+\.\d{2}$")


def run(*args: str):
    return runner.invoke(app, ["cost", *args])


def run_json(*args: str) -> dict:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_seed_scenario_correct_figures_beside_the_seeds():
    doc = run_json("--scenario", "seed")
    assert [(w["name"], w["monthly"]) for w in doc["workgroups"]] == [
        ("producer", "2764.80"), ("analytics", "1382.40"), ("reporting", "691.20")]
    assert doc["total_monthly"] == "4838.40"
    assert doc["total_yearly"] == "58060.80"
    assert doc["seed"]["claimed_monthly"] == {"producer": "276.48", "analytics": "138.24",
                                              "reporting": "69.12"}
    assert doc["seed"]["claimed_total_monthly"] == "483.84"
    assert doc["seed"]["factor"] == "10"
    assert doc["prices"]["rpu_hour"]["usd"] == "0.36"


def test_seed_scenario_table_shows_both():
    result = run("--scenario", "seed")
    assert result.exit_code == 0, result.output
    for figure in ("$2,764.80", "$1,382.40", "$691.20", "$4,838.40", "$276.48", "$483.84",
                   "seed said"):
        assert figure in result.stdout


@pytest.mark.parametrize(("hours", "expected"), [("8", "2764.80"), ("4", "1382.40"),
                                                 ("2", "691.20"), ("0", "0.00")])
def test_one_workgroup(hours, expected):
    doc = run_json("--rpu", "32", "--hours-per-day", hours, "--price", "0.36")
    assert doc["workgroups"][0]["monthly"] == expected
    assert doc["total_monthly"] == expected
    assert doc["prices"]["rpu_hour"]["source"].startswith("--price")


def test_one_workgroup_uses_the_regions_price_with_its_source():
    doc = run_json("--rpu", "8", "--hours-per-day", "1", "--region", "eu-west-1")
    assert doc["workgroups"][0]["rpu_hour"] == "0.387"
    assert doc["workgroups"][0]["monthly"] == "92.88"  # 8 x 1 x 30 x 0.387
    assert doc["prices"]["rpu_hour"]["as_of"]
    assert "aws.amazon.com" in doc["prices"]["rpu_hour"]["source"]


def test_bursts_through_the_cli_bill_the_minimum():
    doc = run_json("--rpu", "8", "--bursts-per-day", "200", "--burst-seconds", "10",
                   "--price", "0.36")
    w = doc["workgroups"][0]
    assert w["billed_seconds_per_day"] == "12000"  # 200 x 60 s, not 200 x 10 s
    assert w["monthly"] == "288.00"


def test_fleet_from_spec_with_per_workgroup_hours(spec_file):
    doc = run_json("--spec", str(spec_file), "--price", "0.36", "--hours", "c1=4",
                   "--hours-per-day", "2", "--no-nlb", "--no-endpoints")
    monthly = {w["name"]: w["monthly"] for w in doc["workgroups"]}
    assert monthly == {"producer": "691.20", "c1": "1382.40", "c2": "345.60"}
    assert doc["total_monthly"] == "2419.20"
    assert doc["other"] == []
    at_max = {w["name"]: w["monthly_at_max_capacity"] for w in doc["workgroups"]}
    assert at_max == {"producer": "1382.40", "c1": "1382.40", "c2": "691.20"}
    assert doc["total_monthly_at_max_capacity"] == "3456.00"
    assert any("max capacity" in n and "$3,456.00" in n for n in doc["notes"])
    assert doc["region"] == "us-east-1"


def test_fleet_what_if(spec_file):
    doc = run_json("--spec", str(spec_file), "--price", "0.36", "--hours", "c1=4",
                   "--hours-per-day", "2", "--no-nlb", "--no-endpoints")
    more = doc["what_if"]["one_more_consumer"]
    assert more["like"] == "c1" and more["monthly"] == "1382.40"
    assert more["new_total_monthly"] == "3801.60"
    split = doc["what_if"]["split_vs_single"]
    assert split["small_rpu"] == 32 and split["big_rpu"] == 64
    assert split["same_time"]["two_small_monthly"] == split["same_time"]["one_big_monthly"] \
        == "2764.80"
    assert split["different_times"]["one_big_monthly"] == "5529.60"


def test_fleet_usage_limit_from_the_spec(spec_file):
    doc = run_json("--spec", str(spec_file), "--price", "0.36", "--no-nlb")
    producer = doc["workgroups"][0]
    assert producer["usage_limit"] == {"amount": 1000, "period": "monthly",
                                       "breach_action": "deactivate"}
    # 32 RPU x 8 h x 30 d = 7680 RPU-hours > 1000: queries stop at 1000 x $0.36
    assert any("producer" in n and "$360.00" in n for n in doc["notes"])


def test_fleet_includes_nlb_from_price_data(spec_file):
    doc = run_json("--spec", str(spec_file), "--no-endpoints")
    nlb = next(o for o in doc["other"] if o["name"] == "nlb")
    # 720 h x ($0.0225 + 1 NLCU x $0.006) from the packaged us-east-1 price data
    assert nlb["monthly"] == "20.52"
    assert doc["workgroups"][0]["rpu_hour"] == "0.375"
    assert set(doc["prices"]) == {"rpu_hour", "nlb_hour", "nlb_lcu_hour"}
    compute = sum(Decimal(w["monthly"]) for w in doc["workgroups"])
    assert Decimal(doc["total_monthly"]) == compute + Decimal("20.52")


def test_fleet_in_a_created_vpc_includes_the_interface_endpoints(spec_file):
    """The created VPC gets terraform's default endpoint set (vpc_endpoints): 6 interface
    endpoints in 3 AZs, hourly all month, plus data processed (PrivateLink pricing)."""
    doc = run_json("--spec", str(spec_file), "--endpoint-gb", "50")
    ep = next(o for o in doc["other"] if o["name"] == "vpc endpoints")
    # 6 x 3 x 720 h x $0.01 = 129.60; 50 GB x $0.01 = 0.50
    assert ep["monthly"] == "130.10"
    assert "6 interface endpoints × 3 AZ" in ep["detail"] and "gateway" in ep["detail"]
    assert doc["prices"]["vpce_hour"]["source"].startswith("https://aws.amazon.com/privatelink")
    assert doc["prices"]["vpce_hour"]["as_of"] and doc["prices"]["vpce_gb"]["usd"] == "0.01"
    others = sum(Decimal(o["monthly"]) for o in doc["other"])
    compute = sum(Decimal(w["monthly"]) for w in doc["workgroups"])
    assert Decimal(doc["total_monthly"]) == compute + others


def test_existing_vpc_has_no_endpoint_line(spec_in):
    spec = spec_in('create_vpc          = true\nexisting_vpc_id     = null\n'
                   'existing_subnet_ids = []',
                   'create_vpc = false\nexisting_vpc_id = "vpc-0123456789abcdef0"\n'
                   'existing_subnet_ids = ["subnet-0a", "subnet-0b", "subnet-0c"]')
    doc = run_json("--spec", str(spec))
    assert [o["name"] for o in doc["other"]] == ["nlb"]


def test_default_endpoint_set_matches_terraform():
    from pathlib import Path

    import hcl2

    from rsfleet.cost.service import DEFAULT_INTERFACE_ENDPOINTS

    root = Path(__file__).resolve().parents[2] / "terraform" / "variables.tf"
    text = root.read_text(encoding="utf-8")
    block = text[text.index('variable "vpc_endpoints"'):]
    line = next(ln for ln in block.splitlines() if ln.strip().startswith("interface "))
    listed = hcl2.loads("x = " + line.split("optional(list(string),", 1)[1].rsplit(")", 1)[0])
    assert tuple(v.strip('"') for v in listed["x"]) == DEFAULT_INTERFACE_ENDPOINTS


def test_nlb_sized_from_traffic(spec_file):
    doc = run_json("--spec", str(spec_file), "--nlb-new-connections", "1600",
                   "--nlb-gb-per-hour", "0.5")
    nlb = next(o for o in doc["other"] if o["name"] == "nlb")
    assert nlb["monthly"] == "24.84"  # 720 h x (0.0225 + 2 NLCU x 0.006)
    assert "2 NLCU" in nlb["detail"]


def test_storage_line(spec_file):
    doc = run_json("--spec", str(spec_file), "--no-nlb", "--no-endpoints", "--storage-gb",
                   "1000")
    assert doc["other"] == [{"name": "storage (RMS)", "monthly": "24.00", "yearly": "288.00",
                             "detail": "1000 GB × $0.024/GB-month"}]
    doc = run_json("--rpu", "8", "--storage-gb", "1000", "--storage-price", "0.05")
    assert doc["other"][0]["monthly"] == "50.00"
    assert doc["prices"]["rms_gb_month"]["source"].startswith("--storage-price")


def test_region_without_nlb_figures_needs_no_nlb_or_a_price(spec_in):
    spec = spec_in('aws_region   = "us-east-1"', 'aws_region   = "eu-west-1"')
    result = run("--spec", str(spec))
    assert result.exit_code == 2
    assert "no nlb_hour figure for region 'eu-west-1'" in result.stderr
    result = run("--spec", str(spec), "--no-nlb")
    assert result.exit_code == 2
    assert "no vpce_hour figure for region 'eu-west-1'" in result.stderr
    assert "--no-endpoints" in result.stderr
    doc = run_json("--spec", str(spec), "--no-nlb", "--no-endpoints")
    assert doc["workgroups"][0]["rpu_hour"] == "0.387"


def test_prices_file_override(tmp_path):
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"currency": "USD", "regions": {"eu-south-9": {
        "rpu_hour": {"usd": "1.00", "source": "contract", "as_of": "2026-11"}}}}),
        encoding="utf-8")
    doc = run_json("--rpu", "8", "--hours-per-day", "1", "--region", "eu-south-9",
                   "--prices-file", str(prices))
    assert doc["workgroups"][0]["monthly"] == "240.00"
    assert doc["prices"]["rpu_hour"] == {"usd": "1.00", "source": "contract",
                                         "as_of": "2026-11"}


def test_json_schema():
    doc = run_json("--rpu", "32", "--max-rpu", "64", "--storage-gb", "10")
    assert set(doc) == {"mode", "region", "currency", "prices", "workgroups", "other",
                        "compute_monthly", "total_monthly", "total_yearly",
                        "total_monthly_at_max_capacity", "notes", "what_if", "seed"}
    assert doc["mode"] == "workgroup" and doc["currency"] == "USD" and doc["seed"] is None
    (w,) = doc["workgroups"]
    assert set(w) == {"name", "rpu", "max_rpu", "billed_seconds_per_day",
                      "billed_hours_per_day", "days", "rpu_hour", "rpu_hours_month",
                      "monthly", "yearly", "monthly_at_max_capacity",
                      "yearly_at_max_capacity", "usage_limit"}
    assert isinstance(w["rpu"], int) and isinstance(w["days"], int)
    for key in ("monthly", "yearly", "monthly_at_max_capacity", "yearly_at_max_capacity"):
        assert MONEY.match(w[key]), (key, w[key])
    for key in ("compute_monthly", "total_monthly", "total_yearly",
                "total_monthly_at_max_capacity"):
        assert MONEY.match(doc[key]), (key, doc[key])
    for o in doc["other"]:
        assert MONEY.match(o["monthly"]) and MONEY.match(o["yearly"])
    for p in doc["prices"].values():
        assert set(p) == {"usd", "source", "as_of"}
    assert all(isinstance(n, str) for n in doc["notes"])
    assert "split_vs_single" in doc["what_if"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--rpu", "32", "--hours-per-day", "-1"], "between 0 and 24"),
        (["--rpu", "32", "--hours-per-day", "25"], "between 0 and 24"),
        (["--rpu", "32", "--hours-per-day", "nan"], "not a finite number"),
        (["--rpu", "32", "--hours-per-day", "eight"], "not a number"),
        (["--rpu", "12"], "not an allowed base capacity"),
        (["--rpu", "1024", "--region", "ap-south-1", "--price", "0.4"], "only offered in"),
        (["--rpu", "8", "--region", "mars-1"], "no prices for region 'mars-1' (known: "),
        (["--rpu", "8", "--price", "-3"], "--price must be at least 0"),
        (["--rpu", "8", "--days", "0"], "--days must be between 1 and 31"),
        (["--rpu", "32", "--max-rpu", "16"], "below base capacity"),
        (["--rpu", "8", "--bursts-per-day", "-1", "--burst-seconds", "5"], "at least 0"),
        (["--rpu", "8", "--bursts-per-day", "5"], "needs --burst-seconds"),
        (["--rpu", "8", "--burst-seconds", "5"], "needs --bursts-per-day"),
        (["--rpu", "8", "--bursts-per-day", "5000", "--burst-seconds", "30"], "more than 24"),
        (["--rpu", "8", "--hours-per-day", "2", "--bursts-per-day", "5", "--burst-seconds",
          "5"], "pass one"),
        (["--scenario", "nope"], "unknown scenario 'nope' (known: seed)"),
        (["--scenario", "seed", "--rpu", "8"], "pass only one"),
        ([], "nothing to price"),
        (["--rpu", "8", "--hours", "c1=3"], "needs --env or --spec"),
        (["--env", "no-such-env"], "no-such-env"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, fragment):
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(("bad", "fragment"), [
    ("c9=3", "unknown workgroup 'c9' (known: producer, c1, c2)"),
    ("c1", "expected NAME=HOURS"),
    ("=3", "expected NAME=HOURS"),
    ("c1=x", "not a number"),
    ("c1=30", "between 0 and 24"),
    ("c1=-2", "between 0 and 24"),
])
def test_bad_hours_entries(spec_file, bad, fragment):
    result = run("--spec", str(spec_file), "--hours", bad)
    assert result.exit_code == 2, (bad, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr


def test_hours_given_twice(spec_file):
    result = run("--spec", str(spec_file), "--hours", "c1=3", "--hours", "c1=4")
    assert result.exit_code == 2 and "given twice" in result.stderr


def test_capacity_not_allowed_in_the_specs_region_is_caught_by_the_spec(spec_in):
    spec = spec_in("base_capacity = 16", "base_capacity = 12")
    result = run("--spec", str(spec))
    assert result.exit_code == 2
    assert "12" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "fragment"), [
    (["--rpu", "32", "--hours-per-day", "30"], "between 0 and 24"),
    (["--rpu", "8", "--region", "mars-1"], "no prices for region 'mars-1'"),
])
def test_real_subprocess_bad_input_one_line_no_traceback(args, fragment):
    proc = subprocess.run([sys.executable, "-m", "rsfleet", "cost", *args],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and fragment in proc.stderr
    assert proc.stdout == ""


def test_real_subprocess_json():
    proc = subprocess.run([sys.executable, "-m", "rsfleet", "cost", "--scenario", "seed",
                           "--json"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total_monthly"] == "4838.40"


def test_fleet_text_fits_80_columns_one_row_per_line_item():
    """`cost --env prod` at 80 columns: labels like `controller probe secret` were split
    over three rows, and every price's long source wrapped over two or three lines."""
    wide = runner.invoke(app, ["cost", "--env", "prod"], env={"COLUMNS": "80"})
    assert wide.exit_code == 0, wide.output
    lines = wide.output.splitlines()
    doc = run_json("--env", "prod")
    table = [x for x in lines if "│" in x]
    for item in [*(w["name"] for w in doc["workgroups"]), *(o["name"] for o in doc["other"]),
                 "total"]:
        assert sum(1 for x in table if x.split("│")[0].strip() == item) == 1, item
    assert all(x.split("│")[0].strip() for x in table)  # no continuation rows
    total = float(doc["total_monthly"])
    assert f"total ${total:,.2f}/month, ${float(doc['total_yearly']):,.2f}/year" in wide.output
    # one line per pricing page, every price named once
    said = " ".join(x for x in lines if x.startswith("prices ") or x.startswith("https://"))
    for key in doc["prices"]:
        assert said.count(f"{key} $") == 1, key
    assert len(lines) < 70
