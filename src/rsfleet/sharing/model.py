"""Desired and observed datashare state, in one shape for both backends.

A share on the producer has schemas (each shared with INCLUDENEW or not), tables
("schema.table") and the consumers it is granted to; each consumer has the databases
mounted from shares. The planner compares two of these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rsfleet.spec.models import FleetSpec


@dataclass(frozen=True)
class ShareState:
    schemas: frozenset[str] = frozenset()
    includenew: frozenset[str] = frozenset()  # schemas shared with INCLUDENEW = TRUE
    tables: frozenset[str] = frozenset()  # "schema.table"
    grants: frozenset[str] = frozenset()  # consumer names


@dataclass(frozen=True)
class FleetShareState:
    shares: dict[str, ShareState] = field(default_factory=dict)
    # consumer name -> {consumer database -> share it is mounted from}
    mounts: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class DesiredShare:
    name: str
    schemas: tuple[str, ...]  # in spec order
    tables: tuple[str, ...]  # in spec order
    consumers: tuple[str, ...]  # sorted
    database: str  # consumer-side database name


def desired_from_spec(spec: FleetSpec) -> list[DesiredShare]:
    return [
        DesiredShare(
            name=name,
            schemas=tuple(ds.schemas),
            tables=tuple(ds.tables),
            consumers=tuple(spec.consumers_of(name)),
            database=spec.database_for(name),
        )
        for name, ds in sorted(spec.datashares.items())
    ]


@dataclass(frozen=True)
class Problem:
    """A verify finding (both backends): one line naming the consumer and what is wrong
    (`text`, also its str()), with the consumer and the object for programs."""

    text: str
    consumer: str | None = None
    object: str | None = None  # the share, table or database concerned

    def __str__(self) -> str:
        return self.text
