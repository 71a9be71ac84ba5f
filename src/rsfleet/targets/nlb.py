"""NLB target adapter: a consumer is the set of its VPC-endpoint ENI IPs in the target group.

Draining is the NLB's own: ``deregister_targets`` puts the IPs in ``draining`` for the target
group's deregistration delay (no new flows, existing ones continue), then they are gone
(https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-target-groups.html#deregistration-delay).
So ``lb_finishes_drain`` is true and ``disable``/``remove`` have nothing left to do.

Modes (spec ``nlb.register_targets_with_terraform``):
- true (default): Terraform owns the attachments. rsfleet only deregisters unready or drained
  consumers temporarily and registers them again; it never removes a target that is not a
  member (``terraform apply`` does).
- false: rsfleet owns membership: it registers members and deregisters everything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rsfleet.adapters import elbv2
from rsfleet.errors import UsageError
from rsfleet.fleet.outputs import FleetOutputs, NlbOutputs
from rsfleet.targets.actions import Action, Disable, Drain, Enable, Remove
from rsfleet.targets.reconciler import ActualTarget

if TYPE_CHECKING:  # types only, nothing imported at run time
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client

UNKNOWN_PREFIX = "ip:"  # a registered IP that belongs to no consumer in the outputs


class NlbTargets:
    kind = "nlb"
    lb_finishes_drain = True

    def __init__(self, client: ElasticLoadBalancingv2Client, target_group_arn: str,
                 endpoints: Mapping[str, list[str]],
                 port: int, *, owns_membership: bool, deregistration_delay: float) -> None:
        self.client = client
        self.target_group_arn = target_group_arn
        self.endpoints = {n: sorted(set(ips)) for n, ips in endpoints.items()}
        self.port = port
        self.owns_membership = owns_membership
        self.deregistration_delay = deregistration_delay
        self._by_ip = {ip: n for n, ips in self.endpoints.items() for ip in ips}

    @classmethod
    def from_outputs(cls, outputs: FleetOutputs, *, register_with_terraform: bool,
                     deregistration_delay: float,
                     client: ElasticLoadBalancingv2Client | None = None,
                     region: str | None = None) -> NlbTargets:
        """Build from the fleet's outputs (CONTRACTS.md §3): the target group and each
        consumer behind the NLB with its managed-endpoint IPs."""
        nlb = outputs.nlb or NlbOutputs()
        if not nlb.target_group_arn:
            raise UsageError("the Terraform outputs have no nlb.target_group_arn",
                             hint="run `rsfleet apply`, or pass --tf-outputs FILE from "
                             "`terraform output -json`")
        endpoints: dict[str, list[str]] = {}
        port = None
        for name, c in outputs.consumers.items():
            if not c.behind_nlb:
                continue
            ips = list(c.endpoint_ips.values())
            if not ips:
                raise UsageError(f"consumer {name!r} has no endpoint_ips in the Terraform "
                                 "outputs", hint="run `rsfleet apply` so the endpoint exists")
            endpoints[name] = ips
            port = port or c.port
        port = int(port or nlb.port or 5439)
        return cls(client or elbv2.client(region or outputs.aws_region), nlb.target_group_arn,
                   endpoints, port, owns_membership=not register_with_terraform,
                   deregistration_delay=deregistration_delay)

    def observe(self) -> dict[str, ActualTarget]:
        health = elbv2.describe_target_health(self.client, self.target_group_arn)
        per: dict[str, list[dict[str, Any]]] = {}
        for h in health:
            name = self._by_ip.get(h["ip"], UNKNOWN_PREFIX + h["ip"])
            per.setdefault(name, []).append(h)
        out: dict[str, ActualTarget] = {}
        for name, hs in per.items():
            serving = [h for h in hs if h["state"] != "draining"]
            text = ", ".join(f"{h['ip']} {h['state']}" for h in sorted(hs, key=lambda h: h["ip"]))
            if serving:
                want = set(self.endpoints.get(name, [h["ip"] for h in hs]))
                complete = want <= {h["ip"] for h in serving}
                out[name] = ActualTarget("in_rotation", lb_health=text, complete=complete)
            else:
                out[name] = ActualTarget("draining", lb_health=text)
        return out

    def _ips(self, name: str) -> list[str]:
        if name.startswith(UNKNOWN_PREFIX):
            return [name.removeprefix(UNKNOWN_PREFIX)]
        return self.endpoints.get(name, [])

    def apply(self, action: Action) -> str:
        ips = self._ips(action.target)
        match action:
            case Enable():
                elbv2.register_targets(self.client, self.target_group_arn, ips, self.port)
                return f"registered {', '.join(ips)}:{self.port}"
            case Drain():
                elbv2.deregister_targets(self.client, self.target_group_arn, ips, self.port)
                return (f"deregistered {', '.join(ips)} (the NLB drains them for "
                        f"{self.deregistration_delay:g}s)")
            case Disable() | Remove():
                return "nothing to do: the NLB finishes the drain itself"
        return action.reason
