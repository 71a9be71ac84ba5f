"""Readiness-gated load-balancer targets (docs/targets.md: readiness, drains, the controller).

- reconciler.py  pure core: desired members + readiness + drains + LB state -> actions
- readiness.py   direct probe of a consumer (connect, SELECT 1, read each shared table)
- protocol.py    what an LB adapter provides; haproxy.py (local) and nlb.py (AWS)
- controller.py  one pass (`sync_once`) and the `watch` loop
- api.py         drain / undrain / status / sync, used by the commands and the load test
"""
