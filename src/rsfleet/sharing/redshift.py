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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rsfleet.adapters.redshift_data import DataApi, Target
from rsfleet.errors import UsageError
from rsfleet.fleet.outputs import MISSING_HINT, FleetOutputs, WorkgroupOutputs
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


def fleet_from_outputs(outputs: FleetOutputs | Mapping[str, Any],
                       database: str = "dev") -> RedshiftFleet:
    """The fleet's workgroups from its outputs (docs/CONTRACTS.md §3)."""
    doc = FleetOutputs.of(outputs)

    def workgroup(name: str, wg: WorkgroupOutputs | None, db: str) -> Workgroup:
        if wg is None or not (wg.workgroup_name and wg.namespace_id and wg.admin_secret_arn):
            missing = "workgroup_name, namespace_id, admin_secret_arn"
            raise UsageError(f"Terraform outputs lack {name} ({missing})", hint=MISSING_HINT)
        return Workgroup(wg.workgroup_name, wg.namespace_id, wg.admin_secret_arn,
                         wg.database_name or db)

    fleet = RedshiftFleet(workgroup("'producer'", doc.producer, database),
                          {name: workgroup(f"consumer {name}", c, "dev")
                           for name, c in doc.consumers.items()})
    for wg in (fleet.producer, *fleet.consumers.values()):
        if not NAMESPACE_ID_RE.fullmatch(str(wg.namespace_id)):
            raise UsageError(f"namespace id of {wg.name} is not a GUID: {wg.namespace_id!r}")
    return fleet


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
        wg = (fleet.consumers[action.consumer] if isinstance(action, p.Mount | p.Unmount)
              else fleet.producer)  # the only actions that run on a consumer
        if on_statement:
            on_statement(wg.name, sql)
        api.execute(sql, _target(wg))
        done.append((wg.name, sql))
    return done
