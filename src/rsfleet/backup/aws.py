"""Backups of the producer on Redshift Serverless (boto3 `redshift-serverless`).

Provider 5.100.0 cannot manage scheduled actions or snapshot copy configurations
(terraform-provider-aws #35138, #44128, #36808), so rsfleet reconciles them via the API:
- CreateScheduledAction / UpdateScheduledAction / DeleteScheduledAction / GetScheduledAction /
  ListScheduledActions (targetAction.createSnapshot; the role is assumed by
  scheduler.redshift.amazonaws.com; runs >= 1 hour apart)
  https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_CreateScheduledAction.html
- CreateSnapshotCopyConfiguration / UpdateSnapshotCopyConfiguration /
  ListSnapshotCopyConfigurations
  https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_CreateSnapshotCopyConfiguration.html
- ListRecoveryPoints (automatic, every 30 min, kept 24 h), ListSnapshots, CreateSnapshot
  https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-snapshots-recovery-points.html
- RestoreFromSnapshot / RestoreFromRecoveryPoint restore into an EXISTING namespace and
  workgroup; `maintainIntegration` (default true) keeps data sharing integrations, and only
  when restoring into the same namespace:
  https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_RestoreFromRecoveryPoint.html
  So a restore into a scratch namespace has no datashares; an in-place restore of the
  producer keeps its datashares, and consumers read the restored data (they hold no copy).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from rsfleet.adapters import redshift_serverless
from rsfleet.backup import planner as p
from rsfleet.backup.model import (
    DESCRIPTION,
    MARK,
    CopyState,
    Observed,
    RestorePoint,
    ScheduleState,
)
from rsfleet.errors import FleetError, UsageError

if TYPE_CHECKING:  # types only, nothing imported at run time
    from mypy_boto3_redshift_serverless import RedshiftServerlessClient

_R = TypeVar("_R")


def _call(fn: Callable[..., Any], what: str, **kwargs: Any) -> Any:
    """Every backup command calls the redshift-serverless API itself: saved Terraform
    outputs (--tf-outputs) cannot stand in for it, so the hint without credentials says
    only what helps."""
    return redshift_serverless._call(
        fn, what, credentials_hint="configure AWS credentials: every backup command calls "
        "the redshift-serverless API", **kwargs)


TAGS = [{"key": "managed-by", "value": "rsfleet"}]


def _pages(fn: Callable[..., Any], what: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    token = None
    while True:
        resp = _call(fn, what, **kwargs, **({"nextToken": token} if token else {}))
        out.extend(resp.get(key) or [])
        token = resp.get("nextToken")
        if not token:
            return out


def observe(rs: RedshiftServerlessClient, namespace: str) -> Observed:
    """rsfleet's scheduled actions on `namespace` (name prefix `rsfleet-`) and the
    namespace's snapshot copy configurations."""
    schedules: dict[str, ScheduleState] = {}
    for assoc in _pages(rs.list_scheduled_actions, "ListScheduledActions", "scheduledActions",
                        namespaceName=namespace):
        name = assoc.get("scheduledActionName") or ""
        if not name.startswith(f"{MARK}-"):
            continue  # not ours: never read, changed or deleted
        got = _call(rs.get_scheduled_action, "GetScheduledAction",
                    scheduledActionName=name)["scheduledAction"]
        snap = (got.get("targetAction") or {}).get("createSnapshot") or {}
        schedules[name] = ScheduleState(
            name=name, namespace=got.get("namespaceName") or namespace,
            cron=(got.get("schedule") or {}).get("cron"),
            retention_days=snap.get("retentionPeriod"),
            snapshot_prefix=snap.get("snapshotNamePrefix"), role_arn=got.get("roleArn"),
            enabled=(got.get("state") or "ACTIVE") == "ACTIVE")
    copies = tuple(
        CopyState(c["snapshotCopyConfigurationId"], c.get("destinationRegion") or "",
                  c.get("snapshotRetentionPeriod"), c.get("destinationKmsKeyId"))
        for c in _pages(rs.list_snapshot_copy_configurations, "ListSnapshotCopyConfigurations",
                        "snapshotCopyConfigurations", namespaceName=namespace))
    return Observed(schedules, copies)


def apply(rs: RedshiftServerlessClient, action: p.Action) -> None:
    if isinstance(action, p.CreateSchedule | p.UpdateSchedule):
        target = {"createSnapshot": {"namespaceName": action.namespace,
                                     "retentionPeriod": action.retention_days,
                                     "snapshotNamePrefix": action.snapshot_prefix,
                                     "tags": TAGS}}
        common: dict[str, Any] = dict(scheduledActionName=action.name, roleArn=action.role_arn,
                      schedule={"cron": action.cron}, targetAction=target, enabled=True,
                      scheduledActionDescription=DESCRIPTION)
        if isinstance(action, p.CreateSchedule):
            _call(rs.create_scheduled_action, "CreateScheduledAction",
                  namespaceName=action.namespace, **common)
        else:
            _call(rs.update_scheduled_action, "UpdateScheduledAction", **common)
    elif isinstance(action, p.DeleteSchedule):
        _call(rs.delete_scheduled_action, "DeleteScheduledAction",
              scheduledActionName=action.name)
    elif isinstance(action, p.CreateCopy):
        kwargs: dict[str, Any] = dict(namespaceName=action.namespace,
                                      destinationRegion=action.region,
                                      snapshotRetentionPeriod=action.retention_days)
        if action.kms_key_id:
            kwargs["destinationKmsKeyId"] = action.kms_key_id
        _call(rs.create_snapshot_copy_configuration, "CreateSnapshotCopyConfiguration",
              **kwargs)
    elif isinstance(action, p.UpdateCopy):
        _call(rs.update_snapshot_copy_configuration, "UpdateSnapshotCopyConfiguration",
              snapshotCopyConfigurationId=action.id,
              snapshotRetentionPeriod=action.retention_days)
    else:  # pragma: no cover - the planner makes no other action
        raise TypeError(action)


def restore_points(rs: RedshiftServerlessClient, namespace: str) -> list[RestorePoint]:
    """Recovery points and snapshots of `namespace`, newest first."""
    points = [
        RestorePoint(r["recoveryPointId"], "recovery-point", r["recoveryPointCreateTime"],
                     r.get("totalSizeInMegaBytes"))
        for r in _pages(rs.list_recovery_points, "ListRecoveryPoints", "recoveryPoints",
                        namespaceName=namespace)]
    points += [
        RestorePoint(s["snapshotName"], "snapshot", s["snapshotCreateTime"],
                     s.get("totalBackupSizeInMegaBytes"), s.get("status") or "AVAILABLE",
                     ours=s["snapshotName"].startswith(f"{MARK}-"))
        for s in _pages(rs.list_snapshots, "ListSnapshots", "snapshots", namespaceName=namespace)]
    return sorted(points, key=lambda r: r.created, reverse=True)


def create_snapshot(rs: RedshiftServerlessClient, namespace: str, name: str,
                    retention_days: int) -> RestorePoint:
    existing = [s for s in _pages(rs.list_snapshots, "ListSnapshots", "snapshots",
                                  namespaceName=namespace) if s.get("snapshotName") == name]
    if existing:
        raise UsageError(f"snapshot {name} exists already", hint="pass another --name")
    snap = _call(rs.create_snapshot, "CreateSnapshot", namespaceName=namespace,
                 snapshotName=name, retentionPeriod=retention_days, tags=TAGS)["snapshot"]
    return RestorePoint(snap["snapshotName"], "snapshot",
                        snap.get("snapshotCreateTime") or datetime.now(UTC),
                        snap.get("totalBackupSizeInMegaBytes"), snap.get("status") or "CREATING",
                        ours=True)


def pick_point(points: list[RestorePoint], *, snapshot: str | None, at: datetime | None,
               now: datetime) -> RestorePoint:
    """The snapshot named, or the newest point at or before `at` (default now)."""
    if snapshot is not None:
        for pt in points:
            if pt.kind == "snapshot" and pt.id == snapshot:
                if pt.status != "AVAILABLE":
                    raise UsageError(f"snapshot {snapshot} is {pt.status}, not AVAILABLE",
                                     hint="wait for it, see `rsfleet backup list`")
                return pt
        raise UsageError(f"unknown snapshot {snapshot!r}",
                         hint="see `rsfleet --backend aws backup list`")
    if at is not None and at > now:
        raise UsageError(f"--at {at.isoformat()} is in the future",
                         hint="give a time in the past (UTC, ISO 8601)")
    when = at or now
    usable = [pt for pt in points if pt.created <= when and pt.status == "AVAILABLE"]
    if not usable:
        raise UsageError(f"no recovery point or snapshot at or before {when.isoformat()}",
                         hint="recovery points are kept 24 h; see `rsfleet backup list`")
    return max(usable, key=lambda pt: pt.created)


@dataclass(frozen=True)
class Scratch:
    namespace: str
    workgroup: str


def _absent(fn: Callable[..., _R], what: str, **kwargs: Any) -> _R | None:
    """`fn(**kwargs)`, or None when the resource does not exist; any other botocore error
    goes through the one translation (rsfleet.adapters.aws_errors)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from rsfleet.adapters import aws_errors

    try:
        return fn(**kwargs)
    except (BotoCoreError, ClientError) as exc:
        if aws_errors.error_code(exc) == "ResourceNotFoundException":
            return None
        raise aws_errors.translate(
            exc, f"redshift-serverless {what} failed",
            credentials="for the redshift-serverless API",
            credentials_hint="configure AWS credentials (destroy: or pass "
            "--skip-final-snapshot)") from None


def namespace_exists(rs: RedshiftServerlessClient, name: str) -> bool:
    return _absent(rs.get_namespace, "GetNamespace", namespaceName=name) is not None


def wait_for(what: str, probe: Callable[[], str | None], want: str | None, *,
             timeout: float, sleep: Callable[[float], None], interval: float = 15.0) -> None:
    """Poll until probe() returns `want` (None = gone)."""
    waited = 0.0
    while True:
        state = probe()
        if state == want:
            return
        if state in ("FAILED",) or waited >= timeout:
            raise FleetError(f"{what}: still {state} after {waited:.0f}s (waiting for "
                             f"{want or 'deletion'})")
        sleep(interval)
        waited += interval


def _status(fn: Callable[..., Any], key: str, **kwargs: Any) -> str | None:
    """The resource's status, None when it does not exist."""
    got = _absent(fn, fn.__name__, **kwargs)
    return None if got is None else got[key].get("status")


def create_scratch(rs: RedshiftServerlessClient, name: str, producer_workgroup: str, *,
                   sleep: Callable[[float], None],
                   timeout: float = 1800) -> Scratch:
    """A namespace + workgroup named `name` in the producer's subnets and security groups
    (base capacity 8 RPU), tagged as rsfleet's; waits until the workgroup is AVAILABLE."""
    if namespace_exists(rs, name):
        raise UsageError(f"namespace {name} exists already",
                         hint="restore into a new name (--to), never over an existing one "
                         "without --in-place")
    wg = _call(rs.get_workgroup, "GetWorkgroup", workgroupName=producer_workgroup)["workgroup"]
    _call(rs.create_namespace, "CreateNamespace", namespaceName=name,
          tags=[*TAGS, {"key": "rsfleet-purpose", "value": "restore"}])
    _call(rs.create_workgroup, "CreateWorkgroup", workgroupName=name, namespaceName=name,
          baseCapacity=8, subnetIds=wg.get("subnetIds") or [],
          securityGroupIds=wg.get("securityGroupIds") or [], publiclyAccessible=False,
          tags=TAGS)
    wait_for(f"workgroup {name}", lambda: _status(rs.get_workgroup, "workgroup",
                                                  workgroupName=name),
             "AVAILABLE", timeout=timeout, sleep=sleep)
    return Scratch(name, name)


def restore(rs: RedshiftServerlessClient, point: RestorePoint, *, namespace: str, workgroup: str,
            sleep: Callable[[float], None], timeout: float = 3600,
            maintain_integration: bool = False) -> None:
    """Restore `point` into an existing namespace/workgroup and wait until it is AVAILABLE."""
    if point.kind == "snapshot":
        # manageAdminPassword: the restored namespace gets its own managed admin secret;
        # maintainIntegration (default true) keeps the datashares, only in the same namespace
        # (https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_RestoreFromSnapshot.html):
        # said explicitly, as for a recovery point, so an in-place restore never depends on
        # the API's default.
        _call(rs.restore_from_snapshot, "RestoreFromSnapshot", namespaceName=namespace,
              workgroupName=workgroup, snapshotName=point.id, manageAdminPassword=True,
              maintainIntegration=maintain_integration)
    else:
        _call(rs.restore_from_recovery_point, "RestoreFromRecoveryPoint",
              namespaceName=namespace, workgroupName=workgroup, recoveryPointId=point.id,
              maintainIntegration=maintain_integration)
    # The namespace leaves AVAILABLE while it restores; then returns to it.
    wait_for(f"namespace {namespace}", lambda: _status(rs.get_namespace, "namespace",
                                                       namespaceName=namespace),
             "AVAILABLE", timeout=timeout, sleep=sleep)


def teardown(rs: RedshiftServerlessClient, scratch: Scratch, *, sleep: Callable[[float], None],
             timeout: float = 1800) -> None:
    """Delete the scratch workgroup, wait until it is gone, then its namespace (no final
    snapshot: it is a copy). Only names rsfleet created in this run reach here."""
    _absent(rs.delete_workgroup, "DeleteWorkgroup", workgroupName=scratch.workgroup)
    wait_for(f"workgroup {scratch.workgroup}", lambda: _status(
        rs.get_workgroup, "workgroup", workgroupName=scratch.workgroup), None,
        timeout=timeout, sleep=sleep)
    _absent(rs.delete_namespace, "DeleteNamespace", namespaceName=scratch.namespace)


def now_utc() -> datetime:
    return datetime.now(UTC)


def monotonic() -> float:
    return time.monotonic()
