"""Bottom layer: what the upper layers need from a fleet of PostgreSQL nodes behind an LB.

`protocol.py` holds the protocols; `rsfleet.local.fleet.LocalFleet` implements them. loadtest
and diagnose depend on these protocols, never on `rsfleet.local` (the command layer opens the
fleet and passes it): the import-linter contracts in pyproject.toml keep it so.
"""

from rsfleet.fleet.protocol import (
    LB,
    PROBE,
    PRODUCER,
    READER,
    Fleet,
    FleetConnections,
    FleetFiles,
    FleetNodes,
    KillableFleet,
    Node,
)

__all__ = ["LB", "PROBE", "PRODUCER", "READER", "Fleet", "FleetConnections", "FleetFiles",
           "FleetNodes", "KillableFleet", "Node"]
