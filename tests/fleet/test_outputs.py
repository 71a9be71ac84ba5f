"""FleetOutputs: the fleet's outputs (CONTRACTS.md §3) parsed once, from Terraform or a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rsfleet.errors import UsageError
from rsfleet.fleet.outputs import FleetOutputs

GUID = "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
RAW = {  # `terraform output -json`
    "aws_region": {"value": "eu-west-1", "type": "string", "sensitive": False},
    "producer": {"value": {"workgroup_name": "rsfleet-dev-producer", "namespace_id": GUID,
                           "database_name": "dev", "port": 5439}, "sensitive": False},
    "consumers": {"value": {"c1": {"workgroup_name": "rsfleet-dev-c1", "namespace_id": GUID,
                                   "endpoint_ips": {"eu-west-1a": "10.0.0.5"},
                                   "behind_nlb": False}}, "sensitive": False},
    "nlb": {"value": {"dns_name": "nlb.example", "target_group_arn": "arn:tg", "port": 5439}},
    "secret_thing": {"value": "hunter2", "sensitive": True},
    "controller_function": {"value": "rsfleet-dev-controller", "sensitive": False},
}


def test_from_terraform_unwraps_values_and_drops_sensitive_ones() -> None:
    out = FleetOutputs.from_terraform(RAW)
    assert out.aws_region == "eu-west-1"
    assert out.producer is not None and out.producer.namespace_id == GUID
    assert out.consumers["c1"].endpoint_ips == {"eu-west-1a": "10.0.0.5"}
    assert out.consumers["c1"].behind_nlb is False
    assert out.nlb is not None and out.nlb.port == 5439
    assert out.model_extra == {"controller_function": "rsfleet-dev-controller"}
    assert "hunter2" not in json.dumps(out.to_values())
    # the plain {name: value} form (rsfleet's Terraform adapter) parses to the same model
    assert FleetOutputs.of(out.to_values()) == out
    assert FleetOutputs.of(out) is out


def test_missing_parts_are_none_and_bad_shapes_are_one_line(tmp_path: Path) -> None:
    empty = FleetOutputs.of({})
    assert (empty.producer, empty.nlb, empty.consumers) == (None, None, {})
    with pytest.raises(UsageError, match="lack 'producer'"):
        empty.require_producer()
    with pytest.raises(UsageError, match=r"^Terraform outputs: consumers\.c1\.port: ") as bad:
        FleetOutputs.of({"consumers": {"c1": {"port": "not a port"}}})
    assert "\n" not in bad.value.message and "rsfleet apply" in (bad.value.hint or "")


def test_from_file(tmp_path: Path) -> None:
    f = tmp_path / "out.json"
    f.write_text(json.dumps(RAW), encoding="utf-8")
    assert FleetOutputs.from_file(f) == FleetOutputs.from_terraform(RAW)
    f.write_text("[1]", encoding="utf-8")
    with pytest.raises(UsageError, match="not a JSON object"):
        FleetOutputs.from_file(f)
    with pytest.raises(UsageError, match="cannot read Terraform outputs"):
        FleetOutputs.from_file(tmp_path / "missing.json")
