"""The fleet spec: loading from HCL and every validation rule, good and bad."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rsfleet.errors import SpecError, UsageError
from rsfleet.spec import load_spec
from rsfleet.spec.identifiers import check_namespace_id, quote_ident, quote_literal_namespace
from rsfleet.spec.loader import spec_path_for
from rsfleet.spec.models import base_capacity_problem

GOOD = """
project_name = "rsfleet"
environment  = "dev"
aws_region   = "us-east-1"
vpc_cidr     = "10.40.0.0/16"
create_vpc   = true
existing_vpc_id     = null
existing_subnet_ids = []

producer = {
  base_capacity = 8
  max_capacity  = 64
  database_name = "dev"
  usage_limit = { amount = 500, period = "monthly", breach_action = "emit-metric" }
}

consumers = {
  c1 = { base_capacity = 8, max_capacity = 32 }
  c2 = { base_capacity = 8, behind_nlb = false }
}

datashares = {
  sales_share = {
    schemas   = ["sales"]
    tables    = ["ref.regions"]
    consumers = ["*"]
  }
}

nlb = { deregistration_delay = 30, allowed_cidrs = ["10.0.0.0/8"] }
tags = { team = "data" }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "terraform.tfvars"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_for(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(write(tmp_path, text))
    assert info.value.exit_code == 2
    return info.value.problems


def test_good_spec_loads_with_defaults(tmp_path):
    spec = load_spec(write(tmp_path, GOOD))
    assert spec.environment == "dev"
    assert spec.producer.usage_limit is not None
    assert spec.producer.usage_limit.breach_action == "emit-metric"
    assert spec.consumers["c1"].behind_nlb is True  # default
    assert spec.consumers["c2"].effective_max_capacity == 8  # default: max = base
    assert spec.lb_consumers == ["c1"]
    assert spec.database_for("sales_share") == "sales_share_db"
    assert spec.consumers_of("sales_share") == ["c1", "c2"]
    assert spec.shares_of("c2") == ["sales_share"]
    assert spec.workgroup_name("c1") == "rsfleet-dev-c1"
    assert spec.workgroup_name() == "rsfleet-dev-producer"
    assert spec.nlb.health_check_interval == 10


@pytest.mark.parametrize(
    ("rpu", "region", "ok"),
    [
        (4, "us-east-1", True),
        (8, "eu-north-1", True),
        (512, "ap-south-1", True),
        (12, "us-east-1", False),  # not a step of 8
        (0, "us-east-1", False),
        (1024, "us-east-1", True),
        (1024, "ap-south-1", False),  # 1024 only in the large regions
        (1024, "eu-west-2", True),  # listed by serverless-usage-considerations
        (1024, "eu-central-1", True),  # listed by serverless-capacity
        (544, "eu-west-1", True),
        (520, "eu-west-1", False),  # above 512 the step is 32
        (1056, "us-east-1", False),
    ],
)
def test_base_capacity_rule(rpu, region, ok):
    assert (base_capacity_problem(rpu, region) is None) is ok


def replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment"),
    [
        ("base_capacity = 8\n  max_capacity  = 64", "base_capacity = 12\n  max_capacity  = 64",
         "producer", "steps of 8"),
        ("c1 = { base_capacity = 8, max_capacity = 32 }",
         "c1 = { base_capacity = 16, max_capacity = 8 }", "consumers.c1", ">= base_capacity"),
        ("c1 = { base_capacity = 8, max_capacity = 32 }",
         "c1 = { base_capacity = 8, max_capacity = 6000 }", "consumers.c1", "at most 5632"),
        ('aws_region   = "us-east-1"', 'aws_region   = "ap-south-1"\nx = 1', "x", "unknown key"),
        ('vpc_cidr     = "10.40.0.0/16"', 'vpc_cidr     = "10.40.0.0/33"', "vpc_cidr", "CIDR"),
        ('vpc_cidr     = "10.40.0.0/16"', 'vpc_cidr     = "10.40.0.0/24"', "vpc_cidr", "/21"),
        ('allowed_cidrs = ["10.0.0.0/8"]', 'allowed_cidrs = ["10.0.0.1/8"]', "nlb.allowed_cidrs",
         "CIDR"),
        ("c1 = { base_capacity = 8, max_capacity = 32 }",
         "c1 = { base_capacity = 8, behind_nlb = false }", "(top level)", "behind_nlb = true"),
        ('consumers = ["*"]', 'consumers = ["c9"]', "(top level)", "'c9' is not a consumer"),
        ('schemas   = ["sales"]', 'schemas   = ["Sales"]', "datashares.sales_share.schemas",
         "lowercase"),
        ('tables    = ["ref.regions"]', 'tables    = ["regions"]', "datashares.sales_share.tables",
         "schema.table"),
        ('environment  = "dev"', 'environment  = "Dev_1"', "environment", "lowercase"),
        ('breach_action = "emit-metric"', 'breach_action = "pause"',
         "producer.usage_limit.breach_action", "log"),
        ("deregistration_delay = 30", "deregistration_delay = 30, health_check_interval = 2",
         "nlb.health_check_interval", "greater than or equal to 5"),
        ("create_vpc   = true", "create_vpc   = false", "(top level)", "existing_vpc_id"),
        ("existing_subnet_ids = []",
         'existing_subnet_ids = []\navailability_zone_ids = ["us-east-1a", "us-east-1b", '
         '"us-east-1c"]', "availability_zone_ids", "zone IDs"),
        ("deregistration_delay = 30", "deregistration_delay = 30, health_check_interval = 5, "
         "health_check_timeout = 5", "nlb", "less than health_check_interval"),
        ("c2 = { base_capacity = 8, behind_nlb = false }",
         "c2 = { base_capacity = 8, behind_nlb = false, query_timeout_seconds = 86400 }",
         "consumers.c2.query_timeout_seconds", "86399"),
        ("deregistration_delay = 30",
         'deregistration_delay = 30, tls_certificate_arn = "arn:aws:acm:us-east-1:1:certificate/x"',
         "nlb.tls_certificate_arn", "unknown key"),
        ("  c2 = {", '  "C 2" = {', "consumers", "lowercase letters, digits and hyphens"),
        ('database_name = "dev"', 'database_name = "dev; DROP TABLE x"',
         "producer.database_name", "lowercase"),
    ],
)
def test_bad_spec_one_line_per_problem(tmp_path, old, new, key, fragment):
    problems = problems_for(tmp_path, replace(GOOD, old, new))
    path = str(tmp_path / "terraform.tfvars")
    assert all(p.startswith(path + ": ") for p in problems), problems
    assert all("\n" not in p for p in problems)
    assert any(f": {key}: " in p and fragment in p for p in problems), problems


def test_zone_ids_accepted(tmp_path):
    text = replace(GOOD, "existing_subnet_ids = []",
                   'existing_subnet_ids = []\navailability_zone_ids = ["use1-az1", "use1-az2", '
                   '"use1-az4"]')
    assert load_spec(write(tmp_path, text)).availability_zone_ids[2] == "use1-az4"


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    text = replace(GOOD, 'vpc_cidr     = "10.40.0.0/16"', 'vpc_cidr     = "nope"')
    text = replace(text, 'environment  = "dev"', 'environment  = "DEV"')
    problems = problems_for(tmp_path, text)
    assert len(problems) == 2
    assert any("vpc_cidr" in p for p in problems) and any("environment" in p for p in problems)


@pytest.mark.parametrize(
    "name",
    [
        'x"; DROP DATASHARE y; --',
        "sales'--",
        "../../etc/passwd",
        "sales share",
        "a" * 64,
        "1abc",
        "",
        "ümlaut",
    ],
)
def test_identifiers_that_try_injection_or_path_tricks_are_rejected(tmp_path, name):
    text = replace(GOOD, 'schemas   = ["sales"]', f"schemas   = [{_hcl_string(name)}]")
    problems = problems_for(tmp_path, text)
    assert any("datashares.sales_share.schemas" in p for p in problems), problems


@pytest.mark.parametrize("name", ["../evil", "c1/../../x", "C1", "-c1", "c1-", "a" * 21])
def test_consumer_names_that_would_break_paths_or_aws_names(tmp_path, name):
    text = replace(GOOD, "  c2 = {", f"  {_hcl_string(name)} = {{")
    problems = problems_for(tmp_path, text)
    assert any(": consumers: " in p for p in problems), problems


def test_a_consumer_cannot_be_named_producer(tmp_path):
    # It would share the producer's AWS names (<project>-<env>-producer), its local node and
    # its key in `rsfleet cost --hours producer=H`.
    text = replace(GOOD, "  c2 = {", "  producer = {")
    problems = problems_for(tmp_path, text)
    assert len(problems) == 1, problems
    assert ": consumers: " in problems[0]
    assert "consumer name 'producer' is reserved for the producer workgroup" in problems[0]
    # The same name is fine where it is not a consumer's key, e.g. with a suffix.
    load_spec(write(tmp_path, replace(GOOD, "  c2 = {", "  producer-b = {")))


def test_a_consumer_cannot_be_named_lb(tmp_path):
    # "lb" is the load balancer in the local fleet (`connect_kwargs("lb")`) and its commands.
    problems = problems_for(tmp_path, replace(GOOD, "  c2 = {", "  lb = {"))
    assert len(problems) == 1, problems
    assert "consumer name 'lb' is reserved for the load balancer" in problems[0]


def test_cost_hours_cannot_meet_a_consumer_named_producer(tmp_path):
    from typer.testing import CliRunner

    from rsfleet.cli import app

    spec = write(tmp_path, replace(GOOD, "  c2 = {", "  producer = {"))
    res = CliRunner().invoke(app, ["cost", "--spec", str(spec), "--hours", "producer=2"])
    assert res.exit_code == 2, res.output
    assert "'producer' is reserved" in res.output and "Traceback" not in res.output


def _hcl_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_invalid_hcl_is_one_line(tmp_path):
    problems = problems_for(tmp_path, "producer = {\n  base_capacity = \n")
    assert len(problems) == 1
    assert "not valid HCL" in problems[0]


def test_missing_required_keys(tmp_path):
    problems = problems_for(tmp_path, 'environment = "dev"\n')
    assert any(": producer: required key is missing" in p for p in problems)
    assert any(": consumers: required key is missing" in p for p in problems)


def test_quote_ident_and_namespace_literal():
    assert quote_ident("sales") == '"sales"'
    with pytest.raises(ValueError):
        quote_ident('sa"les')
    guid = "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
    assert quote_literal_namespace(guid) == f"'{guid}'"
    with pytest.raises(ValueError):
        check_namespace_id("0a1b2c3d' OR '1'='1")


def test_env_name_with_path_tricks_is_rejected_before_touching_the_filesystem():
    with pytest.raises(UsageError) as info:
        spec_path_for("../../etc", None)
    assert "not a valid name" in str(info.value)


def test_unknown_environment_lists_known_ones(tmp_path, monkeypatch):
    (tmp_path / "terraform" / "environments" / "qa").mkdir(parents=True)
    (tmp_path / "terraform" / "environments" / "qa" / "terraform.tfvars").write_text("")
    monkeypatch.setenv("RSFLEET_ROOT", str(tmp_path))
    with pytest.raises(UsageError) as info:
        spec_path_for("nope", None)
    assert "known environments: qa" in str(info.value)


def test_rotation_defaults_and_its_max(tmp_path):
    """No rotation block: off, min 1, max = every consumer behind the load balancer."""
    spec = load_spec(write(tmp_path, GOOD))
    rot = spec.rotation
    assert (rot.enabled, rot.min_in_rotation, rot.max_in_rotation) == (False, 1, None)
    assert (rot.target_sessions_per_consumer, rot.scale_in_after_seconds) == (50, 600)
    assert rot.effective_max(len(spec.lb_consumers)) == 1
    capped = load_spec(write(tmp_path, GOOD.replace(
        "tags = {", 'rotation = { max_in_rotation = 1 }\ntags = {')))
    assert capped.rotation.effective_max(5) == 1
