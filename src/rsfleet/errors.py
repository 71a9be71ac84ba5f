"""Errors that the CLI turns into exit codes (rsfleet.status) and one clear line each;
`explain` is the one mapping from any exception to its exit status and line(s).

- ``UsageError`` (exit 2): bad input — a spec, an option, a name. Say what, where, how to fix.
- ``FleetError`` (exit 1): the input was fine but the system is not (a server down, AWS refused).
  Its subclasses ``TemporaryError`` (retry later) and ``PermanentError`` (do not) are what
  ``rsfleet.adapters.aws_errors.translate`` makes of every AWS error.
"""

from __future__ import annotations

from rsfleet.status import ExitStatus


class RsfleetError(Exception):
    exit_code = ExitStatus.ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(RsfleetError):
    """Bad input: exit code 2."""

    exit_code = ExitStatus.BAD_INPUT


class SpecError(UsageError):
    """A fleet spec that does not validate: one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class FleetError(RsfleetError):
    """The system is not in the state the command needs: exit code 1."""

    exit_code = ExitStatus.ERROR


class TemporaryError(FleetError):
    """Worth retrying unchanged after a while: throttled, a conflicting operation still in
    progress, a server-side (5xx) error, a dropped connection. A loop (the controller, an
    ordered workgroup update) retries these; anything else is `PermanentError`."""

    def __init__(self, message: str, *, hint: str | None = None, code: str = "",
                 retry_after: float = 5.0) -> None:
        super().__init__(message, hint=hint)
        self.code = code
        self.retry_after = retry_after


class PermanentError(FleetError):
    """Retrying the same call fails the same way until something else changes (access
    denied, not found, invalid parameter, quota)."""

    def __init__(self, message: str, *, hint: str | None = None, code: str = "") -> None:
        super().__init__(message, hint=hint)
        self.code = code


def explain(exc: BaseException) -> tuple[ExitStatus, list[str]] | None:
    """(status, lines to print) for an exception rsfleet knows how to end on; None for
    anything else (a bug: its traceback is shown)."""
    if isinstance(exc, RsfleetError):
        return exc.exit_code, str(exc).splitlines() or [type(exc).__name__]
    if isinstance(exc, KeyboardInterrupt):
        return ExitStatus.INTERRUPTED, ["interrupted"]
    if isinstance(exc, OSError):
        # A file or directory the system refused (read-only, a file where a directory
        # belongs, disk full): one line naming it, not a traceback.
        where = f": {exc.filename}" if exc.filename else ""
        return ExitStatus.ERROR, [f"{exc.strerror or type(exc).__name__}{where}"]
    if type(exc).__module__.startswith("psycopg"):
        # A database that refused or vanished is a failure, not a crash: one line.
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return ExitStatus.ERROR, [f"database error: {first}"]
    return None
