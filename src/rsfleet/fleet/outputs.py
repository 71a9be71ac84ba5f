"""The fleet's outputs (docs/CONTRACTS.md §3) as one typed document, parsed once at the edge.

Three sources, one model:
- `FleetOutputs.from_terraform(doc)`: `terraform output -json` ({name: {value, sensitive}}) or
  the plain {name: value} mapping rsfleet's Terraform adapter returns;
- `FleetOutputs.from_file(path)`: a file saved with `terraform output -json`;
- `FleetOutputs.from_api(spec, client)`: asked of the redshift-serverless API (workgroups
  named per §2) when Terraform's state is not at hand.
Every part is optional: a command says which part it misses (`require_*`), in one line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from rsfleet.errors import UsageError

if TYPE_CHECKING:  # types only, nothing imported at run time
    from mypy_boto3_redshift_serverless import RedshiftServerlessClient

    from rsfleet.spec.models import FleetSpec

MISSING_HINT = ("run `rsfleet apply --env ENV` first, or pass --tf-outputs FILE saved with "
                "`terraform output -json`")


class _Doc(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class WorkgroupOutputs(_Doc):
    """A workgroup and its namespace (producer or consumer)."""

    workgroup_name: str | None = None
    namespace_name: str | None = None
    namespace_id: str | None = None
    database_name: str | None = None
    endpoint_address: str | None = None
    port: int | None = None
    admin_secret_arn: str | None = None


class ConsumerOutputs(WorkgroupOutputs):
    endpoint_ips: dict[str, str] = {}  # AZ -> private IP of the managed VPC endpoint
    behind_nlb: bool = True


class NlbOutputs(_Doc):
    dns_name: str | None = None
    arn: str | None = None
    target_group_arn: str | None = None
    port: int | None = None


class ControllerOutputs(_Doc):
    """The readiness controller (null when `controller.enabled` is false)."""

    function_name: str | None = None
    state_table: str | None = None  # the drain state the CLI and the Lambda share
    dlq_name: str | None = None
    fleet: str | None = None  # the fleet's key in the state table


class FleetOutputs(_Doc):
    aws_region: str | None = None
    producer: WorkgroupOutputs | None = None
    consumers: dict[str, ConsumerOutputs] = {}
    nlb: NlbOutputs | None = None
    controller: ControllerOutputs | None = None
    data_sharing_commands: str | None = None
    test_instance_id: str | None = None
    # the readiness probe's secret (the spec's, or the one Terraform created without a
    # value): `share apply` fills it and creates the login on every consumer
    probe_secret_arn: str | None = None

    # -- constructors -------------------------------------------------------------------

    @classmethod
    def of(cls, outputs: FleetOutputs | Mapping[str, Any] | None) -> FleetOutputs:
        """`outputs` as the model: a model as is, a {name: value} mapping parsed."""
        if isinstance(outputs, FleetOutputs):
            return outputs
        return cls.from_terraform(outputs or {})

    @classmethod
    def from_terraform(cls, doc: Mapping[str, Any], *, source: str = "Terraform outputs",
                       ) -> FleetOutputs:
        """`terraform output -json` (sensitive values dropped) or {name: value}."""
        values = {k: (v.get("value") if _wrapped(v) else v) for k, v in doc.items()
                  if not (_wrapped(v) and v.get("sensitive"))}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise UsageError(f"{source}: {where}: {err['msg']}", hint=MISSING_HINT) from None

    @classmethod
    def from_file(cls, path: Path) -> FleetOutputs:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read Terraform outputs from {path}: {exc}",
                             hint="save them with `terraform output -json > FILE`") from None
        if not isinstance(doc, dict):
            raise UsageError(f"{path}: not a JSON object of Terraform outputs",
                             hint="save them with `terraform output -json > FILE`")
        return cls.from_terraform(doc, source=str(path))

    @classmethod
    def from_api(cls, spec: FleetSpec, client: RedshiftServerlessClient, *,
                 consumers: list[str] | None = None,
                 target_group_arn: str | None = None, region: str | None = None,
                 producer: bool = True, endpoints: bool = False) -> FleetOutputs:
        """Asked of the redshift-serverless API (`client`): the producer and `consumers`
        (default: all) by their §2 names. `endpoints`: each consumer's endpoint address,
        port and managed-endpoint IPs (the NLB's targets) instead of its namespace."""
        from rsfleet.adapters import redshift_serverless as rss

        names = sorted(spec.consumers) if consumers is None else consumers
        out: dict[str, Any] = {"aws_region": region or spec.aws_region}
        if producer:
            out["producer"] = rss.workgroup_outputs(client, spec.workgroup_name(), spec)
        if endpoints:
            out["consumers"] = {n: rss.endpoint_outputs(client, spec.workgroup_name(n))
                                for n in names}
        else:
            out["consumers"] = {n: rss.workgroup_outputs(client, spec.workgroup_name(n), spec)
                                for n in names}
        if target_group_arn is not None:
            out["nlb"] = {"target_group_arn": target_group_arn, "port": spec.nlb.port}
        return cls.model_validate(out)

    # -- reading ------------------------------------------------------------------------

    def region(self, spec: FleetSpec | None = None) -> str | None:
        return self.aws_region or (spec.aws_region if spec is not None else None)

    def require_producer(self) -> WorkgroupOutputs:
        if self.producer is None:
            raise UsageError("Terraform outputs lack 'producer'", hint=MISSING_HINT)
        return self.producer

    def to_values(self) -> dict[str, Any]:
        """{name: value} as `terraform output -json` would give (unset parts left out)."""
        return self.model_dump(mode="json", exclude_none=True)


def _wrapped(value: Any) -> bool:
    return isinstance(value, dict) and "value" in value and set(value) <= {
        "value", "type", "sensitive"}
