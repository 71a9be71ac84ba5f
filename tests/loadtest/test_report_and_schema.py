"""report.png / report.html from a result, and the JSON schema of the result."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pydantic import ValidationError

from rsfleet.loadtest import stats
from rsfleet.loadtest.model import SCHEMA_VERSION, LoadTestConfig, LoadTestResult
from rsfleet.loadtest.report import bin_width, panel_data, write_report

from .helpers import conn, fault, query

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def make_result(consumers=("c1", "c2", "c3"), with_fault=True) -> LoadTestResult:
    conns, qs = [], []
    for s in range(12):
        name = consumers[s % len(consumers)]
        conns.append(conn(s, s, name, 0.01 * s))
        for i in range(40):
            t = 0.25 * i + 0.001 * s
            failed = with_fault and name == "c2" and 5.0 <= t < 5.3
            qs.append(query(s, name, t, ok=not failed, latency_ms=1 + (i % 7), cid=s))
    events = [fault("kill", "c2", 5.0)] if with_fault else []
    summary = stats.summarize(consumers=list(consumers), queries=qs, connections=conns,
                              faults=events, duration_s=10.0, fault_window_s=3.0)
    config = LoadTestConfig(backend="local", host="127.0.0.1", port=5439, user="app_reader",
                            database="sales_db", sessions=12, connect_mode="per-session",
                            duration_s=10.0, queries=None, query_mix=["count:sales.orders"],
                            engine="threads", consumers=list(consumers), fault_window_s=3.0,
                            max_error_rate=None)
    return LoadTestResult(version="test", started_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
                          config=config, summary=summary, faults=events, connections=conns,
                          queries=qs,
                          series=stats.series(consumers=list(consumers), queries=qs,
                                              connections=conns, duration_s=10.0),
                          serverless=stats.serverless_bill(qs, list(consumers),
                                                           {c: (8, 32) for c in consumers}))


def without_raw(result: LoadTestResult) -> LoadTestResult:
    """What `--no-raw` writes: the summary and the series, no per-query records."""
    return result.model_copy(update={"queries": [], "connections": [], "raw_included": False})


def assert_panels_have_data(result: LoadTestResult) -> None:
    """Every panel is fed data when queries succeeded (the README's picture once showed flat
    zero lines because the report drew from raw records that `--no-raw` had dropped)."""
    s = result.summary
    assert s.ok > 0
    data = panel_data(result)
    per_consumer = {n: sum(v) for n, v in data.queries_ok.items()}
    assert sum(per_consumer.values()) == s.ok
    assert per_consumer == {c.name: c.queries for c in s.consumers}
    assert sum(data.latency.counts) == s.ok
    assert len(data.latency.edges_ms) == len(data.latency.counts) + 1
    assert data.latency.edges_ms[0] <= s.latency_ms.p50 <= data.latency.edges_ms[-1]
    assert sum(sum(v) for v in data.new_sessions.values()) == s.connections - s.failed_connections
    assert sum(data.queries_failed) == s.failed


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.imgs: list[dict] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.imgs.append(dict(attrs))

    def handle_data(self, data):
        self.text.append(data)


def test_report_png_and_html(tmp_path: Path):
    result = make_result()
    png, page = write_report(result, tmp_path / "out")
    data = png.read_bytes()
    assert png_size(data) == (1100, 1400)
    assert len(data) > 20_000  # four panels with data, not a blank canvas
    doc = page.read_text(encoding="utf-8")
    assert doc.startswith("<!doctype html>") and doc.rstrip().endswith("</html>")
    parser = _Collect()
    parser.feed(doc)
    assert parser.tags.count("table") == 4  # summary, per consumer, Serverless bill, faults
    (img,) = parser.imgs
    assert base64.b64decode(img["src"].split(",", 1)[1]) == data
    text = " ".join(parser.text)
    assert "kill c2" in text and "c3" in text
    assert "On Redshift Serverless" in text and "480" in text
    assert re.search(r"queries \(ok / failed\) \d+ \(\d+ / [1-9]\d*\)", text)


def test_panels_are_fed_with_and_without_raw_records(tmp_path: Path):
    result = make_result()
    assert_panels_have_data(result)
    lean = without_raw(result)
    assert_panels_have_data(lean)
    assert panel_data(lean) == panel_data(result)
    data = panel_data(lean)
    assert data.bins * data.bin_s >= 10.0 and data.bin_s == bin_width(10.0)
    # the failures of the kill at 5.0 s land in the bins after 5.0 s, none before
    first = next(i for i, n in enumerate(data.queries_failed) if n)
    assert abs(first * data.bin_s - 5.0) <= data.bin_s
    # series of a result written before they existed: binned from the raw records
    assert panel_data(result.model_copy(update={"series": None})) == data
    # the lean result stays small
    assert len(lean.model_dump_json()) < len(result.model_dump_json()) / 4
    png, _ = write_report(lean, tmp_path)
    assert len(png.read_bytes()) > 20_000


def test_the_run_bills_each_consumer_its_busy_time_and_minimum():
    """Each consumer's queries ran within 0-10 s: one billing period of 60 s at 8 RPU."""
    bill = make_result().serverless
    assert bill is not None
    assert [(b.name, b.periods, b.billed_s, b.rpu_seconds) for b in bill.consumers] == [
        ("c1", 1, 60, 480), ("c2", 1, 60, 480), ("c3", 1, 60, 480)]
    assert bill.rpu_seconds == 1440 and bill.billed_s == 180
    assert all(480 <= (b.rpu_seconds_upper or 0) <= 32 * 60 for b in bill.consumers)
    # without the spec's capacity: billed seconds only
    blind = stats.serverless_bill(make_result().queries, ["c1", "c2", "c3"], {})
    assert blind.rpu_seconds is None and blind.billed_s == 180


def test_latency_histogram_counts_every_value():
    h = stats.latency_histogram([0.5, 0.5, 3.0, 120.0, 7.25])
    assert sum(h.counts) == 5 and len(h.edges_ms) == stats.LATENCY_BINS + 1
    assert h.edges_ms[0] <= 0.5 and h.edges_ms[-1] >= 120.0
    assert h.counts[0] == 2 and h.counts[-1] == 1
    assert stats.latency_histogram([]).counts == []


def test_html_escapes_names(tmp_path: Path):
    result = make_result(consumers=("c1", "<b>x</b>"), with_fault=False)
    _, page = write_report(result, tmp_path)
    doc = page.read_text(encoding="utf-8")
    assert "<b>x</b>" not in doc and "&lt;b&gt;x&lt;/b&gt;" in doc
    assert "<h2>Faults</h2>" not in doc


def test_report_of_an_empty_run(tmp_path: Path):
    empty = make_result(with_fault=False).model_copy(update={"queries": [], "connections": []})
    result = empty.model_copy(update={"series": stats.series(
        consumers=["c1", "c2", "c3"], queries=[], connections=[], duration_s=10.0)})
    assert sum(panel_data(result).latency.counts) == 0
    png, _ = write_report(result, tmp_path)
    assert png_size(png.read_bytes()) == (1100, 1400)


def test_bin_width():
    assert bin_width(4) == 0.1
    assert bin_width(30) == 0.25
    assert bin_width(600) == 5.0
    assert 3600 / bin_width(3600) <= 120


def test_result_json_round_trip_and_schema():
    result = make_result()
    doc = json.loads(result.model_dump_json())
    assert doc["schema_version"] == SCHEMA_VERSION == 1
    assert set(doc) >= {"config", "summary", "faults", "connections", "queries", "started_at"}
    assert set(doc["summary"]["latency_ms"]) == {"p50", "p95", "p99", "max", "mean"}
    q = doc["queries"][0]
    assert set(q) == {"session", "conn", "consumer", "query", "start_s", "latency_ms", "ok",
                      "error_kind", "error"}
    assert LoadTestResult.model_validate(doc) == result
    bad = dict(doc, schema_version=2)
    with pytest.raises(ValidationError):
        LoadTestResult.model_validate(bad)
    doc["queries"][0]["error_kind"] = "gremlins"
    with pytest.raises(ValidationError):
        LoadTestResult.model_validate(doc)


def test_json_schema_is_published():
    schema = LoadTestResult.model_json_schema()
    assert schema["properties"]["schema_version"]["const"] == 1
    kinds = schema["$defs"]["QueryRecord"]["properties"]["error_kind"]["anyOf"][0]["enum"]
    assert kinds == ["connect_refused", "connection_lost", "timeout", "permission", "other"]
