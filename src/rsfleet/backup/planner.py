"""The backup planner: desired policy + observed schedules/copies -> typed actions. No I/O.

Only what rsfleet owns is changed: the scheduled action named `Policy.action_name`; copy
configurations of the producer's namespace to the spec's region. Copy configurations cannot
be named or tagged, so one to another region is reported, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from rsfleet.backup.model import Observed, Policy


@dataclass(frozen=True)
class Action:
    def describe(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class CreateSchedule(Action):
    name: str
    namespace: str
    cron: str
    retention_days: int
    snapshot_prefix: str
    role_arn: str

    def describe(self) -> str:
        return (f"create scheduled action {self.name}: snapshot {self.namespace} "
                f"{self.cron}, keep {self.retention_days} days")


@dataclass(frozen=True)
class UpdateSchedule(Action):
    name: str
    namespace: str
    cron: str
    retention_days: int
    snapshot_prefix: str
    role_arn: str
    changes: tuple[str, ...]

    def describe(self) -> str:
        return f"update scheduled action {self.name}: {', '.join(self.changes)}"


@dataclass(frozen=True)
class DeleteSchedule(Action):
    name: str

    def describe(self) -> str:
        return f"delete scheduled action {self.name} (producer.backup removed from the spec)"


@dataclass(frozen=True)
class CreateCopy(Action):
    namespace: str
    region: str
    retention_days: int
    kms_key_id: str | None

    def describe(self) -> str:
        kms = f", KMS key {self.kms_key_id}" if self.kms_key_id else ""
        return (f"copy snapshots of {self.namespace} to {self.region}, keep "
                f"{self.retention_days} days{kms}")


@dataclass(frozen=True)
class UpdateCopy(Action):
    id: str
    region: str
    retention_days: int

    def describe(self) -> str:
        return f"set retention of the copy to {self.region} to {self.retention_days} days"


@dataclass(frozen=True)
class ExpireSnapshot(Action):
    """Local: delete one of rsfleet's snapshots (base backup + record)."""

    point: str
    retention_days: int

    def describe(self) -> str:
        return f"expire snapshot {self.point} (older than {self.retention_days} days)"


@dataclass(frozen=True)
class TakeSnapshot(Action):
    """Local: a base backup + restore point (there is no scheduler on the local fleet)."""

    why: str

    def describe(self) -> str:
        return f"take a snapshot (base backup + restore point): {self.why}"


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    notes: tuple[str, ...] = ()  # things seen and deliberately left alone

    @property
    def empty(self) -> bool:
        return not self.actions


def plan(policy: Policy | None, observed: Observed, *, action_name: str | None = None) -> Plan:
    """`action_name` names rsfleet's scheduled action when the spec has no policy (so that
    removing producer.backup deletes exactly that one)."""
    actions: list[Action] = []
    notes: list[str] = []
    if policy is None:
        if action_name and action_name in observed.schedules:
            actions.append(DeleteSchedule(action_name))
        for copy in observed.copies:
            notes.append(f"copy configuration {copy.id} to {copy.region} left alone "
                         "(copy configurations carry no mark of who created them)")
        return Plan(tuple(actions), tuple(notes))
    have = observed.schedules.get(policy.action_name)
    if policy.role_arn is None:
        raise ValueError("producer.backup.role_arn is needed for a snapshot schedule")
    fields = CreateSchedule(name=policy.action_name, namespace=policy.namespace,
                            cron=policy.cron, retention_days=policy.retention_days,
                            snapshot_prefix=policy.snapshot_prefix, role_arn=policy.role_arn)
    if have is None:
        actions.append(fields)
    else:
        changes = []
        if have.cron != policy.cron:
            changes.append(f"schedule {have.cron} -> {policy.cron}")
        if have.retention_days != policy.retention_days:
            changes.append(f"retention {have.retention_days} -> {policy.retention_days} days")
        if have.snapshot_prefix != policy.snapshot_prefix:
            changes.append(f"snapshot prefix {have.snapshot_prefix} -> {policy.snapshot_prefix}")
        if have.role_arn != policy.role_arn:
            changes.append(f"role {have.role_arn} -> {policy.role_arn}")
        if not have.enabled:
            changes.append("enable")
        if changes:
            actions.append(UpdateSchedule(**vars(fields), changes=tuple(changes)))
    want = policy.copy
    for copy in observed.copies:
        if want is not None and copy.region == want.region:
            continue
        notes.append(f"copy configuration {copy.id} to {copy.region} is not in the spec: "
                     "left alone (delete it yourself if it is not wanted)")
    if want is not None:
        same = [c for c in observed.copies if c.region == want.region]
        if not same:
            actions.append(CreateCopy(policy.namespace, want.region, want.retention_days,
                                      want.kms_key_id))
        else:
            c = same[0]
            if c.retention_days != want.retention_days:
                actions.append(UpdateCopy(c.id, want.region, want.retention_days))
            if (want.kms_key_id or None) != (c.kms_key_id or None):
                notes.append(f"copy to {want.region} uses KMS key {c.kms_key_id}, the spec "
                             f"says {want.kms_key_id}: the key cannot be changed in place "
                             "(delete the copy configuration, then `backup apply`)")
    return Plan(tuple(actions), tuple(notes))
