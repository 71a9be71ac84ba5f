"""Parse `--duration 30s`, `--kill c2@10s`, `--drain c1@5s`; inject the faults.

Injectors:
- local kill: `LocalFleet.kill(name)` (the local fleet's own supervisor, by pid file).
- local drain: the targets controller's drain when available, else the HAProxy runtime
  API (`set server consumers/<name> state drain`) through rsfleet.adapters.haproxy.
- aws drain: the targets controller's drain (rsfleet.targets.api.drain): recorded in the
  shared drain state, so the controller keeps the consumer out, then its endpoint IPs are
  deregistered (connection draining: no new connections, existing ones finish).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rsfleet.errors import FleetError, UsageError
from rsfleet.fleet import KillableFleet
from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.loadtest.model import FaultEvent, FaultSpec
from rsfleet.spec.identifiers import CONSUMER_NAME_RE

if TYPE_CHECKING:  # types only, nothing imported at run time
    from pathlib import Path

    from rsfleet.spec.models import FleetSpec

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(text: str, what: str = "--duration") -> float:
    """'30s', '500ms', '2m', '1h' or a plain number of seconds -> seconds."""
    m = _DURATION_RE.fullmatch(text or "")
    if not m:
        raise UsageError(f"{what} {text!r} is not a duration",
                         hint="write it like 30s, 500ms, 2m or 1h")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_fault(kind: str, text: str, consumers: Sequence[str]) -> FaultSpec:
    name, sep, when = (text or "").partition("@")
    if not sep or not name:
        raise UsageError(f"--{kind} {text!r}: expected NAME@TIME", hint=f"e.g. --{kind} c2@10s")
    if not CONSUMER_NAME_RE.fullmatch(name):
        raise UsageError(f"--{kind} {text!r}: {name!r} is not a consumer name")
    if consumers and name not in consumers:
        raise UsageError(f"--{kind} {text!r}: no consumer {name!r} behind the load balancer",
                         hint=f"consumers: {', '.join(consumers)}")
    return FaultSpec(kind=kind, target=name, at_s=parse_duration(when, f"--{kind} time"))


def check_targets(faults: Sequence[FaultSpec], *, running: set[str], serving: set[str],
                  args: str) -> None:
    """Refuse, before the run, a fault on a consumer that is not running or not in rotation
    (say, left killed or drained by the previous run): it would fail only at its time, after
    the load had run that long, as "fault not applied". `args`: the options that reach the
    fleet again (`--env ENV [--state-dir DIR]`), for the hint."""
    for f in faults:
        if f.target not in running:
            raise UsageError(f"--{f.kind} {f.target}@{f.at_s:g}s: consumer {f.target} is not "
                             "running; nothing was run",
                             hint=f"start it first: rsfleet local restart {f.target} {args}")
        if f.target not in serving:
            raise UsageError(f"--{f.kind} {f.target}@{f.at_s:g}s: consumer {f.target} is not "
                             "in rotation (drained, or not ready); nothing was run",
                             hint=f"put it back first: rsfleet targets undrain {f.target} "
                             f"{args} (`rsfleet targets status {args}` says why it is out)")


def undo_commands(faults: Sequence[FaultEvent], backend: str, args: str) -> list[str]:
    """The commands that undo the faults a run applied: a load test leaves a killed consumer
    down and a drained one out of rotation (the drain is an operator's, kept until undrain)."""
    out: list[str] = []
    for f in faults:
        if f.applied_s is None:
            continue
        if f.kind == "kill":
            out.append(f"rsfleet local restart {f.target} {args}")
        elif backend == "aws":
            out.append(f"rsfleet --backend aws targets undrain {f.target} {args}")
        else:
            out.append(f"rsfleet targets undrain {f.target} {args}")
    return out


Injector = Callable[[str, str], str]
"""(kind, consumer name) -> a short description of what was done; raises on failure."""


def local_injector(fleet: KillableFleet) -> Injector:
    def inject(kind: str, name: str) -> str:
        if kind == "kill":
            fleet.kill(name)
            return f"killed consumer {name} (LocalFleet.kill)"
        return _local_drain(fleet, name)

    return inject


def _local_drain(fleet: KillableFleet, name: str) -> str:
    from rsfleet.sharing.local import consumer_ready
    from rsfleet.targets import api as targets_api

    targets_api.drain(targets_api.local_context(fleet, data_ready=consumer_ready), name)
    return f"drained {name} (rsfleet.targets)"


def aws_injector(spec: FleetSpec, outputs: FleetOutputs,
                 state_dir: Path | None = None) -> Injector:
    def inject(kind: str, name: str) -> str:
        if kind != "drain":
            raise FleetError("--kill works only on the local backend",
                             hint="use --drain on AWS")
        return aws_drain(spec, outputs, name, state_dir)

    return inject


def aws_drain(spec: FleetSpec, outputs: FleetOutputs, name: str,
              state_dir: Path | None = None) -> str:
    """An operator drain through the shared drain state (the controller's DynamoDB table,
    or the local targets-aws.json without one), so the controller keeps the consumer out
    until `rsfleet --backend aws targets undrain NAME`, then deregisters its endpoint IPs.

    Deregistration starts connection draining for `deregistration_delay` seconds: no new
    connections, existing ones may finish
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-target-groups.html#deregistration-delay).
    """
    from rsfleet.targets import api as targets_api

    if state_dir is None:
        from rsfleet.spec.loader import project_root

        state_dir = project_root() / ".rsfleet" / spec.environment
    ctx = targets_api.aws_context(spec, outputs, state_dir)
    what = targets_api.drain(ctx, name, why="loadtest --drain")
    return (f"drained {name} in {ctx.store.where}: {what} "
            f"(undo: rsfleet --backend aws targets undrain {name})")
