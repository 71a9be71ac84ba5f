"""Read Terraform files as data (python-hcl2) for static checks that need no terraform
binary: resources by (type, name), variables, lifecycle rules."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import hcl2


def _strip(v: Any) -> Any:
    """python-hcl2 8.x keeps the quotes of string literals and labels: drop them."""
    return v[1:-1] if isinstance(v, str) and len(v) > 1 and v[0] == v[-1] == '"' else v


def _unquote(v: Any) -> Any:
    if isinstance(v, dict):
        return {_strip(k): _unquote(x) for k, x in v.items() if k != "__comments__"}
    if isinstance(v, list):
        return [_unquote(x) for x in v]
    return _strip(v)


@functools.lru_cache(maxsize=256)
def _parse(text: str) -> dict[str, Any]:
    return _unquote(hcl2.loads(text))


def load(path: Path) -> dict[str, Any]:
    # python-hcl2 takes ~1 s per large file and every static check reads the same files:
    # parsed once per process (keyed by the text), each caller gets its own copy.
    return copy.deepcopy(_parse(path.read_text(encoding="utf-8")))


def blocks(directory: Path, kind: str) -> dict[tuple[str, ...], dict[str, Any]]:
    """Every `kind` block (resource, data, variable, module, output) of the .tf files in
    `directory`, keyed by its labels."""
    out: dict[tuple[str, ...], dict[str, Any]] = {}
    for tf in sorted(directory.glob("*.tf")):
        for item in load(tf).get(kind, []):
            for label, body in item.items():
                if kind in ("resource", "data"):
                    for name, b in body.items():
                        out[(label, name)] = b
                else:
                    out[(label,)] = body
    return out
