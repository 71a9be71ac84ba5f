"""The controller's small persistent state: operator drains and when each drain started.

Locally a JSON file in the fleet state dir (``targets.json``, 0600), guarded by an flock so
`targets drain` and a running `targets watch` never lose each other's writes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class TargetsState:
    drained: dict[str, str] = field(default_factory=dict)  # name -> why (operator note)
    drain_started: dict[str, float] = field(default_factory=dict)  # name -> epoch seconds

    def to_json(self) -> dict:
        return {"version": 1, "drained": self.drained, "drain_started": self.drain_started}

    @classmethod
    def from_json(cls, data: dict) -> TargetsState:
        return cls(drained=dict(data.get("drained") or {}),
                   drain_started={k: float(v) for k, v in
                                  (data.get("drain_started") or {}).items()})


class StateStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> TargetsState:
        try:
            return TargetsState.from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return TargetsState()
        except (OSError, ValueError) as exc:
            from rsfleet.errors import FleetError

            raise FleetError(f"cannot read the targets state {self.path}: {exc}",
                             hint="fix or delete the file (it only holds operator drains)"
                             ) from None

    @contextlib.contextmanager
    def edit(self) -> Iterator[TargetsState]:
        """Load, let the caller change, write back atomically, all under one lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            state = self.load()
            yield state
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            fd2 = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
            with os.fdopen(fd2, "w", encoding="utf-8") as fh:
                json.dump(state.to_json(), fh, indent=2, sort_keys=True)
            os.replace(tmp, self.path)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
