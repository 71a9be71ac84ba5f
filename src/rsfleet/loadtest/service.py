"""The `rsfleet loadtest` use case: mix -> run -> statistics -> LoadTestResult."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from rsfleet import __version__
from rsfleet.errors import FleetError
from rsfleet.loadtest import stats
from rsfleet.loadtest.model import LoadTestConfig, LoadTestResult
from rsfleet.loadtest.queries import Query, discover_mix, parse_query_file
from rsfleet.loadtest.runner import Progress, RunSettings, run
from rsfleet.loadtest.target import Resolved


def build_mix(resolved: Resolved, query_file: Path | None) -> list[Query]:
    if query_file is not None:
        return parse_query_file(query_file)
    import psycopg

    ep = resolved.endpoint
    try:
        with psycopg.connect(**ep.kwargs, autocommit=True) as conn:
            return discover_mix(conn, backend=ep.backend, database=resolved.database,
                                schemas=resolved.schemas, tables=resolved.tables)
    except psycopg.Error as exc:
        first = " ".join(str(exc).split())[:200]
        raise FleetError(f"cannot read the shared tables through {ep.kwargs.get('host')}:"
                         f"{ep.kwargs.get('port')}: {first}",
                         hint="run `rsfleet diagnose` to find the broken link") from None


def execute(resolved: Resolved, mix: Sequence[Query], settings: RunSettings, *,
            fault_window_s: float, max_error_rate: float | None,
            progress: Progress | None = None, on_tick: Callable[[], None] | None = None,
            include_raw: bool = True) -> LoadTestResult:
    started = dt.datetime.now(dt.UTC)
    ep = resolved.endpoint
    out = run(ep, mix, settings, injector=resolved.injector, progress=progress, on_tick=on_tick)
    consumers = list(ep.consumers)
    summary = stats.summarize(consumers=consumers, queries=out.queries,
                              connections=out.connections, faults=out.faults,
                              duration_s=out.duration_s, fault_window_s=fault_window_s)
    config = LoadTestConfig(
        backend=ep.backend,
        host=str(ep.kwargs.get("host")), port=int(ep.kwargs.get("port") or 0),
        user=str(ep.kwargs.get("user")), database=str(ep.kwargs.get("dbname")),
        sessions=settings.sessions, connect_mode=settings.connect_mode,
        session_lifetime_s=settings.session_lifetime_s,
        duration_s=settings.duration_s, queries=settings.queries,
        query_mix=[q.name for q in mix], engine=settings.engine,
        consumers=consumers, faults=list(settings.faults), fault_window_s=fault_window_s,
        max_error_rate=max_error_rate,
    )
    return LoadTestResult(
        version=__version__, started_at=started, config=config, summary=summary,
        faults=out.faults,
        connections=out.connections if include_raw else [],
        queries=out.queries if include_raw else [],
        raw_included=include_raw,
        series=stats.series(consumers=consumers, queries=out.queries,
                            connections=out.connections, duration_s=out.duration_s),
        serverless=stats.serverless_bill(out.queries, consumers, resolved.capacities),
    )
