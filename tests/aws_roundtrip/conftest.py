"""The emulator for `make test-aws`: one server (moto + redshift-serverless) per pytest-xdist
worker (session scope), on a free 127.0.0.1 port, stopped when the worker's tests are done."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import free_port

from .emulator import Emulator, start, stop


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test here is a round trip: `make test` leaves them to `make test-aws`."""
    for item in items:
        if "aws_roundtrip" in item.nodeid.split("::")[0]:
            item.add_marker(pytest.mark.aws_roundtrip)
            item.add_marker(pytest.mark.terraform)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = start(free_port(), tmp_path_factory.mktemp("emulator"))
    try:
        yield emu
    finally:
        stop(emu)
