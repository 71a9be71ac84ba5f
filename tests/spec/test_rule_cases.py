"""The spec's rules from the one table (tests/spec/rule_cases.py): pydantic rejects every
case, and the generated Terraform test file is the table's current rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from rsfleet.errors import SpecError
from rsfleet.spec import load_spec

from .rule_cases import BASE, CASES, GENERATED, Case, tftest_text, tfvars


def test_the_base_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "base.tfvars"
    path.write_text(tfvars(Case("base", {}, (), "", "")), encoding="utf-8")
    assert load_spec(path).environment == BASE["environment"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_pydantic_rejects_the_case(tmp_path: Path, case: Case) -> None:
    path = tmp_path / f"{case.name}.tfvars"
    path.write_text(tfvars(case), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert any(f": {case.py_key}: " in p and case.py_fragment in p
               for p in info.value.problems), info.value.problems


def test_the_terraform_test_file_is_generated_from_the_table() -> None:
    assert GENERATED.read_text(encoding="utf-8") == tftest_text(), (
        "run `python -m tests.spec.rule_cases` and commit terraform/tests/"
        "validation_cases.tftest.hcl")
