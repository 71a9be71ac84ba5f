"""The datashare planner: desired shares + observed state -> ordered actions. No I/O.

The order of a plan is decided here, once, for every backend (Redshift and the local fleet
run `Plan.actions` as they come). Each action has a phase; a plan runs phase by phase:
ADD (producer: per share, sorted by name: create, schemas, tables, grants), MOUNT
(consumers, in consumer order), then, only when pruning, UNMOUNT, REMOVE (schemas and tables
leave a share), REVOKE, DROP. So (checked by tests): a share exists before objects are added
to it; a schema is in the share before its tables; a share's objects before its grants; all
producer work before any consumer mounts; unmount before object removals before revoke
before drop.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rsfleet.sharing.model import DesiredShare, FleetShareState

ADD, MOUNT, UNMOUNT, REMOVE, REVOKE, DROP = range(6)  # the phases, in the order they run


@dataclass(frozen=True)
class Action:
    share: str
    phase: ClassVar[int] = ADD

    @property
    def target(self) -> str:
        """'producer' or 'consumer <name>': where the action runs."""
        return "producer"


@dataclass(frozen=True)
class CreateShare(Action):
    pass


@dataclass(frozen=True)
class AddSchema(Action):
    schema: str


@dataclass(frozen=True)
class AddAllTables(Action):
    schema: str


@dataclass(frozen=True)
class SetIncludeNew(Action):
    schema: str


@dataclass(frozen=True)
class AddTable(Action):
    schema: str
    table: str


@dataclass(frozen=True)
class Grant(Action):
    consumer: str


@dataclass(frozen=True)
class Mount(Action):
    phase: ClassVar[int] = MOUNT
    consumer: str
    database: str

    @property
    def target(self) -> str:
        return f"consumer {self.consumer}"


@dataclass(frozen=True)
class Unmount(Action):
    phase: ClassVar[int] = UNMOUNT
    consumer: str
    database: str

    @property
    def target(self) -> str:
        return f"consumer {self.consumer}"


@dataclass(frozen=True)
class RemoveSchema(Action):
    """Only with prune: the schema (and every table of it) leaves the share."""

    phase: ClassVar[int] = REMOVE
    schema: str


@dataclass(frozen=True)
class RemoveTable(Action):
    """Only with prune: a table no longer in the spec leaves the share."""

    phase: ClassVar[int] = REMOVE
    schema: str
    table: str


@dataclass(frozen=True)
class Revoke(Action):
    phase: ClassVar[int] = REVOKE
    consumer: str


@dataclass(frozen=True)
class DropShare(Action):
    phase: ClassVar[int] = DROP


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    # Shares/mounts present but not in the spec, left alone because prune was not asked.
    would_prune: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.actions


def plan(
    desired: Iterable[DesiredShare], observed: FleetShareState, *, prune: bool = False
) -> Plan:
    desired = list(desired)
    producer: list[Action] = []
    mounts: list[Mount] = []
    for share in sorted(desired, key=lambda s: s.name):
        have = observed.shares.get(share.name)
        if have is None:
            producer.append(CreateShare(share.name))
        have_schemas = have.schemas if have else frozenset()
        have_new = have.includenew if have else frozenset()
        have_tables = have.tables if have else frozenset()
        added: set[str] = set(have_schemas)
        for schema in share.schemas:
            if schema not in have_schemas:
                producer.append(AddSchema(share.name, schema))
                producer.append(AddAllTables(share.name, schema))
                added.add(schema)
            if schema not in have_new:
                producer.append(SetIncludeNew(share.name, schema))
        for qualified in share.tables:
            schema, table = qualified.split(".", 1)
            if schema not in added:  # a table is only readable with its schema in the share
                producer.append(AddSchema(share.name, schema))
                added.add(schema)
            if qualified not in have_tables:
                producer.append(AddTable(share.name, schema, table))
        have_grants = have.grants if have else frozenset()
        for consumer in share.consumers:
            if consumer not in have_grants:
                producer.append(Grant(share.name, consumer))
    for share in sorted(desired, key=lambda s: s.name):
        for consumer in share.consumers:
            if observed.mounts.get(consumer, {}).get(share.database) != share.name:
                mounts.append(Mount(share.name, consumer, share.database))
    # Consumers' blocks in consumer order (the fresh-fleet SQL groups by consumer).
    mounts.sort(key=lambda a: (a.consumer, a.share))

    removals, leftovers = _removals(desired, observed)
    actions: list[Action] = [*producer, *mounts]
    if prune:
        actions.extend(removals)
        leftovers = []
    # Phase by phase; within a phase, the order built above (the sort is stable).
    return Plan(tuple(sorted(actions, key=lambda a: a.phase)), tuple(leftovers))


def _removals(
    desired: list[DesiredShare], observed: FleetShareState
) -> tuple[list[Action], list[str]]:
    wanted = {s.name: s for s in desired}
    removals: list[Action] = []
    notes: list[str] = []
    for consumer, dbs in sorted(observed.mounts.items()):
        for database, share in sorted(dbs.items()):
            want = wanted.get(share)
            if want is None or consumer not in want.consumers or want.database != database:
                removals.append(Unmount(share, consumer, database))
                notes.append(f"consumer {consumer}: database {database} (from {share})")
    for name, have in sorted(observed.shares.items()):
        want = wanted.get(name)
        if want is None:
            removals.append(DropShare(name))
            notes.append(f"producer: datashare {name}")
            continue
        keep = set(want.schemas) | {t.split(".", 1)[0] for t in want.tables}
        gone = sorted(have.schemas - keep)
        for schema in gone:
            removals.append(RemoveSchema(name, schema))
            notes.append(f"producer: schema {schema} in {name}")
        for qualified in sorted(have.tables):
            schema, table = qualified.split(".", 1)
            if qualified in want.tables or schema in want.schemas or schema in gone:
                continue
            removals.append(RemoveTable(name, schema, table))
            notes.append(f"producer: table {qualified} in {name}")
        for consumer in sorted(have.grants - set(want.consumers)):
            removals.append(Revoke(name, consumer))
            notes.append(f"producer: grant of {name} to {consumer}")
    return removals, notes
