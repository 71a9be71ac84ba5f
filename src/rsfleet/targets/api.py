"""drain / undrain / status / sync for the commands and for other parts (the load test's
``--drain`` fault, the Lambda controller, rolling changes).

Every function takes a ``TargetsContext``, built once by its caller: ``local_context(fleet,
data_ready=...)`` (HAProxy of the local fleet; the caller passes the local share backend's
``consumer_ready``) or ``aws_context(spec, outputs)`` (the NLB of the fleet's
``FleetOutputs``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rsfleet.errors import UsageError
from rsfleet.fleet import Fleet
from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.targets import actions
from rsfleet.targets.controller import Controller, Pass, TargetStatus
from rsfleet.targets.protocol import TargetAdapter
from rsfleet.targets.readiness import DataReady, Probe
from rsfleet.targets.rotation import PARKED, Load, RotationSettings
from rsfleet.targets.sessions import DrainWait, LocalSessions, SessionCloser, wait_drained
from rsfleet.targets.store import (
    Drain,
    DynamoStore,
    JsonFileStore,
    PassRecord,
    StateStore,
    TargetsState,
    import_file_once,
    operator,
)

if TYPE_CHECKING:  # types only, nothing imported at run time
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_redshift_serverless import RedshiftServerlessClient

    from rsfleet.adapters.redshift_data import DataApi
    from rsfleet.spec.models import FleetSpec
    from rsfleet.targets.credentials import ProbeCredentials

STATE_FILE = "targets.json"
Log = Callable[[str], None]


@dataclass
class TargetsContext:
    adapter: TargetAdapter
    members: list[str]
    probe: Probe | None  # None: no direct probe (AWS without credentials)
    store: StateStore
    name: str = ""  # the fleet, project/environment: the metrics' dimension
    # elastic rotation (spec `rotation`, enabled) and its load signal; None: off
    rotation: RotationSettings | None = None
    load: Callable[[], Load] | None = None
    # closes a draining consumer's sessions between transactions (rsfleet.targets.sessions);
    # None: the LB's timeout closes them
    sessions: SessionCloser | None = None

    def controller(self, *, rise: int = 2, fall: int = 2, log: Log | None = None) -> Controller:
        return Controller(self.adapter, self.members, self.probe, self.store, rise=rise,
                          fall=fall, log=log, rotation=self.rotation, load=self.load,
                          sessions=self.sessions)


def local_context(fleet: Fleet, *, data_ready: DataReady,
                  probe_timeout: float = 1.0) -> TargetsContext:
    """The local fleet's HAProxy, its probe and its drain file. ``data_ready``: the local
    share backend's check (``rsfleet.sharing.local.consumer_ready``), from the caller."""
    from rsfleet.targets.haproxy import HaproxyTargets
    from rsfleet.targets.readiness import local_probe

    adapter = HaproxyTargets.for_fleet(fleet)
    rotation = rotation_settings(fleet.spec)
    return TargetsContext(adapter=adapter, members=fleet.spec.lb_consumers,
                          probe=local_probe(fleet, timeout=probe_timeout,
                                            data_ready=data_ready),
                          store=JsonFileStore(Path(fleet.state_dir) / STATE_FILE),
                          name=fleet_key(fleet.spec), rotation=rotation,
                          load=adapter.load if rotation is not None else None,
                          sessions=LocalSessions(fleet))


def rotation_settings(spec: FleetSpec) -> RotationSettings | None:
    """The spec's ``rotation`` block for the planner; None when it is not enabled."""
    r = spec.rotation
    if not r.enabled:
        return None
    return RotationSettings(min_in_rotation=r.min_in_rotation,
                            max_in_rotation=r.max_in_rotation,
                            target_sessions=r.target_sessions_per_consumer,
                            scale_in_after=float(r.scale_in_after_seconds))


def aws_context(spec: FleetSpec, outputs: FleetOutputs, state_dir: Path | None, *,
                credentials: ProbeCredentials | None = None,
                client: ElasticLoadBalancingv2Client | None = None,
                probe_timeout: float = 2.0, store: StateStore | None = None,
                dynamodb: DynamoDBClient | None = None, log: Log | None = None,
                data_check_seconds: float = 0.0,
                retry_seconds: float | None = None,
                data_api: DataApi | None = None,
                load: Callable[[], Load] | None = None) -> TargetsContext:
    """The NLB of the fleet's outputs (Terraform's, ``discover_outputs``' or the
    controller's own from the API). With ``credentials``
    (``rsfleet.targets.credentials.ProbeCredentials``: consumer -> (user, password)) each
    consumer is probed directly at its workgroup endpoint (``data_check_seconds``,
    ``retry_seconds``: see ``endpoint_probe``); without, readiness is not probed and the
    controller only keeps membership and operator drains (the NLB's checks still apply).

    A consumer behind the NLB that the outputs lack (its endpoint is being replaced) has
    IPs nobody can name: rsfleet then never removes targets it does not know (as when
    Terraform owns the attachments).

    Operator drains live in the controller's DynamoDB table when the outputs name one
    (``controller.state_table``: the CLI and the Lambda controller share it), else in
    ``<state_dir>/targets-aws.json`` (a local file: run `targets` for one fleet from one
    place). A ``targets-aws.json`` left from before the table existed is imported into the
    table once, with a message.

    ``data_api`` (``rsfleet.adapters.redshift_data.DataApi``): drains close the consumers'
    sessions between transactions through it, as each namespace's admin secret
    (``rsfleet.targets.sessions.RedshiftSessions``); None: the NLB closes them at the
    deregistration delay.

    ``load``: elastic rotation's signal (``rsfleet.targets.cloudwatch.CloudWatchLoad``, kept
    by the caller across passes for its cache). Rotation runs when the spec enables it AND a
    load is given; without one it stays off (nothing to decide on)."""
    from rsfleet.targets.nlb import NlbTargets
    from rsfleet.targets.readiness import endpoint_probe

    partial = any(n not in outputs.consumers for n in spec.lb_consumers)
    adapter = NlbTargets.from_outputs(
        outputs, register_with_terraform=spec.nlb.register_targets_with_terraform or partial,
        deregistration_delay=spec.nlb.deregistration_delay, client=client,
        region=outputs.region(spec))
    probe = (endpoint_probe(outputs, spec, credentials, probe_timeout,
                            data_check_seconds=data_check_seconds, retry_seconds=retry_seconds)
             if credentials is not None else None)
    members = [n for n in spec.lb_consumers if n in adapter.endpoints]
    if store is None:
        store = aws_store(spec, outputs, state_dir, client=dynamodb, log=log)
    sessions = None
    if data_api is not None:
        from rsfleet.adapters.redshift_data import Target
        from rsfleet.targets.sessions import RedshiftSessions

        sessions = RedshiftSessions(data_api, {
            n: Target(c.workgroup_name, c.database_name or "dev", c.admin_secret_arn or "")
            for n, c in outputs.consumers.items() if c.workgroup_name and n in members})
    rotation = rotation_settings(spec) if load is not None else None
    return TargetsContext(adapter, members, probe, store, fleet_key(spec), sessions=sessions,
                          rotation=rotation, load=load if rotation is not None else None)


AWS_STATE_FILE = "targets-aws.json"


def aws_store(spec: FleetSpec, outputs: FleetOutputs, state_dir: Path | None, *,
              client: DynamoDBClient | None = None, log: Log | None = None) -> StateStore:
    """The controller's DynamoDB table when the outputs have one, else the local file."""
    table = outputs.controller.state_table if outputs.controller is not None else None
    if not table:
        if state_dir is None:
            raise UsageError("no controller state table in the outputs and no state dir",
                             hint="enable `controller` in the spec and run `rsfleet apply`")
        return JsonFileStore(state_dir / AWS_STATE_FILE)
    store = DynamoStore(table, fleet_key(spec), client=client, region=outputs.region(spec))
    if state_dir is not None:
        import_file_once(store, state_dir / AWS_STATE_FILE, log or _print)
    return store


def fleet_key(spec: FleetSpec) -> str:
    """The fleet's key in the state table: project/environment."""
    return f"{spec.project_name}/{spec.environment}"


def _print(message: str) -> None:
    import sys

    print(message, file=sys.stderr)


def discover_outputs(spec: FleetSpec, target_group_arn: str, *,
                     rs_client: RedshiftServerlessClient | None = None,
                     region: str | None = None) -> FleetOutputs:
    """The outputs `aws_context` needs, without Terraform: the consumers' endpoints and
    managed-endpoint IPs from the redshift-serverless API, the target group given."""
    from rsfleet.adapters import redshift_serverless as rss

    if not target_group_arn.startswith("arn:") or ":targetgroup/" not in target_group_arn:
        raise UsageError(f"--target-group-arn {target_group_arn!r} is not a target group ARN",
                         hint="arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID")
    region = region or spec.aws_region
    rs = rs_client or rss.client(region)
    return FleetOutputs.from_api(spec, rs, consumers=spec.lb_consumers, producer=False,
                                 endpoints=True, target_group_arn=target_group_arn,
                                 region=region)


def _check_member(ctx: TargetsContext, name: str) -> None:
    if name not in ctx.members:
        raise UsageError(f"{name!r} is not a consumer behind the load balancer",
                         hint=f"choose one of: {', '.join(ctx.members) or '(none)'}")


def drain(ctx: TargetsContext, name: str, *, wait: bool = False,
          timeout: float | None = None, log: Log | None = None, why: str = "operator") -> str:
    """Take ``name`` out of rotation: no new sessions, existing ones finish. Persisted, so
    `targets watch`/`sync` keep it out until `undrain`.

    ``wait``: block until its sessions are gone or ``timeout`` (default: the deregistration
    delay) has passed, then switch it off (HAProxy: close what is left, maintenance)."""
    _check_member(ctx, name)
    log = log or (lambda _m: None)
    now = time.time()
    who = operator()

    def mark(state: TargetsState) -> None:
        old = state.drains.get(name)
        if old is None or old.why == PARKED:  # an operator's drain wins over parking
            state.drains[name] = Drain(why=why, who=who, since=now)

    ctx.store.modify(mark)
    observed = ctx.adapter.observe()
    actual = observed.get(name)
    if actual is not None and actual.state == "in_rotation":
        what = ctx.adapter.apply(actions.Drain(name, f"drained by the operator: {why}"))
        ctx.store.modify(lambda st: st.drain_started.__setitem__(name, now))
        if not any(a.state == "in_rotation" for n, a in observed.items() if n != name):
            what += "; WARNING: no consumer is left in rotation, new sessions will fail"
    elif actual is None or actual.state == "absent":
        what = "not in the load balancer; it stays out"
    else:
        what = f"already out of rotation ({actual.state})"
        ctx.store.modify(lambda st: st.drain_started.setdefault(name, now))
    log(f"drain {name}: {what}")
    if not wait:
        return what
    limit = ctx.adapter.deregistration_delay if timeout is None else timeout
    waited = wait_for_drain(ctx, name, limit)
    if waited.gone:
        return _joined(what, "out of the load balancer", waited.summary())
    if ctx.adapter.lb_finishes_drain:
        return _joined(what, f"waited {limit:g}s, the NLB finishes the drain itself",
                       waited.summary())
    left = waited.left
    reason = "no sessions left" if left <= 0 else f"timeout {limit:g}s, closing {left} session(s)"
    done = ctx.adapter.apply(actions.Disable(name, reason))
    ctx.store.modify(lambda st: st.drain_started.pop(name, None))
    log(f"disable {name}: {reason} -> {done}")
    return _joined(what, waited.summary(), reason, done)


def _joined(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def wait_for_drain(ctx: TargetsContext, name: str, limit: float, *, poll: float = 0.2,
                   clock: Callable[[], float] = time.monotonic,
                   sleep: Callable[[float], None] = time.sleep) -> DrainWait:
    """Every drain's wait (`targets drain --wait`, rollouts): until the LB has no session on
    ``name`` or ``limit`` seconds passed, closing its sessions between transactions meanwhile
    (``ctx.sessions``) and the rest just before the limit (the NLB: a few seconds before its
    deregistration delay ends)."""

    def observe() -> tuple[bool, int]:
        cur = ctx.adapter.observe().get(name)
        if cur is None or cur.state in ("absent", "maint"):
            return True, 0
        return False, cur.sessions

    # the Data API takes a second or two per statement: start the final close early
    margin = min(5.0, limit / 4) if ctx.adapter.lb_finishes_drain else 0.0
    return wait_drained(name, observe, ctx.sessions, limit,
                        lb_finishes_drain=ctx.adapter.lb_finishes_drain, margin=margin,
                        poll=poll, clock=clock, sleep=sleep)


def undrain(ctx: TargetsContext, name: str, *, log: Log | None = None) -> str:
    """Forget the operator drain and put ``name`` back when it is ready (probed now)."""
    _check_member(ctx, name)
    was = ctx.store.modify(lambda st: st.drains.pop(name, None))
    if ctx.probe is not None:
        ok, reason = ctx.probe(name)
        if not ok:
            msg = (f"{'undrained' if was else 'was not drained'}; not ready ({reason}): it "
                   "returns to rotation when `targets watch`/`sync` sees it ready")
            if log:
                log(f"undrain {name}: {msg}")
            return msg
    actual = ctx.adapter.observe().get(name)
    if actual is not None and actual.state == "in_rotation" and actual.complete:
        msg = f"{'undrained; ' if was else ''}already in rotation"
    else:
        msg = ctx.adapter.apply(actions.Enable(name, "undrained by the operator"))
        ctx.store.modify(lambda st: st.drain_started.pop(name, None))
    if log:
        log(f"undrain {name}: {msg}")
    return msg


def status(ctx: TargetsContext) -> list[TargetStatus]:
    return ctx.controller().status()


def not_ready(rows: list[TargetStatus]) -> list[str]:
    """One line per target that should serve (a member, not drained) but is not ready, could
    not be probed (ready unknown), or is ready but not in rotation (e.g. missing from the
    load balancer): `targets status` exits 1 when there is any, scripts and monitors rely
    on it (docs/targets.md)."""
    out = []
    for r in rows:
        if not r.member or r.drained:
            continue
        if r.ready is not True:
            out.append(f"{r.name}: {'not probed' if r.ready is None else r.reason or 'not ready'}")
        elif not r.in_rotation:
            where = ("missing from the load balancer" if r.lb_state == "absent"
                     else f"load balancer state {r.lb_state}")
            out.append(f"{r.name}: ready but not in rotation ({where}); `rsfleet targets "
                       "sync` puts it back")
    return out


def last_pass(ctx: TargetsContext) -> PassRecord | None:
    """The controller's last recorded pass (Lambda, `local up`'s controller, `watch`)."""
    return ctx.store.last_pass()


def sync(ctx: TargetsContext, dry_run: bool = False, *,
         log: Log | None = None) -> Pass:
    """One pass: observe, plan, sync the plan (dry: only show it). A single pass decides on
    one probe (rise = fall = 1); the controller's loop applies the rise/fall thresholds
    across passes."""
    return ctx.controller(rise=1, fall=1, log=log).run_pass(dry_run=dry_run)
