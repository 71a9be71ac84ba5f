"""The local executor of a rollout: HAProxy (through the targets controller's drain state)
and the PostgreSQL consumers of `rsfleet local up`.

- drain: the drain is recorded in the targets state (``targets.json``, note ``rollout``),
  the same record `rsfleet targets drain` writes, so a running `targets watch` keeps the
  consumer out too; then ``set server consumers/NAME state drain``.
- wait drained: until HAProxy counts no session on it, or the deregistration delay
  (``nlb.deregistration_delay``, or --drain-timeout) passed; then ``state maint`` and the
  sessions left are closed.
- change: the spec's consumer settings (rsfleet.local.settings: ``ALTER ROLE``), and with
  --restart a restart of the consumer's PostgreSQL (``pg_ctl stop -m fast``, start: a new
  postmaster pid).
- wait ready: the targets controller's readiness probe (a direct connection as app_reader
  reading every shared table, plus the subscription state and lag bound) passes.
- undrain: the drain record is removed, ``state ready``, and HAProxy's own checks see the
  server UP before the next wave starts.

A rolling restart is remembered in ``rollout.json`` in the state dir (when it started): a
second run restarts only the consumers whose postmaster started before that, and the file
is removed when every consumer is done.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rsfleet.errors import FleetError
from rsfleet.local.fleet import LocalFleet
from rsfleet.rollout import engine
from rsfleet.rollout.lb import LbSteps
from rsfleet.rollout.planner import Change, ConsumerState, Plan, Step

Log = Callable[[str], None]
RECORD = "rollout.json"


@dataclass
class RolloutRecord:
    """What a rollout in progress must remember between runs."""

    path: Path

    def restart_since(self) -> float | None:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            return float(doc["restart_since"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise FleetError(f"cannot read {self.path}: {exc}",
                             hint="delete it to start the rolling restart afresh") from None

    def begin_restart(self, since: float) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"restart_since": since}), encoding="utf-8")
        tmp.replace(self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def postmaster_started(fleet: LocalFleet, name: str) -> float:
    """Epoch seconds at which consumer ``name``'s running postmaster started."""
    import psycopg

    with psycopg.connect(**fleet.admin_kwargs(name), autocommit=True) as c:
        row = c.execute("SELECT extract(epoch FROM pg_postmaster_start_time())::float8"
                        ).fetchone()
    assert row is not None
    return float(row[0])


class LocalExecutor:
    """`RolloutBackend` of the local fleet. ``restart``: restart every consumer too (a
    rolling restart remembered in ``rollout.json`` until it is done: a second run resumes
    it); ``restart_since``: restart the consumers whose postmaster started before then."""

    def __init__(self, fleet: LocalFleet, *, restart: bool = False,
                 restart_since: float | None = None, drain_timeout: float | None = None,
                 ready_timeout: float = 60.0, log: Log | None = None) -> None:
        from rsfleet.errors import UsageError
        from rsfleet.sharing.local import consumer_ready
        from rsfleet.targets.api import local_context

        if drain_timeout is not None and drain_timeout < 0:
            raise UsageError(f"--drain-timeout {drain_timeout:g}: must be 0 or more seconds")
        self.fleet = fleet
        self.log = log or (lambda _m: None)
        self.record = RolloutRecord(Path(fleet.state_dir) / RECORD)
        self.recorded = False
        if restart and restart_since is None:
            restart_since = self.record.restart_since()
            if restart_since is not None:
                self.recorded = True
                self.log("resuming the rolling restart started at "
                         f"{time.strftime('%H:%M:%S', time.localtime(restart_since))}")
            else:
                restart_since = time.time()
        self.ctx = local_context(fleet, data_ready=consumer_ready, probe_timeout=2.0)
        self.restart_since = restart_since
        self.deregistration_delay = float(fleet.spec.nlb.deregistration_delay
                                          if drain_timeout is None else drain_timeout)
        self.lb = LbSteps(self.ctx, deregistration_delay=self.deregistration_delay,
                          ready_timeout=ready_timeout, in_rotation=self._haproxy_up)
        self.not_running: list[str] = []

    def _haproxy_up(self, name: str) -> bool:
        from rsfleet.adapters.haproxy import HaproxyRuntime

        return any(s.name == name and s.in_rotation
                   for s in HaproxyRuntime(self.fleet.haproxy_socket).servers("consumers"))

    def observe(self) -> list[ConsumerState]:
        from rsfleet.local.settings import fleet_drift
        from rsfleet.targets.readiness import probe_all

        fleet, ctx = self.fleet, self.ctx
        names = list(fleet.spec.consumers)
        running = [n for n in names if fleet.node(n).is_running()]
        self.not_running = [n for n in names if n not in running]
        actual = ctx.adapter.observe()
        drained = self.lb.drained_by()
        probes = probe_all(ctx.probe, running) if ctx.probe else {}
        drift = fleet_drift(fleet, running)
        out = []
        for name in names:
            changes = [Change(str(ch), "session") for ch in drift.get(name, [])]
            if name in running and self.restart_since is not None:
                started = postmaster_started(fleet, name)
                if started < self.restart_since:
                    changes.append(Change(
                        f"restart (postmaster pid {fleet.node(name).pid}, up since "
                        f"{time.strftime('%H:%M:%S', time.localtime(started))})", "restart"))
            a = actual.get(name)
            out.append(ConsumerState(
                name, in_rotation=a is not None and a.state == "in_rotation",
                ready=probes.get(name, (False, ""))[0], drained_by=drained.get(name),
                behind_lb=fleet.spec.consumers[name].behind_nlb,
                sessions=a.sessions if a else 0, changes=tuple(changes)))
        return out

    def run_step(self, step: Step) -> str:
        if self.restart_since is not None and not self.recorded:
            self.record.begin_restart(self.restart_since)  # before the first change
            self.recorded = True
        return self.lb.run_step(step, change=self._change,
                                wait_available=lambda _name: "nothing to wait for locally")

    def _change(self, step: Step) -> str:
        from rsfleet.local.settings import apply_to_consumer

        name = step.consumer
        done: list[str] = []
        if any(c.how != "restart" for c in step.changes):
            done.extend(apply_to_consumer(self.fleet, name))
        if any(c.how == "restart" for c in step.changes):
            node = self.fleet.node(name)
            before = node.pid
            node.stop("fast")
            node.start()
            if not node.is_running():
                raise FleetError(f"{name} did not start again", hint=f"see {node.log_file}")
            done.append(f"restarted: postmaster pid {before} -> {node.pid}")
        return "; ".join(done)

    def recover(self, name: str) -> str:
        return self.lb.recover(name)

    def converged(self) -> None:
        self.record.clear()


@dataclass
class LocalRollout:
    plan: Plan
    result: engine.RolloutResult
    not_running: list[str]
    restart_since: float | None


def rollout(fleet: LocalFleet, *, restart: bool = False, max_unavailable: int = 1,
            dry_run: bool = False, drain_timeout: float | None = None,
            ready_timeout: float = 60.0, log: Log | None = None) -> LocalRollout:
    """Apply the spec's consumer settings (and with ``restart`` restart every consumer)
    one wave at a time: `engine.sync` with the local backend. ``dry_run``: the plan only."""
    backend = LocalExecutor(fleet, restart=restart, drain_timeout=drain_timeout,
                            ready_timeout=ready_timeout, log=log)
    first = engine.plan_for(backend, max_unavailable)
    result = engine.sync(first, backend, dry_run, log=log)
    return LocalRollout(first, result, backend.not_running, backend.restart_since)
