"""Test helper: the sharing state a plan leads to, to prove convergence (moved here from
rsfleet.sharing.planner: only tests use it)."""

from __future__ import annotations

from collections.abc import Iterable

from rsfleet.sharing.model import DesiredShare, FleetShareState, ShareState
from rsfleet.sharing.planner import (
    Action,
    AddAllTables,
    AddSchema,
    AddTable,
    CreateShare,
    DropShare,
    Grant,
    Mount,
    RemoveSchema,
    RemoveTable,
    Revoke,
    SetIncludeNew,
    Unmount,
)


def apply_to_state(
    observed: FleetShareState, actions: Iterable[Action], desired: Iterable[DesiredShare]
) -> FleetShareState:
    """What the state becomes after `actions` (used by tests to prove convergence).

    ADD ALL TABLES and INCLUDENEW bring in every table of the schema, which the
    observation then reports; the desired tables of that schema count as present.
    """
    want = {s.name: s for s in desired}
    shares = {k: v for k, v in observed.shares.items()}
    mounts = {k: dict(v) for k, v in observed.mounts.items()}
    for a in actions:
        s = shares.get(a.share, ShareState())
        if isinstance(a, CreateShare):
            shares[a.share] = ShareState()
        elif isinstance(a, AddSchema):
            shares[a.share] = ShareState(s.schemas | {a.schema}, s.includenew, s.tables, s.grants)
        elif isinstance(a, AddAllTables):
            extra = {t for t in want[a.share].tables if t.startswith(a.schema + ".")}
            shares[a.share] = ShareState(s.schemas, s.includenew, s.tables | extra, s.grants)
        elif isinstance(a, SetIncludeNew):
            shares[a.share] = ShareState(s.schemas, s.includenew | {a.schema}, s.tables, s.grants)
        elif isinstance(a, AddTable):
            t = f"{a.schema}.{a.table}"
            shares[a.share] = ShareState(s.schemas, s.includenew, s.tables | {t}, s.grants)
        elif isinstance(a, Grant):
            shares[a.share] = ShareState(s.schemas, s.includenew, s.tables, s.grants | {a.consumer})
        elif isinstance(a, RemoveSchema):
            inside = {t for t in s.tables if t.split(".", 1)[0] == a.schema}
            shares[a.share] = ShareState(s.schemas - {a.schema}, s.includenew - {a.schema},
                                         s.tables - inside, s.grants)
        elif isinstance(a, RemoveTable):
            t = f"{a.schema}.{a.table}"
            shares[a.share] = ShareState(s.schemas, s.includenew, s.tables - {t}, s.grants)
        elif isinstance(a, Revoke):
            shares[a.share] = ShareState(s.schemas, s.includenew, s.tables, s.grants - {a.consumer})
        elif isinstance(a, DropShare):
            shares.pop(a.share, None)
        elif isinstance(a, Mount):
            mounts.setdefault(a.consumer, {})[a.database] = a.share
        elif isinstance(a, Unmount):
            mounts.get(a.consumer, {}).pop(a.database, None)
    return FleetShareState(shares, {k: v for k, v in mounts.items() if v})
