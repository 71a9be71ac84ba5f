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
nlb = { register_targets_with_terraform = false }
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
    # the probe secret Terraform creates: $0.40 + 8,640 GetSecretValue × $0.05/10,000
    assert other["controller probe secret"]["monthly"] == "0.44"
    assert "created by Terraform" in other["controller probe secret"]["detail"]
    assert doc["prices"]["secretsmanager_api_call"]["usd"] == "0.000005"
    assert doc["prices"]["secretsmanager_secret_month"]["source"].startswith(
        "https://aws.amazon.com/secrets-manager/pricing/")
    path.write_text(SPEC.replace("enabled = true", "enabled = false"), encoding="utf-8")
    res = CliRunner().invoke(app, ["cost", "--spec", str(path), "--json"])
    assert not [o for o in json.loads(res.stdout)["other"] if o["name"].startswith("controller")]


def test_probe_secret_line_by_hand():
    line = model.probe_secret_line(days=30, secret_month=D("0.40"), api_call=D("0.000005"),
                                   read_every_seconds=D(300), named=False)
    # 30 days × 86,400 s / 300 s = 8,640 calls × $0.000005 = $0.0432, + $0.40
    assert line.monthly == D("0.44") and "8640 GetSecretValue" in line.detail
    # re-read every 5 s instead: 518,400 calls = $2.592 + $0.40
    assert model.probe_secret_line(days=30, secret_month=D("0.40"), api_call=D("0.000005"),
                                   read_every_seconds=D(5), named=True).monthly == D("2.99")


def test_a_named_probe_secret_is_one_secret_too(tmp_path):
    path = tmp_path / "prod.tfvars"
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:reader-AbCdEf"
    path.write_text(SPEC.replace("data_check_seconds = 1800",
                                 f'data_check_seconds = 1800, probe_secret_arn = "{arn}"'),
                    encoding="utf-8")
    res = CliRunner().invoke(app, ["cost", "--spec", str(path), "--json"])
    assert res.exit_code == 0, res.output
    secret = [o for o in json.loads(res.stdout)["other"] if "secret" in o["name"]]
    assert len(secret) == 1 and secret[0]["monthly"] == "0.44"
    assert "the spec's probe_secret_arn" in secret[0]["detail"]


def test_a_region_without_controller_prices_says_what_the_total_leaves_out(tmp_path):
    path = tmp_path / "prod.tfvars"
    path.write_text(SPEC, encoding="utf-8")
    args = ["cost", "--spec", str(path), "--json", "--no-nlb", "--no-endpoints"]
    here = json.loads(CliRunner().invoke(app, args).stdout)
    assert not [n for n in here["notes"] if "not priced" in n]  # us-east-1 has them all
    res = CliRunner().invoke(app, [*args, "--region", "eu-west-1"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [o["name"] for o in doc["other"]] == ["controller probes"]  # priced by RPU-hour
    assert ("controller Lambda, controller DynamoDB, controller probe secret: not priced "
            "(the price data has no figure for eu-west-1)") in " ".join(doc["notes"])


def test_rotation_signal_line_by_hand():
    line = model.rotation_signal_line(days=30, consumers=3, metric_requested=D("0.00001"))
    # 43,200 GetMetricData × 3 × (2 + 1) = 388,800 metrics × $0.01/1,000 = $3.888
    assert line.monthly == D("3.89") and "× 9 metrics" in line.detail


def test_cost_of_a_spec_with_elastic_rotation_prices_its_cloudwatch_signal(tmp_path):
    path = tmp_path / "prod.tfvars"
    assert "register_targets_with_terraform = false" in SPEC  # rotation needs it
    rotating = SPEC + "rotation = { enabled = true }\n"
    path.write_text(rotating, encoding="utf-8")
    res = CliRunner().invoke(app, ["cost", "--spec", str(path), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    other = {o["name"]: o for o in doc["other"]}
    # c1 only behind the NLB: 43,200 calls × 3 metrics × $0.01/1,000 = $1.296
    assert other["controller CloudWatch"]["monthly"] == "1.30"
    assert doc["prices"]["cloudwatch_metric_requested"]["source"].startswith(
        "https://aws.amazon.com/cloudwatch/pricing/")
    path.write_text(SPEC, encoding="utf-8")  # rotation off: no signal, no line
    res = CliRunner().invoke(app, ["cost", "--spec", str(path), "--json"])
    assert "controller CloudWatch" not in {o["name"] for o in json.loads(res.stdout)["other"]}
