"""`rsfleet destroy`'s final snapshot of the producer against the emulator: taken, tagged as
rsfleet's, waited for through CREATING until AVAILABLE, and it outlives the namespace that
Terraform deletes next (a snapshot is kept after its namespace is gone)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from aws_emulator import mock_aws
from moto.moto_api import state_manager

from rsfleet.backup.service import final_snapshot
from rsfleet.spec.models import FleetSpec

SPEC = FleetSpec.model_validate({"environment": "prod", "producer": {"base_capacity": 8},
                                 "consumers": {"c1": {"base_capacity": 8}}})
NS = SPEC.workgroup_name()


def test_final_snapshot_waits_until_available_and_outlives_the_namespace() -> None:
    with mock_aws():
        rs = boto3.client("redshift-serverless", region_name="us-east-1")
        assert final_snapshot(SPEC, rs, now=datetime.now(UTC), retention_days=35,
                              sleep=lambda s: None) is None  # no namespace: nothing to lose
        rs.create_namespace(namespaceName=NS)
        waits: list[float] = []
        state_manager.set_transition("redshift-serverless::snapshot",
                                     {"progression": "manual", "times": 3})
        try:
            name = final_snapshot(SPEC, rs, now=datetime(2026, 12, 8, 1, 0, tzinfo=UTC),
                                  retention_days=35, sleep=waits.append)
        finally:
            state_manager.unset_transition("redshift-serverless::snapshot")
        assert name == f"rsfleet-{NS}-final-20261208-010000"
        assert len(waits) == 3  # CREATING three times, then AVAILABLE
        snap = rs.get_snapshot(snapshotName=name)["snapshot"]
        assert (snap["status"], snap["snapshotRetentionPeriod"]) == ("AVAILABLE", 35)
        assert {"key": "managed-by", "value": "rsfleet"} in rs.list_tags_for_resource(
            resourceArn=snap["snapshotArn"])["tags"]
        rs.delete_namespace(namespaceName=NS)  # what Terraform does next
        rs.list_namespaces()
        assert NS not in {n["namespaceName"] for n in rs.list_namespaces()["namespaces"]}
        assert rs.get_snapshot(snapshotName=name)["snapshot"]["namespaceName"] == NS
