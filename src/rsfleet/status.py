"""How `rsfleet` ends: one `ExitStatus` for every exit code it documents.

As httpie's `status.py`: commands never pick a number. An error raised anywhere below the
CLI is mapped to its status by `rsfleet.errors.explain` (the one mapping), which `cli.py`
applies; a command that ends on a result (a check that failed, a dry run that found
changes) raises `typer.Exit(<ExitStatus>)`.
"""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    SUCCESS = 0
    ERROR = 1  # the input was fine, the fleet (or a check of it) is not
    BAD_INPUT = 2  # an option, the spec, a file: one line says what, where and how to fix
    # --detailed-exitcode on a dry run or plan: it found changes to make (as
    # `terraform plan -detailed-exitcode`, which uses 2: rsfleet's 2 is already bad input).
    CHANGES_PENDING = 3
    INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as a shell reports it
