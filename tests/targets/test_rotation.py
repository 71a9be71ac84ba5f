"""Elastic rotation's decision in the targets planner (issue 26): table cases with names and
Hypothesis properties (never 0 in rotation while one is ready; never parks an
operator-drained or the last ready consumer; within min/max; no flapping under constant
load)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rsfleet.targets.actions import Enable, Park, Unpark
from rsfleet.targets.reconciler import (
    ActualTarget,
    Inputs,
    Observation,
    Plan,
    Settings,
    apply_actions,
    effective_ready,
    in_rotation,
    plan,
)
from rsfleet.targets.rotation import Load, RotationSettings, decide, wanted

READY = Observation(True, "ok", consecutive_ok=5)
DOWN = Observation(False, "connection refused", consecutive_fail=5)
FOUR = frozenset({"c1", "c2", "c3", "c4"})
ROT = RotationSettings(min_in_rotation=1, target_sessions=50, scale_in_after=600)


def IN(sessions: int = 0) -> ActualTarget:
    return ActualTarget("in_rotation", sessions=sessions)


OFF = ActualTarget("maint")


def kinds(p: Plan) -> list[tuple[str, str]]:
    return [(a.kind, a.target) for a in p.actions]


def rotating(actual, *, load=None, parked=(), drained=(), readiness=None, now=1000.0,
             low_since=None, rot=ROT, members=FOUR) -> Inputs:
    ready = readiness or {n: READY for n in members}
    return Inputs(members, actual, ready, frozenset(drained), now, Settings(), rotation=rot,
                  parked=frozenset(parked), load=load or Load(0), low_since=low_since)


CASES = [
    ("idle: lower demand starts the wait, nothing parked yet",
     rotating({n: IN() for n in FOUR}), [], "hold", 1000.0),
    ("idle long enough: the one with the fewest sessions is parked, the wait starts again",
     rotating({"c1": IN(5), "c2": IN(0), "c3": IN(2), "c4": IN(0)}, low_since=400.0),
     [("park", "c2")], "in", 1000.0),
    ("a dip shorter than scale_in_after parks nothing",
     rotating({n: IN() for n in FOUR}, low_since=500.0), [], "hold", 500.0),
    ("a load step: as many back in as wanted, in the same pass",
     rotating({"c1": IN(130), "c2": OFF, "c3": OFF, "c4": OFF}, load=Load(130),
              parked={"c2", "c3", "c4"}),
     [("unpark", "c2"), ("unpark", "c3")], "out", None),
    ("anything queued: one more than serve now",
     rotating({"c1": IN(50), "c2": IN(50), "c3": OFF, "c4": OFF}, load=Load(100, queued=3),
              parked={"c3", "c4"}),
     [("unpark", "c3")], "out", None),
    ("warm spare: the unready one in rotation is replaced by a parked ready one",
     rotating({"c1": IN(3), "c2": OFF, "c3": OFF, "c4": OFF}, parked={"c2", "c3", "c4"},
              readiness={"c1": DOWN, "c2": READY, "c3": READY, "c4": READY}),
     [("unpark", "c2"), ("drain", "c1")], "out", None),
    ("an operator's drain wins: never unparked, another one goes in",
     rotating({"c1": IN(60), "c2": OFF, "c3": OFF, "c4": OFF}, load=Load(60),
              parked={"c3", "c4"}, drained={"c2"}),
     [("unpark", "c3")], "out", None),
    ("the last ready consumer is never parked",
     rotating({"c1": IN(0), "c2": OFF, "c3": OFF, "c4": OFF}, parked={"c2", "c3", "c4"},
              low_since=0.0),
     [], "none", None),
    ("max_in_rotation caps a huge load",
     rotating({"c1": IN(), "c2": OFF, "c3": OFF, "c4": OFF}, load=Load(1000),
              parked={"c2", "c3", "c4"}, rot=replace(ROT, max_in_rotation=2)),
     [("unpark", "c2")], "out", None),
    ("min_in_rotation keeps two in while idle",
     rotating({"c1": IN(), "c2": IN(), "c3": OFF, "c4": OFF}, parked={"c3", "c4"},
              low_since=0.0, rot=replace(ROT, min_in_rotation=2)),
     [], "none", None),
    ("constant load, converged: nothing to do",
     rotating({"c1": IN(40), "c2": IN(40), "c3": OFF, "c4": OFF}, load=Load(80),
              parked={"c3", "c4"}),
     [], "none", None),
    ("scale out prefers a parked one still draining (warm, its drain is cancelled)",
     rotating({"c1": IN(55), "c2": OFF, "c3": ActualTarget("draining", sessions=3,
                                                           draining_since=990.0),
               "c4": OFF}, load=Load(90), parked={"c2", "c3", "c4"}),
     [("unpark", "c3")], "out", None),
    ("rotation switched off: parked ones come back",
     replace(rotating({"c1": IN(), "c2": OFF, "c3": IN(), "c4": IN()}, parked={"c2"}),
             rotation=None),
     [("unpark", "c2")], None, None),
]


@pytest.mark.parametrize(("inp", "expected", "change", "low_since"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_table(inp, expected, change, low_since):
    p = plan(inp)
    assert kinds(p) == expected
    if change is None:
        assert p.rotation is None
    else:
        assert p.rotation is not None and p.rotation.change == change
        assert p.rotation.low_since == low_since
    for a in p.actions:
        if isinstance(a, Park):
            assert p.verdicts[a.target].cause == "parked" and "wanted" in a.reason


def test_wanted_is_clamped_ceil():
    assert [wanted(Load(s), ROT, 4) for s in (0, 1, 50, 51, 100, 101, 1000)] == \
        [1, 1, 1, 2, 2, 3, 4]
    assert wanted(Load(120, queued=40), ROT, 4) == 4  # the queue is demand too
    assert wanted(Load(0), replace(ROT, min_in_rotation=3), 4) == 3
    assert wanted(Load(500), replace(ROT, max_in_rotation=2), 4) == 2


def test_why_says_the_load():
    d = decide([], Load(130, 2), ROT, members=4, now=0.0, low_since=None)
    assert d.why == "130 session(s), 2 queued: 3 wanted at 50 per consumer"


# ---- properties -------------------------------------------------------------------------

NAMES = ["c1", "c2", "c3", "c4"]
lb_state = st.sampled_from(["in_rotation", "draining", "maint"])
rot_st = st.builds(lambda lo, extra, t, wait: RotationSettings(lo, None if extra is None
                                                               else lo + extra, t, wait),
                   st.integers(1, 3), st.one_of(st.none(), st.integers(0, 2)),
                   st.integers(1, 60), st.sampled_from([0.0, 30.0, 600.0]))


@st.composite
def rotation_inputs(draw):
    members = frozenset(draw(st.lists(st.sampled_from(NAMES), min_size=1, unique=True)))
    actual = {n: ActualTarget(draw(lb_state), sessions=draw(st.integers(0, 30)),
                              draining_since=draw(st.floats(0, 100))) for n in members}
    readiness = {n: READY if draw(st.integers(0, 3)) else DOWN for n in members}
    drained = frozenset(n for n in members if draw(st.integers(0, 4)) == 0)
    parked = frozenset(n for n in members if draw(st.booleans()) and n not in drained)
    load = Load(draw(st.integers(0, 250)), draw(st.sampled_from([0, 0, 0, 2])))
    low = draw(st.one_of(st.none(), st.floats(0, 200)))
    return Inputs(members, actual, readiness, drained, 200.0, Settings(deregistration_delay=10),
                  rotation=draw(rot_st), parked=parked, load=load, low_since=low)


def ready_undrained(inp: Inputs) -> set[str]:
    return {n for n in inp.desired if n not in inp.drained and inp.readiness[n].ready}


def step(inp: Inputs, dt: float) -> Inputs:
    """The LB and the drain state after the plan succeeded, then ``dt`` seconds later."""
    p = plan(inp)
    parked = set(inp.parked)
    for a in p.actions:
        if isinstance(a, Park):
            parked.add(a.target)
        elif isinstance(a, Unpark):
            parked.discard(a.target)
    return replace(inp, actual=apply_actions(inp.actual, p.actions, inp.now),
                   parked=frozenset(parked), now=inp.now + dt,
                   low_since=p.rotation.low_since if p.rotation else None)


@settings(max_examples=400, deadline=None)
@given(rotation_inputs())
def test_property_a_ready_consumer_stays_in_rotation(inp):
    """Never 0 in rotation while one is ready: after the plan, a ready undrained consumer
    is in rotation whenever there is one."""
    ready = ready_undrained(inp)
    after = in_rotation(apply_actions(inp.actual, plan(inp).actions, inp.now))
    if ready:
        assert after & ready, (after, ready)


@settings(max_examples=400, deadline=None)
@given(rotation_inputs())
def test_property_never_parks_a_drained_an_unready_or_the_last_ready(inp):
    p = plan(inp)
    for a in p.actions:
        if isinstance(a, Park):
            assert a.target not in inp.drained and effective_ready(a.target, inp)
        if isinstance(a, Enable):  # Unpark too: an operator's drain wins
            assert a.target not in inp.drained
    parks = sum(isinstance(a, Park) for a in p.actions)
    assert parks <= 1  # one at a time
    serving_ready = {n for n in ready_undrained(inp) if inp.actual[n].state == "in_rotation"}
    if parks:
        assert len(serving_ready) >= 2


@settings(max_examples=300, deadline=None)
@given(rotation_inputs())
def test_property_converges_within_min_max_and_never_flaps(inp):
    """Constant load and readiness: after a few passes (time moving past the scale-in wait
    and the drain delay) nothing changes any more, as many ready consumers are in rotation
    as wanted (bounded by how many are ready), and no consumer went out and came back in
    (or the other way round) on the way."""
    r = inp.rotation
    cur = inp
    history: dict[str, list[bool]] = {n: [] for n in inp.desired}
    for _ in range(3 * len(NAMES) + 2):
        cur = step(cur, r.scale_in_after + 11)
        for n in history:
            serving = cur.actual[n].state == "in_rotation"
            if not history[n] or history[n][-1] != serving:
                history[n].append(serving)
    assert plan(cur).actions == ()
    ready = ready_undrained(cur)
    serving = {n for n in ready if cur.actual[n].state == "in_rotation"}
    want = wanted(cur.load, r, len(cur.desired))
    if cur.load.queued == 0:
        assert len(serving) == min(want, len(ready))
    hi = len(cur.desired) if r.max_in_rotation is None else max(r.max_in_rotation,
                                                                 r.min_in_rotation)
    assert len(serving) <= max(hi, 1)
    for n, changes in history.items():
        assert len(changes) <= 2, (n, changes)  # at most one change after the first pass


@settings(max_examples=300, deadline=None)
@given(rotation_inputs(), st.lists(st.floats(0, 20), min_size=6, max_size=12))
def test_property_short_passes_never_flap(inp, gaps):
    """Passes closer together than the scale-in wait (the real cadence: seconds against
    minutes): constant load and readiness still move each consumer at most once, and never
    park more than one per ``scale_in_after``."""
    r = replace(inp.rotation, scale_in_after=30.0)
    cur = replace(inp, rotation=r)
    history: dict[str, list[bool]] = {n: [] for n in inp.desired}
    parked_at: list[float] = []
    for i, dt in enumerate(gaps):
        p = plan(cur)
        parked_at += [cur.now for a in p.actions if isinstance(a, Park)]
        cur = step(cur, dt)
        if i == 0:
            continue  # the first pass may correct any starting state
        for n in history:
            serving = cur.actual[n].state == "in_rotation"
            if not history[n] or history[n][-1] != serving:
                history[n].append(serving)
    for n, changes in history.items():
        assert len(changes) <= 2, (n, changes)
    later = parked_at[1:]  # the first may come from the starting low_since
    assert all(b - a >= r.scale_in_after for a, b in itertools.pairwise(later)), \
        parked_at
