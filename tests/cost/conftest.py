from __future__ import annotations

from pathlib import Path

import pytest

# A fleet spec in the docs/CONTRACTS.md §1 format.
SPEC = """
project_name = "rsfleet"
environment  = "prod"
aws_region   = "us-east-1"
vpc_cidr     = "10.40.0.0/16"
create_vpc          = true
existing_vpc_id     = null
existing_subnet_ids = []

producer = {
  base_capacity  = 32
  max_capacity   = 64
  database_name  = "dev"
  admin_username = "rsfleet_admin"
  usage_limit = {
    amount        = 1000
    period        = "monthly"
    breach_action = "deactivate"
  }
}

consumers = {
  c1 = {
    base_capacity = 32
    behind_nlb    = true
  }
  c2 = {
    base_capacity = 16
    max_capacity  = 32
    behind_nlb    = true
    usage_limit   = null
  }
}

datashares = {
  sales_share = {
    schemas   = ["sales"]
    consumers = ["*"]
  }
}

nlb = {
  port = 5439
}

tags = {}
"""


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "prod.tfvars"
    path.write_text(SPEC, encoding="utf-8")
    return path


@pytest.fixture
def spec_in(tmp_path: Path):
    """Write SPEC with a change (e.g. another region) and return its path."""

    def make(old: str, new: str) -> Path:
        path = tmp_path / "changed.tfvars"
        path.write_text(SPEC.replace(old, new), encoding="utf-8")
        return path

    return make
