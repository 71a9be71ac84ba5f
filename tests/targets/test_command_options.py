"""The `targets` commands declare their shared options once (TargetsOptions): every command
offers all of them, spelled as before, and receives them as one object."""

from __future__ import annotations

import dataclasses

import typer
from typer.main import get_command

from rsfleet.commands import targets

SHARED = {"--env", "-e", "--spec", "--state-dir", "--tf-outputs", "--outputs", "--user",
          "--secret-arn", "--probe-as-admin", "--target-group-arn"}


def _options(name: str) -> set[str]:
    group = get_command(targets.app)
    assert isinstance(group, typer.core.TyperGroup)
    cmd = group.commands[name]
    return {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}


def test_every_targets_command_offers_the_shared_options():
    for name in ("status", "sync", "drain", "undrain", "watch"):
        assert _options(name) >= SHARED, name
    assert {"--dry-run", "--json"} <= _options("sync")
    assert {"--wait", "--timeout", "--reason"} <= _options("drain")
    assert {"--interval", "--rise", "--fall"} <= _options("watch")
    assert "--dry-run" not in _options("status")


def test_the_options_arrive_as_one_targets_options(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    monkeypatch.delenv("PGUSER", raising=False)
    monkeypatch.delenv("RSFLEET_STATE_DIR", raising=False)
    seen: list[tuple[str, targets.TargetsOptions, bool]] = []
    app = typer.Typer()

    @app.command()
    @targets.with_options
    def probe(ctx: typer.Context, name: str, opts: targets.TargetsOptions,
              json: bool = False) -> None:
        seen.append((name, opts, json))

    res = CliRunner().invoke(app, [
        "c1", "--spec", str(tmp_path / "x.tfvars"), "--outputs", str(tmp_path / "o.json"),
        "--user", "reader", "--probe-as-admin", "--state-dir", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    assert seen == [("c1", targets.TargetsOptions(
        spec=tmp_path / "x.tfvars", tf_outputs=tmp_path / "o.json", user="reader",
        probe_as_admin=True, state_dir=tmp_path), True)]
    res = CliRunner().invoke(app, ["c2"])
    assert res.exit_code == 0, res.output
    assert seen[-1] == ("c2", targets.TargetsOptions(), False)
    assert [f.name for f in dataclasses.fields(targets.TargetsOptions)] == list(targets._OPTIONS)
