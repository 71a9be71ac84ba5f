"""Local fleet backups (WAL archive + base backups): see the next commit."""

from __future__ import annotations

from typing import Any

from rsfleet.errors import UsageError


def _missing(*_a: Any, **_k: Any) -> Any:
    raise UsageError("backups of the local fleet are not available yet",
                     hint="use --backend aws")


plan_local = apply_local = restore_points = snapshot = local_status = _missing
restore_in_place = restore_scratch = discard_scratch = drill = _missing
