"""`rsfleet loadtest`'s options as one typed request, with every rule that needs no fleet.

The command builds one `LoadTestRequest(...)` from its options, once, and calls `.checked()`;
the rules (ranges,
choices, files that must exist or be writable, backend-only options) live here, in the order
they are reported, each as one line naming the option (exit 2, before anything runs).
Rules that need the fleet (a fault's consumer, a fault after the end of the run) are checked
once the target is resolved (`faults.parse_fault`, the command).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rsfleet.errors import UsageError

CONNECT_MODES = ("per-session", "per-query")
# What `--via-test-instance` repeats on the instance, as given (the instance resolves its
# own fleet, outputs and files): the field names, spelled as options.
FORWARDED = ("sessions", "connect_mode", "session_lifetime", "duration", "queries", "drain",
             "fault_window", "max_error_rate", "host", "port", "user", "database",
             "password_secret_arn", "sslmode", "engine", "seed")
DEFAULT_DURATION_S = 30.0


def _check_range(value: float | None, option: str, low: float, high: float) -> None:
    from rsfleet.context import check_range

    check_range(value, option, low, high)


@dataclass(frozen=True)
class LoadTestRequest:
    backend: str  # local | aws
    sessions: int = 64
    connect_mode: str = "per-session"
    session_lifetime: str | None = None  # per-session: reconnect after this long (a pool's)
    duration: str | None = None  # as given (forwarded to the test instance as is)
    queries: int | None = None
    query_file: Path | None = None
    kill: tuple[str, ...] = ()
    drain: tuple[str, ...] = ()
    fault_window: str | None = None
    max_error_rate: float | None = None
    json_path: Path | None = None
    report: Path | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    database: str | None = None
    password_secret_arn: str | None = None
    sslmode: str | None = None
    engine: str = "threads"
    seed: int = 0
    raw: bool = True
    quiet: bool = False
    via_test_instance: bool = False
    instance_id: str | None = None
    # derived by parse()
    duration_s: float | None = None  # None: run until --queries
    session_lifetime_s: float | None = None
    window_s: float = 15.0

    def forwarded_args(self) -> list[str]:
        """The options to repeat on the test instance, as argv (None, False and empty left
        out; a repeated option once per value)."""
        out: list[str] = []
        for name in FORWARDED:
            value = getattr(self, name)
            if value is None or value is False or value == ():
                continue
            flag = "--" + name.replace("_", "-")
            for one in value if isinstance(value, tuple) else (value,):
                out += [flag, str(one)]
        return out

    def checked(self) -> LoadTestRequest:
        """The request with its derived values, or UsageError for the first option that
        breaks a rule."""
        from dataclasses import replace

        from rsfleet.loadtest.faults import parse_duration
        from rsfleet.loadtest.runner import ENGINES

        if self.sessions < 1 or self.sessions > 5000:
            raise UsageError(f"--sessions {self.sessions}: must be 1..5000")
        _check_range(self.port, "--port", 1, 65535)
        _check_range(self.seed, "--seed", 0, 2**32 - 1)
        check_output_paths(self.json_path, self.report)  # a long run's result must not be lost
        if self.connect_mode not in CONNECT_MODES:
            raise UsageError(f"--connect-mode {self.connect_mode!r}: choose per-session or "
                             "per-query")
        if self.engine not in ENGINES:
            raise UsageError(f"--engine {self.engine!r}: choose one of {', '.join(ENGINES)}")
        if self.queries is not None and self.queries < 1:
            raise UsageError(f"--queries {self.queries}: must be at least 1")
        if self.max_error_rate is not None and not 0 <= self.max_error_rate <= 1:
            raise UsageError(f"--max-error-rate {self.max_error_rate}: must be between 0 and 1")
        if self.query_file is not None and not self.query_file.is_file():
            raise UsageError(f"--query-file {self.query_file} does not exist")
        lifetime_s = None
        if self.session_lifetime is not None:
            if self.connect_mode != "per-session":
                raise UsageError("--session-lifetime applies to --connect-mode per-session",
                                 hint="per-query opens a new session for every query already")
            lifetime_s = parse_duration(self.session_lifetime, "--session-lifetime")
            if not 0 < lifetime_s <= 86400:
                raise UsageError(f"--session-lifetime {self.session_lifetime}: must be more "
                                 "than 0 and at most 24h")
        duration_s = parse_duration(self.duration) if self.duration else None
        if duration_s is None and self.queries is None:
            duration_s = DEFAULT_DURATION_S
        if duration_s is not None and not 0 < duration_s <= 86400:
            raise UsageError(f"--duration {self.duration}: must be more than 0 and at most 24h")
        _check_range(self.queries, "--queries", 1, 1_000_000_000)
        window_s = (parse_duration(self.fault_window, "--fault-window") if self.fault_window
                    else (60.0 if self.backend == "aws" else 15.0))
        if not 0 <= window_s <= 3600:
            raise UsageError(f"--fault-window {self.fault_window}: must be between 0 and 1h")
        for option, value in (("--host", self.host), ("--user", self.user),
                              ("--database", self.database)):
            if value is not None and not value.strip():
                raise UsageError(f"{option} is empty",
                                 hint=f"give a value or leave {option} out for the default")
        _check_duplicate_faults(self.kill, self.drain)
        if self.kill and self.backend == "aws":
            raise UsageError("--kill works only on the local backend",
                             hint="on AWS use --drain NAME@TIME")
        if self.password_secret_arn:
            from rsfleet.adapters.secretsmanager import check_secret_arn

            # Before any fleet or AWS call, and before forwarding it to the test instance.
            check_secret_arn(self.password_secret_arn, "--password-secret-arn")
        if self.via_test_instance and self.query_file is not None:
            raise UsageError("--query-file cannot be used with --via-test-instance",
                             hint="the built-in mix runs on the instance")
        return replace(self, duration_s=duration_s, window_s=window_s,
                       session_lifetime_s=lifetime_s)


def _check_duplicate_faults(kill: tuple[str, ...], drain: tuple[str, ...]) -> None:
    """The same fault on the same consumer at the same time, given twice (also c1@5s and
    c1@5000ms), is a mistake: one line naming it. Which consumers exist is checked later,
    against the fleet (`faults.parse_fault` with its consumers)."""
    from rsfleet.loadtest.faults import parse_fault

    seen: dict[tuple[str, str, float], str] = {}
    for kind, texts in (("kill", kill), ("drain", drain)):
        for text in texts:
            f = parse_fault(kind, text, ())
            key = (f.kind, f.target, f.at_s)
            if key in seen:
                same = "" if seen[key] == text else f" (same as {seen[key]})"
                raise UsageError(f"--{kind} {text}{same} is given twice",
                                 hint=f"give each fault once: --{kind} {text}")
            seen[key] = text


def check_output_paths(json_path: Path | None, report: Path | None) -> None:
    """--json FILE and --report DIR must be writable before a run that can take minutes."""
    from rsfleet.output import check_output_dir, check_output_file

    if json_path is not None and str(json_path) != "-":
        if json_path.is_dir():
            raise UsageError(f"--json {json_path} is a directory",
                             hint="pass a file path, e.g. result.json, or - for stdout")
        check_output_file(json_path, "--json")
    if report is not None:
        check_output_dir(report, "--report")
