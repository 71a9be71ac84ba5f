"""What the controller writes to its log: one JSON line per action (with its reason), one
per pass with its sentence (``event_line(..., "pass", sentence=...)``), and one
CloudWatch Embedded Metric Format line per pass, from which CloudWatch Logs extracts the
metrics itself: no PutMetricData call
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
"""

from __future__ import annotations

import json
from typing import Any

NAMESPACE = "rsfleet/controller"
DIMENSION = "Fleet"
# metric name -> unit (EMF units are the CloudWatch MetricDatum units)
METRICS = {
    "ReadyTargets": "Count",
    "TargetsInRotation": "Count",
    "ParkedTargets": "Count",  # elastic rotation: ready members parked (drain state `parked`)
    "Actions": "Count",
    "ActionFailures": "Count",
    "ProbeFailures": "Count",
    "ProbeLatency": "Milliseconds",
    "PassDuration": "Seconds",
    "SuccessfulPasses": "Count",  # 1 per pass that finished: the "no pass in 5 min" alarm
}


def action_line(fleet: str, kind: str, target: str, reason: str, result: str,
                ok: bool = True) -> str:
    return json.dumps({"fleet": fleet, "event": "action", "action": kind, "target": target,
                       "reason": reason, "result": result, "ok": ok}, sort_keys=True)


def event_line(fleet: str, event: str, **fields: Any) -> str:
    return json.dumps({"fleet": fleet, "event": event, **fields}, sort_keys=True, default=str)


def emf_line(fleet: str, timestamp_ms: int, values: dict[str, Any]) -> str:
    """One EMF document: ``values`` maps metric names (``METRICS``) to a number or a list
    of numbers (ProbeLatency: one value per consumer probed)."""
    unknown = set(values) - set(METRICS)
    if unknown:
        raise ValueError(f"unknown metric(s): {sorted(unknown)}")
    doc: dict[str, Any] = {
        "_aws": {"Timestamp": timestamp_ms, "CloudWatchMetrics": [{
            "Namespace": NAMESPACE, "Dimensions": [[DIMENSION]],
            "Metrics": [{"Name": n, "Unit": METRICS[n]} for n in values]}]},
        DIMENSION: fleet,
    }
    doc.update(values)
    return json.dumps(doc, sort_keys=True)
