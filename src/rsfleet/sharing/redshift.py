"""The Redshift executor: observe datashares through system views, apply a plan statement
by statement through the Data API.

Observed state (column names from the AWS docs):
- producer: SVV_DATASHARES (share_name, share_type),
  SVV_DATASHARE_OBJECTS (share_name, share_type, object_type, object_name, include_new)
  https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_DATASHARE_OBJECTS.html,
  SVV_DATASHARE_CONSUMERS (share_name, consumer_namespace)
  https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_DATASHARE_CONSUMERS.html
- consumers: SVV_DATASHARES rows with share_type = 'INBOUND' (share_name, consumer_database,
  producer_namespace): which database each consumer created from which share
  https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_DATASHARES.html
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rsfleet.adapters import aws_errors
from rsfleet.adapters.redshift_data import DataApi, Target
from rsfleet.errors import UsageError
from rsfleet.sharing import planner as p
from rsfleet.sharing.model import FleetShareState, ShareState
from rsfleet.sharing.sql import statement
from rsfleet.spec.identifiers import NAMESPACE_ID_RE


@dataclass(frozen=True)
class Workgroup:
    name: str
    namespace_id: str
    secret_arn: str
    database: str


@dataclass(frozen=True)
class RedshiftFleet:
    producer: Workgroup
    consumers: dict[str, Workgroup] = field(default_factory=dict)

    @property
    def consumer_namespace_ids(self) -> dict[str, str]:
        return {name: wg.namespace_id for name, wg in self.consumers.items()}


def fleet_from_outputs(outputs: dict[str, Any], database: str = "dev") -> RedshiftFleet:
    """Build the fleet from `terraform output -json` values (docs/CONTRACTS.md §3)."""
    try:
        prod = outputs["producer"]
        consumers = outputs["consumers"]
        producer = Workgroup(prod["workgroup_name"], prod["namespace_id"],
                             prod["admin_secret_arn"], prod.get("database_name") or database)
        fleet = RedshiftFleet(
            producer,
            {name: Workgroup(c["workgroup_name"], c["namespace_id"], c["admin_secret_arn"],
                             c.get("database_name") or "dev")
             for name, c in consumers.items()},
        )
    except (KeyError, TypeError) as exc:
        raise UsageError(
            f"Terraform outputs lack {exc}", hint="run `rsfleet apply --env ENV` first, or pass "
            "--tf-outputs FILE saved with `terraform output -json`",
        ) from None
    for wg in (fleet.producer, *fleet.consumers.values()):
        if not NAMESPACE_ID_RE.fullmatch(str(wg.namespace_id)):
            raise UsageError(f"namespace id of {wg.name} is not a GUID: {wg.namespace_id!r}")
    return fleet


def outputs_from_serverless(spec: Any, client: Any = None) -> dict[str, Any]:
    """The Terraform outputs rsfleet needs (docs/CONTRACTS.md §3 shape), asked of the
    redshift-serverless API instead: workgroups named `<project>-<env>-producer` and
    `<project>-<env>-<consumer>` (§2), their namespace's id and managed admin secret.
    https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_GetWorkgroup.html
    https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_GetNamespace.html
    """
    from botocore.exceptions import BotoCoreError, ClientError

    if client is None:
        import boto3

        client = boto3.client("redshift-serverless", region_name=spec.aws_region)

    def describe(workgroup: str) -> dict[str, Any]:
        try:
            wg = client.get_workgroup(workgroupName=workgroup)["workgroup"]
            ns = client.get_namespace(namespaceName=wg["namespaceName"])["namespace"]
        except (BotoCoreError, ClientError) as exc:
            raise aws_errors.translate(
                exc, "redshift-serverless", credentials="for the redshift-serverless API",
                credentials_hint="configure AWS credentials, or pass --tf-outputs FILE",
                not_found=f"workgroup {workgroup} not found in {spec.aws_region}",
                not_found_hint=f"build the fleet first (rsfleet apply --env {spec.environment}) "
                "or pass --tf-outputs FILE") from None
        secret = ns.get("adminPasswordSecretArn")
        if not secret:
            raise UsageError(f"namespace {ns.get('namespaceName')} has no managed admin secret",
                             hint="set manage_admin_password on the namespace (Terraform does)")
        return {"workgroup_name": wg["workgroupName"], "namespace_name": ns["namespaceName"],
                "namespace_id": ns["namespaceId"], "admin_secret_arn": secret,
                "database_name": ns.get("dbName") or "dev"}

    return {
        "aws_region": spec.aws_region,
        "producer": describe(spec.workgroup_name()),
        "consumers": {name: describe(spec.workgroup_name(name)) for name in sorted(spec.consumers)},
    }


def _target(wg: Workgroup) -> Target:
    return Target(workgroup=wg.name, database=wg.database, secret_arn=wg.secret_arn)


def observe(api: DataApi, fleet: RedshiftFleet) -> FleetShareState:
    prod = _target(fleet.producer)
    by_namespace = {wg.namespace_id: name for name, wg in fleet.consumers.items()}
    names = [r["share_name"].strip() for r in api.query(
        "SELECT share_name FROM svv_datashares WHERE share_type = 'OUTBOUND';", prod)]
    schemas: dict[str, set[str]] = {n: set() for n in names}
    includenew: dict[str, set[str]] = {n: set() for n in names}
    tables: dict[str, set[str]] = {n: set() for n in names}
    grants: dict[str, set[str]] = {n: set() for n in names}
    for r in api.query(
        "SELECT share_name, object_type, object_name, include_new FROM svv_datashare_objects "
        "WHERE share_type = 'OUTBOUND';", prod,
    ):
        share = r["share_name"].strip()
        kind = (r["object_type"] or "").strip().lower()
        obj = (r["object_name"] or "").strip()
        if share not in schemas:
            continue
        if kind == "schema":
            schemas[share].add(obj)
            if r.get("include_new"):
                includenew[share].add(obj)
        elif kind == "table":
            tables[share].add(obj)
    for r in api.query("SELECT share_name, consumer_namespace FROM svv_datashare_consumers;",
                       prod):
        share = r["share_name"].strip()
        consumer = by_namespace.get((r["consumer_namespace"] or "").strip())
        if share in grants and consumer:
            grants[share].add(consumer)
    shares = {
        n: ShareState(frozenset(schemas[n]), frozenset(includenew[n]), frozenset(tables[n]),
                      frozenset(grants[n]))
        for n in names
    }
    mounts: dict[str, dict[str, str]] = {}
    producer_ns = fleet.producer.namespace_id.lower()
    for name, wg in sorted(fleet.consumers.items()):
        rows = api.query(
            "SELECT share_name, consumer_database, producer_namespace FROM svv_datashares "
            "WHERE share_type = 'INBOUND';",
            _target(wg),
        )
        dbs = {
            (r["consumer_database"] or "").strip(): r["share_name"].strip()
            for r in rows
            if (r.get("consumer_database") or "").strip()
            and (r.get("producer_namespace") or "").strip().lower() == producer_ns
        }
        if dbs:
            mounts[name] = dbs
    return FleetShareState(shares, mounts)


def apply(
    api: DataApi,
    fleet: RedshiftFleet,
    actions: tuple[p.Action, ...],
    *,
    on_statement: Callable[[str, str], None] | None = None,
) -> list[tuple[str, str]]:
    """Execute actions in order, one Data API call each; stop at the first failure.

    Every action is idempotent with respect to the next plan: a failure leaves a state
    that the next `share apply` observes and completes.
    """
    done: list[tuple[str, str]] = []
    for action in actions:
        sql = statement(action, producer_namespace_id=fleet.producer.namespace_id,
                        consumer_namespace_ids=fleet.consumer_namespace_ids)
        wg = fleet.producer if action.target == "producer" else fleet.consumers[
            action.consumer]  # type: ignore[attr-defined]
        if on_statement:
            on_statement(wg.name, sql)
        api.execute(sql, _target(wg))
        done.append((wg.name, sql))
    return done
