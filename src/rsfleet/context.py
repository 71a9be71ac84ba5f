"""What every command can ask for: the chosen backend and common option types."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # pydantic models: imported on first use, not by `rsfleet --help`
    from rsfleet.spec.models import FleetSpec


class Backend(enum.StrEnum):
    local = "local"
    aws = "aws"


@dataclass(frozen=True)
class AppContext:
    backend: Backend = Backend.local


def app_context(ctx: typer.Context) -> AppContext:
    """The root callback's settings, from any sub-command's context."""
    root = ctx.find_root()
    obj = root.obj
    return obj if isinstance(obj, AppContext) else AppContext()


def load_spec(env: str | None, spec: Path | None = None) -> tuple[FleetSpec, Path]:
    """Load and validate a fleet spec. pydantic and the models are imported here, on first
    use, so that `rsfleet --help` does not pay for them."""
    from rsfleet import spec as fleet_spec

    return fleet_spec.load(env, spec)


def check_env(value: str | None) -> str | None:
    """--env names a directory (terraform/environments/ENV, .rsfleet/ENV): the spec's rule
    for `environment` applies before any use, so `../x` never reaches a path."""
    if value is None:
        return None
    from rsfleet.errors import UsageError
    from rsfleet.spec.identifiers import ENVIRONMENT_RE

    if not ENVIRONMENT_RE.fullmatch(value):
        # UsageError, not click's BadParameter: the root group prints it as one line, exit 2.
        raise UsageError(f"--env {value!r}: environment {value!r} is not a valid name",
                         hint="2-16 lowercase letters, digits and hyphens, starting with a "
                         "letter: the name of a directory under terraform/environments")
    return value


# Reusable option declarations, so every command spells them the same way.
EnvOption = Annotated[
    str | None,
    typer.Option("--env", "-e", callback=check_env,
                 help="Environment: terraform/environments/ENV/terraform.tfvars."),
]
SpecOption = Annotated[
    Path | None,
    typer.Option("--spec", help="A fleet spec (.tfvars) anywhere, instead of --env."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
# For scripts, as `terraform plan -detailed-exitcode` (rsfleet.status.ExitStatus).
DetailedExitcodeOption = Annotated[bool, typer.Option(
    "--detailed-exitcode",
    help="Exit 3 when there are changes to make, 0 when there are none (a plan, or with "
    "--dry-run); 1 is still a failure and 2 bad input.")]
# --state-dir as typed on the command line in this invocation (not from the environment):
# an error's hint names commands with --env only, and the root prints a note to repeat it.
_typed_state_dir: list[Path] = []


def remember_state_dir(value: Path | None) -> Path | None:
    import os

    if value is not None and str(value) != os.environ.get("RSFLEET_STATE_DIR"):
        _typed_state_dir[:] = [value]
    return value


def typed_state_dir() -> Path | None:
    return _typed_state_dir[0] if _typed_state_dir else None


def forget_typed_state_dir() -> None:
    _typed_state_dir.clear()


StateDirOption = Annotated[
    Path | None,
    typer.Option("--state-dir", envvar="RSFLEET_STATE_DIR", callback=remember_state_dir,
                 help="Local fleet state dir (default .rsfleet/ENV in the project)."),
]
# Every command that can read saved Terraform outputs spells it --tf-outputs: it names what the
# file is (`terraform output -json`), where a bare --outputs could be any command's output.
_TF_OUTPUTS_HELP = ("aws: `terraform output -json` saved in this file, read instead of asking "
                    "Terraform (for machines without access to the state).")
TfOutputsOption = Annotated[Path | None, typer.Option("--tf-outputs", help=_TF_OUTPUTS_HELP)]
# `share` and `targets` called it --outputs before; the old name stays accepted there so that
# existing scripts keep working (click cannot hide one spelling of an option from --help).
TfOutputsCompatOption = Annotated[
    Path | None,
    typer.Option("--tf-outputs", "--outputs",
                 help=_TF_OUTPUTS_HELP + " --outputs is the deprecated old name."),
]


def check_range(value: float | None, option: str, low: float, high: float) -> None:
    """Bad input (exit 2, one line) when a numeric option is outside [low, high]; None is
    "not given". Every numeric option is checked, so none is silently ignored (`--port 0`)."""
    if value is None:
        return
    if not low <= value <= high:
        from rsfleet.errors import UsageError

        raise UsageError(f"{option} {_num(value)}: must be between {_num(low)} and "
                         f"{_num(high)}")


def _num(value: float) -> str:
    """Whole numbers in full (`4294967295`, not `4.29497e+09`), others as `:g`."""
    if isinstance(value, int) or (value == value and float(value).is_integer()
                                  and abs(value) < 1e18):
        return str(int(value))
    return f"{value:g}"
