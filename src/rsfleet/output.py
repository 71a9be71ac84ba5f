"""Rendering helpers shared by the commands: one Rich console, JSON for machines."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from rsfleet.status import ExitStatus

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


def exit_if_pending(pending: bool, detailed: bool) -> None:
    """--detailed-exitcode: a plan or dry run that found changes ends with CHANGES_PENDING."""
    if detailed and pending:
        import typer

        raise typer.Exit(ExitStatus.CHANGES_PENDING)


def only_with_dry_run(detailed: bool, dry_run: bool) -> None:
    """--detailed-exitcode describes a dry run: a real apply leaves nothing pending."""
    if detailed and not dry_run:
        from rsfleet.errors import UsageError

        raise UsageError("--detailed-exitcode: only with --dry-run",
                         hint="add --dry-run, or use the plan command")


def exit_if_problems(problems: list[str], what: str) -> None:
    """Exit 1 with one line naming the problems, for status commands that scripts rely on."""
    if problems:
        import typer

        error(f"{len(problems)} {what}: {'; '.join(problems)}")
        raise typer.Exit(ExitStatus.ERROR)


def warn(message: str) -> None:
    err_console.print(f"[bold yellow]warning:[/] {plain(message)}", highlight=False,
                      soft_wrap=True)


def note(message: str) -> None:
    err_console.print(f"[dim]note:[/] {plain(message)}", highlight=False, soft_wrap=True)


# -- output paths: checked before the work whose result they receive --------------------


def check_output_file(path: Path, option: str) -> None:
    """UsageError (one line, exit 2) unless `path` can be written: a long run's result must
    not be lost at the end (`backup drill --json`, `loadtest --json`). Tries to open it for
    appending (what the kernel says, also for root on a read-only mount or /proc) and leaves
    no file behind that was not there."""
    from rsfleet.errors import UsageError

    if path.is_dir():
        raise UsageError(f"{option} {path} is a directory",
                         hint="pass a file path, e.g. result.json")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{option} {path}: directory {parent} does not exist",
                         hint="create it first, or pass a path in an existing directory")
    existed = path.exists()
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
    except OSError as exc:
        raise UsageError(f"{option} {path}: not writable ({exc.strerror or 'refused'})",
                         hint="pass a path in a directory you can write") from None
    if not existed:
        path.unlink(missing_ok=True)


def check_output_dir(path: Path, option: str) -> None:
    """UsageError unless `path` is, or can be made, a directory this process can write."""
    from rsfleet.errors import UsageError

    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path} is a file", hint="pass a directory")
    existing = next((p for p in (path, *path.parents) if p.exists()), Path("/"))
    probe = existing / f".rsfleet-write-check-{os.getpid()}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write in {existing} "
                         f"({exc.strerror or 'refused'})",
                         hint="pass a directory you can write") from None
