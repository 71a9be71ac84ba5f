"""The datashare planner: table-driven cases and properties (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rsfleet.sharing import planner as p
from rsfleet.sharing.model import DesiredShare, FleetShareState, ShareState

from ._state import apply_to_state


def share(name="s", schemas=("sales",), tables=(), consumers=("c1", "c2"), database=None):
    return DesiredShare(name, tuple(schemas), tuple(tables), tuple(consumers),
                        database or f"{name}_db")


def converged_state(desired: list[DesiredShare]) -> FleetShareState:
    shares = {}
    mounts: dict[str, dict[str, str]] = {}
    for d in desired:
        schemas = set(d.schemas) | {t.split(".")[0] for t in d.tables}
        shares[d.name] = ShareState(frozenset(schemas), frozenset(d.schemas),
                                    frozenset(d.tables), frozenset(d.consumers))
        for c in d.consumers:
            mounts.setdefault(c, {})[d.database] = d.name
    return FleetShareState(shares, mounts)


def test_fresh_fleet_plan_in_order():
    actions = p.plan([share(tables=("ref.regions",))], FleetShareState()).actions
    assert actions == (
        p.CreateShare("s"),
        p.AddSchema("s", "sales"),
        p.AddAllTables("s", "sales"),
        p.SetIncludeNew("s", "sales"),
        p.AddSchema("s", "ref"),
        p.AddTable("s", "ref", "regions"),
        p.Grant("s", "c1"),
        p.Grant("s", "c2"),
        p.Mount("s", "c1", "s_db"),
        p.Mount("s", "c2", "s_db"),
    )


def test_converged_state_gives_empty_plan():
    desired = [share(), share("t", schemas=("hr",), consumers=("c2",))]
    result = p.plan(desired, converged_state(desired), prune=True)
    assert result.empty and result.would_prune == ()


def test_only_the_missing_pieces_are_planned():
    desired = [share(consumers=("c1", "c2", "c3"))]
    state = converged_state([share()])
    assert p.plan(desired, state).actions == (p.Grant("s", "c3"), p.Mount("s", "c3", "s_db"))


def test_schema_without_includenew_gets_it_set():
    desired = [share()]
    state = converged_state(desired)
    broken = ShareState(frozenset({"sales"}), frozenset(), frozenset(), frozenset({"c1", "c2"}))
    state = FleetShareState({"s": broken}, state.mounts)
    assert p.plan(desired, state).actions == (p.SetIncludeNew("s", "sales"),)


def test_removed_share_is_only_reported_without_prune():
    state = converged_state([share(), share("old", consumers=("c1",))])
    result = p.plan([share()], state)
    assert result.empty
    assert result.would_prune == ("consumer c1: database old_db (from old)", "producer: datashare old")


def test_prune_unmounts_then_revokes_then_drops():
    state = converged_state([share(consumers=("c1", "c2")), share("old", consumers=("c1",))])
    actions = p.plan([share(consumers=("c1",))], state, prune=True).actions
    assert actions == (
        p.Unmount("old", "c1", "old_db"),
        p.Unmount("s", "c2", "s_db"),
        p.Revoke("s", "c2"),
        p.DropShare("old"),
    )


def test_prune_removes_schemas_and_tables_no_longer_in_the_spec():
    desired = [share(schemas=("sales",), tables=("ref.regions",))]
    old = ShareState(frozenset({"sales", "hr", "ref"}), frozenset({"sales", "hr"}),
                     frozenset({"sales.orders", "hr.people", "ref.regions", "ref.rates"}),
                     frozenset({"c1", "c2"}))
    state = FleetShareState({"s": old}, converged_state(desired).mounts)
    kept = p.plan(desired, state)
    assert kept.empty
    assert kept.would_prune == ("producer: schema hr in s", "producer: table ref.rates in s")
    assert p.plan(desired, state, prune=True).actions == (
        p.RemoveSchema("s", "hr"), p.RemoveTable("s", "ref", "rates"))


def test_targets_say_where_statements_run():
    assert p.Grant("s", "c1").target == "producer"
    assert p.Mount("s", "c1", "db").target == "consumer c1"


# -- properties -------------------------------------------------------------------------

names = st.sampled_from(["a", "b", "c", "d"])
consumer_names = st.sampled_from(["c1", "c2", "c3"])


@st.composite
def desired_shares(draw):
    share_names = draw(st.lists(st.sampled_from(["s1", "s2", "s3"]), unique=True, max_size=3))
    out = []
    for name in share_names:
        schemas = draw(st.lists(names, unique=True, max_size=3))
        tables = draw(st.lists(st.tuples(names, st.sampled_from(["t1", "t2"])), unique=True,
                               max_size=3))
        if not schemas and not tables:
            schemas = ["a"]
        consumers = sorted(draw(st.lists(consumer_names, unique=True, min_size=1)))
        out.append(DesiredShare(name, tuple(schemas), tuple(f"{s}.{t}" for s, t in tables),
                                tuple(consumers), f"{name}_db"))
    return out


@st.composite
def observed_states(draw):
    shares = {}
    for name in draw(st.lists(st.sampled_from(["s1", "s2", "s9"]), unique=True, max_size=3)):
        schemas = frozenset(draw(st.lists(names, unique=True, max_size=3)))
        shares[name] = ShareState(
            schemas,
            frozenset(s for s in schemas if draw(st.booleans())),
            frozenset(draw(st.lists(st.sampled_from(["a.t1", "b.t2", "c.t1"]), unique=True))),
            frozenset(draw(st.lists(consumer_names, unique=True))),
        )
    mounts: dict[str, dict[str, str]] = {}
    for c in draw(st.lists(consumer_names, unique=True)):
        for s in draw(st.lists(st.sampled_from(["s1", "s2", "s9"]), unique=True, min_size=1)):
            mounts.setdefault(c, {})[f"{s}_db"] = s
    return FleetShareState(shares, mounts)


def _covers(state: FleetShareState, desired: list[DesiredShare]) -> bool:
    for d in desired:
        have = state.shares.get(d.name)
        if have is None:
            return False
        if not set(d.schemas) <= have.schemas or not set(d.schemas) <= have.includenew:
            return False
        if not set(d.tables) <= have.tables or not set(d.consumers) <= have.grants:
            return False
        for c in d.consumers:
            if state.mounts.get(c, {}).get(d.database) != d.name:
                return False
    return True


def _exact(state: FleetShareState, desired: list[DesiredShare]) -> bool:
    """With prune: nothing more than the spec asks for."""
    if set(state.shares) != {d.name for d in desired}:
        return False
    for d in desired:
        have = state.shares[d.name]
        if have.schemas != set(d.schemas) | {t.split(".")[0] for t in d.tables}:
            return False
        if any(t not in d.tables and t.split(".")[0] not in d.schemas for t in have.tables):
            return False
        if have.grants != set(d.consumers):
            return False
    for consumer, dbs in state.mounts.items():
        wanted = {d.database: d.name for d in desired if consumer in d.consumers}
        if dbs != wanted:
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(desired_shares(), observed_states(), st.booleans())
def test_applying_the_plan_reaches_the_desired_state(desired, observed, prune):
    result = p.plan(desired, observed, prune=prune)
    after = apply_to_state(observed, result.actions, desired)
    assert _covers(after, desired)
    # and once there, the next plan is empty (idempotent apply)
    assert p.plan(desired, after, prune=prune).empty
    if prune:
        assert _exact(after, desired)


@settings(max_examples=300, deadline=None)
@given(desired_shares(), observed_states(), st.booleans())
def test_order_constraints(desired, observed, prune):
    actions = list(p.plan(desired, observed, prune=prune).actions)
    pos = {a: i for i, a in enumerate(actions)}
    first_consumer_action = next(
        (i for i, a in enumerate(actions) if isinstance(a, p.Mount)), len(actions))
    for a in actions:
        if isinstance(a, (p.AddSchema, p.AddAllTables, p.SetIncludeNew, p.AddTable, p.Grant)):
            create = p.CreateShare(a.share)
            if create in pos:
                assert pos[create] < pos[a]
            assert pos[a] < first_consumer_action
        if isinstance(a, p.AddTable):
            add_schema = p.AddSchema(a.share, a.schema)
            if add_schema in pos:
                assert pos[add_schema] < pos[a]
        if isinstance(a, p.Grant):
            objects = [b for b in actions if b.share == a.share and isinstance(
                b, (p.AddSchema, p.AddAllTables, p.SetIncludeNew, p.AddTable))]
            assert all(pos[b] < pos[a] for b in objects)
        if isinstance(a, p.Mount):
            grant = p.Grant(a.share, a.consumer)
            if grant in pos:
                assert pos[grant] < pos[a]
        if isinstance(a, (p.RemoveSchema, p.RemoveTable)):
            assert all(pos[u] < pos[a] for u in actions if isinstance(u, p.Unmount))
        if isinstance(a, p.Revoke):
            assert all(pos[u] < pos[a] for u in actions
                       if isinstance(u, (p.Unmount, p.RemoveSchema, p.RemoveTable)))
        if isinstance(a, p.DropShare):
            assert all(pos[r] < pos[a] for r in actions if isinstance(r, (p.Revoke, p.Unmount)))
    if not prune:
        assert not any(isinstance(a, (p.Unmount, p.Revoke, p.DropShare, p.RemoveSchema,
                                      p.RemoveTable)) for a in actions)
