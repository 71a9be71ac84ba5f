"""CLI exit codes and messages, through Typer's runner and through a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from rsfleet import __version__
from rsfleet.cli import app

runner = CliRunner()

SPEC = textwrap.dedent(
    """
    environment = "qa"
    producer    = { base_capacity = 8 }
    consumers   = {
      c1 = { base_capacity = 8 }
      c2 = { base_capacity = 16, max_capacity = 64, behind_nlb = false }
    }
    datashares  = { sales_share = { schemas = ["sales"] } }
    """
)


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "qa.tfvars"
    path.write_text(SPEC, encoding="utf-8")
    return path


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"rsfleet {__version__}"


def test_help_lists_every_command_group():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("validate", "plan", "apply", "destroy", "output", "local", "share",
                 "targets", "loadtest", "diagnose", "cost"):
        assert name in result.output, name


def test_validate_good_spec_summary(spec_file):
    result = runner.invoke(app, ["validate", "--spec", str(spec_file)])
    assert result.exit_code == 0, result.output
    assert "is valid" in result.output
    assert "rsfleet-qa-c1" in result.output and "rsfleet-qa-producer" in result.output


def test_validate_json(spec_file):
    import json

    result = runner.invoke(app, ["validate", "--spec", str(spec_file), "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["valid"] is True
    assert doc["spec"]["consumers"]["c2"]["max_capacity"] == 64


def test_validate_bad_spec_exit_2_one_line_each(tmp_path):
    bad = tmp_path / "bad.tfvars"
    bad.write_text(SPEC.replace("base_capacity = 16", "base_capacity = 15"), encoding="utf-8")
    result = runner.invoke(app, ["validate", "--spec", str(bad)])
    assert result.exit_code == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1
    assert "consumers.c2" in lines[0] and "steps of 8" in lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["validate"], "pass --env ENV or --spec PATH"),
        (["validate", "--env", "../x"], "not a valid name"),
        (["validate", "--spec", "/nonexistent/x.tfvars"], "does not exist"),
        (["apply", "--env", "../../x"], "not a valid name"),
    ],
)
def test_bad_input_exit_2(args, fragment, tmp_path, monkeypatch):
    # An empty project root: with no --env, a fleet in the checkout's .rsfleet/ (after
    # `make demo`) would otherwise be taken as the environment.
    monkeypatch.setenv("RSFLEET_ROOT", str(tmp_path))
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr


def test_unknown_backend_is_a_usage_error(spec_file):
    result = runner.invoke(app, ["--backend", "gcp", "validate", "--spec", str(spec_file)])
    assert result.exit_code == 2


def test_backend_from_environment_variable(spec_file):
    from rsfleet.context import AppContext, Backend, app_context

    seen: list[AppContext] = []

    probe = typer.Typer()

    @probe.command()
    def show(ctx: typer.Context) -> None:
        seen.append(app_context(ctx))

    app.add_typer(probe, name="probe-backend")
    try:
        result = runner.invoke(app, ["probe-backend", "show"], env={"RSFLEET_BACKEND": "aws"})
        assert result.exit_code == 0, result.output
        assert seen[-1].backend is Backend.aws
    finally:
        app.registered_groups = [g for g in app.registered_groups if g.name != "probe-backend"]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rsfleet", *args],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def test_subprocess_bad_spec_exit_2_no_traceback(tmp_path):
    bad = tmp_path / "bad.tfvars"
    bad.write_text('environment = "qa"\nproducer = {\n', encoding="utf-8")
    proc = _run("validate", "--spec", str(bad))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "not valid HCL" in proc.stderr


def test_subprocess_good_spec_exit_0(spec_file):
    proc = _run("validate", "--spec", str(spec_file))
    assert proc.returncode == 0, proc.stderr
    assert "is valid" in proc.stdout


def test_apply_refuses_without_a_saved_plan(tmp_path, monkeypatch):
    env_dir = tmp_path / "terraform" / "environments" / "qa"
    env_dir.mkdir(parents=True)
    (env_dir / "terraform.tfvars").write_text(SPEC, encoding="utf-8")
    monkeypatch.setenv("RSFLEET_ROOT", str(tmp_path))
    monkeypatch.setenv("RSFLEET_TERRAFORM", sys.executable)  # never reached: refused before
    result = runner.invoke(app, ["apply", "--env", "qa"])
    assert result.exit_code == 2
    assert "no saved plan for 'qa'" in result.stderr
    assert "rsfleet plan --env qa" in result.stderr


def test_plan_validates_the_spec_before_terraform_runs(tmp_path, monkeypatch):
    env_dir = tmp_path / "terraform" / "environments" / "qa"
    env_dir.mkdir(parents=True)
    (env_dir / "terraform.tfvars").write_text(SPEC.replace("= 16", "= 17"), encoding="utf-8")
    monkeypatch.setenv("RSFLEET_ROOT", str(tmp_path))
    monkeypatch.setenv("RSFLEET_TERRAFORM", "/nonexistent/terraform")
    result = runner.invoke(app, ["plan", "--env", "qa"])
    assert result.exit_code == 2
    assert "consumers.c2" in result.stderr  # the spec error, not "terraform missing"


@pytest.mark.parametrize(("args", "env", "line"), [
    (["--backend", "gcp", "local", "status"], None,
     "error: Invalid value for '--backend' (env var: 'RSFLEET_BACKEND'): Value error, 'gcp' is "
     "not one of 'local', 'aws'. (see `rsfleet --help`)"),
    (["local", "status"], {"RSFLEET_BACKEND": "gcp"},
     "error: Invalid value for '--backend' (env var: 'RSFLEET_BACKEND'): Value error, 'gcp' is "
     "not one of 'local', 'aws'. (see `rsfleet --help`)"),
    (["--bogus"], None, "error: No such option: --bogus (see `rsfleet --help`)"),
])
def test_subprocess_bad_root_option_is_one_line(args, env, line):
    # the root's own options are parsed before any command runs: was click's boxed panel
    proc = _run(*args, env=env)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [line]


def _leaf_commands() -> list[list[str]]:
    import typer.main

    def walk(cmd, path):
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from walk(sub, [*path, name])
        else:
            yield path

    return list(walk(typer.main.get_command(app), []))


def test_help_at_80_columns_shows_no_type_after_a_flag():
    """`--purge <bool>` read as an option that takes a value; a flag takes none."""
    commands = _leaf_commands()
    assert len(commands) > 30
    for path in commands:
        res = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
        assert res.exit_code == 0, (path, res.output)
        assert "<bool>" not in res.output, path
        assert all(len(line) <= 80 for line in res.output.splitlines()), path
    down = runner.invoke(app, ["local", "down", "--help"], env={"COLUMNS": "80"}).output
    assert "--purge " in down and "<path>" in down  # options with a value keep their type


def test_validate_table_fits_80_columns_one_row_per_workgroup(spec_file: Path):
    """The role column wrapped to two rows per consumer and datashares read `sales_sha…`."""
    res = runner.invoke(app, ["validate", "--spec", str(spec_file)], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()[1:]  # the first line names the file (soft-wrapped)
    assert all(len(x) <= 80 for x in lines), lines
    rows = [x for x in lines if x.split() and x.split()[0] in ("producer", "c1", "c2")]
    assert len(rows) == 3  # one row each
    assert all("sales_share" in x and "…" not in x for x in rows)
    c2 = next(x for x in rows if x.split()[0] == "c2")
    assert "rsfleet-qa-c2" in c2 and "16-64" in c2 and " no " in c2
