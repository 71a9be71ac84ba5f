"""The pure targets planner: table-driven cases and properties (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rsfleet.targets.actions import Action, Disable, Drain, Enable, Remove, Warn
from rsfleet.targets.reconciler import (
    ActualTarget,
    Inputs,
    Observation,
    Plan,
    Settings,
    apply_actions,
    effective_ready,
    in_rotation,
    observe,
    plan,
)

READY = Observation(True, "ok", consecutive_ok=5)
DOWN = Observation(False, "connection refused", consecutive_fail=5)
IN = ActualTarget("in_rotation")


def kinds(actions: tuple[Action, ...]) -> list[tuple[str, str]]:
    return [(a.kind, a.target) for a in actions]


def everything(p: Plan) -> tuple[Action, ...]:
    """The changes, then the warnings (the order a pass logs them in)."""
    return p.actions + p.warnings


CASES = [
    # id, desired, actual, readiness, drained, now, settings, expected
    ("converged", {"c1", "c2"}, {"c1": IN, "c2": IN}, {"c1": READY, "c2": READY}, set(), 0,
     Settings(), []),
    ("new ready consumer is enabled", {"c1", "c2"}, {"c1": IN}, {"c1": READY, "c2": READY},
     set(), 0, Settings(), [("enable", "c2")]),
    ("new unready consumer stays out", {"c1", "c2"}, {"c1": IN}, {"c1": READY, "c2": DOWN},
     set(), 0, Settings(), []),
    ("never probed: kept as is", {"c1", "c2"}, {"c1": IN}, {"c1": READY}, set(), 0,
     Settings(), []),
    ("unready consumer is drained", {"c1", "c2"}, {"c1": IN, "c2": IN},
     {"c1": READY, "c2": DOWN}, set(), 0, Settings(), [("drain", "c2")]),
    ("last target unready: warn, keep", {"c1", "c2"},
     {"c1": IN, "c2": ActualTarget("maint")}, {"c1": DOWN, "c2": DOWN}, set(), 0, Settings(),
     [("warn", "c1")]),
    ("all unready in rotation: keep all, warn each", {"c1", "c2"}, {"c1": IN, "c2": IN},
     {"c1": DOWN, "c2": DOWN}, set(), 0, Settings(), [("warn", "c1"), ("warn", "c2")]),
    ("last unready replaced by a ready one in the same pass", {"c1", "c2"},
     {"c1": IN, "c2": ActualTarget("maint")}, {"c1": DOWN, "c2": READY}, set(), 0,
     Settings(), [("enable", "c2"), ("drain", "c1")]),
    ("operator drain", {"c1", "c2"}, {"c1": IN, "c2": IN}, {"c1": READY, "c2": READY},
     {"c1"}, 0, Settings(), [("drain", "c1")]),
    ("operator drain of the last one: allowed, loud", {"c1"}, {"c1": IN}, {"c1": READY},
     {"c1"}, 0, Settings(), [("drain", "c1"), ("warn", "*")]),
    ("draining with sessions waits", {"c1", "c2"},
     {"c1": IN, "c2": ActualTarget("draining", sessions=3, draining_since=10.0)},
     {"c1": READY, "c2": READY}, {"c2"}, 20.0, Settings(deregistration_delay=30), []),
    ("draining: sessions gone -> disable", {"c1", "c2"},
     {"c1": IN, "c2": ActualTarget("draining", sessions=0, draining_since=10.0)},
     {"c1": READY, "c2": READY}, {"c2"}, 11.0, Settings(), [("disable", "c2")]),
    ("draining: delay elapsed -> disable", {"c1", "c2"},
     {"c1": IN, "c2": ActualTarget("draining", sessions=2, draining_since=10.0)},
     {"c1": READY, "c2": READY}, {"c2"}, 40.0, Settings(deregistration_delay=30),
     [("disable", "c2")]),
    ("undrain a draining ready target", {"c1", "c2"},
     {"c1": IN, "c2": ActualTarget("draining", sessions=2, draining_since=1.0)},
     {"c1": READY, "c2": READY}, set(), 2.0, Settings(), [("enable", "c2")]),
    ("removed consumer is drained first", {"c1"}, {"c1": IN, "c2": IN},
     {"c1": READY, "c2": READY}, set(), 0, Settings(), [("drain", "c2")]),
    ("removed consumer drained -> removed", {"c1"},
     {"c1": IN, "c2": ActualTarget("draining", sessions=0, draining_since=0.0)},
     {"c1": READY}, set(), 1.0, Settings(), [("remove", "c2")]),
    ("removed consumer in maint -> removed", {"c1"}, {"c1": IN, "c2": ActualTarget("maint")},
     {"c1": READY}, set(), 0, Settings(), [("remove", "c2")]),
    ("terraform owns membership: warn, never remove", {"c1"}, {"c1": IN, "c2": IN},
     {"c1": READY}, set(), 0, Settings(owns_membership=False), [("warn", "c2")]),
    ("NLB finishes its own drain", {"c1", "c2"},
     {"c1": IN, "c2": ActualTarget("draining", sessions=4, draining_since=0.0)},
     {"c1": READY, "c2": DOWN}, set(), 999.0, Settings(lb_finishes_drain=True), []),
    ("NLB partial registration completed", {"c1"},
     {"c1": ActualTarget("in_rotation", complete=False)}, {"c1": READY}, set(), 0,
     Settings(lb_finishes_drain=True), [("enable", "c1")]),
]


@pytest.mark.parametrize(("desired", "actual", "readiness", "drained", "now", "cfg", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_table(desired, actual, readiness, drained, now, cfg, expected):
    p = plan(Inputs(frozenset(desired), actual, readiness, frozenset(drained), now, cfg))
    assert kinds(everything(p)) == expected
    assert all(a.reason for a in everything(p))
    assert all(not isinstance(a, Warn) for a in p.actions)
    assert set(p.verdicts) == set(desired) | set(actual)


def test_last_target_warning_is_loud_and_explains():
    p = plan(Inputs(frozenset({"c1"}), {"c1": IN}, {"c1": DOWN}))
    [w] = everything(p)
    assert isinstance(w, Warn) and p.verdicts["c1"].cause == "kept_last" and "LAST TARGET" in w.reason and "connection refused" in w.reason


def test_flapping_hysteresis_rise_and_fall():
    cfg = Settings(rise=3, fall=2)
    obs = None
    # in rotation: one failure is not enough to leave (fall=2)
    obs = observe(observe(observe(None, True), True), False, "timeout")
    assert effective_ready("c", Inputs(frozenset({"c"}), {"c": IN}, {"c": obs}, settings=cfg))
    obs = observe(obs, False, "timeout")
    assert not effective_ready("c", Inputs(frozenset({"c"}), {"c": IN}, {"c": obs},
                                           settings=cfg))
    # out of rotation: needs rise=3 good probes in a row, a failure resets the count
    out = {"c": ActualTarget("maint")}
    for _ in range(2):
        obs = observe(obs, True)
    assert not effective_ready("c", Inputs(frozenset({"c"}), out, {"c": obs}, settings=cfg))
    obs = observe(obs, False, "x")
    obs = observe(observe(observe(obs, True), True), True)
    assert obs.consecutive_ok == 3
    assert effective_ready("c", Inputs(frozenset({"c"}), out, {"c": obs}, settings=cfg))


# ---- properties -------------------------------------------------------------------------

NAMES = ["c1", "c2", "c3", "c4"]
states = st.sampled_from(["in_rotation", "draining", "maint", "absent"])
actual_st = st.builds(
    lambda s, n, since, complete: ActualTarget(s, sessions=n, draining_since=since,
                                               complete=complete),
    states, st.integers(0, 5), st.one_of(st.none(), st.floats(0, 100)),
    st.booleans())
obs_st = st.builds(lambda ok, n: Observation(ok, "r", consecutive_ok=n if ok else 0,
                                             consecutive_fail=0 if ok else n),
                   st.booleans(), st.integers(1, 4))
settings_st = st.builds(Settings, rise=st.integers(1, 3), fall=st.integers(1, 3),
                        deregistration_delay=st.floats(0, 60),
                        lb_finishes_drain=st.booleans(), owns_membership=st.booleans())


@st.composite
def inputs(draw):
    desired = frozenset(draw(st.lists(st.sampled_from(NAMES), unique=True)))
    actual = {n: a for n in NAMES if (a := draw(actual_st)).state != "absent"}
    readiness = {n: draw(obs_st) for n in NAMES if draw(st.booleans()) or n in desired}
    drained = frozenset(draw(st.lists(st.sampled_from(NAMES), unique=True)))
    return Inputs(desired, actual, readiness, drained, draw(st.floats(100, 300)),
                  draw(settings_st))


def _step(inp: Inputs) -> Inputs:
    acts = plan(inp).actions
    return Inputs(inp.desired, apply_actions(inp.actual, acts, inp.now), inp.readiness,
                  inp.drained, inp.now, inp.settings)


@settings(max_examples=400, deadline=None)
@given(inputs())
def test_property_converges_and_then_no_action(inp):
    """Applying the actions repeatedly (time moving past the delay) reaches a state with no
    actions other than warnings: converged -> nothing to do."""
    cur = inp
    for _ in range(4):
        cur = _step(cur)
        # time passes beyond the deregistration delay; sessions end
        cur = Inputs(cur.desired, cur.actual, cur.readiness, cur.drained,
                     cur.now + cur.settings.deregistration_delay + 1, cur.settings)
    assert plan(cur).actions == ()
    assert plan(_step(cur)) == plan(cur)


@settings(max_examples=400, deadline=None)
@given(inputs())
def test_property_never_empties_rotation_for_readiness(inp):
    """If some target is in rotation before and no operator drain / removal is involved,
    at least one target stays in rotation."""
    before = in_rotation(inp.actual)
    assume_no_admin = not inp.drained and set(inp.actual) <= inp.desired
    after = in_rotation(apply_actions(inp.actual, plan(inp).actions, inp.now))
    if before and assume_no_admin:
        assert after


@settings(max_examples=400, deadline=None)
@given(inputs())
def test_property_ready_target_is_never_taken_out_for_readiness(inp):
    for a in plan(inp).actions:
        if isinstance(a, Drain) and a.target in inp.desired and a.target not in inp.drained:
            assert effective_ready(a.target, inp) is False


@settings(max_examples=400, deadline=None)
@given(inputs())
def test_property_drains_before_removal(inp):
    """Nothing goes straight from in rotation to disabled/removed, and a draining target with
    sessions is only switched off after the deregistration delay."""
    for a in plan(inp).actions:
        act = inp.actual.get(a.target)
        if isinstance(a, Disable | Remove):
            assert act is not None and act.state in ("draining", "maint")
            if act.state == "draining" and act.sessions > 0:
                assert act.draining_since is not None
                assert inp.now - act.draining_since >= inp.settings.deregistration_delay
        if isinstance(a, Remove):
            assert a.target not in inp.desired and inp.settings.owns_membership


@settings(max_examples=200, deadline=None)
@given(inputs())
def test_property_at_most_one_action_per_target_besides_warnings(inp):
    acts = plan(inp).actions
    assert len({a.target for a in acts}) == len(acts)


@settings(max_examples=300, deadline=None)
@given(inputs())
def test_property_verdict_matches_action(inp):
    """The verdict says where each target goes; an action never moves it the other way:
    an Enable only for "in", a Drain/Disable/Remove only for "out"."""
    p = plan(inp)
    for a in p.actions:
        want = p.verdicts[a.target].want
        assert want == ("in" if isinstance(a, Enable) else "out"), (a, want)
