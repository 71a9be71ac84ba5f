"""The artifact's dependencies are pinned with hashes (review finding 7): `make artifact`
installs lambda-requirements.lock with --require-hashes --no-deps, so the same commit builds
the same zip on any day (same source_code_hash: no Lambda update, S3 object or test instance
replacement). pyproject.toml's ranges alone gave a new zip whenever a dependency released."""

from __future__ import annotations

import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from rsfleet.controller import artifact

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / artifact.LOCK_FILE
LINE = re.compile(r"^([a-z0-9][a-z0-9.-]*)==(\S+) --hash=sha256:[0-9a-f]{64}$")


def _locked() -> dict[str, str]:
    out = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            m = LINE.match(line)
            assert m, f"not 'name==version --hash=sha256:...': {line}"
            out[canonicalize_name(m[1])] = m[2]
    return out


def test_install_takes_only_the_locked_hashed_wheels(tmp_path: Path) -> None:
    cmd = artifact.install_command(LOCK, tmp_path)
    assert {"--require-hashes", "--no-deps"} <= set(cmd)
    assert cmd[cmd.index("-r") + 1] == str(LOCK)
    assert cmd[-2:] == ["-r", str(LOCK)]  # nothing after it: no unpinned requirement


def test_the_lock_pins_every_runtime_requirement_within_its_range() -> None:
    locked = _locked()
    for spec in artifact.runtime_requirements(ROOT / "pyproject.toml"):
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} is not in {artifact.LOCK_FILE}"
        assert req.specifier.contains(locked[name], prereleases=True), (
            f"{req.name}=={locked[name]} is outside {req.specifier}: run "
            "`python -m rsfleet.controller.artifact --lock`")
        for extra in req.extras:  # psycopg[binary] -> psycopg-binary
            assert canonicalize_name(f"{req.name}-{extra}") in locked
