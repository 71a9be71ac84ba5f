"""The sentence every controller pass logs (Patroni's run_cycle idea): what it saw and did,
including a pass with nothing to do. Pure: built from the plan and what sync reported."""

from __future__ import annotations

import pytest

from rsfleet.targets.controller import pass_sentence
from rsfleet.targets.reconciler import (
    ActualTarget,
    Inputs,
    Observation,
    Settings,
    apply_actions,
    plan,
)
from rsfleet.targets.sync import Applied, Failed, TargetsResult

READY = Observation(True, "ok", consecutive_ok=5)
UNREADABLE = Observation(False, "cannot read sales.orders", consecutive_fail=2)
IN = ActualTarget("in_rotation")
OFF = ActualTarget("maint")
MEMBERS = {"c1", "c2", "c3"}


def said(inp: Inputs, *, outcome: str = "applied") -> str:
    p = plan(inp)
    if outcome == "failed":
        res = TargetsResult(p, [], failed=[Failed(a, "runtime API: timeout") for a in p.actions])
        done = []
    else:
        res = TargetsResult(p, [Applied(a, "ok") for a in p.actions], dry_run=outcome == "dry")
        done = list(p.actions)
    return pass_sentence(inp.desired, p, res, apply_actions(inp.actual, done, inp.now))


CASES = [
    ("nothing to do", Inputs(frozenset(MEMBERS), {"c1": IN, "c2": IN, "c3": IN},
                             {"c1": READY, "c2": READY, "c3": READY}), "applied",
     "3 of 3 in rotation; no change"),
    ("out and why, nothing to do", Inputs(frozenset(MEMBERS), {"c1": IN, "c2": OFF, "c3": IN},
                                          {"c1": READY, "c2": UNREADABLE, "c3": READY}),
     "applied", "c2 out: not ready: cannot read sales.orders (2 failed probe(s) in a row); "
     "2 of 3 in rotation; no change"),
    ("drained this pass", Inputs(frozenset(MEMBERS), {"c1": IN, "c2": IN, "c3": IN},
                                 {"c1": READY, "c2": UNREADABLE, "c3": READY}), "applied",
     "c2 drained: not ready: cannot read sales.orders (2 failed probe(s) in a row); "
     "2 of 3 in rotation"),
    ("dry run", Inputs(frozenset(MEMBERS), {"c1": IN, "c2": IN, "c3": IN},
                       {"c1": READY, "c2": UNREADABLE, "c3": READY}), "dry",
     "c2 would be drained: not ready: cannot read sales.orders (2 failed probe(s) in a row); "
     "2 of 3 in rotation; dry run"),
    ("failed action", Inputs(frozenset(MEMBERS), {"c1": IN, "c2": IN, "c3": IN},
                             {"c1": READY, "c2": UNREADABLE, "c3": READY}), "failed",
     "c2 drain FAILED: runtime API: timeout; 3 of 3 in rotation"),
    ("operator drain, waiting for sessions",
     Inputs(frozenset(MEMBERS), {"c1": IN, "c2": ActualTarget("draining", sessions=4,
                                                              draining_since=10.0),
                                 "c3": IN}, {"c1": READY, "c2": READY, "c3": READY},
            frozenset({"c2"}), now=12.0), "applied",
     "c2 out (draining, 4 session(s) left): drained by the operator; 2 of 3 in rotation; "
     "no change"),
    ("back in", Inputs(frozenset(MEMBERS), {"c1": IN, "c2": OFF, "c3": IN},
                       {"c1": READY, "c2": Observation(True, "ok", consecutive_ok=2),
                        "c3": READY}), "applied",
     "c2 in: ready (2 good probe(s) in a row); 3 of 3 in rotation"),
    ("rising, not yet back", Inputs(frozenset(MEMBERS), {"c1": IN, "c2": OFF, "c3": IN},
                                    {"c1": READY, "c2": Observation(True, "ok", 1),
                                     "c3": READY}), "applied",
     "c2 out: ready again, 1 of 2 good probe(s) before it returns; 2 of 3 in rotation; "
     "no change"),
    ("the last one kept, loudly", Inputs(frozenset({"c1"}), {"c1": IN}, {"c1": UNREADABLE}),
     "applied", "c1 kept in as the last one: not ready: cannot read sales.orders "
     "(2 failed probe(s) in a row); 1 of 1 in rotation; no change"),
    ("operator drains the last one", Inputs(frozenset({"c1"}), {"c1": IN}, {"c1": READY},
                                            frozenset({"c1"})), "applied",
     "c1 drained: drained by the operator; WARNING *: no target will be left in rotation: "
     "every new session will fail until a consumer is ready and undrained; "
     "0 of 1 in rotation"),
    ("never probed yet: counted, not named", Inputs(frozenset({"c1", "c2"}),
                                                    {"c1": IN, "c2": IN}, {"c1": READY}),
     "applied", "2 of 2 in rotation; no change"),
    ("Terraform owns membership", Inputs(frozenset({"c1"}), {"c1": IN, "c9": IN},
                                         {"c1": READY}, settings=Settings(owns_membership=False)),
     "applied", "WARNING c9: not a member in the spec, but Terraform owns the attachments: run "
     "`rsfleet apply`; 1 of 1 in rotation; no change"),
]


@pytest.mark.parametrize(("inp", "outcome", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_sentence(inp, outcome, expected):
    assert said(inp, outcome=outcome) == expected


def test_sentence_says_why_the_rotation_parks_and_unparks():
    from rsfleet.targets.rotation import Load, RotationSettings

    rot = RotationSettings(target_sessions=50, scale_in_after=60)
    idle = Inputs(frozenset(MEMBERS), {"c1": ActualTarget("in_rotation", sessions=2),
                                       "c2": IN, "c3": OFF},
                  {"c1": READY, "c2": READY, "c3": READY}, now=100.0, rotation=rot,
                  parked=frozenset({"c3"}), load=Load(3), low_since=0.0)
    assert said(idle) == (
        "c2 drained: parked, 1 wanted (it had the fewest sessions); c3 out: parked, 1 wanted; "
        "rotation: 3 session(s), 0 queued: 1 wanted at 50 per consumer; 1 of 3 in rotation")
    busy = Inputs(frozenset(MEMBERS), {"c1": IN, "c2": OFF, "c3": OFF},
                  {"c1": READY, "c2": READY, "c3": READY}, now=100.0, rotation=rot,
                  parked=frozenset({"c2", "c3"}), load=Load(120))
    assert said(busy) == (
        "c2 in: ready (5 good probe(s) in a row); 3 wanted; c3 in: ready (5 good probe(s) in a "
        "row); 3 wanted; rotation: 120 session(s), 0 queued: 3 wanted at 50 per consumer; "
        "3 of 3 in rotation")
