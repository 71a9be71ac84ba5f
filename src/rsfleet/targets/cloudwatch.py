"""Elastic rotation's load signal on AWS: CloudWatch metrics of each consumer workgroup
(issue 26; docs/targets.md, "Elastic rotation").

Namespace ``AWS/Redshift-Serverless``, one-minute data points (Amazon Redshift Serverless
metrics: https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-audit-logging.html,
the Redshift management guide's CloudWatch pages):
- ``DatabaseConnections`` (dimension ``Workgroup``): open sessions;
- ``QueriesRunning`` (``Workgroup``): queries running now;
- ``QueriesQueued``: it has no ``Workgroup``-only dimension (it is per ``QueryType`` too), so
  each workgroup's series are found with ListMetrics (refreshed every ``list_every``
  seconds) and summed.

All of it is ONE GetMetricData call per read, and reads are at most one per
``min_interval`` (60 s: the metrics' period, nothing newer can exist): passes in between get
the cached ``Load``. GetMetricData is billed per metric requested
(https://aws.amazon.com/cloudwatch/pricing/; `rsfleet cost`, "controller CloudWatch").

``Load.sessions``: per workgroup the larger of DatabaseConnections and QueriesRunning (a
running query has a session; the two are sampled apart), summed; ``Load.queued``: the
QueriesQueued series summed. The newest data point of each metric in the last
``window`` seconds counts (a metric with none there counts 0: an idle workgroup publishes
nothing); its age is the reaction time's share of the metric delay (docs/targets.md).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rsfleet.adapters import aws_errors
from rsfleet.targets.rotation import Load

# no boto3-stubs extra for cloudwatch in the project's dependencies: untyped client
CloudWatchClient = Any

NAMESPACE = "AWS/Redshift-Serverless"
PERIOD = 60  # seconds: the metrics' resolution
PER_WORKGROUP = ("DatabaseConnections", "QueriesRunning")
QUEUED = "QueriesQueued"


def client(region: str | None = None) -> CloudWatchClient:
    """Short timeouts: an unreachable CloudWatch (a VPC without its `monitoring` endpoint
    or a NAT) must cost a pass seconds, not boto3's 60 s connect timeout per attempt."""
    import boto3
    from botocore.config import Config

    return boto3.client("cloudwatch", region_name=region,
                        config=Config(connect_timeout=3, read_timeout=5,
                                      retries={"max_attempts": 2, "mode": "standard"}))


@dataclass
class LoadReading:
    load: Load
    at: float  # when it was read (the clock's time)
    metrics_requested: int  # in the GetMetricData call: what it is billed on
    newest: float | None  # time of the newest data point seen (None: none in the window)


class CloudWatchLoad:
    """``Callable[[], Load]`` for ``Controller(load=...)``; keep one instance across passes
    (the Lambda keeps it in its container) so the cache holds."""

    def __init__(self, cw: CloudWatchClient, workgroups: Mapping[str, str], *,
                 clock: Callable[[], float] = time.time, min_interval: float = 60.0,
                 window: float = 300.0, list_every: float = 600.0) -> None:
        self.cw = cw
        self.workgroups = dict(workgroups)  # consumer -> workgroup name
        self.clock = clock
        self.min_interval = min_interval
        self.window = window
        self.list_every = list_every
        self.last: LoadReading | None = None
        self.calls = 0  # GetMetricData calls made (the docs' and the bill's unit)
        self._queued: list[list[dict[str, str]]] = []
        self._listed_at: float | None = None

    def set_workgroups(self, workgroups: Mapping[str, str]) -> None:
        """The consumers' workgroups of this invocation; a change lists QueriesQueued again."""
        if dict(workgroups) != self.workgroups:
            self.workgroups = dict(workgroups)
            self._listed_at = None

    def __call__(self) -> Load:
        now = self.clock()
        if self.last is not None and now - self.last.at < self.min_interval:
            return self.last.load
        self.last = self.read(now)
        return self.last.load

    def _queued_series(self, now: float) -> list[list[dict[str, str]]]:
        """The dimension sets of QueriesQueued of our workgroups (any QueryType)."""
        if self._listed_at is None or now - self._listed_at >= self.list_every:
            wanted = set(self.workgroups.values())
            found: list[list[dict[str, str]]] = []
            pages = self.cw.get_paginator("list_metrics").paginate(
                Namespace=NAMESPACE, MetricName=QUEUED)
            for page in aws_errors.call(lambda: list(pages), "cloudwatch ListMetrics failed"):
                for m in page.get("Metrics", []):
                    dims = [{"Name": d["Name"], "Value": d["Value"]}
                            for d in m.get("Dimensions", [])]
                    if any(d["Name"] == "Workgroup" and d["Value"] in wanted for d in dims):
                        found.append(dims)
            self._queued, self._listed_at = found, now
        return self._queued

    def read(self, now: float) -> LoadReading:
        queries: list[dict[str, Any]] = []
        for i, wg in enumerate(sorted(set(self.workgroups.values()))):
            for j, metric in enumerate(PER_WORKGROUP):
                queries.append(_query(f"w{i}m{j}", metric,
                                      [{"Name": "Workgroup", "Value": wg}]))
        for k, dims in enumerate(self._queued_series(now)):
            queries.append(_query(f"q{k}", QUEUED, dims))
        resp = aws_errors.call(
            self.cw.get_metric_data, "cloudwatch GetMetricData failed",
            MetricDataQueries=queries, ScanBy="TimestampDescending",
            StartTime=datetime.fromtimestamp(now - self.window, UTC),
            EndTime=datetime.fromtimestamp(now, UTC))
        self.calls += 1
        newest_of: dict[str, float] = {}
        times: list[float] = []
        for r in resp.get("MetricDataResults", []):
            pts = sorted(zip(r.get("Timestamps", []), r.get("Values", []), strict=True),
                         key=lambda p: p[0], reverse=True)
            if pts:
                newest_of[r["Id"]] = float(pts[0][1])
                times.append(pts[0][0].timestamp())
        sessions = 0
        for i, _wg in enumerate(sorted(set(self.workgroups.values()))):
            sessions += round(max(newest_of.get(f"w{i}m0", 0.0), newest_of.get(f"w{i}m1", 0.0)))
        queued = round(sum(v for k, v in newest_of.items() if re.fullmatch(r"q\d+", k)))
        return LoadReading(Load(sessions, queued), now, len(queries),
                           max(times) if times else None)


def _query(qid: str, metric: str, dims: list[dict[str, str]]) -> dict[str, Any]:
    return {"Id": qid, "ReturnData": True,
            "MetricStat": {"Metric": {"Namespace": NAMESPACE, "MetricName": metric,
                                      "Dimensions": dims},
                           "Period": PERIOD, "Stat": "Maximum"}}
