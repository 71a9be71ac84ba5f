#!/usr/bin/env python3
"""Input/output tables of each Terraform module's README, generated from its .tf files.

terraform-docs writes these tables between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->`;
it cannot be installed here, so this script does the same job with python-hcl2 (a runtime
dependency of rsfleet). `scripts/tfdocs.py` rewrites every README; `--check` changes nothing
and exits 1 naming the READMEs whose tables are stale (tests/terraform/test_docs_tables.py
runs it in CI).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
ROOT = Path(__file__).resolve().parent.parent / "terraform"


def module_dirs(root: Path = ROOT) -> list[Path]:
    """Every directory of `root` with a variables.tf or outputs.tf (modules and roots)."""
    found = {p.parent for pattern in ("variables.tf", "outputs.tf") for p in root.rglob(pattern)}
    return sorted(d for d in found if ".terraform" not in d.parts and "examples" not in d.parts)


def _blocks(path: Path, kind: str) -> list[tuple[str, dict[str, Any]]]:
    import hcl2
    from hcl2 import SerializationOptions

    if not path.is_file():
        return []
    doc = hcl2.loads(path.read_text(encoding="utf-8"), serialization_options=SerializationOptions(
        strip_string_quotes=True, with_comments=False))
    return [(name, body) for item in doc.get(kind, []) for name, body in item.items()]


def _expr(value: str) -> str:
    text = value[2:-1] if value.startswith("${") and value.endswith("}") else value
    return " ".join(text.split())


def _default(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(_expr(value)) if not value.startswith("${") else _expr(value)
    return json.dumps(_clean(value), separators=(",", ":"))


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _cell(text: str) -> str:
    heredoc = re.fullmatch(r"<<-?(\w+)\n(.*)\n\s*\1\s*", text, re.S)
    if heredoc:
        text = heredoc.group(2)
    return " ".join(text.split()).replace("|", "\\|")


def render(module: Path) -> str:
    lines = [BEGIN, "## Inputs", ""]
    variables = sorted(_blocks(module / "variables.tf", "variable"))
    if variables:
        lines += ["| Name | Description | Type | Default | Required |",
                  "|------|-------------|------|---------|:--------:|"]
        for name, body in variables:
            has_default = "default" in body
            default = f"`{_cell(_default(body['default']))}`" if has_default else "n/a"
            lines.append(f"| {name} | {_cell(str(body.get('description', '')))} | "
                         f"`{_cell(_expr(str(body.get('type', 'any'))))}` | {default} | "
                         f"{'no' if has_default else 'yes'} |")
    else:
        lines.append("No inputs.")
    lines += ["", "## Outputs", ""]
    outputs = sorted(_blocks(module / "outputs.tf", "output"))
    if outputs:
        lines += ["| Name | Description |", "|------|-------------|"]
        lines += [f"| {name} | {_cell(str(body.get('description', '')))} |"
                  for name, body in outputs]
    else:
        lines.append("No outputs.")
    lines.append(END)
    return "\n".join(lines) + "\n"


def updated(readme_text: str, block: str) -> str:
    """The README with `block` between the markers (appended when it has none)."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", re.S)
    if pattern.search(readme_text):
        return pattern.sub(lambda _m: block, readme_text, count=1)
    return readme_text.rstrip("\n") + "\n\n" + block


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    stale = []
    for module in module_dirs(args.root):
        readme = module / "README.md"
        text = readme.read_text(encoding="utf-8") if readme.is_file() else f"# {module.name}\n"
        new = updated(text, render(module))
        if new != text:
            stale.append(readme)
            if not args.check:
                readme.write_text(new, encoding="utf-8")
    verb = "stale (run scripts/tfdocs.py)" if args.check else "updated"
    for readme in stale:
        print(f"{readme}: {verb}", file=sys.stderr if args.check else sys.stdout)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
