"""Run moto in server mode with redshift-serverless: every moto service and this package's
backend on one port of 127.0.0.1.

    python -m tests.aws_emulator.server --port 5000     (from the repository root)

Point clients at it with ``AWS_ENDPOINT_URL=http://127.0.0.1:5000`` (boto3) or the provider's
``endpoints {}`` block. moto's server picks the service of a request from the credential scope
of its SigV4 Authorization header (``.../<region>/redshift-serverless/aws4_request``) and maps
it to a host name that backend_index.backend_url_patterns resolves
(moto/moto_server/werkzeug_app.py: DomainDispatcherApplication.infer_service_region_host);
`register()` adds the pattern. Status transitions can be set over HTTP, e.g.
``POST /moto-api/state-manager/set-transition`` with
``{"model_name": "redshift-serverless::workgroup", "transition": {"progression": "immediate"}}``.
"""

from __future__ import annotations

import argparse
import sys

from . import register


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.aws_emulator.server",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--port", "-p", type=int, default=5000, help="TCP port (default 5000)")
    parser.add_argument("--host", "-H", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1; keep it on loopback)")
    args = parser.parse_args(argv)
    register()
    from moto import server

    server.main(["--host", args.host, "--port", str(args.port)])


if __name__ == "__main__":
    main(sys.argv[1:])
