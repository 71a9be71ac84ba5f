"""No import cycle between rsfleet's packages (issue 14).

Every `import`/`from ... import` in src/rsfleet counts, including the ones inside functions
and under `if TYPE_CHECKING:`: a lazy import hides a cycle from the interpreter, not from
the reader. Packages are the first level below `rsfleet` (`rsfleet.local`, `rsfleet.targets`,
...); a module directly in `rsfleet/` (cli.py, errors.py, ...) is its own unit. Inside one
package, modules are checked too (local/fleet.py <-> lifecycle.py was one).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import rsfleet

ROOT = Path(rsfleet.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Absolute names of the rsfleet modules `path` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)  # `from pkg import module`
    return {m for m in found if m == "rsfleet" or m.startswith("rsfleet.")}


def _modules() -> dict[str, set[str]]:
    mods = {_module_name(p): _imports(p) for p in ROOT.rglob("*.py")}
    # keep only names that are modules ("from rsfleet.x import Thing" -> rsfleet.x)
    return {m: {d for d in deps if d in mods and d != m} for m, deps in mods.items()}


def _unit(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _package_graph(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for m, deps in modules.items():
        u = _unit(m)
        graph.setdefault(u, set()).update(_unit(d) for d in deps if _unit(d) != u)
    return graph


def _edges(modules: dict[str, set[str]], units: Iterable[str]) -> list[str]:
    units = set(units)
    return sorted(f"{m} -> {d}" for m, deps in modules.items() for d in deps
                  if _unit(m) in units and _unit(d) in units and _unit(m) != _unit(d))


def test_the_scan_sees_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_scan_reads_lazy_and_relative_imports(tmp_path: Path) -> None:
    mods = _modules()
    assert "rsfleet.lifecycle" in mods
    # commands import the layers below them, inside functions too
    assert any(d.startswith("rsfleet.local") for d in mods["rsfleet.commands.local"])


def test_no_cycle_between_packages() -> None:
    modules = _modules()
    cycles = _cycles(_package_graph(modules))
    detail = "\n".join(f"{' <-> '.join(c)}:\n  " + "\n  ".join(_edges(modules, c))
                       for c in cycles)
    assert not cycles, f"import cycles between packages:\n{detail}"


def test_no_cycle_between_modules() -> None:
    cycles = _cycles(_modules())
    assert not cycles, "import cycles between modules:\n" + "\n".join(map(str, cycles))
