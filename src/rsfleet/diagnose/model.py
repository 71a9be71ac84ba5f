"""Results of `rsfleet diagnose` (pydantic: the `--json` output, schema version 1)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Status = Literal["ok", "broken", "warning", "skipped"]


class Check(BaseModel):
    model_config = ConfigDict(extra="forbid")

    link: str  # spec, outputs, dns, tcp, tls, auth, targets, security-groups, workgroups,
    # datashare
    name: str  # what exactly was checked (e.g. "c2 readiness")
    status: Status
    detail: str = ""
    fix: str | None = None


class DiagnoseReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    backend: Literal["local", "aws"]
    ok: bool
    stopped_at: str | None  # the first broken link when the chain stopped there
    checks: list[Check]
