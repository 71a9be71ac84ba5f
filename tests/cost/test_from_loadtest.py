"""`rsfleet cost --from-loadtest RESULT`: the run's Serverless bill in dollars, by hand."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from rsfleet.cli import app

runner = CliRunner()


def bill_row(name, base, top, billed, upper):
    return {"name": name, "base_capacity": base, "max_capacity": top, "queries": 10,
            "busy_s": 5.0, "periods": 1, "billed_s": billed, "peak_concurrency": 2,
            "rpu_seconds": float(billed * base) if base else None,
            "rpu_seconds_upper": upper}


def result_file(tmp_path, rows, **extra):
    path = tmp_path / "result.json"
    doc = {"schema_version": 1, **extra, "serverless": {
        "consumers": rows, "billed_s": sum(r["billed_s"] for r in rows),
        "rpu_seconds": None, "rpu_seconds_upper": None}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_dollars_at_the_regions_price(tmp_path):
    # c1: 8 RPU x 60 s = 480 RPU-s = 0.1333 RPU-h x $0.375 (us-east-1) = $0.0500
    # c2: 32 RPU x 130 s = 4,160 RPU-s x $0.375 / 3600 = $0.4333; upper 4,500 -> $0.46875
    path = result_file(tmp_path, [bill_row("c1", 8, 8, 60, 480.0),
                                  bill_row("c2", 32, 64, 130, 4500.0)])
    res = runner.invoke(app, ["cost", "--from-loadtest", str(path), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["region"] == "us-east-1" and doc["rpu_hour"]["usd"] == "0.375"
    assert [(c["name"], c["usd"], c["usd_upper"]) for c in doc["consumers"]] == [
        ("c1", "0.0500", "0.0500"), ("c2", "0.4333", "0.4688")]
    assert (doc["usd"], doc["usd_upper"]) == ("0.4833", "0.5188")
    # the table at 80 columns, and another price
    res = runner.invoke(app, ["cost", "--from-loadtest", str(path), "--price", "0.36"],
                        env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert "$0.0480" in res.output and "32→64" in res.output  # 480 / 3600 x 0.36
    assert max(len(line) for line in res.output.splitlines()) <= 80


def test_bad_results_are_one_line(tmp_path):
    missing = runner.invoke(app, ["cost", "--from-loadtest", str(tmp_path / "no.json")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"schema_version": 1}), encoding="utf-8")
    res = runner.invoke(app, ["cost", "--from-loadtest", str(old)])
    assert res.exit_code == 2 and "no Serverless bill" in res.output
    assert "Traceback" not in res.output
    unknown = result_file(tmp_path, [bill_row("c1", None, None, 60, None)])
    res = runner.invoke(app, ["cost", "--from-loadtest", str(unknown)])
    assert res.exit_code == 2 and "no base capacity recorded for c1" in res.output
