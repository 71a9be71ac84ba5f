"""What a saved Terraform plan changes, per consumer (pure; input: `terraform show -json
PLAN`, https://developer.hashicorp.com/terraform/internals/json-format#plan-representation).

`apply --rolling` changes consumer workgroups in place through the API, drained, one at a
time; Terraform applies the rest afterwards. A plan that would replace or delete a consumer's
workgroup cannot be rolled that way (the workgroup, its endpoint and its sessions go away),
so it is refused before anything changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_CONSUMER = re.compile(r'^module\.consumer\["([^"]+)"\]\.')
_WORKGROUP = ".aws_redshiftserverless_workgroup."


@dataclass(frozen=True)
class PlanChanges:
    consumers: dict[str, list[str]] = field(default_factory=dict)  # name -> "address: action"
    rest: list[str] = field(default_factory=list)
    replaced_workgroups: list[str] = field(default_factory=list)  # consumer names

    def all(self) -> list[str]:
        return [*self.rest, *(c for items in self.consumers.values() for c in items)]

    def new_since(self, reviewed: PlanChanges) -> list[str]:
        """Changes of this plan on addresses the reviewed plan did not change."""
        seen = {c.split(": ")[0] for c in reviewed.all()}
        return [c for c in self.all() if c.split(": ")[0] not in seen]


def changes_of(plan_json: Mapping[str, Any]) -> PlanChanges:
    consumers: dict[str, list[str]] = {}
    rest: list[str] = []
    replaced: list[str] = []
    for rc in plan_json.get("resource_changes") or []:
        actions = list((rc.get("change") or {}).get("actions") or [])
        if not actions or actions in (["no-op"], ["read"]):
            continue
        addr = str(rc.get("address", ""))
        what = f"{addr}: {'/'.join(actions)}"
        m = _CONSUMER.match(addr)
        if m is None:
            rest.append(what)
            continue
        name = m.group(1)
        consumers.setdefault(name, []).append(what)
        if _WORKGROUP in addr and "delete" in actions and name not in replaced:
            replaced.append(name)
    return PlanChanges(consumers, rest, replaced)
