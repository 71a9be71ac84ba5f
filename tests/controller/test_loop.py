"""The invocation loop's timing (a simulated clock: the loop takes its clock and sleep as
arguments) and the tiered probe against a real PostgreSQL server."""

from __future__ import annotations

import itertools
import json

import pytest

from rsfleet.controller.loop import run_passes
from rsfleet.controller.metrics import emf_line
from rsfleet.targets.readiness import TieredProbe, probe_connect, probe_redshift


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def sleep(self, s: float) -> None:
        self.t += s


@pytest.mark.parametrize("timeout,interval,margin,pass_s,expected", [
    (60.0, 5.0, 10.0, 0.5, 10),   # passes at 0,5,...,45; at 50 only 10 s are left
    (60.0, 5.0, 10.0, 4.0, 10),   # a long pass still fits before the margin
    (900.0, 5.0, 10.0, 0.2, 178),
    (15.0, 5.0, 10.0, 0.1, 1),
])
def test_passes_every_interval_until_the_margin(timeout, interval, margin, pass_s, expected):
    clock = Clock()
    starts: list[float] = []

    def one(_n: int) -> None:
        starts.append(clock.t)
        clock.t += pass_s

    res = run_passes(one, interval=interval, remaining=lambda: timeout - clock.t, margin=margin,
                     sleep=clock.sleep, monotonic=lambda: clock.t)
    assert res.passes == expected
    assert all(b - a == pytest.approx(interval) for a, b in itertools.pairwise(starts))
    assert starts[-1] + pass_s <= timeout - margin  # never runs into the margin


def test_a_failing_pass_is_counted_and_the_loop_goes_on():
    clock = Clock()

    def one(n: int) -> None:
        clock.t += 0.1
        if n == 2:
            raise RuntimeError("throttled")

    res = run_passes(one, interval=5, remaining=lambda: 30 - clock.t, margin=10,
                     sleep=clock.sleep, monotonic=lambda: clock.t)
    assert res.passes == 4 and res.failed_passes == 1 and "throttled" in res.errors[0]


def test_emf_document_shape():
    doc = json.loads(emf_line("rsfleet/prod", 1700000000000,
                              {"ReadyTargets": 2, "ProbeLatency": [3.1, 4.2]}))
    meta = doc["_aws"]["CloudWatchMetrics"][0]
    assert doc["_aws"]["Timestamp"] == 1700000000000
    assert meta["Dimensions"] == [["Fleet"]] and doc["Fleet"] == "rsfleet/prod"
    assert {m["Name"]: m["Unit"] for m in meta["Metrics"]} == {
        "ReadyTargets": "Count", "ProbeLatency": "Milliseconds"}
    assert doc["ProbeLatency"] == [3.1, 4.2]
    with pytest.raises(ValueError):
        emf_line("f", 0, {"Bogus": 1})


def test_tiered_probe_bills_the_data_check_once_per_window(pg_server_factory):
    server = pg_server_factory("t1")
    kw = {**server.tcp_kwargs(dbname="postgres"), "sslmode": "require"}
    kw.pop("sslrootcert", None)
    clock = Clock()
    probe = TieredProbe(lambda _n: probe_connect(kw), lambda _n: probe_redshift(kw, []),
                        data_check_seconds=60, retry_seconds=30, clock=lambda: clock.t)
    for _ in range(12):  # a minute of 5-second passes
        ok, why = probe("t1")
        assert ok, why
        clock.t += 5
    assert probe.data_checks == 1
    assert "session opened; data check 55s ago: SELECT 1 ok" in why
    ok, why = probe("t1")  # 60 s later: the data check again
    assert ok and probe.data_checks == 2 and why.startswith("SELECT 1 ok")
    server.kill()
    clock.t += 5
    ok, why = probe("t1")  # the cheap check sees the consumer go
    assert not ok and "cannot connect" in why and probe.data_checks == 2


def test_failed_data_check_keeps_it_out_until_a_retry_passes(pg_server_factory):
    server = pg_server_factory("t2")
    kw = {**server.tcp_kwargs(dbname="postgres"), "sslmode": "require"}
    kw.pop("sslrootcert", None)
    clock = Clock()
    broken = {"yes": True}

    def deep(_n: str) -> tuple[bool, str]:
        if broken["yes"]:
            return False, "cannot read sales_db.sales.orders: permission denied"
        return probe_redshift(kw, [])

    probe = TieredProbe(lambda _n: probe_connect(kw), deep, data_check_seconds=3600,
                        retry_seconds=30, clock=lambda: clock.t)
    assert probe("t2")[0] is False
    clock.t += 5
    ok, why = probe("t2")  # the session opens, but the last data check failed
    assert not ok and "permission denied" in why and probe.data_checks == 1
    broken["yes"] = False
    clock.t += 25
    assert probe("t2")[0] is True and probe.data_checks == 2
