"""Elastic Load Balancing v2 (NLB target groups) through boto3; boto3 is imported inside.

Docs: RegisterTargets / DeregisterTargets / DescribeTargetHealth
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeregisterTargets.html
Deregistering starts connection draining for the target group's deregistration delay
(state ``draining``, then the target is gone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from rsfleet.adapters import aws_errors

if TYPE_CHECKING:  # boto3-stubs: types only, nothing imported at run time
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_elbv2.type_defs import TargetDescriptionTypeDef

_R = TypeVar("_R")


def client(region: str | None = None) -> ElasticLoadBalancingv2Client:
    import boto3

    return boto3.client("elbv2", region_name=region)


def _call(fn: Callable[..., _R], what: str, **kwargs: Any) -> _R:
    return aws_errors.call(fn, f"elbv2 {what} failed", **kwargs)


def _targets(ips: Iterable[str], port: int) -> list[TargetDescriptionTypeDef]:
    return [{"Id": ip, "Port": int(port)} for ip in sorted(set(ips))]


def register_targets(elbv2: ElasticLoadBalancingv2Client, target_group_arn: str,
                     ips: Iterable[str], port: int) -> None:
    targets = _targets(ips, port)
    if targets:
        _call(elbv2.register_targets, "RegisterTargets", TargetGroupArn=target_group_arn,
              Targets=targets)


def deregister_targets(elbv2: ElasticLoadBalancingv2Client, target_group_arn: str,
                       ips: Iterable[str], port: int) -> None:
    targets = _targets(ips, port)
    if targets:
        _call(elbv2.deregister_targets, "DeregisterTargets", TargetGroupArn=target_group_arn,
              Targets=targets)


def describe_target_health(elbv2: ElasticLoadBalancingv2Client,
                           target_group_arn: str) -> list[dict[str, Any]]:
    """[{ip, port, state, reason, description}] for every registered target."""
    resp = _call(elbv2.describe_target_health, "DescribeTargetHealth",
                 TargetGroupArn=target_group_arn)
    out = []
    for d in resp.get("TargetHealthDescriptions", []):
        th = d.get("TargetHealth", {})
        out.append({"ip": d["Target"]["Id"], "port": d["Target"].get("Port"),
                    "state": th.get("State", "unknown"), "reason": th.get("Reason", ""),
                    "description": th.get("Description", "")})
    return out
