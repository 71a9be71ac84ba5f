"""The fleet spec's rules as ONE table of cases, for both implementations of them:
the pydantic model (tests/spec/test_rule_cases.py loads each case) and the Terraform variable
validations (`terraform/tests/validation_cases.tftest.hcl` is generated from this table by
`python -m tests.spec.rule_cases`; a test fails when the file is stale, and
tests/terraform runs it with `terraform test`).

A case sets some top-level variables on top of BASE; both sides must reject it, Terraform on
`tf_fails`, Python with a problem line `<file>: <py_key>: ...<py_fragment>...`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GENERATED = Path(__file__).resolve().parents[2] / "terraform" / "tests" / \
    "validation_cases.tftest.hcl"

BASE: dict[str, Any] = {
    "project_name": "rsfleet",
    "environment": "test",
    "aws_region": "us-east-1",
    "producer": {"base_capacity": 8},
    "consumers": {"c1": {"base_capacity": 8}, "c2": {"base_capacity": 8}},
    "datashares": {"sales_share": {"schemas": ["sales"]}},
}


@dataclass(frozen=True)
class Case:
    name: str
    set: dict[str, Any]
    tf_fails: tuple[str, ...]
    py_key: str
    py_fragment: str
    extra: dict[str, Any] = field(default_factory=dict)


CASES: list[Case] = [
    Case("bad_project_name", {"project_name": "RS_Fleet"}, ("project_name",), "project_name",
         "lowercase"),
    Case("bad_environment", {"environment": "dev-"}, ("environment",), "environment",
         "lowercase"),
    Case("bad_region", {"aws_region": "useast1"}, ("aws_region",), "aws_region", "region"),
    Case("bad_consumer_name", {"consumers": {"1st_consumer": {"base_capacity": 8}},
                               "datashares": {}}, ("consumers",), "consumers", "lowercase"),
    Case("reserved_consumer_name", {"consumers": {"producer": {"base_capacity": 8}},
                                    "datashares": {}}, ("consumers",), "consumers",
         "producer"),
    Case("base_capacity_not_a_step_of_8", {"consumers": {"c1": {"base_capacity": 12}}},
         ("consumers",), "consumers.c1", "steps of 8"),
    Case("producer_base_capacity_below_minimum", {"producer": {"base_capacity": 2}},
         ("producer",), "producer", "base_capacity"),
    Case("max_below_base", {"consumers": {"c1": {"base_capacity": 16, "max_capacity": 8}}},
         ("consumers",), "consumers.c1", ">= base_capacity"),
    Case("max_above_5632", {"producer": {"base_capacity": 8, "max_capacity": 5640}},
         ("producer",), "producer", "5632"),
    Case("query_timeout_one_day_rejected",
         {"consumers": {"c1": {"base_capacity": 8, "query_timeout_seconds": 86400}}},
         ("consumers",), "consumers.c1.query_timeout_seconds", "86399"),
    Case("usage_limit_bad_period",
         {"producer": {"base_capacity": 8, "usage_limit": {"amount": 10, "period": "hourly"}}},
         ("producer",), "producer.usage_limit.period", "monthly"),
    Case("bad_vpc_cidr", {"vpc_cidr": "10.40.0.0/33"}, ("vpc_cidr",), "vpc_cidr", "CIDR"),
    Case("share_to_unknown_consumer",
         {"datashares": {"sales_share": {"schemas": ["sales"], "consumers": ["c9"]}}},
         ("datashares",), "(top level)", "'c9' is not a consumer"),
]


def to_hcl(value: Any, indent: int = 0) -> str:
    """A Python value as an HCL expression (the subset the spec uses)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(to_hcl(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{k if re.fullmatch(r'[a-z_][a-z0-9_]*', k) else json.dumps(k)} = "
                 f"{to_hcl(v, indent + 2)}" for k, v in value.items()]
        return "{ " + ", ".join(items) + " }"
    raise TypeError(f"no HCL for {value!r}")


def tfvars(case: Case) -> str:
    values = {**BASE, **case.set}
    return "".join(f"{k} = {to_hcl(v)}\n" for k, v in values.items())


def _assignments(values: dict[str, Any], indent: str) -> list[str]:
    """`key = value` lines, `=` aligned as `terraform fmt` does."""
    width = max((len(k) for k in values), default=0)
    return [f"{indent}{k.ljust(width)} = {to_hcl(v)}" for k, v in values.items()]


def tftest_text() -> str:
    lines = [
        "# GENERATED from tests/spec/rule_cases.py (python -m tests.spec.rule_cases): do not edit.",
        "# The same cases drive the pydantic tests (tests/spec/test_rule_cases.py); each must be",
        "# rejected by the variable validations, offline with a mocked provider.",
        "",
        'mock_provider "aws" {',
        '  source = "./tests/mocks"',
        "}",
        "",
        "variables {",
        *_assignments(BASE, "  "),
        "}",
    ]
    for case in CASES:
        lines += ["", f'run "{case.name}" {{', "  command = plan", "  variables {",
                  *_assignments(case.set, "    "), "  }",
                  f"  expect_failures = [{', '.join(f'var.{v}' for v in case.tf_fails)}]",
                  "}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    GENERATED.write_text(tftest_text(), encoding="utf-8")
    print(f"wrote {GENERATED}")
