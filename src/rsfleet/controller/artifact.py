"""`make artifact`: dist/rsfleet-lambda.zip, rsfleet and its runtime dependencies at the zip
root (the Lambda .zip layout), built for one Python version and platform, byte for byte the
same for the same inputs.

Python version: 3.12, for both users of the one zip:
- the Lambda runtime ``python3.12`` (Amazon Linux 2023 based; supported until its listed
  deprecation date, https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html);
- the test instance, Amazon Linux 2023, whose system ``/usr/bin/python3`` stays 3.9 but which
  ships ``python3.12`` as a dnf package (``dnf install python3.12``;
  https://docs.aws.amazon.com/linux/al2023/ug/python.html). There:
  ``unzip rsfleet-lambda.zip -d /opt/rsfleet && PYTHONPATH=/opt/rsfleet python3.12 -m rsfleet``.
Python 3.11 is not chosen: its Lambda runtime's deprecation date (2026-06-30) has passed.

Dependencies come as wheels for ``manylinux2014_x86_64`` (glibc 2.17, which both systems
exceed) and CPython 3.12 only (``pip install --platform ... --only-binary=:all:
--python-version 3.12 --target``), so no compiler and no internet beyond the package index.

Pinned: the dependencies come from ``lambda-requirements.lock`` at the project root (every
package of the closure as ``name==version --hash=sha256:...``, installed with
``--require-hashes --no-deps``), not from pyproject.toml's ranges, so the same commit builds
the same zip on any day: the same source_code_hash, S3 object and test instance user data,
nothing for Terraform to replace. ``python -m rsfleet.controller.artifact --lock`` resolves the
ranges again (pip download for the platform below) and rewrites the lock; commit it.

Deterministic: entries sorted by name, every timestamp 1980-01-01 00:00:00, modes 0644 (0755
for directories), no ``__pycache__``, no console scripts (``bin/``: they embed the build
machine's interpreter path), no ``direct_url.json``; one compression level.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from rsfleet.workspace import LAMBDA_ARTIFACT

PYTHON_VERSION = "3.12"
LAMBDA_RUNTIME = f"python{PYTHON_VERSION}"
PLATFORM = "manylinux2014_x86_64"
DEFAULT_OUT = LAMBDA_ARTIFACT  # (rsfleet.workspace: adapters/terraform.py passes it on)
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
HANDLER = "rsfleet.controller.handler.handler"
SKIP_DIRS = {"__pycache__", "bin"}
SKIP_FILES = {"direct_url.json", "INSTALLER", "REQUESTED"}
LOCK_FILE = "lambda-requirements.lock"


def runtime_requirements(pyproject: Path) -> list[str]:
    """rsfleet's dependencies plus the ``aws`` extra (boto3), from pyproject.toml."""
    import tomllib

    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return list(project["dependencies"]) + list(project["optional-dependencies"]["aws"])


PLATFORM_ARGS = ("--platform", PLATFORM, "--only-binary=:all:", "--implementation", "cp",
                 "--python-version", PYTHON_VERSION)


def install_command(lock: Path, target: Path) -> list[str]:
    """pip install of exactly the locked wheels (hash-checked, no resolution) into target."""
    return [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile",
            "--disable-pip-version-check", *PLATFORM_ARGS, "--require-hashes", "--no-deps",
            "--target", str(target), "-r", str(lock)]


def lock_lines(wheels: list[Path]) -> list[str]:
    """``name==version --hash=sha256:...`` per wheel file (names normalized, sorted)."""
    lines = []
    for wheel in wheels:
        name, version = wheel.name.split("-")[:2]
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        lines.append(f"{name.lower().replace('_', '-')}=={version} --hash=sha256:{digest}")
    return sorted(lines)


def write_lock(project_root: Path) -> Path:
    """Resolve pyproject.toml's runtime requirements for the Lambda platform and write the
    lock (one wheel per package: the platform flags select exactly one)."""
    lock = project_root / LOCK_FILE
    with tempfile.TemporaryDirectory(prefix="rsfleet-lock-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
               *PLATFORM_ARGS, "--dest", tmp,
               *runtime_requirements(project_root / "pyproject.toml")]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"pip could not resolve the {PLATFORM} cp{PYTHON_VERSION} wheels: "
                             f"{(proc.stderr.splitlines() or ['?'])[-1]}")
        lines = lock_lines(sorted(Path(tmp).glob("*.whl")))
    lock.write_text(f"# {LOCK_FILE}: the Lambda artifact's dependencies, pinned with hashes\n"
                    f"# ({PLATFORM}, CPython {PYTHON_VERSION}). Regenerate: python -m "
                    "rsfleet.controller.artifact --lock\n" + "\n".join(lines) + "\n",
                    encoding="utf-8")
    return lock


def install_dependencies(lock: Path, target: Path) -> None:
    cmd = install_command(lock, target)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("ERROR")]
        raise SystemExit(f"pip could not fetch the {PLATFORM} cp{PYTHON_VERSION} wheels: "
                         f"{(errors or proc.stderr.splitlines() or ['?'])[-1]}")


def copy_package(src: Path, target: Path) -> None:
    """The rsfleet package (``src/rsfleet``) without caches."""
    shutil.copytree(src, target / "rsfleet",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def _entries(tree: Path) -> list[Path]:
    out: list[Path] = []
    for root, dirs, files in os.walk(tree):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        rel = Path(root).relative_to(tree)
        if any(p.endswith(".dist-info") for p in rel.parts):
            files = [f for f in files if f not in SKIP_FILES]
        out.extend(rel / f for f in files if not f.endswith(".pyc"))
    return sorted(out, key=lambda p: p.as_posix())


def write_zip(tree: Path, out: Path) -> str:
    """Zip ``tree`` deterministically into ``out``; returns Terraform's ``source_code_hash``
    form (base64 of the SHA-256, as ``filebase64sha256`` computes it)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for rel in _entries(tree):
            info = zipfile.ZipInfo(rel.as_posix(), date_time=ZIP_EPOCH)
            info.external_attr = (0o100644 & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, whatever the build machine
            zf.writestr(info, (tree / rel).read_bytes(), compresslevel=9)
    os.replace(tmp, out)
    return base64.b64encode(hashlib.sha256(out.read_bytes()).digest()).decode()


def stage(tree: Path, *, project_root: Path) -> Path:
    """Install the locked dependencies and rsfleet into ``tree`` (the zip's root)."""
    install_dependencies(project_root / LOCK_FILE, tree)
    copy_package(project_root / "src" / "rsfleet", tree)
    return tree


def build(out: Path = DEFAULT_OUT, *, project_root: Path | None = None) -> str:
    root = project_root or Path(__file__).resolve().parents[3]
    with tempfile.TemporaryDirectory(prefix="rsfleet-artifact-") as tmp:
        tree = stage(Path(tmp) / "root", project_root=root)
        return write_zip(tree, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Lambda/test-instance zip.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--lock", action="store_true",
                        help=f"resolve the dependencies again and rewrite {LOCK_FILE}")
    args = parser.parse_args(argv)
    if args.lock:
        print(f"wrote {write_lock(Path(__file__).resolve().parents[3])}")
        return 0
    from rsfleet.errors import UsageError
    from rsfleet.output import check_output_dir, check_output_file

    try:  # before the build (pip installs): the zip must not be lost at the end
        if args.out.parent.is_dir():
            check_output_file(args.out, "--out")
        else:  # write_zip makes the directory
            check_output_dir(args.out.parent, "--out")
    except UsageError as exc:
        parser.error(str(exc))
    digest = build(args.out)
    size = args.out.stat().st_size
    print(f"{args.out}: {size / 1e6:.1f} MB, {LAMBDA_RUNTIME} {PLATFORM}, "
          f"source_code_hash {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
