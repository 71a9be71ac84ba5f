"""Every shipped environment names its three zone IDs (review finding 3): the default, the
region's first three zone IDs, is use1-az3 in us-east-1, a constrained zone that AWS's lists
of zones for zonal services leave out. The choice is explicit and checked here."""

from __future__ import annotations

from pathlib import Path

import pytest

from rsfleet.spec import load_spec

ENVIRONMENTS = sorted(p.parent.name for p in (
    Path(__file__).resolve().parents[2] / "terraform" / "environments").glob("*/terraform.tfvars"))
CONSTRAINED = {"use1-az3"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_environment_names_three_unconstrained_zone_ids(env: str) -> None:
    spec = load_spec(Path(__file__).resolve().parents[2] / "terraform" / "environments" / env
                     / "terraform.tfvars")
    assert len(spec.availability_zone_ids) == 3, f"{env}: availability_zone_ids not set"
    assert not set(spec.availability_zone_ids) & CONSTRAINED
    prefix = {"us-east-1": "use1-"}.get(spec.aws_region)
    assert prefix is None or all(z.startswith(prefix) for z in spec.availability_zone_ids)


def test_all_three_environments_are_checked() -> None:
    assert ENVIRONMENTS == ["dev", "prod", "staging"]
