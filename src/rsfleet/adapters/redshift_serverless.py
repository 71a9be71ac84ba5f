"""Redshift Serverless control plane (boto3 ``redshift-serverless``; imported inside).

What the targets controller asks of it when the Terraform outputs are not at hand: each
consumer workgroup's endpoint (address, port) and the private IPs of its managed VPC
endpoints, which are the NLB targets.

- GetWorkgroup: ``workgroup.endpoint.{address, port, vpcEndpoints[].networkInterfaces[]}``
  https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_GetWorkgroup.html
- ListEndpointAccess (paginated with ``nextToken``): the managed endpoints that Terraform
  creates per AZ (``aws_redshiftserverless_endpoint_access``), each with
  ``vpcEndpoint.networkInterfaces[].{availabilityZone, privateIpAddress}``
  https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_ListEndpointAccess.html
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from rsfleet.adapters import aws_errors
from rsfleet.errors import FleetError, UsageError

if TYPE_CHECKING:  # boto3-stubs: types only, nothing imported at run time
    from mypy_boto3_redshift_serverless import RedshiftServerlessClient
    from mypy_boto3_redshift_serverless.type_defs import VpcEndpointTypeDef

    from rsfleet.spec.models import FleetSpec

_R = TypeVar("_R")


def client(region: str | None = None) -> RedshiftServerlessClient:
    import boto3

    return boto3.client("redshift-serverless", region_name=region)


def _call(fn: Callable[..., _R], what: str, *, not_found: tuple[str, str] | None = None,
          credentials_hint: str = "configure AWS credentials, or pass --tf-outputs FILE",
          **kwargs: Any) -> _R:
    """`fn(**kwargs)`; a botocore error becomes one line. `credentials_hint`: what to do
    without credentials (--tf-outputs helps only where outputs replace the API calls)."""
    from botocore.exceptions import BotoCoreError, ClientError

    message, hint = not_found or (None, "build the fleet first (`rsfleet apply`) or check --env")
    try:
        return fn(**kwargs)
    except (BotoCoreError, ClientError) as exc:
        raise aws_errors.translate(
            exc, f"redshift-serverless {what} failed",
            credentials="for the redshift-serverless API",
            credentials_hint=credentials_hint,
            not_found=message, not_found_hint=hint) from None


@dataclass(frozen=True)
class WorkgroupEndpoint:
    workgroup: str
    address: str
    port: int
    endpoint_ips: dict[str, str] = field(default_factory=dict)  # AZ -> private IP


def _enis(vpc_endpoints: list[VpcEndpointTypeDef]) -> dict[str, str]:
    out: dict[str, str] = {}
    for vpce in vpc_endpoints:
        for eni in vpce.get("networkInterfaces") or []:
            ip = eni.get("privateIpAddress")
            if ip:
                out[eni.get("availabilityZone") or eni.get("subnetId") or ip] = ip
    return out


def endpoint_access_ips(rs: RedshiftServerlessClient, workgroup: str) -> dict[str, str]:
    """AZ -> IP of the ACTIVE managed endpoints of one workgroup (every page)."""
    ips: dict[str, str] = {}
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"workgroupName": workgroup}
        if token:
            kwargs["nextToken"] = token
        resp = _call(rs.list_endpoint_access, "ListEndpointAccess", **kwargs)
        for ep in resp.get("endpoints") or []:
            if ep.get("workgroupName", workgroup) != workgroup:
                continue
            if (ep.get("endpointStatus") or "").upper() != "ACTIVE":
                continue
            ips.update(_enis([ep.get("vpcEndpoint") or {}]))
        token = resp.get("nextToken")
        if not token:
            return ips


def workgroup_endpoint(rs: RedshiftServerlessClient, workgroup: str) -> WorkgroupEndpoint:
    """The workgroup's endpoint, with the IPs of its managed endpoints (the NLB targets);
    when it has none, the IPs of the workgroup's own VPC endpoint."""
    wg = _call(rs.get_workgroup, "GetWorkgroup", workgroupName=workgroup)["workgroup"]
    ep = wg.get("endpoint") or {}
    if not ep.get("address"):
        raise FleetError(f"workgroup {workgroup} has no endpoint yet (status "
                         f"{wg.get('status', '?')})", hint="wait until it is AVAILABLE")
    ips = endpoint_access_ips(rs, workgroup) or _enis(ep.get("vpcEndpoints") or [])
    return WorkgroupEndpoint(workgroup, ep["address"], int(ep.get("port") or 5439), ips)


def endpoint_outputs(rs: RedshiftServerlessClient, workgroup: str) -> dict[str, Any]:
    """One consumer's part of the outputs (CONTRACTS.md §3) from its endpoint."""
    ep = workgroup_endpoint(rs, workgroup)
    return {"workgroup_name": ep.workgroup, "endpoint_address": ep.address,
            "port": ep.port, "endpoint_ips": ep.endpoint_ips, "behind_nlb": True}


def workgroup_outputs(rs: RedshiftServerlessClient, workgroup: str,
                      spec: FleetSpec) -> dict[str, Any]:
    """A workgroup's part of the outputs (CONTRACTS.md §3) from it and its namespace:
    namespace id, managed admin secret, database.
    https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_GetWorkgroup.html
    https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_GetNamespace.html
    """
    not_found = (f"workgroup {workgroup} not found in {spec.aws_region}",
                 f"build the fleet first (rsfleet apply --env {spec.environment}) or pass "
                 "--tf-outputs FILE")
    wg = _call(rs.get_workgroup, "GetWorkgroup", not_found=not_found,
               workgroupName=workgroup)["workgroup"]
    ns = _call(rs.get_namespace, "GetNamespace", not_found=not_found,
               namespaceName=wg["namespaceName"])["namespace"]
    secret = ns.get("adminPasswordSecretArn")
    if not secret:
        raise UsageError(f"namespace {ns.get('namespaceName')} has no managed admin secret",
                         hint="set manage_admin_password on the namespace (Terraform does)")
    return {"workgroup_name": wg["workgroupName"], "namespace_name": ns["namespaceName"],
            "namespace_id": ns["namespaceId"], "admin_secret_arn": secret,
            "database_name": ns.get("dbName") or "dev"}
