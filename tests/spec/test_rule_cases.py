"""The spec's rules from the one table (tests/spec/rule_cases.py): pydantic accepts every
valid case and rejects every invalid one, and the generated Terraform test file is the
table's current rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from rsfleet.errors import SpecError
from rsfleet.spec import load_spec

from .rule_cases import BASE, CASES, GENERATED_GLOB, TESTS_DIR, Case, generated, tfvars

INVALID = [c for c in CASES if not c.valid]
VALID = [c for c in CASES if c.valid]


def test_the_base_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "base.tfvars"
    path.write_text(tfvars(Case("base", "base", {})), encoding="utf-8")
    assert load_spec(path).environment == BASE["environment"]


def test_every_rule_has_a_valid_and_an_invalid_case() -> None:
    rules = {c.rule for c in CASES}
    assert {c.rule for c in VALID} == rules
    assert {c.rule for c in INVALID} == rules
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", VALID, ids=[c.name for c in VALID])
def test_pydantic_accepts_the_case(tmp_path: Path, case: Case) -> None:
    path = tmp_path / f"{case.name}.tfvars"
    path.write_text(tfvars(case), encoding="utf-8")
    assert load_spec(path).environment == {**BASE, **case.set}["environment"]


@pytest.mark.parametrize("case", INVALID, ids=[c.name for c in INVALID])
def test_pydantic_rejects_the_case(tmp_path: Path, case: Case) -> None:
    path = tmp_path / f"{case.name}.tfvars"
    path.write_text(tfvars(case), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert any(f": {case.py_key}: " in p and case.py_fragment in p
               for p in info.value.problems), info.value.problems


def test_the_terraform_test_files_are_generated_from_the_table() -> None:
    want = generated()
    assert set(TESTS_DIR.glob(GENERATED_GLOB)) == set(want), (
        "run `python -m tests.spec.rule_cases` and commit terraform/tests/" + GENERATED_GLOB)
    for path, text in want.items():
        assert path.read_text(encoding="utf-8") == text, (
            f"run `python -m tests.spec.rule_cases` and commit {path.name}")
