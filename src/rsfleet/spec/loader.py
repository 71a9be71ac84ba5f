"""Load a fleet spec from a tfvars file (HCL) and turn every problem into one clear line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rsfleet.errors import SpecError, UsageError
from rsfleet.spec.identifiers import ENVIRONMENT_RE
from rsfleet.spec.models import FleetSpec
from rsfleet.workspace import only_fleet
from rsfleet.workspace import project_root as project_root  # re-exported: many callers


def environments_dir() -> Path:
    return project_root() / "terraform" / "environments"


def list_environments() -> list[str]:
    d = environments_dir()
    if not d.is_dir():
        return []
    return sorted(p.name for p in d.iterdir() if (p / "terraform.tfvars").is_file())


def spec_path_for(env: str | None, spec: Path | None) -> Path:
    """Resolve `--env`/`--spec` to a tfvars path, or raise UsageError with the fix."""
    if spec is not None:
        if spec.exists() and not spec.is_file():
            raise UsageError(f"spec file {spec} is not a regular file", hint="pass a .tfvars file")
        if not spec.is_file():
            raise UsageError(f"spec file {spec} does not exist", hint="pass an existing .tfvars")
        return spec
    if env is None:
        # The rule for every command: no --env means the only local fleet under .rsfleet/
        # (said on stderr); several are listed (exit 2); none: name the environments.
        found = only_fleet()
        if found is None:
            known = ", ".join(list_environments()) or "none found"
            raise UsageError("no environment given",
                             hint=f"pass --env ENV or --spec PATH; environments: {known}")
        env = found[0]
    if not ENVIRONMENT_RE.fullmatch(env):
        raise UsageError(
            f"environment {env!r} is not a valid name",
            hint="lowercase letters, digits and hyphens",
        )
    path = environments_dir() / env / "terraform.tfvars"
    if not path.is_file():
        known = ", ".join(list_environments()) or "none found"
        raise UsageError(
            f"environment {env!r} has no spec at {path}", hint=f"known environments: {known}"
        )
    return path


# A spec is a few KiB (100 consumers: ~10 KiB); the HCL parser needs ~20 s per MiB, so a
# bigger file is a mistake (a data file passed as --spec), refused before parsing.
MAX_SPEC_BYTES = 128 * 1024


def read_tfvars(path: Path) -> dict[str, Any]:
    import hcl2
    from hcl2 import SerializationOptions

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UsageError(f"cannot read spec file {path}: {exc.strerror}") from None
    if size > MAX_SPEC_BYTES:
        raise SpecError([f"{path}: {size:,} bytes: too big for a fleet spec (the limit is "
                         f"{MAX_SPEC_BYTES // 1024} KiB)"])
    try:
        text = path.read_text(encoding="utf-8")
        deep = too_deep_at(text)
        if deep is not None:  # before the parser, which recurses per level (and gives up
            # with Python's "maximum recursion depth exceeded")
            raise SpecError([f"{path}: line {deep}: nested more than {MAX_NESTING} levels "
                             "deep (a fleet spec nests 4 at most: consumers = { c1 = { "
                             "config = { … } } })"])
        problems = duplicate_keys(text)
        data = hcl2.loads(
            text,
            serialization_options=SerializationOptions(
                strip_string_quotes=True, with_comments=False
            ),
        )
    except UnicodeDecodeError:
        raise SpecError([f"{path}: not a UTF-8 text file"]) from None
    except IsADirectoryError:
        raise UsageError(f"spec file {path} is a directory", hint="pass a .tfvars file") from None
    except SpecError:
        raise
    except RecursionError:
        raise SpecError([f"{path}: nested too deeply to read"]) from None
    except Exception as exc:  # lark raises many parse error types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpecError([f"{path}: not valid HCL: {first}"]) from None
    if problems:
        # hcl2 keeps the last value silently; Terraform refuses a repeated variable
        # ("Attribute redefined"): say where, rather than deploy the other value.
        raise SpecError([f"{path}: {p}" for p in problems])
    if not isinstance(data, dict):
        raise SpecError([f"{path}: expected top-level assignments"])
    return data


MAX_NESTING = 32  # brackets deep; far above any fleet spec, far below Python's recursion


def too_deep_at(text: str) -> int | None:
    """The line where `{`, `[` or `(` outside strings and comments nest deeper than
    MAX_NESTING, or None. A scan, no recursion."""
    depth, line, i, n = 0, 1, 0, len(text)
    in_string = False
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        if in_string:
            if ch == "\\":
                i += 1  # the escaped character (a quote does not end the string)
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += text.count("\n", i, end)
            i = end
            continue
        elif ch in "{[(":
            depth += 1
            if depth > MAX_NESTING:
                return line
        elif ch in "}])":
            depth -= 1
        i += 1
    return None


def duplicate_keys(text: str) -> list[str]:
    """`key: set twice (lines A and B)` for every key assigned twice in one body/object."""
    import hcl2
    from lark import Token, Tree

    problems: list[str] = []

    def text_of(node: Any) -> tuple[str, int | None]:
        toks = [t for t in node.scan_values(lambda v: isinstance(v, Token))]
        key = "".join(str(t) for t in toks if str(t) != '"')
        return key, (getattr(toks[0], "line", None) if toks else None)

    def check(path: str, keys: list[tuple[str, int | None]]) -> None:
        seen: dict[str, int | None] = {}
        for key, line in keys:
            if key in seen:
                where = f" (lines {seen[key]} and {line})" if line and seen[key] else ""
                problems.append(f"{path}{key}: set twice{where}: keep one")
            else:
                seen[key] = line

    def walk(node: Any, path: str) -> None:
        if not isinstance(node, Tree):
            return
        kind = str(node.data)
        if kind in ("body", "object"):
            keys = []
            for child in node.children:
                if not isinstance(child, Tree) or str(child.data) not in ("attribute",
                                                                          "object_elem"):
                    continue
                parts = [c for c in child.children if isinstance(c, Tree)]
                if len(parts) < 2:
                    continue
                key, line = text_of(parts[0])
                keys.append((key, line))
                walk(parts[-1], f"{path}{key}.")
            check(path, keys)
            return
        for child in node.children:
            walk(child, path)

    walk(hcl2.parses_to_tree(text), "")
    return problems


def _key(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not str(p).startswith(("function-", "list[", "dict["))]
    return ".".join(parts) or "(top level)"


def format_validation_error(path: Path, exc: ValidationError) -> list[str]:
    lines: list[str] = []
    for err in exc.errors(include_url=False):
        msg = str(err["msg"]).removeprefix("Value error, ")
        key = _key(tuple(err["loc"]))
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check spelling; see the configuration reference in README.md)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        for one in msg.splitlines():
            lines.append(f"{path}: {key}: {one}")
    return lines


def load_spec(path: Path) -> FleetSpec:
    data = read_tfvars(path)
    try:
        return FleetSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(format_validation_error(path, exc)) from None


def load(env: str | None = None, spec: Path | None = None) -> tuple[FleetSpec, Path]:
    path = spec_path_for(env, spec)
    return load_spec(path), path
