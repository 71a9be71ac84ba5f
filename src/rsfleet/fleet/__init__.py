"""Bottom layer: what the upper layers need from a fleet of PostgreSQL nodes behind an LB.

`protocol.py` holds the protocols; `rsfleet.local.fleet.LocalFleet` implements them. sharing,
targets, loadtest, diagnose and commands depend on these protocols, never on `rsfleet.local`
(tests/structure/test_import_cycles.py keeps packages free of import cycles).
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
