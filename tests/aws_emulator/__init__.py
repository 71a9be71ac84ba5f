"""The AWS emulator of the tests: moto, plus a stateful redshift-serverless backend that moto
lacks (moto_redshift_serverless/). Test infrastructure, not product (DESIGN.md section 9).

- `register()` makes moto route redshift-serverless to the backend, in-process (mock_aws)
  and in server mode; idempotent.
- `mock_aws()` = register() + moto.mock_aws().
- `python -m tests.aws_emulator.server --port P` (from the repository root) serves every moto
  service and redshift-serverless on 127.0.0.1:P.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any

SERVICE = "redshiftserverless"  # moto's module-style name (moto.backends.get_backend strips "-")
URL = re.compile(r"https?://redshift-serverless\.(.+)\.amazonaws\.com")


def register() -> None:
    """Make moto serve redshift-serverless from this package, as if it were
    ``moto.redshiftserverless``:

    - moto.backend_index.backend_url_patterns gains the service's URL (mock_aws's botocore
      hook and the server's host dispatcher both walk this list);
    - ``moto.redshiftserverless`` is this package in sys.modules, so
      ``moto.backends.get_backend("redshift-serverless")`` imports it and finds
      ``redshiftserverless_backends`` (moto/backends.py: _import_backend).
    """
    import moto
    import moto.backend_index as backend_index

    from . import moto_redshift_serverless as package

    sys.modules.setdefault(f"moto.{SERVICE}", package)
    if not hasattr(moto, SERVICE):
        setattr(moto, SERVICE, package)
    if all(name != SERVICE for name, _ in backend_index.backend_url_patterns):
        backend_index.backend_url_patterns.append((SERVICE, URL))


@contextlib.contextmanager
def transitions(progression: dict[str, Any]) -> Iterator[None]:
    """Every redshift-serverless status transition follows `progression` (moto's state
    manager: {"progression": "immediate"}, {"progression": "manual", "times": N},
    {"progression": "time", "seconds": S}) inside the block. CLI tests use "immediate": the
    CLI polls a busy workgroup every 10 real seconds."""
    from moto.moto_api import state_manager

    from .moto_redshift_serverless.models import MODELS

    for model in MODELS:
        state_manager.set_transition(model, progression)
    try:
        yield
    finally:
        for model in MODELS:
            state_manager.unset_transition(model)


def mock_aws(**kwargs: Any) -> Any:
    """moto.mock_aws() with redshift-serverless served (decorator or context manager)."""
    import moto

    register()
    return moto.mock_aws(**kwargs)
