"""`rsfleet cost` prices producer.backup: snapshot storage, copies and cross-region transfer."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from rsfleet.cli import app

SPEC = """
environment = "dev"
producer = {
  base_capacity = 8
  backup = { schedule = "rate(6 hours)", retention_days = 14,
             copy = { region = "us-west-2", retention_days = 7 } }
}
consumers = { c1 = { base_capacity = 8 } }
"""


def run(tmp_path, *args):
    spec = tmp_path / "terraform.tfvars"
    spec.write_text(SPEC, encoding="utf-8")
    return CliRunner().invoke(app, ["cost", "--spec", str(spec), "--no-nlb", *args])


def test_snapshot_copy_and_transfer_lines(tmp_path):
    result = run(tmp_path, "--snapshot-gb", "500", "--snapshot-price", "0.024",
                 "--transfer-price", "0.02", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    lines = {o["name"]: o["monthly"] for o in doc["other"]
             if o["name"].startswith(("snapshot", "cross-region"))}
    assert lines == {"snapshots (manual)": "12.00", "snapshot copies (us-west-2)": "12.00",
                     "cross-region transfer (us-east-1 -> us-west-2)": "10.00"}
    assert doc["prices"]["snapshot_gb_month"]["source"].startswith("--snapshot-price")
    without = json.loads(run(tmp_path, "--json").stdout)
    assert float(doc["total_monthly"]) - float(without["total_monthly"]) == 34.0


def test_no_checked_figure_means_the_price_must_be_given(tmp_path):
    result = run(tmp_path, "--snapshot-gb", "500")
    assert result.exit_code == 2
    assert "snapshot_gb_month" in result.output and "--snapshot-price" in result.output


def test_snapshot_gb_without_a_backup_policy_is_bad_input(tmp_path):
    spec = tmp_path / "plain.tfvars"
    spec.write_text('environment = "dev"\nproducer = { base_capacity = 8 }\n'
                    "consumers = { c1 = { base_capacity = 8 } }\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["cost", "--spec", str(spec), "--snapshot-gb", "5",
                                      "--snapshot-price", "0.02"])
    assert result.exit_code == 2 and "producer.backup" in result.output
