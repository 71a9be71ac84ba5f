"""producer.backup in the spec: every rule, one line per problem (exit 2)."""

from __future__ import annotations

import textwrap

import pytest

from rsfleet.errors import SpecError
from rsfleet.spec import load_spec
from rsfleet.spec.schedule import interval_seconds, to_cron

BASE = """
environment = "dev"
producer = {{
  base_capacity = 8
  backup = {{ {backup} }}
}}
consumers = {{ c1 = {{ base_capacity = 8 }} }}
"""


def load(tmp_path, backup: str):
    path = tmp_path / "terraform.tfvars"
    path.write_text(textwrap.dedent(BASE.format(backup=backup)), encoding="utf-8")
    return load_spec(path)


def test_a_full_policy_loads(tmp_path):
    spec = load(tmp_path, 'schedule = "cron(30 2 * * ? *)", retention_days = 35, '
                'role_arn = "arn:aws:iam::123456789012:role/sched", copy = { region = '
                '"us-west-2", retention_days = 7, kms_key_id = "alias/backup" }')
    b = spec.producer.backup
    assert b.schedule == "cron(30 2 * * ? *)" and b.retention_days == 35
    assert b.copy_to.region == "us-west-2" and b.copy_to.kms_key_id == "alias/backup"


def test_defaults(tmp_path):
    b = load(tmp_path, "").producer.backup
    assert (b.schedule, b.retention_days, b.role_arn, b.copy_to) == ("rate(12 hours)", 7,
                                                                     None, None)


@pytest.mark.parametrize(("backup", "fragment"), [
    ('schedule = "every hour"', "neither rate(...) nor cron(...)"),
    ('schedule = "rate(5 hours)"', "rate(N hours) with N in"),
    ('schedule = "rate(30 minutes)"', "neither rate(...) nor cron(...)"),
    ('schedule = "cron(*/5 * * * ? *)"', "Minutes field"),
    ('schedule = "cron(0 1 * * *)"', "6 fields"),
    ('schedule = "cron(0 1 * * MON *)"', "exactly one of Day-of-month and Day-of-week"),
    ("retention_days = 0", "greater than or equal to 1"),
    ("retention_days = 4000", "less than or equal to 3653"),
    ('role_arn = "my-role"', "not an IAM role ARN"),
    ('copy = { region = "mars" }', "not an AWS region name"),
    ('copy = { region = "us-west-2", kms_key_id = "k; drop" }', "not a KMS key"),
    ('copy = { region = "us-west-2", retention_days = 0 }', "greater than or equal to 1"),
    ('frequency = "daily"', "unknown key"),
])
def test_bad_backup_policy_is_one_line(tmp_path, backup, fragment):
    with pytest.raises(SpecError) as info:
        load(tmp_path, backup)
    assert info.value.exit_code == 2
    assert all("\n" not in p for p in info.value.problems)
    assert any("producer.backup" in p and fragment in p for p in info.value.problems), \
        info.value.problems


@pytest.mark.parametrize(("expr", "cron", "seconds"), [
    ("rate(1 hour)", "cron(0 0/1 * * ? *)", 3600),
    ("rate(6 hours)", "cron(0 0/6 * * ? *)", 21600),
    ("rate(24 hours)", "cron(0 0 * * ? *)", 86400),
    ("rate(1 day)", "cron(0 0 * * ? *)", 86400),
    ("rate(7 days)", "cron(0 0 ? * SUN *)", 604800),
    ("cron(15 */3 * * ? *)", "cron(15 */3 * * ? *)", None),
])
def test_rates_become_scheduler_crons(expr, cron, seconds):
    assert to_cron(expr) == cron
    assert interval_seconds(expr) == seconds


def test_restore_at_a_future_time_is_one_line_exit_2(tmp_path):
    from typer.testing import CliRunner

    from rsfleet.cli import app

    result = CliRunner().invoke(app, ["backup", "restore", "--state-dir", str(tmp_path),
                                      "--at", "2999-01-01T00:00:00Z", "--to", "scratch"])
    assert result.exit_code == 2
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "in the future" in lines[0], result.output
    result = CliRunner().invoke(app, ["backup", "restore", "--state-dir", str(tmp_path),
                                      "--at", "yesterday", "--to", "scratch"])
    assert result.exit_code == 2 and "not a time" in result.output
