"""The AWS emulator for the round trip, one per xdist worker: every moto service plus the
stateful redshift-serverless backend (`python -m tests.aws_emulator.server`), on 127.0.0.1
over HTTPS, started as a child process and stopped by its pid.

HTTPS because the fleet's buckets refuse plain HTTP (their policies deny
aws:SecureTransport = false, and moto evaluates bucket policies): the certificate comes from
rsfleet's local CA (rsfleet.local.tls), trusted by Terraform through SSL_CERT_FILE and by boto3
through AWS_CA_BUNDLE. Everything rsfleet, Terraform and boto3 send goes here through
test-only settings (`roundtrip.py`); the shipped Terraform and specs are used as they are.
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Credentials moto accepts; never real ones (the environment's are dropped, roundtrip.py).
ACCESS_KEY = "testing"
SECRET_KEY = "testing"


@dataclass
class Emulator:
    endpoint: str
    pid: int
    ca_file: Path
    log: Path

    def env(self, region: str) -> dict[str, str]:
        """Variables that point boto3, the Terraform provider and the S3 backend here."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CA_BUNDLE": str(self.ca_file),  # boto3 (rsfleet)
            "SSL_CERT_FILE": str(self.ca_file),  # Go's TLS roots: Terraform and the provider
        }

    def _call(self, path: str, body: dict[str, object] | None = None) -> bytes:
        ctx = ssl.create_default_context(cafile=str(self.ca_file))
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.endpoint}{path}", data=data,  # noqa: S310
                                     method="GET" if body is None else "POST")
        with urllib.request.urlopen(req, timeout=5, context=ctx) as resp:  # noqa: S310
            return bytes(resp.read())


def start(port: int, workdir: Path, timeout: float = 60) -> Emulator:
    """The emulator on https://127.0.0.1:port, answering; redshift-serverless transitions
    immediate (the provider's waiters poll every several seconds: CREATING on the first call
    and AVAILABLE on the next would only add their delay here)."""
    from aws_emulator.moto_redshift_serverless.models import MODELS

    from rsfleet.local.tls import ensure_certificates

    tls = ensure_certificates(workdir / "tls")
    log = workdir / "emulator.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(  # our child: stopped by pid in stop()
            [sys.executable, "-m", "tests.aws_emulator.server", "--port", str(port),
             "--ssl-cert", str(tls.server_cert), "--ssl-key", str(tls.server_key)],
            cwd=REPO, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            # AWS managed policies (AWSLambdaVPCAccessExecutionRole, ...) exist only when
            # moto is told to load them.
            env={**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                 "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"})
    emu = Emulator(endpoint=f"https://127.0.0.1:{port}", pid=proc.pid, ca_file=tls.ca_cert,
                   log=log)
    deadline = time.monotonic() + timeout
    while True:
        try:
            emu._call("/moto-api/data.json")
            break
        except (urllib.error.URLError, OSError):
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(emu)
                raise RuntimeError(f"emulator did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.2)
    for model in MODELS:
        emu._call("/moto-api/state-manager/set-transition",
                  {"model_name": model, "transition": {"progression": "immediate"}})
    return emu


def stop(emu: Emulator, timeout: float = 10) -> None:
    """SIGTERM by pid, SIGKILL after `timeout`; reaped."""
    try:
        os.kill(emu.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(emu.pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done:
            return
        time.sleep(0.1)
    os.kill(emu.pid, signal.SIGKILL)
    os.waitpid(emu.pid, 0)
