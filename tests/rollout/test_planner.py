"""The pure rollout planner: table-driven cases and Hypothesis properties over a simulated
execution (what is out of rotation at each step)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rsfleet.rollout.planner import (
    ROLLOUT,
    Change,
    ConsumerState,
    Settings,
    Step,
    plan,
)

RESTART = (Change("restart (new postmaster)", "restart"),)
TIMEOUT = (Change("statement_timeout of app_reader 90s -> 120s", "session"),)
CAPACITY = (Change("base_capacity 8 -> 16", "update"),)


def c(name: str, changes=RESTART, *, rot=True, ready=True, drained=None, lb=True, sessions=0):
    return ConsumerState(name, in_rotation=rot, ready=ready, drained_by=drained, behind_lb=lb,
                         sessions=sessions, changes=changes)


def kinds(p) -> list[str]:
    return [f"{s.wave}:{s.kind} {s.consumer}" for s in p.steps]


SERVING = ["drain", "wait_drained", "change", "wait_ready", "undrain"]


@pytest.mark.parametrize(("fleet", "max_unavailable", "expected"), [
    # nothing to change: no steps
    ([c("c1", ()), c("c2", ())], 1, []),
    # one consumer changes, others serve meanwhile
    ([c("c1", TIMEOUT), c("c2", ()), c("c3", ())], 1,
     [f"0:{k} c1" for k in SERVING]),
    # every consumer, one at a time, in name order
    ([c("c2"), c("c1"), c("c3")], 1,
     [f"{w}:{k} {n}" for w, n in enumerate(["c1", "c2", "c3"]) for k in SERVING]),
    # max_unavailable 2: two per wave, steps grouped by kind inside the wave
    ([c("c1"), c("c2"), c("c3"), c("c4")], 2,
     [f"{w}:{k} {n}" for w, pair in enumerate([("c1", "c2"), ("c3", "c4")])
      for k in SERVING for n in pair]),
    # max_unavailable 3 on 3 consumers: never all of them, one ready stays in rotation
    ([c("c1"), c("c2"), c("c3")], 3,
     [f"0:{k} {n}" for k in SERVING for n in ("c1", "c2")] + [f"1:{k} c3" for k in SERVING]),
    # AWS update: wait until the workgroup is AVAILABLE, then probe
    ([c("c1", CAPACITY), c("c2", ())], 1,
     ["0:drain c1", "0:wait_drained c1", "0:change c1", "0:wait_available c1",
      "0:wait_ready c1", "0:undrain c1"]),
    # out of rotation already: changed first, no drain; operator's drain stays
    ([c("c1"), c("c2", rot=False, drained="operator"), c("c3")], 1,
     ["0:change c2", "0:wait_ready c2"]
     + [f"1:{k} c1" for k in SERVING] + [f"2:{k} c3" for k in SERVING]),
    # not behind the LB: no drain
    ([c("c1", lb=False, rot=False), c("c2", ())], 1, ["0:change c1", "0:wait_ready c1"]),
    # unready and out of rotation: changed, not waited for
    ([c("c1", rot=False, ready=False), c("c2", ())], 1, ["0:change c1"]),
    # resumed: c1 was left drained by an earlier run and is already changed
    ([c("c1", (), rot=False, drained=ROLLOUT), c("c2"), c("c3", ())], 1,
     ["0:wait_ready c1", "0:undrain c1"] + [f"1:{k} c2" for k in SERVING]),
    # in rotation but unready: taken out first, it does not count as ready capacity
    ([c("c1"), c("c2", ready=False), c("c3", ())], 1,
     ["0:drain c2", "0:wait_drained c2", "0:change c2", "0:undrain c2"]
     + [f"1:{k} c1" for k in SERVING]),
])
def test_plan_steps(fleet, max_unavailable, expected):
    p = plan(fleet, Settings(max_unavailable=max_unavailable))
    assert kinds(p) == expected
    assert p.blocked is None


def test_last_ready_consumer_is_never_taken_out():
    p = plan([c("c1"), c("c2", (), rot=False, drained="operator")])
    assert p.steps == ()
    assert p.blocked is not None
    assert "cannot take c1 out of rotation: c1 is the last ready consumer" in p.blocked
    # a single-consumer fleet: same
    assert plan([c("c1", TIMEOUT)]).blocked is not None
    # the rest of the plan is still given (out-of-rotation consumers first)
    p = plan([c("c1"), c("c2", rot=False, ready=False)])
    assert kinds(p) == ["0:change c2"] and p.blocked is not None


def test_reasons_say_why():
    p = plan([c("c1", TIMEOUT, sessions=4), c("c2", ()), c("c3", ())],
             Settings(deregistration_delay=30))
    by = {s.kind: s.reason for s in p.steps}
    assert "in rotation (4 session(s))" in by["drain"] and "c2, c3" in by["drain"]
    assert "deregistration delay (30s)" in by["wait_drained"]
    assert by["change"] == ("statement_timeout of app_reader 90s -> 120s "
                            "(sessions opened afterwards get it)")
    assert "real query" in by["wait_ready"]
    assert p.up_to_date == {"c2": "up to date", "c3": "up to date"}


def test_max_unavailable_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        plan([c("c1")], Settings(max_unavailable=0))


# -- properties: run the plan against a simulated fleet ------------------------------------

@st.composite
def fleets(draw):
    n = draw(st.integers(1, 6))
    out = []
    for i in range(1, n + 1):
        lb = draw(st.booleans()) if i > 1 else True
        ready = draw(st.booleans())
        drained = draw(st.sampled_from([None, None, "operator", ROLLOUT]))
        rot = lb and drained is None and draw(st.booleans())
        changes = draw(st.sampled_from([(), RESTART, TIMEOUT, CAPACITY]))
        out.append(c(f"c{i}", changes, rot=rot, ready=ready, drained=drained, lb=lb))
    return out


def simulate(fleet: list[ConsumerState], steps: tuple[Step, ...]) -> tuple[int, int]:
    """Run the steps: (most consumers drained by the rollout at once, fewest ready consumers
    in rotation at any point)."""
    rot = {x.name: x.in_rotation for x in fleet}
    ready = {x.name: x.ready for x in fleet}
    ours: set[str] = {x.name for x in fleet if x.drained_by == ROLLOUT}
    most_out, fewest = 0, 10**6
    for s in steps:
        if s.kind == "drain":
            rot[s.consumer] = False
            ours.add(s.consumer)
        elif s.kind == "undrain":
            rot[s.consumer] = ready[s.consumer]
            ours.discard(s.consumer)
        most_out = max(most_out, len([n for n in ours if not rot[n]]))
        fewest = min(fewest, sum(1 for n in rot if rot[n] and ready[n]))
    return most_out, fewest


@settings(max_examples=300, deadline=None)
@given(fleets(), st.integers(1, 4))
def test_property_never_more_than_max_unavailable_and_never_the_last_ready(fleet, mu):
    p = plan(fleet, Settings(max_unavailable=mu))
    ready_before = sum(1 for x in fleet if x.in_rotation and x.ready)
    leftover = sum(1 for x in fleet if x.drained_by == ROLLOUT)
    most_out, fewest = simulate(fleet, p.steps)
    if p.steps:
        # drains this run made: at most mu at once (plus what an earlier run left out)
        assert most_out <= mu + leftover
        if ready_before >= 1:
            assert fewest >= 1
    # per consumer: drain < change < undrain, each at most once
    for name in p.consumers():
        ks = [s.kind for s in p.steps if s.consumer == name]
        assert len(ks) == len(set(ks))
        order = [k for k in ("drain", "wait_drained", "change", "wait_available",
                             "wait_ready", "undrain") if k in ks]
        assert ks == order


@settings(max_examples=300, deadline=None)
@given(fleets(), st.integers(1, 4))
def test_property_every_change_planned_once_and_a_second_run_has_nothing_left(fleet, mu):
    p = plan(fleet, Settings(max_unavailable=mu))
    changed = [s.consumer for s in p.steps if s.kind == "change"]
    assert len(changed) == len(set(changed))
    wanted = {x.name for x in fleet if x.changes}
    if p.blocked is None:
        assert set(changed) == wanted
    else:
        assert set(changed) < wanted
    # after a successful run: changes made, rollout drains undone, others as they were
    undrained = {s.consumer for s in p.steps if s.kind == "undrain"}
    after = [ConsumerState(x.name, in_rotation=(x.in_rotation or x.name in undrained),
                           ready=x.ready, behind_lb=x.behind_lb,
                           drained_by=None if x.name in undrained else x.drained_by,
                           changes=() if x.name in changed else x.changes) for x in fleet]
    again = plan(after, Settings(max_unavailable=mu))
    if p.blocked is None:
        assert again.steps == ()
