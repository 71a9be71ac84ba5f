"""Exit codes come from one enum (rsfleet.status) and one mapping (rsfleet.errors.explain),
never a bare number."""

from __future__ import annotations

import ast
from pathlib import Path

import psycopg
import pytest

import rsfleet
from rsfleet.errors import (
    FleetError,
    PermanentError,
    SpecError,
    TemporaryError,
    UsageError,
    explain,
)
from rsfleet.status import ExitStatus

ROOT = Path(rsfleet.__file__).parent


@pytest.mark.parametrize(("exc", "status", "lines"), [
    (UsageError("--env x: no such environment", hint="see --help"), ExitStatus.BAD_INPUT,
     ["--env x: no such environment (see --help)"]),
    (SpecError(["a.tfvars: consumers.c1: bad", "a.tfvars: nlb.port: bad"]),
     ExitStatus.BAD_INPUT, ["a.tfvars: consumers.c1: bad", "a.tfvars: nlb.port: bad"]),
    (FleetError("c1 is down"), ExitStatus.ERROR, ["c1 is down"]),
    (TemporaryError("throttled", code="Throttling"), ExitStatus.ERROR, ["throttled"]),
    (PermanentError("denied", code="AccessDenied"), ExitStatus.ERROR, ["denied"]),
    (KeyboardInterrupt(), ExitStatus.INTERRUPTED, ["interrupted"]),
    (PermissionError(13, "Permission denied", "/x/y"), ExitStatus.ERROR,
     ["Permission denied: /x/y"]),
    (psycopg.OperationalError("connection refused\nIs the server running?"), ExitStatus.ERROR,
     ["database error: connection refused"]),
])
def test_each_known_error_maps_to_its_status_and_one_line_each(exc, status, lines):
    assert explain(exc) == (status, lines)


def test_an_unknown_exception_is_left_alone_so_its_traceback_shows():
    assert explain(ZeroDivisionError("bug")) is None
    assert explain(KeyError("bug")) is None


def test_the_documented_numbers():
    assert [int(s) for s in ExitStatus] == [0, 1, 2, 3, 130]


def _bare_exits(tree: ast.AST) -> list[int]:
    """Lines of `typer.Exit(<int literal>)` / `SystemExit(<int literal>)`."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = (node.func.attr if isinstance(node.func, ast.Attribute)
                else node.func.id if isinstance(node.func, ast.Name) else "")
        arg = node.args[0]
        if (name in ("Exit", "SystemExit") and isinstance(arg, ast.Constant)
                and isinstance(arg.value, int)):
            found.append(node.lineno)
    return found


def test_the_scan_finds_a_bare_exit_code():
    assert _bare_exits(ast.parse("import typer\nraise typer.Exit(1)\n")) == [2]
    assert _bare_exits(ast.parse("raise SystemExit(2)")) == [1]
    assert _bare_exits(ast.parse("raise typer.Exit(ExitStatus.ERROR)")) == []


def test_no_module_exits_with_a_bare_number():
    bare = [f"{p.relative_to(ROOT)}:{line}" for p in sorted(ROOT.rglob("*.py"))
            for line in _bare_exits(ast.parse(p.read_text(encoding="utf-8")))]
    assert not bare, f"use rsfleet.status.ExitStatus: {bare}"
