"""HAProxy target adapter over the runtime API (rsfleet.adapters.haproxy.HaproxyRuntime).

States: ``set server consumers/<name> state ready|drain|maint``. HAProxy has no
deregistration delay, so rsfleet implements it: ``drain`` (no new sessions; existing ones
continue) -> when the server's sessions reach 0, or the delay has passed, ``shutdown
sessions server`` and ``state maint`` (``disable``) -> for a consumer that is no longer a
member, ``del server`` (``remove``). A member missing from the backend is added with
``add server`` (dynamic server, HAProxy >= 2.4) when it is ready.

The admin state comes from ``show servers state`` (srv_admin_state bits), not from the
``status`` column of ``show stat``, which says DOWN for a drained server whose checks fail.
Bits (HAProxy 2.6 include/haproxy/server-t.h): 0x01 FMAINT, 0x02 IMAINT, 0x04 CMAINT,
0x08 FDRAIN, 0x10 IDRAIN, 0x20 RMAINT, 0x40 HMAINT. CMAINT only records that the server was
configured ``disabled`` and stays set after ``state ready`` (measured: 5 -> 4), so it does
not mean maintenance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rsfleet.adapters.haproxy import RSFLEET_SERVER_OPTIONS
from rsfleet.errors import FleetError
from rsfleet.fleet import Fleet
from rsfleet.targets.actions import Action, Disable, Drain, Enable, Remove
from rsfleet.targets.reconciler import ActualTarget, LbState
from rsfleet.targets.rotation import Load

if TYPE_CHECKING:  # types only, nothing imported at run time
    from rsfleet.adapters.haproxy import HaproxyRuntime

BACKEND = "consumers"
_MAINT_BITS = 0x01 | 0x02 | 0x20 | 0x40
_DRAIN_BITS = 0x08 | 0x10
# Options for servers added at run time: the same fast checks as the configured ones.
SERVER_OPTIONS = RSFLEET_SERVER_OPTIONS  # the same servers as `rsfleet local up` writes


class HaproxyTargets:
    kind = "haproxy"
    lb_finishes_drain = False
    owns_membership = True

    def __init__(self, runtime: HaproxyRuntime, addresses: Mapping[str, tuple[str, int]], *,
                 deregistration_delay: float, backend: str = BACKEND,
                 server_options: str = SERVER_OPTIONS) -> None:
        self.runtime = runtime
        self.addresses = dict(addresses)
        self.deregistration_delay = float(deregistration_delay)
        self.backend = backend
        self.server_options = server_options

    @classmethod
    def for_fleet(cls, fleet: Fleet) -> HaproxyTargets:
        from rsfleet.adapters.haproxy import HaproxyRuntime

        addresses = {n: (node.host, int(node.port)) for n, node in fleet.consumers.items()}
        return cls(HaproxyRuntime(fleet.haproxy_socket), addresses,
                   deregistration_delay=fleet.spec.nlb.deregistration_delay)

    def admin_states(self) -> dict[str, int]:
        """{server: srv_admin_state bits} from `show servers state <backend>`."""
        text = self.runtime.command(f"show servers state {self.backend}")
        lines = [ln for ln in text.splitlines() if ln.strip()]
        header: list[str] = []
        out: dict[str, int] = {}
        for ln in lines:
            if ln.startswith("#"):
                header = ln.lstrip("# ").split()
                continue
            if not header or ln.strip().isdigit():  # the format version line
                continue
            row = dict(zip(header, ln.split(), strict=False))
            if row.get("be_name") == self.backend and "srv_name" in row:
                out[row["srv_name"]] = int(row.get("srv_admin_state", "0"))
        return out

    def observe(self) -> dict[str, ActualTarget]:
        admin = self.admin_states()
        out: dict[str, ActualTarget] = {}
        for s in self.runtime.servers(self.backend):
            bits = admin.get(s.name, 0)
            state: LbState
            if bits & _MAINT_BITS:
                state = "maint"
            elif bits & _DRAIN_BITS:
                state = "draining"
            else:
                state = "in_rotation"
            health = s.status + (f" ({s.check_status})" if s.check_status else "")
            out[s.name] = ActualTarget(state, sessions=s.sessions, lb_health=health)
        return out

    def load(self) -> Load:
        """Elastic rotation's signal: the sessions open on the backend's servers (scur) and
        those waiting for one (qcur, on the backend and per server: a queue forms when
        servers have a maxconn)."""
        sessions = queued = 0
        for row in self.runtime.show_stat():
            if row.get("pxname") != self.backend or row.get("svname") == "FRONTEND":
                continue
            queued += int(row.get("qcur") or 0)
            if row.get("svname") != "BACKEND":
                sessions += int(row.get("scur") or 0)
        return Load(sessions, queued)

    def _close_rest(self, name: str) -> str:
        """After `state maint`: close the sessions still open (the delay has passed). Only
        when there are some: a session that is still connecting is redispatched by the
        maintenance state, while `shutdown sessions` would cut it."""
        left = next((s.sessions for s in self.runtime.servers(self.backend) if s.name == name), 0)
        if left <= 0:
            return ""
        self.runtime.shutdown_sessions(self.backend, name)
        return f"; shutdown sessions ({left} left)"

    def apply(self, action: Action) -> str:
        name, rt, be = action.target, self.runtime, self.backend
        match action:
            case Enable():
                known = {s.name for s in rt.servers(be)}
                if name not in known:
                    if name not in self.addresses:
                        raise FleetError(f"cannot add {name} to HAProxy: no address known")
                    host, port = self.addresses[name]
                    rt.add_server(be, name, host, port, options=self.server_options)
                    rt.set_server_state(be, name, "ready")
                    return f"add server {be}/{name} {host}:{port}; state ready"
                rt.set_server_state(be, name, "ready")
                return f"set server {be}/{name} state ready"
            case Drain():
                rt.set_server_state(be, name, "drain")
                return f"set server {be}/{name} state drain"
            case Disable():
                rt.set_server_state(be, name, "maint")
                return f"set server {be}/{name} state maint{self._close_rest(name)}"
            case Remove():
                rt.set_server_state(be, name, "maint")
                closed = self._close_rest(name)
                rt.del_server(be, name)
                return f"state maint{closed}; del server {be}/{name}"
        return action.reason
