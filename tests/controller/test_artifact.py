"""`make artifact`: the real dependency wheels are fetched once per test session (the slow
part, ~40 s); the zip is then written again from a copy of the tree with other timestamps,
modes and directory order, and must come out byte for byte the same."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from rsfleet.controller import artifact

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("artifact")
    tree = artifact.stage(tmp / "root", project_root=ROOT)
    out = tmp / "rsfleet-lambda.zip"
    digest = artifact.write_zip(tree, out)
    return tree, out, digest


def test_same_bytes_from_a_shuffled_copy(built, tmp_path):
    tree, out, digest = built
    copy = tmp_path / "copy"
    # copy files in reverse order, with other mtimes and modes
    files = sorted((p for p in tree.rglob("*") if p.is_file()), reverse=True)
    for i, p in enumerate(files):
        dst = copy / p.relative_to(tree)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dst)
        os.utime(dst, (1_000_000 + i, 1_000_000 + i))
        dst.chmod(0o600 if i % 2 else 0o755)
    (copy / "rsfleet" / "__pycache__").mkdir(exist_ok=True)
    (copy / "rsfleet" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"junk")
    again = tmp_path / "again.zip"
    assert artifact.write_zip(copy, again) == digest
    assert again.read_bytes() == out.read_bytes()
    assert digest == base64.b64encode(hashlib.sha256(out.read_bytes()).digest()).decode()


def test_lambda_layout_and_platform(built):
    _tree, out, _digest = built
    with zipfile.ZipFile(out) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {artifact.ZIP_EPOCH}
    assert "rsfleet/controller/handler.py" in names  # handler at the root: module path
    assert "rsfleet/cost/prices.json" in names
    for top in ("psycopg/", "pydantic_core/", "boto3/", "typer/", "cryptography/"):
        assert any(n.startswith(top) for n in names), top
    assert not any("__pycache__" in n or n.endswith(".pyc") or n.startswith("bin/")
                   or n.endswith("direct_url.json") for n in names)
    # every compiled module is for CPython 3.12 on x86_64 Linux (or the stable ABI)
    tag = "cpython-" + artifact.PYTHON_VERSION.replace(".", "") + "-x86_64-linux-gnu"
    exts = [n for n in names if n.endswith(".so") and ".libs/" not in n]
    assert exts and all(tag in n or ".abi3." in n for n in exts), [
        n for n in exts if tag not in n and ".abi3." not in n]
    # a .zip uploaded with the function (no S3) is limited to 50 MB
    # (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)
    assert out.stat().st_size < 50 * 1024 * 1024


PY312 = Path("/root/.pyenv/versions/3.12.1/bin/python3.12")


def test_handler_imports_from_the_zip_alone(built, tmp_path):
    """The zip unpacked, a clean CPython 3.12 (-I -S: no site-packages, no PYTHONPATH, not
    the cwd) with only the unpacked directory on its path, as Lambda's /var/task: the
    handler named in terraform/modules/controller (rsfleet.controller.handler.handler)
    and its compiled dependencies (psycopg, pydantic_core, cryptography) import."""
    _tree, out, _digest = built
    task = tmp_path / "task"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(task)
    code = (f"import sys; sys.path.insert(0, {str(task)!r}); "
            "import rsfleet.controller.handler as h, psycopg, pydantic_core, "
            "cryptography.hazmat.bindings._rust, boto3; "
            "assert callable(h.handler); "
            f"assert h.__file__.startswith({str(task)!r}), h.__file__; print('ok')")
    done = subprocess.run([str(PY312), "-I", "-S", "-c", code], env={"PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
