"""The AWS Lambda entry point (``rsfleet.controller.handler.handler``).

Invoked every minute by EventBridge Scheduler with reserved concurrency 1, so at most one
controller runs. Each invocation:
1. reads its settings from the environment (``config.py``) once per container;
2. asks the redshift-serverless API for each consumer's endpoint and managed-endpoint IPs
   (they can change; the NLB targets are these IPs);
3. runs `Controller.run_pass` every ``interval_seconds`` until ``safety_margin_seconds`` before the
   invocation's timeout (``context.get_remaining_time_in_millis()``);
4. logs one JSON line per action, the pass's sentence and an EMF metrics line per pass,
   and writes the last pass into the state table (`rsfleet --backend aws targets status` shows it).

The readiness counters (rise/fall) and the data-check times stay in the container between
invocations; a new container takes them from the last-pass record.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

from rsfleet.controller.config import ControllerConfig
from rsfleet.controller.loop import LoopResult, run_passes
from rsfleet.controller.metrics import event_line
from rsfleet.controller.service import ControllerService, Emit
from rsfleet.fleet.outputs import ConsumerOutputs, FleetOutputs, NlbOutputs
from rsfleet.targets.cloudwatch import CloudWatchLoad
from rsfleet.targets.controller import Controller
from rsfleet.targets.readiness import TieredProbe
from rsfleet.targets.store import DynamoStore

if TYPE_CHECKING:  # types only, nothing imported at run time
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_redshift_serverless import RedshiftServerlessClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

    from rsfleet.spec.models import FleetSpec
    from rsfleet.targets.credentials import ProbeCredentials


@dataclass
class Runtime:
    """What survives between invocations of one Lambda container."""

    config: ControllerConfig
    spec: FleetSpec
    fleet: str
    region: str
    clients: dict[str, Any]
    store: DynamoStore
    credentials: ProbeCredentials | None = None
    controller: Controller | None = None
    emit: Emit = print
    data_checks: dict[str, tuple[float, bool, str]] = field(default_factory=dict)
    # elastic rotation's CloudWatch signal, kept in the container: its cache holds across
    # invocations (one GetMetricData a minute at most)
    load: CloudWatchLoad | None = None

    @overload
    def client(self, service: Literal["dynamodb"]) -> DynamoDBClient: ...
    @overload
    def client(self, service: Literal["elbv2"]) -> ElasticLoadBalancingv2Client: ...
    @overload
    def client(self, service: Literal["redshift-serverless"]) -> RedshiftServerlessClient: ...
    @overload
    def client(self, service: Literal["secretsmanager"]) -> SecretsManagerClient: ...
    @overload
    def client(self, service: Literal["cloudwatch"]) -> Any: ...

    def client(self, service: Service) -> Any:
        return _client(self.clients, service, self.region)

    def _outputs(self) -> FleetOutputs:
        """The outputs the targets context needs, from the API: the target group and each
        consumer's endpoint and managed-endpoint IPs. A consumer whose workgroup has no
        endpoint or no IP yet (being created or replaced) is left out of this invocation
        with a warning line, so the others are still reconciled."""
        from rsfleet.adapters import redshift_serverless as rss
        from rsfleet.errors import RsfleetError

        rs = self.client("redshift-serverless")
        consumers: dict[str, ConsumerOutputs] = {}
        for name in self.spec.lb_consumers:
            try:
                ep = rss.workgroup_endpoint(rs, self.spec.workgroup_name(name))
            except RsfleetError as exc:  # temporary or permanent: retried next minute
                self.emit(event_line(self.fleet, "warning", target=name,
                                     reason=f"skipped this invocation: {exc}"))
                continue
            if not ep.endpoint_ips:
                self.emit(event_line(self.fleet, "warning", target=name,
                                     reason="skipped this invocation: no endpoint IPs yet"))
                continue
            consumers[name] = ConsumerOutputs(
                workgroup_name=ep.workgroup, endpoint_address=ep.address, port=ep.port,
                endpoint_ips=ep.endpoint_ips, behind_nlb=True)
        return FleetOutputs(aws_region=self.region, consumers=consumers,
                            nlb=NlbOutputs(target_group_arn=self.config.target_group_arn,
                                           port=self.spec.nlb.port))

    def controller_for_invocation(self) -> Controller:
        """Endpoints from the API (fresh every invocation), then the same targets context
        as the CLI's (``aws_context``): the NLB adapter, the probe, the state table. A
        consumer left out this invocation has IPs nobody can name: ``aws_context`` then
        never removes unknown targets (warn only)."""
        from rsfleet.targets.api import aws_context

        cfg = self.config
        outputs = self._outputs()
        if self.spec.rotation.enabled:
            # the consumers' workgroups as this invocation found them (one left out is
            # not read; its load is on the others anyway once it is out)
            wgs = {n: c.workgroup_name for n, c in outputs.consumers.items()
                   if c.workgroup_name}
            if self.load is None:
                from rsfleet.targets import cloudwatch

                if "cloudwatch" not in self.clients:
                    self.clients["cloudwatch"] = cloudwatch.client(self.region)
                self.load = CloudWatchLoad(self.client("cloudwatch"), wgs)
            self.load.set_workgroups(wgs)
        ctx = aws_context(self.spec, outputs, None, credentials=self.credentials,
                          client=self.client("elbv2"), probe_timeout=cfg.probe_timeout_seconds,
                          store=self.store, data_check_seconds=cfg.data_check_seconds,
                          retry_seconds=cfg.data_retry_seconds, load=self.load)
        if isinstance(ctx.probe, TieredProbe):
            import time

            ctx.probe.clock = time.time  # wall clock: carried over in the last-pass record
            ctx.probe.last = self.data_checks  # shared dict: kept across invocations
        ctl = ctx.controller(rise=cfg.rise, fall=cfg.fall)
        if self.controller is not None:
            ctl.readiness = self.controller.readiness
        else:
            last = self.store.last_pass()
            ctl.resume(last)
            if last is not None:
                for name, v in (last.data_checks or {}).items():
                    self.data_checks.setdefault(name, (float(v[0]), bool(v[1]), str(v[2])))
        ctl.data_checks = self.data_checks
        self.controller = ctl
        return ctl


Service = Literal["cloudwatch", "dynamodb", "elbv2", "redshift-serverless", "secretsmanager"]


def _client(clients: dict[str, Any], service: Service, region: str) -> Any:
    """The boto3 client of ``service``, made once (tests pass theirs in ``clients``)."""
    if service not in clients:
        import boto3

        clients[service] = boto3.client(service, region_name=region)
    return clients[service]


def build(env: Mapping[str, str], *, clients: Mapping[str, Any] | None = None) -> Runtime:
    """The runtime from the environment; ``clients`` (service -> boto3 client) for tests."""
    from rsfleet.targets.api import fleet_key
    from rsfleet.targets.credentials import ProbeCredentials

    cfg = ControllerConfig.from_env(env)
    spec = cfg.fleet_spec()
    region = env.get("AWS_REGION") or spec.aws_region
    made = dict(clients or {})
    fleet = fleet_key(spec)
    store = DynamoStore(cfg.state_table, fleet, client=_client(made, "dynamodb", region))
    rt = Runtime(cfg, spec, fleet, region, made, store=store)
    if cfg.probe_secret_arn:
        rt.credentials = ProbeCredentials(secret_arn=cfg.probe_secret_arn,
                                          client=rt.client("secretsmanager"))
    return rt


def invoke(rt: Runtime, remaining: Callable[[], float], *, request_id: str = "",
           emit: Emit = print, max_passes: int | None = None,
           sleep: Callable[[float], None] | None = None) -> LoopResult:
    """One invocation: passes until ``remaining()`` (seconds) nears the margin."""
    import time

    cfg = rt.config
    rt.emit = emit
    ctl = rt.controller_for_invocation()
    service = ControllerService(ctl, rt.fleet, source=f"lambda {request_id}".strip(), emit=emit)
    res = run_passes(service.one_pass, interval=cfg.interval_seconds, remaining=remaining,
                     margin=cfg.safety_margin_seconds, max_passes=max_passes,
                     sleep=sleep or time.sleep)
    emit(event_line(rt.fleet, "invocation", passes=res.passes, failed_passes=res.failed_passes,
                    longest_pass_s=round(res.longest_s, 3), errors=res.errors[:5]))
    return res


_RUNTIME: Runtime | None = None


def handler(event: Any, context: Any) -> dict[str, Any]:
    global _RUNTIME
    if _RUNTIME is None:
        _RUNTIME = build(os.environ)
    rt = _RUNTIME

    def remaining() -> float:
        return float(context.get_remaining_time_in_millis()) / 1000.0

    res = invoke(rt, remaining, request_id=getattr(context, "aws_request_id", ""))
    if res.passes and res.failed_passes == res.passes:
        # every pass failed: fail the invocation, so the Errors alarm sees it
        raise RuntimeError(f"all {res.passes} pass(es) failed: {res.errors[:1]}")
    return {"passes": res.passes, "failed_passes": res.failed_passes}
