"""The `rsfleet` command: a thin Typer layer. Each group lives in rsfleet.commands.<group>.

Heavy libraries (boto3, matplotlib, scipy) are imported inside the functions that use
them, so `rsfleet --help` stays fast.
"""

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup, TyperOption

if TYPE_CHECKING:  # mypy checks against the typer installed (>= 0.20: its own click)
    from typer._click import Context
    from typer._click.exceptions import NoArgsIsHelpError
    from typer._click.exceptions import UsageError as ClickUsageError
else:
    try:  # typer >= 0.20 vendors click as typer._click; older ones use click itself
        from typer._click import Context
        from typer._click.exceptions import NoArgsIsHelpError
        from typer._click.exceptions import UsageError as ClickUsageError
    except ImportError:  # pragma: no cover
        from click import Context
        from click.exceptions import NoArgsIsHelpError
        from click.exceptions import UsageError as ClickUsageError

from rsfleet import __version__
from rsfleet.context import AppContext, Backend, forget_typed_state_dir, typed_state_dir
from rsfleet.errors import explain
from rsfleet.output import error
from rsfleet.status import ExitStatus


def _repeat_the_state_dir(lines: list[str]) -> list[str]:
    """A hint names a command with --env only; with a --state-dir typed on the command line,
    following it as printed reaches no fleet (or another one): the line says to repeat it
    (still one line per problem)."""
    state_dir = typed_state_dir()
    if state_dir is None:
        return lines
    import shlex

    where = shlex.quote(str(state_dir))
    return [f"{line}; add --state-dir {where} to that command" if "rsfleet " in line
            and "--state-dir" not in line else line for line in lines]


def _flags_show_no_type() -> None:
    """A flag takes no value, yet typer's help puts `<bool>` after it, where the other
    options show the value they take (`--purge <bool>` read as "give a bool"). Show nothing
    there, as click's own help does; every other option keeps its type."""
    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: Context) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_show_no_type()


class _RsfleetGroup(TyperGroup):
    """Turns rsfleet errors into one line on stderr and the documented exit code."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: Context | None = None, **extra: Any) -> Context:
        # The root's own options (`--backend gcp`, `RSFLEET_BACKEND=gcp`, `--bogus`) are
        # parsed here, before invoke: the same one line and exit 2, not click's panel.
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except NoArgsIsHelpError:
            raise
        except ClickUsageError as exc:
            error(f"{exc.format_message()} (see `{info_name or 'rsfleet'} --help`)")
            raise typer.Exit(ExitStatus.BAD_INPUT) from None

    def invoke(self, ctx: Context) -> Any:
        forget_typed_state_dir()
        try:
            return super().invoke(ctx)
        except NoArgsIsHelpError:
            raise  # `rsfleet local` alone: the group's help, as before
        except ClickUsageError as exc:
            # An option out of range, unknown or missing: one line and the command's --help,
            # exit 2 (click's own rendering is a multi-line panel).
            where = exc.ctx.command_path if exc.ctx is not None else "rsfleet"
            error(f"{exc.format_message()} (see `{where} --help`)")
            raise typer.Exit(ExitStatus.BAD_INPUT) from None
        except (Exception, KeyboardInterrupt) as exc:
            # rsfleet's errors, Ctrl-C, a refused file, a database that went away: one line
            # each and the status rsfleet.status maps them to; anything else is a bug and
            # keeps its traceback.
            explained = explain(exc)
            if explained is None:
                raise
            status, lines = explained
            for line in _repeat_the_state_dir(lines):
                error(line)
            raise typer.Exit(status) from None


app = typer.Typer(
    name="rsfleet",
    cls=_RsfleetGroup,
    help=(
        "Operate a read-scaling fleet on Amazon Redshift Serverless: one producer, N consumers "
        "reading through data sharing, a load balancer over the ready ones. "
        "The local backend runs the same fleet with PostgreSQL and HAProxy on this machine."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rsfleet {__version__}")
        raise typer.Exit(ExitStatus.SUCCESS)


@app.callback()
def _root(
    ctx: typer.Context,
    backend: Annotated[
        Backend,
        typer.Option(
            "--backend",
            envvar="RSFLEET_BACKEND",
            help="Where operational commands act: the local fleet or AWS.",
            case_sensitive=False,
        ),
    ] = Backend.local,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    ctx.obj = AppContext(backend=backend)


def _register() -> None:
    from rsfleet.commands import cost, diagnose, infra, loadtest, local, share, targets, validate

    app.command("validate")(validate.validate)
    infra.register(app)
    app.add_typer(local.app, name="local")
    app.add_typer(share.app, name="share")
    app.add_typer(targets.app, name="targets")
    from rsfleet.commands import backup

    app.add_typer(backup.app, name="backup")
    loadtest.register(app)
    diagnose.register(app)
    cost.register(app)
    from rsfleet.commands import connect, iam

    connect.register(app)
    iam.register(app)


_register()


def main() -> None:
    sys.exit(app(prog_name="rsfleet") or 0)
