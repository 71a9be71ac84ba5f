"""The state dir is rsfleet's only when marked: the repros of issue 13 through the real CLI
(a subprocess each), none of which needs a fleet."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import free_port_block

from rsfleet.errors import UsageError
from rsfleet.local import state

SPEC = ('environment = "xy"\nproducer = { base_capacity = 8 }\n'
        'consumers = { c1 = { base_capacity = 8 } }\n')


def rsfleet(*args: str, cwd: Path | None = None, env: dict | None = None
            ) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "RSFLEET_STATE_DIR"}
    return subprocess.run([sys.executable, "-m", "rsfleet", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd, env={**base, **(env or {})})


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_purge_refuses_a_dir_rsfleet_did_not_mark(tmp_path):
    # the repro: a dir that merely contains haproxy/ (like /etc) was deleted with docs/ in it
    victim = tmp_path / "v"
    (victim / "haproxy").mkdir(parents=True)
    (victim / "docs").mkdir()
    (victim / "docs" / "f").write_text("x")
    proc = rsfleet("local", "down", "--purge", "--state-dir", str(victim))
    assert proc.returncode == 2
    assert "not an rsfleet state dir" in one_line(proc)
    assert (victim / "docs" / "f").read_text() == "x" and (victim / "haproxy").is_dir()


def test_purge_removes_only_what_rsfleet_created(tmp_path):
    sdir = tmp_path / "s"
    state.claim(sdir, "xy")
    for part in ("nodes/c1", "haproxy", "tls"):
        (sdir / part).mkdir(parents=True)
    (sdir / "fleet.json").write_text("{corrupt")  # down falls back to the pid files
    (sdir / "controller.log").write_text("{}\n")
    (sdir / "mine.txt").write_text("keep me")
    proc = rsfleet("local", "down", "--purge", "--state-dir", str(sdir))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in sdir.iterdir()) == ["mine.txt"]
    assert "kept" in proc.stdout and "mine.txt" in proc.stdout
    (sdir / "mine.txt").unlink()
    state.claim(sdir, "xy")  # a marked dir with nothing else in it goes entirely
    proc = rsfleet("local", "down", "--purge", "--state-dir", str(sdir))
    assert proc.returncode == 0 and not sdir.exists()


def test_purge_keeps_the_backups_unless_asked(tmp_path):
    """`down --purge` deleted backup/ (209 MB of WAL and base backups in a newcomer's run)
    without a word: it is kept (renamed, so a new fleet here archives into its own backup/)
    and named; `--purge --with-backups` deletes it, also earlier purges' kept ones."""
    sdir = tmp_path / "s"
    state.claim(sdir, "xy")
    (sdir / "nodes").mkdir()
    (sdir / "backup" / "wal").mkdir(parents=True)
    (sdir / "backup" / "wal" / "000000010000000000000001").write_bytes(b"w" * 3_000_000)
    proc = rsfleet("local", "down", "--purge", "--state-dir", str(sdir))
    assert proc.returncode == 0, proc.stderr
    kept = [p.name for p in sdir.iterdir()]
    assert len(kept) == 1 and kept[0].startswith("kept-backup-"), kept
    assert (sdir / kept[0] / "wal" / "000000010000000000000001").stat().st_size == 3_000_000
    assert f"kept the backups (3 MB: WAL archive, base backups) in {sdir / kept[0]}" \
        in " ".join(proc.stdout.split())
    assert "which rsfleet did not create" not in proc.stdout
    state.check_state_dir(sdir, "xy")  # a new `up` may use the dir (the backups stay)
    # --with-backups without --purge: bad input, nothing touched
    proc = rsfleet("local", "down", "--with-backups", "--state-dir", str(sdir))
    assert proc.returncode == 2 and "only with --purge" in one_line(proc)
    # asked for: everything goes, the kept backups of the earlier purge too
    state.claim(sdir, "xy")
    (sdir / "backup" / "base" / "b1").mkdir(parents=True)
    (sdir / "backup" / "base" / "b1" / "PG_VERSION").write_text("15")
    proc = rsfleet("local", "down", "--purge", "--with-backups", "--state-dir", str(sdir))
    assert proc.returncode == 0, proc.stderr
    assert not sdir.exists()


@pytest.mark.parametrize("cmd", [
    ["local", "down", "--purge"], ["local", "status"], ["local", "up"], ["validate"],
    ["share", "plan"], ["targets", "status"], ["plan"], ["cost"],
])
def test_env_is_validated_by_every_command(tmp_path, cmd):
    # the repro: `local down --purge --env ../../DIR` deleted DIR
    victim = tmp_path / "DIR"
    (victim / "haproxy").mkdir(parents=True)
    (tmp_path / "a" / "b").mkdir(parents=True)
    proc = rsfleet(*cmd, "--env", "../../DIR", cwd=tmp_path / "a" / "b")
    assert proc.returncode == 2
    assert "is not a valid name" in one_line(proc)
    assert (victim / "haproxy").is_dir()


def test_up_changes_nothing_before_its_checks_pass(tmp_path):
    spec = tmp_path / "x.tfvars"
    spec.write_text(SPEC)
    # an existing dir that is not ours: refused, its mode untouched (was set to 0711)
    other = tmp_path / "other"
    other.mkdir(mode=0o755)
    other.chmod(0o755)
    (other / "data").write_text("x")
    proc = rsfleet("local", "up", "--spec", str(spec), "--state-dir", str(other))
    assert proc.returncode == 2 and "not an rsfleet state dir" in one_line(proc)
    assert stat.S_IMODE(other.stat().st_mode) == 0o755
    assert sorted(p.name for p in other.iterdir()) == ["data"]
    # --state-dir / : same, / is left alone
    before = os.stat("/").st_mode
    proc = rsfleet("local", "up", "--spec", str(spec), "--state-dir", "/")
    assert proc.returncode == 2 and "not an rsfleet state dir" in one_line(proc)
    assert os.stat("/").st_mode == before


def test_up_state_dir_is_a_file(tmp_path):
    spec = tmp_path / "x.tfvars"
    spec.write_text(SPEC)
    target = tmp_path / "file"
    target.write_text("x")
    proc = rsfleet("local", "up", "--spec", str(spec), "--state-dir", str(target))
    assert proc.returncode == 2 and "is a file, not a directory" in one_line(proc)
    assert target.read_text() == "x"
    for cmd in (["local", "status"], ["targets", "status"]):
        proc = rsfleet(*cmd, "--state-dir", str(target))
        assert proc.returncode == 2 and "is a file, not a directory" in one_line(proc), cmd
    proc = rsfleet("local", "down", "--purge", "--state-dir", str(target))
    assert proc.returncode == 2 and "not an rsfleet state dir" in one_line(proc)
    assert target.read_text() == "x"


def test_up_same_lb_and_base_port(tmp_path):
    spec = tmp_path / "x.tfvars"
    spec.write_text(SPEC)
    sdir = tmp_path / "s"
    proc = rsfleet("local", "up", "--spec", str(spec), "--state-dir", str(sdir),
                   "--lb-port", "25439", "--base-port", "25439")
    assert proc.returncode == 2 and "both 25439" in one_line(proc)
    assert not sdir.exists()  # nothing created, nothing started


def test_up_refuses_too_many_consumers_for_the_producer_slots(tmp_path):
    consumers = "\n".join(f"  c{i} = {{ base_capacity = 8 }}" for i in range(1, 32))
    spec = tmp_path / "x.tfvars"
    spec.write_text(f'environment = "xy"\nproducer = {{ base_capacity = 8 }}\n'
                    f"consumers = {{\n{consumers}\n}}\n"
                    'datashares = { s = { schemas = ["sales"] } }\n')
    sdir = tmp_path / "s"
    proc = rsfleet("local", "up", "--spec", str(spec), "--state-dir", str(sdir))
    assert proc.returncode == 2
    line = one_line(proc)
    assert "31 consumers need 31 replication slots" in line
    assert "bound: the producer's replication slots" in line and "at most 30" in line
    assert not sdir.exists()


def test_a_second_change_is_refused_at_once_naming_what_runs(tmp_path):
    # the repro: two `local rollout --restart` at once, one failed with a raw database error
    sdir = tmp_path / "s"
    state.claim(sdir, "xy")
    (sdir / "fleet.json").write_text("{corrupt")  # `down` then stops by pid files: no fleet
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from rsfleet.local import state; "
         f"cm = state.locked(Path({str(sdir)!r}), 'rsfleet local rollout'); cm.__enter__(); "
         "print('held', flush=True); time.sleep(120)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        held = rf"pid {holder.pid} \(`rsfleet local rollout`\) since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
        with (pytest.raises(UsageError, match=held), state.locked(sdir, "rsfleet local down")):
            pass
        # through the CLI: exit 2 at once (it used to wait up to 300 s), one line
        proc = rsfleet("local", "down", "--state-dir", str(sdir))
        assert proc.returncode == 2
        line = one_line(proc)
        assert line.startswith(f"error: another change is running on the fleet in {sdir}: "
                               f"pid {holder.pid} (`rsfleet local rollout`) since "), line
    finally:
        holder.kill()
        holder.wait()
    # its holder is dead: the lock file still names it, but it blocks nobody
    assert f'"pid": {holder.pid}' in (sdir / state.LOCK).read_text()
    with state.locked(sdir, "rsfleet local down"), state.locked(sdir, "nested"):
        pass  # re-entrant within one process
    proc = rsfleet("local", "down", "--state-dir", str(sdir))
    assert proc.returncode == 0, proc.stderr


def test_no_env_uses_the_only_fleet_or_lists_them(tmp_path):
    root = tmp_path / "proj"
    (root / "terraform" / "environments").mkdir(parents=True)
    env = {"RSFLEET_ROOT": str(root)}
    proc = rsfleet("local", "down", env=env)
    assert proc.returncode == 0 and "nothing to stop" in proc.stdout
    # one fleet (its fleet.json unreadable, so down stops by pid files): used, and said so
    dev = root / ".rsfleet" / "dev"
    state.claim(dev, "dev")
    (dev / "fleet.json").write_text("{}")
    proc = rsfleet("local", "down", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "using the only local fleet, dev" in proc.stderr
    assert "nothing running in" in proc.stdout
    proc = rsfleet("local", "status", env=env)
    assert "using the only local fleet, dev" in proc.stderr
    assert proc.returncode == 2 and "corrupt" in proc.stderr
    # commands that read the spec take the only fleet's environment too
    (root / "terraform" / "environments" / "dev").mkdir()
    (root / "terraform" / "environments" / "dev" / "terraform.tfvars").write_text(
        SPEC.replace('"xy"', '"dev"'))
    proc = rsfleet("validate", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "using the only local fleet, dev" in proc.stderr and "is valid" in proc.stdout
    # two fleets: listed, exit 2
    state.claim(root / ".rsfleet" / "qa", "qa")
    (root / ".rsfleet" / "qa" / "fleet.json").write_text("{}")
    for cmd in (["local", "down"], ["local", "status"], ["targets", "status"], ["validate"],
                ["local", "up"]):
        proc = rsfleet(*cmd, env=env)
        assert proc.returncode == 2, (cmd, proc.stderr)
        assert "2 local fleets exist: dev, qa" in one_line(proc)


def test_up_in_a_dir_that_cannot_be_written(tmp_path):
    # sysfs refuses mkdir even to root (Operation not permitted): one line, exit 2
    spec = tmp_path / "x.tfvars"
    spec.write_text(SPEC)
    base = free_port_block(8)  # not the default ports: something on the host may use them
    proc = rsfleet("local", "up", "--spec", str(spec), "--state-dir", "/sys/kernel/rsfleet-x",
                   "--lb-port", str(base + 7), "--base-port", str(base))
    assert proc.returncode == 2
    line = one_line(proc)
    assert line.startswith("error: cannot ") and "/sys/kernel" in line
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
        proc = rsfleet("local", "up", "--spec", str(spec), "--state-dir", str(ro / "s"))
        assert proc.returncode == 2 and "cannot write to" in one_line(proc)


def test_purge_refuses_when_marker_and_fleet_json_disagree(tmp_path):
    sdir = tmp_path / "s"
    state.claim(sdir, "xy")
    (sdir / "fleet.json").write_text('{"fleet_id": "someone-else"}')
    (sdir / "nodes").mkdir()
    with pytest.raises(UsageError, match="belongs to fleet someone-else"):
        state.purge(sdir, print)
    assert (sdir / "nodes").is_dir() and (sdir / "fleet.json").is_file()


def test_no_fleet_hint_repeats_the_state_dir(tmp_path):
    """`local status --state-dir D` on an empty D: the hint starts the fleet in D, not in
    .rsfleet/ENV (where the ports may already be taken by another fleet)."""
    from typer.testing import CliRunner

    from rsfleet.cli import app

    state = tmp_path / "my state"
    result = CliRunner().invoke(app, ["local", "status", "--env", "staging",
                                      "--state-dir", str(state)])
    assert result.exit_code == 1, result.output
    assert f"rsfleet local up --env staging --state-dir '{state}'" in result.stderr
    # the default place needs no --state-dir
    from rsfleet.local.fleet import cli_args, default_state_dir

    assert cli_args("staging", default_state_dir("staging")) == "--env staging"


def test_purge_refuses_the_state_dir_of_another_environment(tmp_path):
    # the repro: `down --purge --env dev --state-dir D` with D marked `prod` deleted nodes/
    sdir = tmp_path / "s"
    state.claim(sdir, "prod")
    (sdir / "nodes" / "c1").mkdir(parents=True)
    (sdir / "fleet.json").write_text("{corrupt")
    before = sorted(str(p.relative_to(sdir)) for p in sdir.rglob("*"))
    for args in (["--purge"], []):
        proc = rsfleet("local", "down", *args, "--env", "dev", "--state-dir", str(sdir))
        assert proc.returncode == 2, proc.stderr
        line = one_line(proc)
        assert "'prod'" in line and "'dev'" in line, line
    assert sorted(str(p.relative_to(sdir)) for p in sdir.rglob("*")) == before
    proc = rsfleet("local", "down", "--purge", "--env", "prod", "--state-dir", str(sdir))
    assert proc.returncode == 0, proc.stderr
    assert not sdir.exists()


def test_a_copied_marker_does_not_make_a_dir_purgeable(tmp_path):
    fleet_dir, other = tmp_path / "fleet", tmp_path / "other"
    state.claim(fleet_dir, "xy")
    (other / "nodes").mkdir(parents=True)
    (other / "nodes" / "keep").write_text("x")
    (other / state.MARKER).write_bytes((fleet_dir / state.MARKER).read_bytes())
    proc = rsfleet("local", "down", "--purge", "--state-dir", str(other))
    assert proc.returncode == 2
    assert f"was written in {fleet_dir}" in one_line(proc)
    assert (other / "nodes" / "keep").read_text() == "x"
    # a moved (renamed) fleet dir is still its own
    moved = tmp_path / "moved"
    fleet_dir.rename(moved)
    proc = rsfleet("local", "down", "--purge", "--state-dir", str(moved))
    assert proc.returncode == 0, proc.stderr
    assert not moved.exists()


def test_a_corrupt_dir_without_marker_has_one_way_out(tmp_path):
    # an rsfleet from before markers, its fleet.json corrupt: every message names
    # `down --purge`, and that works; a dir holding anything else is still refused
    spec = tmp_path / "x.tfvars"
    spec.write_text(SPEC)
    sdir = tmp_path / "s"
    (sdir / "nodes" / "c1").mkdir(parents=True)
    (sdir / "fleet.json").write_text("{corrupt")
    way_out = f"rsfleet local down --purge --state-dir {sdir}"
    for cmd in (["local", "status"], ["local", "up", "--spec", str(spec)]):
        proc = rsfleet(*cmd, "--state-dir", str(sdir))
        assert proc.returncode == 2 and way_out in one_line(proc), (cmd, proc.stderr)
    (sdir / "notes.txt").write_text("mine")
    proc = rsfleet("local", "down", "--purge", "--state-dir", str(sdir))
    assert proc.returncode == 2 and "it holds notes.txt" in one_line(proc)
    assert (sdir / "nodes" / "c1").is_dir()
    (sdir / "notes.txt").unlink()
    proc = rsfleet("local", "down", "--purge", "--state-dir", str(sdir))
    assert proc.returncode == 0, proc.stderr
    assert not sdir.exists()


def test_scale_refuses_a_stopped_fleet(tmp_path):
    # the repro: `local scale 3` on a stopped fleet started all of it, without its controller
    # (here that would run the guarded initdb/pg_ctl, which fail this unmarked test)
    from rsfleet.local.fleet import LocalFleet
    from rsfleet.spec.loader import load_spec

    spec = tmp_path / "x.tfvars"
    spec.write_text(SPEC)
    sdir = tmp_path / "s"
    state.claim(sdir, "xy")
    base = free_port_block(4)
    LocalFleet.plan(load_spec(spec), sdir, lb_port=base + 3, base_port=base).save()
    before = sorted(p.name for p in sdir.iterdir())
    for args in ([], ["--dry-run"]):
        proc = rsfleet("local", "scale", "3", *args, "--env", "xy", "--state-dir", str(sdir))
        assert proc.returncode == 2
        assert "the fleet is stopped: run `rsfleet local up --env xy --state-dir " \
            in one_line(proc)
    assert sorted(p.name for p in sdir.iterdir()) == before


@pytest.mark.parametrize("doc, what", [
    ('{"spec": {"environment": "xy"}, "lb_port": 1, "ports": {}}',
     "spec.producer: required key is missing (and 1 more)"),
    ('{"spec": {"environment": "xy", "producer": {"base_capacity": 8}, "consumers": '
     '{"c1": {"base_capacity": 8}}}, "lb_port": 1, "ports": {"producer": 2}}',
     "ports: no port for c1"),
    ("[]", "not a JSON object"),
])
def test_a_corrupt_state_file_is_one_line_saying_what_and_where(tmp_path, doc, what):
    # the repro: a three-line pydantic dump (and `unknown consumer 'c1' (consumers: )`)
    sdir = tmp_path / "s"
    state.claim(sdir, "xy")
    (sdir / "fleet.json").write_text(doc)
    for cmd in (["local", "status"], ["targets", "status"]):
        proc = rsfleet(*cmd, "--state-dir", str(sdir))
        assert proc.returncode == 2
        line = one_line(proc)
        assert f"{sdir / 'fleet.json'}: {what})" in line, line
        assert f"rsfleet local down --purge --state-dir {sdir}" in line
