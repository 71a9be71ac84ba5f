"""The fleet spec's rules as ONE table of cases, for both implementations of them:
the pydantic model (tests/spec/test_rule_cases.py loads each case) and the Terraform variable
validations (`terraform/tests/validation_cases_<section>.tftest.hcl` are generated from this
table by `python -m tests.spec.rule_cases`; a test fails when a file is stale, and
tests/terraform runs them with `terraform test`).

A case sets some top-level variables on top of BASE. A valid case (no `tf_fails`) must pass
both sides (Terraform: the plan succeeds with the mocked provider). An invalid one must be
rejected by both, Terraform on `tf_fails`, Python with a problem line
`<file>: <py_key>: ...<py_fragment>...`. Every rule has at least one case of each kind, and
a rule with a range has its boundary values on both sides of it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TESTS_DIR = Path(__file__).resolve().parents[2] / "terraform" / "tests"
GENERATED_GLOB = "validation_cases_*.tftest.hcl"  # per section, at most RUNS_PER_FILE runs

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
    rule: str  # the rule the case tests (every rule has valid and invalid cases)
    name: str  # unique: the `run` block's name
    set: dict[str, Any]
    tf_fails: tuple[str, ...] = ()  # empty: a valid input, both sides accept it
    py_key: str = ""
    py_fragment: str = ""
    # Terraform-only variables the case needs that are not spec keys (e.g. artifact_path)
    tf_only: tuple[tuple[str, Any], ...] = ()

    @property
    def valid(self) -> bool:
        return not self.tf_fails


def ok(rule: str, name: str, values: dict[str, Any]) -> Case:
    return Case(rule, name, values)


def bad(rule: str, name: str, values: dict[str, Any], tf_fails: str | tuple[str, ...],
        py_key: str, py_fragment: str) -> Case:
    fails = (tf_fails,) if isinstance(tf_fails, str) else tf_fails
    return Case(rule, name, values, fails, py_key, py_fragment)


def _consumer(**settings: Any) -> dict[str, Any]:
    """`consumers` with c1 holding `settings` (c2 as in BASE)."""
    return {"consumers": {"c1": {"base_capacity": 8, **settings}, "c2": {"base_capacity": 8}}}


def _producer(**settings: Any) -> dict[str, Any]:
    return {"producer": {"base_capacity": 8, **settings}}


def _share(**settings: Any) -> dict[str, Any]:
    return {"datashares": {"sales_share": settings}}


def _nlb(**settings: Any) -> dict[str, Any]:
    return {"nlb": settings}


def _controller(**settings: Any) -> dict[str, Any]:
    return {"controller": settings}


def _rotation(**settings: Any) -> dict[str, Any]:
    """`rotation` with `settings`; enabled needs rsfleet to own target membership."""
    nlb = {"register_targets_with_terraform": False} if settings.get("enabled") else {}
    return {"rotation": settings, **({"nlb": nlb} if nlb else {})}
# The controller needs the Lambda's code (a Terraform-only variable, not a spec key).
ARTIFACT = (("artifact_path", "tests/fixtures/rsfleet-lambda.zip"),)


def _backup(**settings: Any) -> dict[str, Any]:
    return _producer(backup=settings)


def _tags(tags: dict[str, str]) -> dict[str, Any]:
    return {"tags": tags}


SUBNETS = ["subnet-0a", "subnet-0b", "subnet-0c"]
ROLE = "arn:aws:iam::123456789012:role/rsfleet-snapshots"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rsfleet-reader"
PROBE_KEY_ID = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f1"
PROBE_KEY = f"arn:aws:kms:us-east-1:123456789012:key/{PROBE_KEY_ID}"
P, C1, TOP = "producer", "consumers.c1", "(top level)"

SECTIONS: dict[str, list[Case]] = {"names": [
    # -- names -------------------------------------------------------------------------
    ok("project_name pattern", "project_name_3_chars", {"project_name": "abc"}),
    ok("project_name pattern", "project_name_20_chars", {"project_name": "a" * 20}),
    bad("project_name pattern", "bad_project_name", {"project_name": "RS_Fleet"},
        "project_name", "project_name", "lowercase"),
    bad("project_name pattern", "project_name_2_chars", {"project_name": "ab"},
        "project_name", "project_name", "3-20"),
    bad("project_name pattern", "project_name_21_chars", {"project_name": "a" * 21},
        "project_name", "project_name", "3-20"),
    ok("environment pattern", "environment_2_chars", {"environment": "ab"}),
    ok("environment pattern", "environment_16_chars", {"environment": "a" * 16}),
    bad("environment pattern", "bad_environment", {"environment": "dev-"},
        "environment", "environment", "lowercase"),
    bad("environment pattern", "environment_1_char", {"environment": "a"},
        "environment", "environment", "2-16"),
    bad("environment pattern", "environment_17_chars", {"environment": "a" * 17},
        "environment", "environment", "2-16"),
    ok("aws_region pattern", "gov_region", {"aws_region": "us-gov-west-1"}),
    bad("aws_region pattern", "bad_region", {"aws_region": "useast1"},
        "aws_region", "aws_region", "region"),
    ok("consumer name pattern", "consumer_name_20_chars",
       {"consumers": {"a" * 20: {"base_capacity": 8}}}),
    ok("consumer name pattern", "consumer_name_1_char", {"consumers": {"a": {"base_capacity": 8}}}),
    bad("consumer name pattern", "bad_consumer_name",
        {"consumers": {"1st_consumer": {"base_capacity": 8}}, "datashares": {}},
        "consumers", "consumers", "lowercase"),
    bad("consumer name pattern", "consumer_name_21_chars",
        {"consumers": {"a" * 21: {"base_capacity": 8}}}, "consumers", "consumers", "1-20"),
    bad("consumer name pattern", "consumer_name_ends_with_hyphen",
        {"consumers": {"c1-": {"base_capacity": 8}}}, "consumers", "consumers", "hyphen"),
    ok("reserved consumer names", "consumer_named_lb2", {"consumers": {"lb2": {"base_capacity": 8}}}),
    bad("reserved consumer names", "reserved_consumer_name",
        {"consumers": {"producer": {"base_capacity": 8}}, "datashares": {}},
        "consumers", "consumers", "producer"),
    bad("reserved consumer names", "reserved_consumer_name_lb",
        {"consumers": {"lb": {"base_capacity": 8}}, "datashares": {}},
        "consumers", "consumers", "load balancer"),
    ok("at least one consumer", "one_consumer", {"consumers": {"c1": {"base_capacity": 8}}}),
    bad("at least one consumer", "no_consumer", {"consumers": {}, "datashares": {}},
        "consumers", "consumers", "at least one consumer"),
    ok("database and user identifiers", "database_name_63_chars",
       _producer(database_name="d" * 63, admin_username="_admin")),
    bad("database and user identifiers", "bad_database_name", _producer(database_name="Sales-DB"),
        "producer", "producer.database_name", "lowercase"),
    bad("database and user identifiers", "database_name_64_chars",
        _producer(database_name="d" * 64), "producer", "producer.database_name", "1-63"),
    bad("database and user identifiers", "bad_admin_username", _producer(admin_username="Admin"),
        "producer", "producer.admin_username", "lowercase"),
    ok("reserved databases", "database_named_postgres_db", _producer(database_name="postgres_db")),
    bad("reserved databases", "reserved_producer_database", _producer(database_name="postgres"),
        "producer", "producer.database_name", "reserved"),
    bad("reserved databases", "reserved_producer_database_template0",
        _producer(database_name="template0"), "producer", "producer.database_name", "reserved"),
], "capacity": [
    ok("base_capacity steps", "base_capacity_4", _producer(base_capacity=4)),
    ok("base_capacity steps", "base_capacity_512", {"producer": {"base_capacity": 512}}),
    ok("base_capacity steps", "base_capacity_544", {"producer": {"base_capacity": 544}}),
    ok("base_capacity steps", "base_capacity_1024_allowed_in_us_east_1",
       {"producer": {"base_capacity": 1024}}),
    bad("base_capacity steps", "producer_base_capacity_below_minimum",
        {"producer": {"base_capacity": 2}}, "producer", "producer", "base_capacity"),
    bad("base_capacity steps", "base_capacity_not_a_step_of_8",
        {"consumers": {"c1": {"base_capacity": 12}}}, "consumers", C1, "steps of 8"),
    bad("base_capacity steps", "base_capacity_above_512_not_step_of_32",
        {"producer": {"base_capacity": 520}}, "producer", "producer", "steps of 32"),
    bad("base_capacity steps", "base_capacity_above_1024", {"producer": {"base_capacity": 1056}},
        "producer", "producer", "steps of 32"),
    ok("1024 RPU regions", "base_capacity_1024_allowed_in_eu_west_2",
       {"aws_region": "eu-west-2", "producer": {"base_capacity": 1024}}),
    ok("1024 RPU regions", "base_capacity_512_anywhere",
       {"aws_region": "ap-southeast-2", "producer": {"base_capacity": 512}}),
    bad("1024 RPU regions", "base_capacity_1024_outside_allowed_regions",
        {"aws_region": "ap-southeast-2", "producer": {"base_capacity": 1024},
         "consumers": {"c1": {"base_capacity": 544}}},
        ("producer", "consumers"), TOP, "only offered in"),
    ok("max_capacity >= base_capacity", "max_equal_to_base", _producer(max_capacity=8)),
    bad("max_capacity >= base_capacity", "max_below_base",
        {"consumers": {"c1": {"base_capacity": 16, "max_capacity": 8}}},
        "consumers", C1, ">= base_capacity"),
    bad("max_capacity >= base_capacity", "producer_max_below_base",
        {"producer": {"base_capacity": 64, "max_capacity": 32}},
        "producer", "producer", ">= base_capacity"),
    ok("max_capacity steps and limit", "max_5632", _producer(max_capacity=5632)),
    ok("max_capacity steps and limit", "max_4_with_base_4", _producer(base_capacity=4,
                                                                      max_capacity=4)),
    bad("max_capacity steps and limit", "max_above_5632",
        {"producer": {"base_capacity": 8, "max_capacity": 5640}}, "producer", "producer", "5632"),
    bad("max_capacity steps and limit", "max_not_a_multiple_of_8",
        {"consumers": {"c1": {"base_capacity": 8, "max_capacity": 20}}},
        "consumers", C1, "multiple of 8"),
    ok("query_timeout_seconds range", "query_timeout_aws_maximum_accepted",
       _consumer(query_timeout_seconds=86399)),
    ok("query_timeout_seconds range", "query_timeout_60", _consumer(query_timeout_seconds=60)),
    bad("query_timeout_seconds range", "query_timeout_one_day_rejected",
        {"consumers": {"c1": {"base_capacity": 8, "query_timeout_seconds": 86400}}},
        "consumers", "consumers.c1.query_timeout_seconds", "86399"),
    bad("query_timeout_seconds range", "query_timeout_59", _consumer(query_timeout_seconds=59),
        "consumers", "consumers.c1.query_timeout_seconds", "60"),
    bad("query_timeout_seconds range", "query_timeout_not_whole",
        _consumer(query_timeout_seconds=90.5), "consumers",
        "consumers.c1.query_timeout_seconds", "integer"),
    ok("usage_limit", "usage_limit_1_rpu_hour",
       _producer(usage_limit={"amount": 1, "period": "daily", "breach_action": "deactivate"})),
    ok("usage_limit", "consumer_usage_limit",
       _consumer(usage_limit={"amount": 100, "period": "weekly", "breach_action": "emit-metric"})),
    bad("usage_limit", "usage_limit_bad_period",
        {"producer": {"base_capacity": 8, "usage_limit": {"amount": 10, "period": "hourly"}}},
        "producer", "producer.usage_limit.period", "monthly"),
    bad("usage_limit", "usage_limit_bad_breach_action",
        _consumer(usage_limit={"amount": 10, "breach_action": "stop"}), "consumers",
        "consumers.c1.usage_limit.breach_action", "deactivate"),
    bad("usage_limit", "usage_limit_zero", _producer(usage_limit={"amount": 0}), "producer",
        "producer.usage_limit.amount", "greater than or equal to 1"),
    bad("usage_limit", "usage_limit_not_whole", _producer(usage_limit={"amount": 1.5}),
        "producer", "producer.usage_limit.amount", "integer"),
    ok("behind_nlb", "one_consumer_behind_nlb", _consumer(behind_nlb=False)),
    bad("behind_nlb", "no_consumer_behind_nlb",
        {"consumers": {"c1": {"base_capacity": 8, "behind_nlb": False},
                       "c2": {"base_capacity": 8, "behind_nlb": False}}},
        "consumers", TOP, "behind_nlb = true"),
], "network": [
    ok("vpc_cidr", "vpc_cidr_16", {"vpc_cidr": "10.0.0.0/16"}),
    ok("vpc_cidr", "vpc_cidr_21", {"vpc_cidr": "10.40.8.0/21"}),
    bad("vpc_cidr", "bad_vpc_cidr", {"vpc_cidr": "10.40.0.0/33"}, "vpc_cidr", "vpc_cidr", "CIDR"),
    bad("vpc_cidr", "vpc_cidr_22", {"vpc_cidr": "10.40.0.0/22"}, "vpc_cidr", "vpc_cidr", "/21"),
    bad("vpc_cidr", "vpc_cidr_15", {"vpc_cidr": "10.40.0.0/15"}, "vpc_cidr", "vpc_cidr", "/16"),
    bad("vpc_cidr", "vpc_cidr_with_host_bits", {"vpc_cidr": "10.40.1.0/16"}, "vpc_cidr",
        "vpc_cidr", "host bits"),
    bad("vpc_cidr", "not_a_cidr", {"vpc_cidr": "10.400.0.0/16"}, "vpc_cidr", "vpc_cidr", "CIDR"),
    ok("existing VPC ids", "existing_vpc_id_ignored_with_create_vpc",
       {"existing_vpc_id": "vpc-0123456789abcdef0", "existing_subnet_ids": SUBNETS}),
    bad("existing VPC ids", "existing_vpc_requires_ids", {"create_vpc": False},
        ("existing_vpc_id", "existing_subnet_ids"), TOP, "existing_vpc_id must be a vpc-"),
    bad("existing VPC ids", "bad_existing_vpc_id", {"existing_vpc_id": "vpc-XYZ"},
        "existing_vpc_id", "existing_vpc_id", "VPC ID"),
    bad("existing VPC ids", "bad_existing_subnet_id", {"existing_subnet_ids": ["subnet-XYZ"]},
        "existing_subnet_ids", "existing_subnet_ids", "subnet ID"),
    bad("existing VPC ids", "existing_subnets_repeated",
        {"create_vpc": False, "existing_vpc_id": "vpc-0123456789abcdef0",
         "existing_subnet_ids": ["subnet-0a", "subnet-0a", "subnet-0b"]},
        "existing_subnet_ids", TOP, "at least 3 subnets"),
    ok("availability_zone_ids", "three_zone_ids",
       {"availability_zone_ids": ["use1-az1", "use1-az2", "use1-az4"]}),
    bad("availability_zone_ids", "zone_names_not_ids",
        {"availability_zone_ids": ["us-east-1a", "us-east-1b", "us-east-1c"]},
        "availability_zone_ids", "availability_zone_ids", "zone IDs"),
    bad("availability_zone_ids", "zone_ids_repeated",
        {"availability_zone_ids": ["use1-az1", "use1-az1", "use1-az2"]},
        "availability_zone_ids", "availability_zone_ids", "distinct"),
], "datashares": [
    ok("datashare identifiers", "datashare_schema_and_table",
       _share(schemas=["sales", "_x"], tables=["ref.regions"], consumer_database="sales_db")),
    bad("datashare identifiers", "bad_datashare_identifiers",
        {"datashares": {"Sales-Share": {"schemas": ["sales"]}}}, "datashares", "datashares",
        "datashare name"),
    bad("datashare identifiers", "bad_schema_name", _share(schemas=["Sales"]), "datashares",
        "datashares.sales_share.schemas", "schema 'Sales'"),
    bad("datashare identifiers", "bad_table_name", _share(tables=["orders"]), "datashares",
        "datashares.sales_share.tables", "schema.table"),
    bad("datashare identifiers", "bad_consumer_database",
        _share(schemas=["sales"], consumer_database="Sales-DB"), "datashares",
        "datashares.sales_share.consumer_database", "lowercase"),
    bad("datashare lists without repeats", "schemas_repeated", _share(schemas=["sales", "sales"]),
        "datashares", "datashares.sales_share.schemas", "must not repeat"),
    bad("datashare lists without repeats", "tables_repeated",
        _share(tables=["sales.a", "sales.a"]), "datashares", "datashares.sales_share.tables",
        "must not repeat"),
    ok("datashare lists without repeats", "tables_distinct", _share(tables=["sales.a", "sales.b"])),
    ok("datashare not empty", "datashare_of_one_table", _share(tables=["sales.orders"])),
    bad("datashare not empty", "empty_datashare", _share(), "datashares", "datashares.sales_share",
        "at least one schema or one table"),
    ok("datashare consumers", "datashare_to_named_consumers", _share(schemas=["sales"],
                                                                     consumers=["c1", "c2"])),
    bad("datashare consumers", "share_to_unknown_consumer",
        {"datashares": {"sales_share": {"schemas": ["sales"], "consumers": ["c9"]}}},
        "datashares", TOP, "'c9' is not a consumer"),
    bad("datashare consumers", "unknown_consumer_in_datashare",
        _share(schemas=["sales"], consumers=["c1", "c9"]), "datashares", TOP,
        "'c9' is not a consumer"),
    bad("datashare consumers", "star_and_names", _share(schemas=["sales"], consumers=["*", "c1"]),
        "datashares", "datashares.sales_share", 'either ["*"]'),
    ok("reserved schemas and databases", "schema_named_pgx", _share(schemas=["pgx"])),
    bad("reserved schemas and databases", "reserved_schema_pg_catalog",
        _share(schemas=["pg_catalog"]), "datashares", "datashares.sales_share.schemas",
        "reserved"),
    bad("reserved schemas and databases", "reserved_schema_information_schema",
        _share(schemas=["information_schema"]), "datashares", "datashares.sales_share.schemas",
        "reserved"),
    bad("reserved schemas and databases", "reserved_schema_in_a_table",
        _share(tables=["pg_mine.t"]), "datashares", "datashares.sales_share.tables", "reserved"),
    bad("reserved schemas and databases", "reserved_consumer_database",
        _share(schemas=["sales"], consumer_database="template1"), "datashares",
        "datashares.sales_share.consumer_database", "reserved"),
    ok("consumer_database unique", "two_shares_two_databases",
       {"datashares": {"a": {"schemas": ["sales"]}, "b": {"schemas": ["ops"]}}}),
    bad("consumer_database unique", "duplicate_consumer_database",
        {"datashares": {"a": {"schemas": ["sales"], "consumer_database": "shared"},
                        "b": {"schemas": ["ops"], "consumer_database": "shared"}}},
        "datashares", TOP, "same consumer_database"),
    bad("consumer_database unique", "consumer_database_equals_a_default",
        {"datashares": {"a": {"schemas": ["sales"], "consumer_database": "b_db"},
                        "b": {"schemas": ["ops"]}}},
        "datashares", TOP, "same consumer_database"),
], "nlb": [
    ok("nlb.port", "nlb_port_65535", _nlb(port=65535)),
    bad("nlb.port", "nlb_port_0", _nlb(port=0), "nlb", "nlb.port", "greater than or equal to 1"),
    bad("nlb.port", "nlb_port_65536", _nlb(port=65536), "nlb", "nlb.port", "65535"),
    ok("nlb.health_check_interval", "health_check_interval_5",
       _nlb(health_check_interval=5, health_check_timeout=2)),
    ok("nlb.health_check_interval", "health_check_interval_300", _nlb(health_check_interval=300)),
    bad("nlb.health_check_interval", "health_check_interval_out_of_range",
        _nlb(health_check_interval=3), "nlb", "nlb.health_check_interval", "5"),
    bad("nlb.health_check_interval", "health_check_interval_301", _nlb(health_check_interval=301),
        "nlb", "nlb.health_check_interval", "300"),
    bad("nlb.health_check_interval", "health_check_interval_not_whole",
        _nlb(health_check_interval=10.5), "nlb", "nlb.health_check_interval", "integer"),
    ok("nlb.health_check_timeout", "health_check_timeout_120",
       _nlb(health_check_interval=300, health_check_timeout=120)),
    bad("nlb.health_check_timeout", "health_check_timeout_1", _nlb(health_check_timeout=1),
        "nlb", "nlb.health_check_timeout", "2"),
    bad("nlb.health_check_timeout", "health_check_timeout_121",
        _nlb(health_check_interval=300, health_check_timeout=121), "nlb",
        "nlb.health_check_timeout", "120"),
    ok("nlb timeout below interval", "health_check_timeout_just_below_interval",
       _nlb(health_check_interval=6, health_check_timeout=5)),
    bad("nlb timeout below interval", "health_check_timeout_above_interval",
        _nlb(health_check_interval=10, health_check_timeout=20), "nlb", "nlb", "less than"),
    bad("nlb timeout below interval", "health_check_timeout_equal_to_interval",
        _nlb(health_check_interval=5, health_check_timeout=5), "nlb", "nlb", "less than"),
    ok("nlb thresholds", "thresholds_10", _nlb(healthy_threshold=10, unhealthy_threshold=10)),
    bad("nlb thresholds", "threshold_out_of_range", _nlb(unhealthy_threshold=1), "nlb",
        "nlb.unhealthy_threshold", "2"),
    bad("nlb thresholds", "healthy_threshold_11", _nlb(healthy_threshold=11), "nlb",
        "nlb.healthy_threshold", "10"),
    bad("nlb thresholds", "threshold_not_whole", _nlb(healthy_threshold=2.5), "nlb",
        "nlb.healthy_threshold", "integer"),
    ok("nlb.deregistration_delay", "deregistration_delay_0", _nlb(deregistration_delay=0)),
    ok("nlb.deregistration_delay", "deregistration_delay_3600", _nlb(deregistration_delay=3600)),
    bad("nlb.deregistration_delay", "deregistration_delay_out_of_range",
        _nlb(deregistration_delay=4000), "nlb", "nlb.deregistration_delay", "3600"),
    bad("nlb.deregistration_delay", "deregistration_delay_negative",
        _nlb(deregistration_delay=-1), "nlb", "nlb.deregistration_delay", "0"),
    ok("nlb clients", "allowed_clients", _nlb(allowed_cidrs=["10.0.0.0/8"],
                                              allowed_security_group_ids=["sg-0123abcd"])),
    bad("nlb clients", "bad_allowed_cidr", _nlb(allowed_cidrs=["10.0.0.0/33"]), "nlb",
        "nlb.allowed_cidrs", "CIDR"),
    bad("nlb clients", "allowed_cidr_with_host_bits", _nlb(allowed_cidrs=["10.0.0.1/8"]), "nlb",
        "nlb.allowed_cidrs", "host bits"),
    bad("nlb clients", "bad_security_group_id", _nlb(allowed_security_group_ids=["group-1"]),
        "nlb", "nlb.allowed_security_group_ids", "security group"),
], "controller": [
    ok("controller.interval_seconds", "controller_interval_1", _controller(interval_seconds=1)),
    ok("controller.interval_seconds", "controller_interval_60", _controller(interval_seconds=60)),
    bad("controller.interval_seconds", "controller_interval_below_1",
        _controller(interval_seconds=0.5), "controller", "controller.interval_seconds", "1"),
    bad("controller.interval_seconds", "controller_interval_61", _controller(interval_seconds=61),
        "controller", "controller.interval_seconds", "60"),
    ok("controller data checks", "controller_data_checks_at_bounds",
       _controller(data_check_seconds=0, data_retry_seconds=86400)),
    bad("controller data checks", "controller_data_check_negative",
        _controller(data_check_seconds=-1), "controller", "controller.data_check_seconds", "0"),
    bad("controller data checks", "controller_data_retry_above_a_day",
        _controller(data_retry_seconds=86401), "controller", "controller.data_retry_seconds",
        "86400"),
    ok("controller rise and fall", "controller_rise_fall_bounds", _controller(rise=1, fall=10)),
    bad("controller rise and fall", "controller_rise_0", _controller(rise=0), "controller",
        "controller.rise", "1"),
    bad("controller rise and fall", "controller_fall_11", _controller(fall=11), "controller",
        "controller.fall", "10"),
    bad("controller rise and fall", "controller_rise_not_whole", _controller(rise=1.5),
        "controller", "controller.rise", "integer"),
    ok("controller.probe_secret_arn", "controller_probe_secret", _controller(
        probe_secret_arn=SECRET)),
    bad("controller.probe_secret_arn", "controller_probe_secret_not_an_arn",
        _controller(probe_secret_arn="rsfleet-reader"), "controller",
        "controller.probe_secret_arn", "Secrets Manager"),
    bad("controller.probe_secret_arn", "controller_probe_secret_without_name",
        _controller(probe_secret_arn=SECRET.removesuffix("rsfleet-reader")), "controller",
        "controller.probe_secret_arn", "Secrets Manager"),
    ok("controller.probe_secret_kms_key_arn", "controller_probe_secret_kms_key",
       _controller(probe_secret_arn=SECRET, probe_secret_kms_key_arn=PROBE_KEY)),
    bad("controller.probe_secret_kms_key_arn", "controller_probe_secret_kms_key_alias",
        _controller(probe_secret_arn=SECRET,
                    probe_secret_kms_key_arn=PROBE_KEY.replace("key/" + PROBE_KEY_ID,
                                                               "alias/rsfleet-probe")),
        "controller", "controller.probe_secret_kms_key_arn", "KMS key ARN"),
    bad("controller.probe_secret_kms_key_arn", "controller_probe_secret_kms_key_without_secret",
        _controller(probe_secret_kms_key_arn=PROBE_KEY), "controller", "controller",
        "set probe_secret_arn or remove the key"),
    Case("controller owns the targets", "controller_with_targets_by_the_controller",
         {**_controller(enabled=True), **_nlb(register_targets_with_terraform=False)},
         tf_only=ARTIFACT),
    Case("controller owns the targets", "controller_with_targets_by_terraform",
         {**_controller(enabled=True), **_nlb(register_targets_with_terraform=True)},
         ("controller",), TOP, "set nlb.register_targets_with_terraform = false",
         tf_only=ARTIFACT),
], "rotation": [
    ok("rotation with rsfleet owning targets", "rotation_enabled",
       _rotation(enabled=True, min_in_rotation=1, max_in_rotation=2,
                 target_sessions_per_consumer=50, scale_in_after_seconds=600)),
    ok("rotation with rsfleet owning targets", "rotation_disabled_with_terraform_targets",
       _rotation(enabled=False, min_in_rotation=2)),
    bad("rotation with rsfleet owning targets", "rotation_with_terraform_targets",
        {"rotation": {"enabled": True}}, "rotation", TOP,
        "needs nlb.register_targets_with_terraform = false"),
    ok("rotation.min_in_rotation", "rotation_min_1", _rotation(min_in_rotation=1)),
    bad("rotation.min_in_rotation", "rotation_min_0", _rotation(min_in_rotation=0), "rotation",
        "rotation.min_in_rotation", "greater than or equal to 1"),
    bad("rotation.min_in_rotation", "rotation_min_not_whole", _rotation(min_in_rotation=1.5),
        "rotation", "rotation.min_in_rotation", "integer"),
    ok("rotation.max_in_rotation", "rotation_max_null", _rotation(max_in_rotation=None)),
    ok("rotation.max_in_rotation", "rotation_max_equal_to_min",
       _rotation(min_in_rotation=2, max_in_rotation=2)),
    bad("rotation.max_in_rotation", "rotation_max_below_min",
        _rotation(min_in_rotation=2, max_in_rotation=1), "rotation", "rotation",
        "max must be >= min"),
    bad("rotation.max_in_rotation", "rotation_max_not_whole", _rotation(max_in_rotation=1.5),
        "rotation", "rotation.max_in_rotation", "integer"),
    ok("rotation within the consumers behind the NLB", "rotation_min_all_behind_nlb",
       _rotation(min_in_rotation=2)),
    bad("rotation within the consumers behind the NLB", "rotation_min_above_behind_nlb",
        _rotation(min_in_rotation=3), "rotation", TOP,
        "more than the 2 consumer(s) with behind_nlb = true"),
    bad("rotation within the consumers behind the NLB", "rotation_max_above_behind_nlb",
        {**_consumer(behind_nlb=False), **_rotation(max_in_rotation=2)}, "rotation", TOP,
        "max_in_rotation 2 is more than the 1 consumer(s)"),
    ok("rotation.target_sessions_per_consumer", "rotation_target_bounds",
       _rotation(target_sessions_per_consumer=1)),
    ok("rotation.target_sessions_per_consumer", "rotation_target_10000",
       _rotation(target_sessions_per_consumer=10000)),
    bad("rotation.target_sessions_per_consumer", "rotation_target_0",
        _rotation(target_sessions_per_consumer=0), "rotation",
        "rotation.target_sessions_per_consumer", "greater than or equal to 1"),
    bad("rotation.target_sessions_per_consumer", "rotation_target_10001",
        _rotation(target_sessions_per_consumer=10001), "rotation",
        "rotation.target_sessions_per_consumer", "10000"),
    ok("rotation.scale_in_after_seconds", "rotation_scale_in_bounds",
       _rotation(scale_in_after_seconds=0)),
    ok("rotation.scale_in_after_seconds", "rotation_scale_in_a_day",
       _rotation(scale_in_after_seconds=86400)),
    bad("rotation.scale_in_after_seconds", "rotation_scale_in_negative",
        _rotation(scale_in_after_seconds=-1), "rotation", "rotation.scale_in_after_seconds",
        "greater than or equal to 0"),
    bad("rotation.scale_in_after_seconds", "rotation_scale_in_above_a_day",
        _rotation(scale_in_after_seconds=86401), "rotation", "rotation.scale_in_after_seconds",
        "86400"),
    bad("rotation.scale_in_after_seconds", "rotation_scale_in_not_whole",
        _rotation(scale_in_after_seconds=1.5), "rotation", "rotation.scale_in_after_seconds",
        "integer"),
], "backup": [
    ok("backup.schedule", "backup_defaults", _backup()),
    ok("backup.schedule", "backup_rate_1_day", _backup(schedule="rate(1 day)")),
    ok("backup.schedule", "backup_cron", _backup(schedule="cron(15 0/6 * * ? *)")),
    bad("backup.schedule", "backup_rate_5_hours", _backup(schedule="rate(5 hours)"), "producer",
        "producer.backup.schedule", "rate(N hours)"),
    bad("backup.schedule", "backup_schedule_not_rate_or_cron",
        _backup(schedule="every 12 hours"), "producer", "producer.backup.schedule",
        "neither rate"),
    bad("backup.schedule", "backup_cron_5_fields", _backup(schedule="cron(0 0 * * ?)"),
        "producer", "producer.backup.schedule", "6 fields"),
    bad("backup.schedule", "backup_cron_two_question_marks",
        _backup(schedule="cron(0 0 ? * ? *)"), "producer", "producer.backup.schedule",
        "exactly one"),
    bad("backup.schedule", "backup_cron_minute_60", _backup(schedule="cron(60 0 * * ? *)"),
        "producer", "producer.backup.schedule", "0-59"),
    ok("backup retention", "backup_retention_bounds",
       _backup(retention_days=3653, copy={"region": "us-west-2", "retention_days": 1})),
    bad("backup retention", "backup_retention_0", _backup(retention_days=0), "producer",
        "producer.backup.retention_days", "greater than or equal to 1"),
    bad("backup retention", "backup_retention_3654", _backup(retention_days=3654), "producer",
        "producer.backup.retention_days", "3653"),
    bad("backup retention", "backup_copy_retention_0",
        _backup(copy={"region": "us-west-2", "retention_days": 0}), "producer",
        "producer.backup.copy.retention_days", "greater than or equal to 1"),
    ok("backup ARNs and regions", "backup_role_and_copy",
       _backup(role_arn=ROLE, copy={"region": "eu-west-1", "kms_key_id": "alias/rsfleet"})),
    bad("backup ARNs and regions", "backup_bad_role_arn", _backup(role_arn="rsfleet-snapshots"),
        "producer", "producer.backup.role_arn", "IAM role ARN"),
    bad("backup ARNs and regions", "backup_bad_copy_region", _backup(copy={"region": "uswest2"}),
        "producer", "producer.backup.copy.region", "region"),
    bad("backup ARNs and regions", "backup_bad_kms_key",
        _backup(copy={"region": "us-west-2", "kms_key_id": "my key"}), "producer",
        "producer.backup.copy.kms_key_id", "KMS key"),
], "tags": [
    ok("tag count", "forty_five_tags_are_fine", _tags({f"k{i}": "v" for i in range(45)})),
    bad("tag count", "too_many_tags", _tags({f"k{i}": "v" for i in range(46)}), "tags", "tags",
        "46 tags"),
    ok("tag lengths", "tag_key_128_value_256", _tags({"k" * 128: "v" * 256})),
    bad("tag lengths", "tag_key_too_long", _tags({"k" * 129: "v"}), "tags", "tags", "1-128"),
    bad("tag lengths", "tag_value_too_long", _tags({"team": "v" * 257}), "tags", "tags", "256"),
    bad("tag lengths", "tag_key_empty", _tags({"": "v"}), "tags", "tags", "1-128"),
    ok("tag aws: prefix", "tag_with_aws_inside", _tags({"team": "my-aws:x"})),
    bad("tag aws: prefix", "tag_aws_prefix", _tags({"aws:owner": "me"}), "tags", "tags",
        "aws: prefix"),
    bad("tag aws: prefix", "tag_value_aws_prefix", _tags({"owner": "AWS:me"}), "tags", "tags",
        "aws: prefix"),
]}
CASES: list[Case] = [case for cases in SECTIONS.values() for case in cases]


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


RUNS_PER_FILE = 12  # a few seconds each: a file stays well inside the tests' 300 s timeout


def generated() -> dict[Path, str]:
    """Each generated file and its text: a section's cases, RUNS_PER_FILE at a time."""
    out = {}
    for section, cases in SECTIONS.items():
        for i in range(0, len(cases), RUNS_PER_FILE):
            name = section if i == 0 else f"{section}_{i // RUNS_PER_FILE + 1}"
            out[TESTS_DIR / GENERATED_GLOB.replace("*", name)] = tftest_text(
                cases[i:i + RUNS_PER_FILE])
    return out


def tftest_text(cases: list[Case]) -> str:
    lines = [
        "# GENERATED from tests/spec/rule_cases.py (python -m tests.spec.rule_cases): do not edit.",
        "# The same cases drive the pydantic tests (tests/spec/test_rule_cases.py); each is",
        "# accepted, or rejected by the variable validations, offline with a mocked provider.",
        "",
        'mock_provider "aws" {',
        '  source = "./tests/mocks"',
        "}",
        "",
        "variables {",
        *_assignments(BASE, "  "),
        "}",
    ]
    for case in cases:
        lines += ["", f"# {case.rule}: {'valid' if case.valid else 'rejected'}",
                  f'run "{case.name}" {{', "  command = plan", "  variables {",
                  *_assignments({**case.set, **dict(case.tf_only)}, "    "), "  }"]
        if not case.valid:
            lines.append(f"  expect_failures = [{', '.join(f'var.{v}' for v in case.tf_fails)}]")
        lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    for stale in TESTS_DIR.glob(GENERATED_GLOB):
        stale.unlink()
    for path, text in generated().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
