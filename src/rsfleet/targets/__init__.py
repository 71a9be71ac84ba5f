"""Readiness-gated load-balancer targets (docs/targets.md: readiness, drains, the controller).

- reconciler.py  the pure planner: desired members + readiness + drains + LB state -> Plan
- actions.py     its typed actions (Enable, Drain, Disable, Remove; Warn)
- sync.py        sync(plan, adapter, dry_run) -> TargetsResult, as every feature applies
- readiness.py   direct probe of a consumer (connect, SELECT 1, read each shared table)
- protocol.py    what an LB adapter provides; haproxy.py (local) and nlb.py (AWS)
- controller.py  one pass (`Controller.run_pass`) and the sentence it says; the loop
                 around passes is rsfleet.controller.loop
- api.py         drain / undrain / status / sync, used by the commands and the load test
"""
