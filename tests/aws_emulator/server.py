"""Run moto in server mode with redshift-serverless: every moto service and this package's
backend on one port of 127.0.0.1.

    python -m tests.aws_emulator.server --port 5000     (from the repository root)

Point clients at it with ``AWS_ENDPOINT_URL=http://127.0.0.1:5000`` (boto3, Terraform's AWS
provider). moto's server picks the service of a request from the credential scope of its
SigV4 Authorization header (``.../<region>/redshift-serverless/aws4_request``) and maps it to a
host name that backend_index.backend_url_patterns resolves
(moto/moto_server/werkzeug_app.py: DomainDispatcherApplication.infer_service_region_host);
`register()` adds the pattern. Status transitions can be set over HTTP, e.g.
``POST /moto-api/state-manager/set-transition`` with
``{"model_name": "redshift-serverless::workgroup", "transition": {"progression": "immediate"}}``.

From Python (tests): ``spawn(port, log)`` starts it as a child process and returns once it
answers; ``stop(proc)`` ends it (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from . import register

REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.aws_emulator.server",
                                     description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", "-p", type=int, default=5000, help="TCP port (default 5000)")
    parser.add_argument("--host", "-H", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1; keep it on loopback)")
    parser.add_argument("--ssl-cert", help="serve HTTPS with this certificate (PEM) ...")
    parser.add_argument("--ssl-key", help="... and this key (PEM)")
    args = parser.parse_args(argv)
    register()
    from moto import server

    tls = ["--ssl-cert", args.ssl_cert, "--ssl-key", args.ssl_key] if args.ssl_cert else []
    server.main(["--host", args.host, "--port", str(args.port), *tls])


def spawn(port: int, log: Path, *, timeout: float = 60.0) -> subprocess.Popen[bytes]:
    """The server as a child process on 127.0.0.1:`port` (output to `log`), once it answers."""
    import requests

    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tests.aws_emulator.server", "--port",
                                 str(port)], cwd=REPO, env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/moto-api/data.json",
                         timeout=2).raise_for_status()
            return proc
        except requests.RequestException:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(proc)
                raise RuntimeError(f"moto server did not start: {log.read_text()}") from None
            time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main(sys.argv[1:])
