"""`rsfleet --help` (and so every command and every shell tab-completion) starts without
the heavy libraries: what it imports is what a bare Typer app imports, plus rsfleet's own
command layer. The time itself is measured by bench/bench_cli_start.py (never here)."""

import ast
import functools
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ROOT / "src" / "rsfleet" / "commands"

# Each of these costs tens of milliseconds (or far more) to import: none is needed to print help.
HEAVY = ("pydantic", "pydantic_core", "boto3", "botocore", "psycopg", "psycopg_pool",
         "matplotlib", "numpy", "scipy", "hcl2", "lark", "moto", "cryptography", "yaml")
# rsfleet's own layers below the command layer: each pulls in some of the above.
OWN_HEAVY = ("rsfleet.spec", "rsfleet.local", "rsfleet.backup", "rsfleet.sharing",
             "rsfleet.targets", "rsfleet.loadtest", "rsfleet.rollout", "rsfleet.cost",
             "rsfleet.diagnose", "rsfleet.controller", "rsfleet.workgroups")

# Runs `argv` through the real entry point and prints what was imported: {module: file}.
PROBE = textwrap.dedent("""
    import json, sys
    sys.argv = {argv!r}
    try:
        {run}
    except SystemExit as exc:
        assert exc.code in (0, None), exc.code
    mods = {{n: getattr(m, "__file__", None) or "" for n, m in list(sys.modules.items())}}
    sys.stderr.write("\\nMODULES" + json.dumps(mods))
""")

# The floor: a Typer app of the same shape (a root option, like --backend; a command; a
# group with a command). Typer itself (>= 0.2x) coerces option values with pydantic: the
# root option is processed before a sub-command's --help, so `rsfleet local --help` gets
# pydantic from Typer as this app's `grp --help` does; only `rsfleet --help` can avoid it.
BARE = textwrap.dedent('''
    import enum
    from typing import Annotated
    import typer
    class Where(str, enum.Enum):
        here = "here"
        there = "there"
    app = typer.Typer(no_args_is_help=True, help="A bare Typer app.")
    @app.callback()
    def root(where: Annotated[Where, typer.Option("--where", help="Where.")] = Where.here):
        """Root."""
    @app.command()
    def one(name: Annotated[str | None, typer.Option("--name", help="[b]Name[/].")] = None,
            flag: Annotated[bool, typer.Option("--flag", help="A flag.")] = False) -> None:
        """One command."""
    sub = typer.Typer(help="A group.")
    app.add_typer(sub, name="grp")
    @sub.command()
    def two(path: Annotated[str | None, typer.Option("--path", help="A path.")] = None):
        """Another."""
    app(prog_name="bare")
''')


@functools.cache
def _imported(argv: tuple[str, ...], run: str) -> dict[str, str]:
    code = PROBE.format(argv=list(argv), run=textwrap.indent(run, "    ").strip())
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"},
                          check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stderr.rsplit("\nMODULES", 1)[1])


def imported(argv: list[str], run: str) -> dict[str, str]:
    return _imported(tuple(argv), run)


def third_party(mods: dict[str, str]) -> set[str]:
    """Top-level packages imported from site-packages (rsfleet itself excepted)."""
    return {name.split(".")[0] for name, path in mods.items()
            if "site-packages" in path and not name.startswith("rsfleet")}


def heavy(mods: dict[str, str], names: tuple[str, ...]) -> set[str]:
    return {h for h in names if any(m == h or m.startswith(h + ".") for m in mods)}


@pytest.mark.parametrize(("argv", "bare_argv"), [
    (["--help"], ["--help"]),
    (["local", "--help"], ["grp", "--help"]),
    (["backup", "restore", "--help"], ["grp", "two", "--help"]),
    (["local", "up", "--help"], ["grp", "two", "--help"]),
    (["loadtest", "--help"], ["one", "--help"]),
])
def test_help_imports_no_more_than_a_bare_typer_app(argv: list[str],
                                                    bare_argv: list[str]) -> None:
    mods = imported(["rsfleet", *argv], "from rsfleet.cli import main\nmain()")
    floor = imported(["bare", *bare_argv], BARE)
    shown = f"`rsfleet {' '.join(argv)}`"
    extra = sorted(heavy(mods, HEAVY) - heavy(floor, HEAVY))
    assert not extra, f"{shown} imports {extra}: import them inside the functions that " \
        "need them (or under TYPE_CHECKING for annotations)"
    assert not heavy(mods, OWN_HEAVY), f"{shown} imports {sorted(heavy(mods, OWN_HEAVY))}"
    extra = sorted(third_party(mods) - third_party(floor))
    assert not extra, f"{shown} imports {extra}, which a bare Typer app does not: every " \
        "command and tab-completion pays for it"
    if argv == ["--help"]:  # the top-level help: not even Typer needs pydantic there
        assert "pydantic" not in mods


def test_the_probe_sees_a_heavy_import() -> None:
    # the check above could pass by looking at the wrong thing: here it must see pydantic
    mods = imported(["rsfleet", "--help"],
                    "import rsfleet.spec.models\nfrom rsfleet.cli import main\nmain()")
    assert "pydantic" in mods and "pydantic" in third_party(mods)


def test_command_modules_evaluate_annotations_once() -> None:
    # Typer reads every command's signature with get_type_hints, twice per command, at every
    # start. Under `from __future__ import annotations` each annotation is a string it must
    # compile and eval again (~600 evals, a quarter of the Typer start-up): the command
    # modules keep real annotations and quote only what is imported under TYPE_CHECKING.
    for path in [*COMMANDS.glob("*.py"), ROOT / "src" / "rsfleet" / "cli.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        futures = [n for n in tree.body if isinstance(n, ast.ImportFrom)
                   and n.module == "__future__" and any(a.name == "annotations"
                                                        for a in n.names)]
        defines_commands = "typer" in path.read_text(encoding="utf-8")
        assert not (futures and defines_commands), \
            f"{path.relative_to(ROOT)}: `from __future__ import annotations` in a Typer module"
