"""Rendering helpers shared by the commands: one Rich console, JSON for machines."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape

console = Console()
err_console = Console(stderr=True)


def _default(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def print_json(data: Any) -> None:
    """Plain JSON on stdout (no Rich markup), so `| jq` always works."""
    sys.stdout.write(json.dumps(data, indent=2, default=_default, sort_keys=False) + "\n")
    sys.stdout.flush()


def plain(text: object) -> str:
    """`text` (a path, a name, a message from PostgreSQL/AWS/Terraform) made safe to put in
    Rich markup: `[red]` or `[/x]` in it is printed as is, never interpreted."""
    return escape(str(text))


# error/warn/note take plain text (never markup): whatever a user or a server wrote shows
# exactly as written, and a stray `[/x]` cannot crash the rendering.
def error(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {plain(message)}", highlight=False, soft_wrap=True)


def exit_if_problems(problems: list[str], what: str) -> None:
    """Exit 1 with one line naming the problems, for status commands that scripts rely on."""
    if problems:
        import typer

        error(f"{len(problems)} {what}: {'; '.join(problems)}")
        raise typer.Exit(1)


def warn(message: str) -> None:
    err_console.print(f"[bold yellow]warning:[/] {plain(message)}", highlight=False,
                      soft_wrap=True)


def note(message: str) -> None:
    err_console.print(f"[dim]note:[/] {plain(message)}", highlight=False, soft_wrap=True)
