"""`diagnose` on AWS, link tls: through the NLB (TCP pass-through) the workgroup's own
certificate answers, after an SSLRequest; it names the workgroup, not the NLB. A real TLS
endpoint on 127.0.0.1 stands in for the workgroup (Redshift does not run here): it answers
the SSLRequest with 'S' and completes a TLS handshake with a certificate for a workgroup
name, signed by a CA made in the test."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from rsfleet.diagnose import checks
from rsfleet.spec.models import FleetSpec

WORKGROUP_HOST = "rsfleet-dev-c1.123456789012.us-east-1.redshift-serverless.amazonaws.com"


def _certs(tmp: Path) -> tuple[Path, Path, Path]:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test root CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rsfleet-dev-c1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(WORKGROUP_HOST)]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    paths = (tmp / "ca.pem", tmp / "server.pem", tmp / "server.key")
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(cert.public_bytes(pem))
    paths[2].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


@pytest.fixture
def workgroup_tls(tmp_path):
    ca, cert, key = _certs(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    if conn.recv(8) == checks.SSL_REQUEST:
                        conn.sendall(b"S")
                        with server_ctx.wrap_socket(conn, server_side=True) as tls:
                            tls.recv(1)  # until the client closes
                except (OSError, ssl.SSLError):
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield ca, listener.getsockname()[1]
    stop.set()
    thread.join(5)
    listener.close()


def ctx_for(port: int, cafile: Path | None) -> checks.DiagContext:
    ctx = checks.DiagContext(backend="aws", env="dev", host="127.0.0.1", port=port, timeout=5)
    ctx.spec = FleetSpec.model_validate({"environment": "dev", "producer": {"base_capacity": 8},
                                         "consumers": {"c1": {"base_capacity": 8}}})
    ctx.cafile = str(cafile) if cafile else None
    return ctx


def test_certificate_names_the_workgroup_so_require_and_verify_ca_work(workgroup_tls):
    ca, port = workgroup_tls
    (c,) = checks.check_tls(ctx_for(port, ca))
    assert c.status == "ok", c
    assert "verify-ca works" in c.detail and WORKGROUP_HOST in c.detail
    assert "sslmode=require" in c.detail and "verify-full fails" in c.detail


def test_certificate_not_from_a_known_ca_is_broken_but_require_still_works(workgroup_tls):
    _, port = workgroup_tls
    (c,) = checks.check_tls(ctx_for(port, None))  # system CAs: the test CA is unknown
    assert c.status == "broken"
    assert "works (sslmode=require)" in c.detail and "does not verify" in c.detail
    assert "Amazon root CAs" in c.fix


def test_no_tls_at_all_is_broken():
    with socket.create_server(("127.0.0.1", 0)) as srv:
        port = srv.getsockname()[1]

        def refuse() -> None:
            conn, _ = srv.accept()
            with conn:
                conn.recv(8)
                conn.sendall(b"N")

        t = threading.Thread(target=refuse, daemon=True)
        t.start()
        (c,) = checks.check_tls(ctx_for(port, None))
        t.join(5)
    assert c.status == "broken" and "SSLRequest" in c.detail
