"""Specs that Terraform/AWS or the local fleet would reject later are refused by `validate`
with one line each (issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rsfleet.errors import SpecError
from rsfleet.spec import load_spec
from rsfleet.spec.loader import MAX_SPEC_BYTES

BASE = """
environment = "dev"
producer    = { base_capacity = 8 }
consumers   = { c1 = { base_capacity = 8 } }
"""


def problems(tmp_path: Path, extra: str, base: str = BASE) -> list[str]:
    path = tmp_path / "s.tfvars"
    path.write_text(textwrap.dedent(base) + textwrap.dedent(extra), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    return [p.removeprefix(f"{path}: ") for p in info.value.problems]


def test_duplicate_keys(tmp_path):
    assert problems(tmp_path, 'environment = "prod"\n') == [
        "environment: set twice (lines 2 and 5): keep one"]
    dup = BASE.replace("{ base_capacity = 8 } }", "{ base_capacity = 8, base_capacity = 16 } }")
    assert problems(tmp_path, "", dup) == [
        "consumers.c1.base_capacity: set twice (lines 4 and 4): keep one"]


@pytest.mark.parametrize("value", ["1", '"yes"', "0"])
def test_behind_nlb_must_be_a_bool(tmp_path, value):
    base = BASE.replace("c1 = { base_capacity = 8 }",
                        f"c1 = {{ base_capacity = 8 }}\n  c2 = {{ base_capacity = 8, "
                        f"behind_nlb = {value} }}")
    assert problems(tmp_path, "", base) == [
        "consumers.c2.behind_nlb: Input should be a valid boolean"]


@pytest.mark.parametrize(("tags", "fragment"), [
    ({f"k{i}": "v" for i in range(46)}, "46 tags: with the 5 rsfleet sets"),
    ({"k" * 129: "v"}, "129 characters, AWS allows 1-128"),
    ({"team": "v" * 257}, "value of 257 characters, AWS allows at most 256"),
    ({"aws:owner": "me"}, "the aws: prefix is reserved"),
    ({"owner": "AWS:me"}, "the aws: prefix is reserved"),
])
def test_tags_follow_the_aws_rules(tmp_path, tags, fragment):
    text = "tags = {\n" + "".join(f'  "{k}" = "{v}"\n' for k, v in tags.items()) + "}\n"
    found = problems(tmp_path, text)
    assert len(found) == 1 and found[0].startswith("tags: ") and fragment in found[0]


def test_45_extra_tags_are_fine(tmp_path):
    path = tmp_path / "s.tfvars"
    path.write_text(BASE + "tags = {\n" + "".join(f'  k{i} = "v"\n' for i in range(45)) + "}\n")
    assert len(load_spec(path).tags) == 45


@pytest.mark.parametrize(("share", "fragment"), [
    ('{ schemas = ["pg_catalog"] }', "schema 'pg_catalog' is reserved"),
    ('{ schemas = ["information_schema"] }', "schema 'information_schema' is reserved"),
    ('{ schemas = ["pg_mine"] }', "schema 'pg_mine' is reserved"),
    ('{ tables = ["pg_catalog.pg_authid"] }', "schema 'pg_catalog' is reserved"),
    ('{ schemas = ["sales"], consumer_database = "template1" }',
     "consumer_database 'template1' is reserved"),
    ('{ schemas = ["sales"], consumer_database = "postgres" }',
     "consumer_database 'postgres' is reserved"),
])
def test_reserved_schemas_and_databases(tmp_path, share, fragment):
    found = problems(tmp_path, f"datashares = {{ s = {share} }}\n")
    assert len(found) == 1 and fragment in found[0], found


@pytest.mark.parametrize("db", ["template0", "template1", "postgres"])
def test_reserved_producer_database(tmp_path, db):
    base = BASE.replace("producer    = { base_capacity = 8 }",
                        f'producer = {{ base_capacity = 8, database_name = "{db}" }}')
    found = problems(tmp_path, "", base)
    assert found == [f"producer.database_name: database_name {db!r} is reserved (postgres, "
                     "template0, template1 belong to the server): pick another name"]


def test_spec_size_limit_is_said_and_checked_before_parsing(tmp_path):
    path = tmp_path / "big.tfvars"
    path.write_text(BASE + "#" * (MAX_SPEC_BYTES + 1) + "\n")
    proc = subprocess.run([sys.executable, "-m", "rsfleet", "validate", "--spec", str(path)],
                          capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert proc.returncode == 2
    size = path.stat().st_size
    assert proc.stderr.strip() == (f"error: {path}: {size:,} bytes: too big for a fleet spec "
                                   "(the limit is 128 KiB)")


@pytest.mark.parametrize("depth", [40, 200, 5000])
def test_a_spec_nested_too_deep_is_one_line_saying_where(tmp_path, depth):
    # the repro: thousands of levels gave Python's "maximum recursion depth exceeded"
    nested = "{ a = " * depth + "1" + " }" * depth
    assert problems(tmp_path, f'# a comment {{{{{{\nx = "{{[(" \ny = {nested}\n') == [
        "line 7: nested more than 32 levels deep (a fleet spec nests 4 at most: consumers = "
        "{ c1 = { config = { … } } })"]
    proc = subprocess.run([sys.executable, "-m", "rsfleet", "validate", "--spec",
                           str(tmp_path / "s.tfvars")], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "recursion" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_braces_in_strings_and_comments_do_not_count(tmp_path):
    deep = "{" * 40
    path = tmp_path / "s.tfvars"
    path.write_text(BASE + f'# {deep}\n/* {deep}\n */\nproject_name = "rsfleet"\n')
    assert load_spec(path).environment == "dev"
