"""The load test result: a versioned pydantic schema, the contract of `--json PATH`.

Schema version 1 (documented in docs/loadtest.md). Times are seconds since the start of
the run (`*_s`), durations in milliseconds (`*_ms`). A reader must check
`schema_version`; fields are only ever added within one version.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rsfleet.cost.meter import ServerlessBill

SCHEMA_VERSION: Literal[1] = 1

ErrorKind = Literal["connect_refused", "connection_lost", "timeout", "permission", "other"]
ERROR_KINDS: tuple[str, ...] = (
    "connect_refused", "connection_lost", "timeout", "permission", "other",
)
ConnectMode = Literal["per-session", "per-query"]
FaultKind = Literal["kill", "drain"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FaultSpec(_Model):
    """A fault to inject: `--kill c2@10s` is FaultSpec(kind="kill", target="c2", at_s=10)."""

    kind: FaultKind
    target: str
    at_s: float = Field(ge=0)


class FaultEvent(_Model):
    """What happened when the fault was injected."""

    kind: FaultKind
    target: str
    at_s: float
    applied_s: float | None = Field(description="when the fault took effect; None = failed")
    done_s: float | None = Field(default=None,
                                 description="when its injection returned (kill: the process "
                                             "is gone; drain: HAProxy/NLB accepted it)")
    ok: bool
    detail: str = ""


class ConnectionRecord(_Model):
    id: int
    session: int
    consumer: str | None = Field(description="consumer that accepted it; None if it failed")
    opened_s: float = Field(description="when the connect attempt started")
    connect_ms: float
    ok: bool
    reconnect: bool = Field(description="opened because the session lost its previous one")
    error_kind: ErrorKind | None = None
    error: str | None = None


class QueryRecord(_Model):
    session: int
    conn: int | None = Field(description="ConnectionRecord.id; None if no connection")
    consumer: str | None
    query: str = Field(description="name of the query in the mix")
    start_s: float
    latency_ms: float
    ok: bool
    error_kind: ErrorKind | None = None
    error: str | None = None


class LoadTestConfig(_Model):
    backend: Literal["local", "aws"]
    host: str
    port: int
    user: str
    database: str
    sessions: int
    connect_mode: ConnectMode
    session_lifetime_s: float | None = Field(
        default=None, description="per-session: sessions closed and opened again after this "
        "long (--session-lifetime), as a pool with a maximum connection lifetime")
    duration_s: float | None
    queries: int | None
    query_mix: list[str]
    engine: Literal["threads", "asyncio"]
    consumers: list[str] = Field(description="consumers behind the LB when the run started")
    faults: list[FaultSpec] = Field(default_factory=list)
    fault_window_s: float
    max_error_rate: float | None


class Latency(_Model):
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None
    mean: float | None


class ConsumerShare(_Model):
    name: str
    sessions: int = Field(description="connections it accepted")
    queries: int = Field(description="queries it answered successfully")
    session_share: float
    query_share: float


class ChiSquare(_Model):
    """Chi-square test of 'every consumer gets the same share' (scipy.stats.chisquare)."""

    what: Literal["sessions", "queries"]
    consumers: list[str]
    observed: list[int]
    statistic: float | None
    p_value: float | None = Field(description="small (< 0.01) = evidence of uneven balancing")
    window: str = Field(description="which part of the run was counted")


class FailedQuery(_Model):
    session: int
    start_s: float
    query: str
    consumer: str | None
    error_kind: ErrorKind | None


class FaultTimeline(_Model):
    kind: FaultKind
    target: str
    applied_s: float | None
    new_sessions_after: int = Field(description="connections the target accepted after the fault")
    last_new_session_after_s: float | None = Field(
        description="seconds after the fault of the target's last new connection; None = none"
    )
    queries_served_after: int
    failed_queries: int
    failed_by_kind: dict[str, int]
    failed: list[FailedQuery] = Field(description="the failed queries (first 200)")
    sessions_affected: int
    recovery_s: float | None = Field(
        description="seconds from the fault until every affected session succeeded again; "
        "0 when nothing failed; None when a session never recovered"
    )
    window_end_s: float


class Summary(_Model):
    duration_s: float
    queries: int
    ok: int
    failed: int
    throughput_qps: float
    latency_ms: Latency
    errors_by_kind: dict[str, int]
    errors_outside_faults: int
    error_rate: float
    connections: int
    failed_connections: int
    reconnects: int
    consumers: list[ConsumerShare]
    evenness: list[ChiSquare]
    faults: list[FaultTimeline]


class LatencyHistogram(_Model):
    """Successful queries by latency: log-spaced bins between the fastest and slowest."""

    edges_ms: list[float] = Field(description="len(counts) + 1 bin edges, ascending")
    counts: list[int]


class Series(_Model):
    """Binned time series the report is drawn from; kept with or without `--no-raw`.

    Bin i covers [i * bin_s, (i + 1) * bin_s) seconds since the start of the run.
    """

    bin_s: float
    bins: int
    queries_ok: dict[str, list[int]] = Field(
        description="successful queries per consumer per bin, by start time")
    queries_failed: list[int] = Field(description="failed queries per bin, by start time")
    new_sessions: dict[str, list[int]] = Field(
        description="connections each consumer accepted per bin, by open time")
    latency: LatencyHistogram


class LoadTestResult(_Model):
    schema_version: Literal[1] = SCHEMA_VERSION
    tool: str = "rsfleet"
    version: str
    started_at: dt.datetime
    config: LoadTestConfig
    summary: Summary
    faults: list[FaultEvent] = Field(default_factory=list)
    connections: list[ConnectionRecord] = Field(default_factory=list)
    queries: list[QueryRecord] = Field(default_factory=list)
    raw_included: bool = Field(default=True, description="False: connections/queries omitted")
    series: Series | None = Field(
        default=None,
        description="binned series for the report; None in results of older rsfleet versions")
    serverless: ServerlessBill | None = Field(
        default=None, description="what the run would cost on Redshift Serverless; None in "
        "results of older rsfleet versions")
