"""Handles redshift-serverless requests (JSON 1.1, target prefix ``RedshiftServerless.``):
the parameters are parsed and the results serialized by moto from botocore's service model
(``automated_parameter_parsing`` + ``ActionResult``), as in moto's newer services."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from moto.core.common_types import TYPE_RESPONSE
from moto.core.responses import ActionResult, BaseResponse, EmptyResult

from .models import RedshiftServerlessBackend, redshiftserverless_backends


def _naive(value: Any) -> Any:
    """Timestamps in requests come parsed as aware datetimes; the models keep naive UTC
    (moto.core.utils.utcnow)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, dict):
        return {k: _naive(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_naive(v) for v in value]
    return value


# moto's server answers requests on threads (werkzeug threaded=True) and Terraform sends
# several at once: one call at a time through the backend, so no listing iterates a dict that
# another request is changing.
_ONE_AT_A_TIME = threading.RLock()


class RedshiftServerlessResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name="redshift-serverless")
        self.automated_parameter_parsing = True

    def call_action(self) -> TYPE_RESPONSE:
        with _ONE_AT_A_TIME:
            return super().call_action()

    @property
    def backend(self) -> RedshiftServerlessBackend:
        return redshiftserverless_backends[self.current_account][self.region]

    @property
    def p(self) -> dict[str, Any]:
        return _naive(dict(self.params))

    def _page(self, key: str, page: tuple[list[dict[str, Any]], str | None]) -> ActionResult:
        items, token = page
        out: dict[str, Any] = {key: items}
        if token:
            out["nextToken"] = token
        return ActionResult(out)

    # namespaces
    def create_namespace(self) -> ActionResult:
        return ActionResult({"namespace": self.backend.create_namespace(self.p)})

    def get_namespace(self) -> ActionResult:
        return ActionResult({"namespace": self.backend.get_namespace(self.p["namespaceName"])})

    def list_namespaces(self) -> ActionResult:
        return self._page("namespaces", self.backend.list_namespaces(
            self.p.get("nextToken"), self.p.get("maxResults")))

    def update_namespace(self) -> ActionResult:
        return ActionResult({"namespace": self.backend.update_namespace(self.p)})

    def delete_namespace(self) -> ActionResult:
        p = self.p
        return ActionResult({"namespace": self.backend.delete_namespace(
            p["namespaceName"], p.get("finalSnapshotName"),
            p.get("finalSnapshotRetentionPeriod"))})

    # workgroups
    def create_workgroup(self) -> ActionResult:
        return ActionResult({"workgroup": self.backend.create_workgroup(self.p)})

    def get_workgroup(self) -> ActionResult:
        return ActionResult({"workgroup": self.backend.get_workgroup(self.p["workgroupName"])})

    def list_workgroups(self) -> ActionResult:
        return self._page("workgroups", self.backend.list_workgroups(
            self.p.get("nextToken"), self.p.get("maxResults")))

    def update_workgroup(self) -> ActionResult:
        return ActionResult({"workgroup": self.backend.update_workgroup(self.p)})

    def delete_workgroup(self) -> ActionResult:
        return ActionResult({"workgroup": self.backend.delete_workgroup(
            self.p["workgroupName"])})

    # endpoint access
    def create_endpoint_access(self) -> ActionResult:
        return ActionResult({"endpoint": self.backend.create_endpoint_access(self.p)})

    def get_endpoint_access(self) -> ActionResult:
        return ActionResult({"endpoint": self.backend.get_endpoint_access(
            self.p["endpointName"])})

    def list_endpoint_access(self) -> ActionResult:
        p = self.p
        return self._page("endpoints", self.backend.list_endpoint_access(
            p.get("workgroupName"), p.get("vpcId"), p.get("nextToken"), p.get("maxResults")))

    def update_endpoint_access(self) -> ActionResult:
        p = self.p
        return ActionResult({"endpoint": self.backend.update_endpoint_access(
            p["endpointName"], p.get("vpcSecurityGroupIds"))})

    def delete_endpoint_access(self) -> ActionResult:
        return ActionResult({"endpoint": self.backend.delete_endpoint_access(
            self.p["endpointName"])})

    # usage limits
    def create_usage_limit(self) -> ActionResult:
        return ActionResult({"usageLimit": self.backend.create_usage_limit(self.p)})

    def get_usage_limit(self) -> ActionResult:
        return ActionResult({"usageLimit": self.backend.get_usage_limit(
            self.p["usageLimitId"])})

    def update_usage_limit(self) -> ActionResult:
        p = self.p
        return ActionResult({"usageLimit": self.backend.update_usage_limit(
            p["usageLimitId"], p.get("amount"), p.get("breachAction"))})

    def delete_usage_limit(self) -> ActionResult:
        return ActionResult({"usageLimit": self.backend.delete_usage_limit(
            self.p["usageLimitId"])})

    def list_usage_limits(self) -> ActionResult:
        p = self.p
        return self._page("usageLimits", self.backend.list_usage_limits(
            p.get("resourceArn"), p.get("usageType"), p.get("nextToken"), p.get("maxResults")))

    # snapshots and recovery points
    def create_snapshot(self) -> ActionResult:
        p = self.p
        return ActionResult({"snapshot": self.backend.create_snapshot(
            p["namespaceName"], p["snapshotName"], p.get("retentionPeriod"), p.get("tags"))})

    def get_snapshot(self) -> ActionResult:
        p = self.p
        return ActionResult({"snapshot": self.backend.get_snapshot(
            p.get("snapshotName"), p.get("snapshotArn"))})

    def list_snapshots(self) -> ActionResult:
        return self._page("snapshots", self.backend.list_snapshots(self.p))

    def update_snapshot(self) -> ActionResult:
        p = self.p
        return ActionResult({"snapshot": self.backend.update_snapshot(
            p["snapshotName"], p.get("retentionPeriod"))})

    def delete_snapshot(self) -> ActionResult:
        return ActionResult({"snapshot": self.backend.delete_snapshot(
            self.p["snapshotName"])})

    def get_recovery_point(self) -> ActionResult:
        return ActionResult({"recoveryPoint": self.backend.get_recovery_point(
            self.p["recoveryPointId"])})

    def list_recovery_points(self) -> ActionResult:
        return self._page("recoveryPoints", self.backend.list_recovery_points(self.p))

    def convert_recovery_point_to_snapshot(self) -> ActionResult:
        p = self.p
        return ActionResult({"snapshot": self.backend.convert_recovery_point_to_snapshot(
            p["recoveryPointId"], p["snapshotName"], p.get("retentionPeriod"), p.get("tags"))})

    # restores
    def restore_from_snapshot(self) -> ActionResult:
        return ActionResult(self.backend.restore_from_snapshot(self.p))

    def restore_from_recovery_point(self) -> ActionResult:
        return ActionResult(self.backend.restore_from_recovery_point(self.p))

    # scheduled actions
    def create_scheduled_action(self) -> ActionResult:
        return ActionResult({"scheduledAction": self.backend.create_scheduled_action(self.p)})

    def get_scheduled_action(self) -> ActionResult:
        return ActionResult({"scheduledAction": self.backend.get_scheduled_action(
            self.p["scheduledActionName"])})

    def update_scheduled_action(self) -> ActionResult:
        return ActionResult({"scheduledAction": self.backend.update_scheduled_action(self.p)})

    def delete_scheduled_action(self) -> ActionResult:
        return ActionResult({"scheduledAction": self.backend.delete_scheduled_action(
            self.p["scheduledActionName"])})

    def list_scheduled_actions(self) -> ActionResult:
        p = self.p
        return self._page("scheduledActions", self.backend.list_scheduled_actions(
            p.get("namespaceName"), p.get("nextToken"), p.get("maxResults")))

    # snapshot copy configurations
    def create_snapshot_copy_configuration(self) -> ActionResult:
        return ActionResult({"snapshotCopyConfiguration":
                             self.backend.create_snapshot_copy_configuration(self.p)})

    def update_snapshot_copy_configuration(self) -> ActionResult:
        p = self.p
        return ActionResult({"snapshotCopyConfiguration":
                             self.backend.update_snapshot_copy_configuration(
                                 p["snapshotCopyConfigurationId"],
                                 p.get("snapshotRetentionPeriod"))})

    def delete_snapshot_copy_configuration(self) -> ActionResult:
        return ActionResult({"snapshotCopyConfiguration":
                             self.backend.delete_snapshot_copy_configuration(
                                 self.p["snapshotCopyConfigurationId"])})

    def list_snapshot_copy_configurations(self) -> ActionResult:
        p = self.p
        return self._page("snapshotCopyConfigurations",
                          self.backend.list_snapshot_copy_configurations(
                              p.get("namespaceName"), p.get("nextToken"),
                              p.get("maxResults")))

    # credentials, tags, resource policies
    def get_credentials(self) -> ActionResult:
        return ActionResult(self.backend.get_credentials(self.p))

    def tag_resource(self) -> ActionResult:
        self.backend.tag_resource(self.p["resourceArn"], self.p["tags"])
        return EmptyResult()

    def untag_resource(self) -> ActionResult:
        self.backend.untag_resource(self.p["resourceArn"], self.p["tagKeys"])
        return EmptyResult()

    def list_tags_for_resource(self) -> ActionResult:
        return ActionResult({"tags": self.backend.list_tags_for_resource(
            self.p["resourceArn"])})

    def put_resource_policy(self) -> ActionResult:
        return ActionResult({"resourcePolicy": self.backend.put_resource_policy(
            self.p["resourceArn"], self.p["policy"])})

    def get_resource_policy(self) -> ActionResult:
        return ActionResult({"resourcePolicy": self.backend.get_resource_policy(
            self.p["resourceArn"])})

    def delete_resource_policy(self) -> ActionResult:
        self.backend.delete_resource_policy(self.p["resourceArn"])
        return EmptyResult()
