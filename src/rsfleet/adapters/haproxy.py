"""HAProxy runtime API client (the `stats socket ... level admin` unix socket).

One command per connection (HAProxy closes the socket after answering in non-interactive
mode). Commands: https://docs.haproxy.org/2.6/management.html#9.3
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rsfleet.errors import FleetError

ServerState = Literal["ready", "drain", "maint"]
# Server options of rsfleet's HAProxy: written by `rsfleet local up` (local/haproxy.py) and
# used for servers the targets controller adds at run time (targets/haproxy.py).
RSFLEET_SERVER_OPTIONS = ("check inter 500ms fastinter 250ms downinter 1s fall 2 rise 2 "
                          "on-marked-down shutdown-sessions")
_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass(frozen=True)
class Server:
    backend: str
    name: str
    address: str
    port: int
    status: str  # UP, DOWN, MAINT, DRAIN, "UP 1/2", "no check", ...
    sessions: int  # current sessions (scur)
    total_sessions: int  # cumulative sessions (stot)
    check_status: str

    @property
    def in_rotation(self) -> bool:
        """Receives new sessions: up (or unchecked) and neither drained nor in maintenance."""
        s = self.status.upper()
        return not s.startswith(("MAINT", "DRAIN", "DOWN", "NOLB")) and "DRAIN" not in s

    @property
    def admin(self) -> str:
        s = self.status.upper()
        if s.startswith("MAINT"):
            return "maint"
        if s.startswith(("DRAIN", "NOLB")) or "DRAIN" in s:
            return "drain"
        return "ready"


def _check_name(value: str, what: str) -> str:
    if not _NAME.fullmatch(value):
        raise FleetError(f"invalid HAProxy {what} name {value!r}")
    return value


class HaproxyRuntime:
    def __init__(self, socket_path: str | Path, *, timeout: float = 2.0) -> None:
        self.socket_path = str(socket_path)
        self.timeout = timeout

    def command(self, line: str) -> str:
        if "\n" in line or ";" in line:
            raise FleetError(f"refusing a multi-command runtime API line: {line!r}")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(self.timeout)
                s.connect(self.socket_path)
                s.sendall(line.encode() + b"\n")
                chunks = []
                while chunk := s.recv(65536):
                    chunks.append(chunk)
        except OSError as exc:
            raise FleetError(
                f"HAProxy runtime API at {self.socket_path} not reachable: {exc}",
                hint="is HAProxy running? `rsfleet local status`",
            ) from None
        return b"".join(chunks).decode("utf-8", "replace")

    def _expect_ok(self, line: str, success: str | None = None) -> None:
        """Run an admin command; anything but its success answer is HAProxy refusing it.

        HAProxy 2.6 answers `set server ... state`, `shutdown sessions`, `enable health` with
        nothing on success, `add server` with "New server registered.", `del server` with
        "Server deleted."; refusals are free text ("No such server.", "Already exists a
        server with the same name in backend.", "Only servers in maintenance mode can be
        deleted.", "unknown keyword 'x'. ..."), so the check is on success, not on errors.
        """
        out = self.command(line).strip()
        if (success in out) if success is not None else not out:
            return
        first = next((ln.strip() for ln in out.splitlines() if ln.strip()), "no answer")
        raise FleetError(f"HAProxy refused `{line}`: {first}")

    def set_server_state(self, backend: str, server: str, state: ServerState) -> None:
        if state not in ("ready", "drain", "maint"):
            raise FleetError(f"unknown server state {state!r}")
        self._expect_ok(f"set server {_check_name(backend, 'backend')}/"
                        f"{_check_name(server, 'server')} state {state}")

    def shutdown_sessions(self, backend: str, server: str) -> None:
        self._expect_ok(f"shutdown sessions server {_check_name(backend, 'backend')}/"
                        f"{_check_name(server, 'server')}")

    def add_server(self, backend: str, server: str, address: str, port: int, *,
                   options: str = "check") -> None:
        """Add a dynamic server (HAProxy >= 2.4), left in maintenance until enabled."""
        _check_name(address, "address")
        if not 0 < port < 65536 or re.search(r"[\n;]", options):
            raise FleetError(f"invalid server address {address}:{port} or options")
        self._expect_ok(f"add server {_check_name(backend, 'backend')}/"
                        f"{_check_name(server, 'server')} {address}:{port} {options}".rstrip(),
                        success="New server registered")
        if "check" in options.split():
            self._expect_ok(f"enable health {backend}/{server}")

    def del_server(self, backend: str, server: str) -> None:
        """Remove a server: it must be in maintenance with no sessions left."""
        self._expect_ok(f"del server {_check_name(backend, 'backend')}/"
                        f"{_check_name(server, 'server')}", success="Server deleted")

    def show_stat(self) -> list[dict[str, str]]:
        lines = self.command("show stat").splitlines()
        if not lines or not lines[0].startswith("#"):
            raise FleetError("unexpected answer to `show stat` from HAProxy")
        header = lines[0].lstrip("# ").split(",")
        return [dict(zip(header, ln.split(","), strict=False)) for ln in lines[1:] if ln]

    def servers(self, backend: str) -> list[Server]:
        out = []
        for row in self.show_stat():
            if row.get("pxname") != backend or row.get("svname") in ("BACKEND", "FRONTEND"):
                continue
            addr, _, port = (row.get("addr") or ":0").rpartition(":")
            out.append(Server(
                backend=backend, name=row["svname"], address=addr, port=int(port or 0),
                status=row.get("status", ""), sessions=int(row.get("scur") or 0),
                total_sessions=int(row.get("stot") or 0),
                check_status=row.get("check_status", ""),
            ))
        return out
