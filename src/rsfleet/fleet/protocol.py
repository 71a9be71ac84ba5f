"""The small typed protocols a fleet provides: nodes, connection settings, files, LB socket.

Imports only the spec model and the standard library: every package may depend on this
module, and it depends on none of them. docs/CONTRACTS.md §6 describes each member.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, Self

from rsfleet.spec.models import FleetSpec

PRODUCER = "producer"
"""The producer's node name."""
LB = "lb"
"""`connect_kwargs(LB, ...)`: connect through the load balancer instead of to one node."""
READER = "app_reader"
"""The role applications read as (SELECT on the shared data)."""
PROBE = "rsfleet_probe"
"""The role the readiness probe connects as: reads what `READER` reads, nothing else."""


class Node(Protocol):
    """One PostgreSQL server of the fleet."""

    @property
    def name(self) -> str: ...

    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...


class FleetNodes(Protocol):
    """The spec the fleet runs and its nodes."""

    @property
    def spec(self) -> FleetSpec: ...

    @property
    def producer(self) -> Node: ...

    @property
    def consumers(self) -> Mapping[str, Node]:
        """Consumer name -> node, in spec order."""
        ...

    def node(self, name: str) -> Node:
        """`PRODUCER` or a consumer; raises UsageError (with the known names) otherwise."""
        ...


class FleetConnections(Protocol):
    """Connection settings: psycopg.connect(**kwargs), TLS verified against the fleet's CA."""

    @property
    def lb_host(self) -> str: ...

    @property
    def lb_port(self) -> int: ...

    @property
    def ca_file(self) -> Path: ...

    def password(self, role: str) -> str: ...

    def connect_kwargs(self, node: str | Node = LB, role: str = "app_reader",
                       dbname: str | None = None) -> dict[str, Any]:
        """A role's settings through the LB (`LB`) or straight to one node."""
        ...

    def admin_kwargs(self, name: str, dbname: str = "postgres") -> dict[str, Any]:
        """The fleet's admin role on node `name` (over its unix socket)."""
        ...


class FleetFiles(Protocol):
    """Where the fleet keeps its state, and files the servers must read."""

    @property
    def state_dir(self) -> Path: ...

    @property
    def haproxy_socket(self) -> Path:
        """The LB's runtime API socket (HAProxy `stats socket ... level admin`)."""
        ...

    def node_dir(self, name: str) -> Path:
        """Node `name`'s directory: files written there are the node's own."""
        ...

    def write_server_file(self, path: Path, content: str | bytes, *, private: bool) -> None:
        """Write `content` to `path`, owned by the OS user the servers run as; mode 0600
        when `private`."""
        ...


class Fleet(FleetNodes, FleetConnections, FleetFiles, Protocol):
    """A whole fleet: nodes, connections, files, and saving its spec after a change."""

    def with_spec(self, spec: FleetSpec) -> Self:
        """The same fleet (nodes, ports, state dir) running `spec`."""
        ...

    def save(self) -> None:
        """Persist the fleet's document (spec, ports) so a restart finds it."""
        ...


class KillableFleet(Fleet, Protocol):
    """A fleet whose consumers can be crashed on purpose (fault injection)."""

    def kill(self, name: str) -> int | None:
        """Crash node `name` (or the LB) hard; returns the pid it had."""
        ...
