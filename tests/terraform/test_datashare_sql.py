"""terraform/modules/datashare-sql applied for real (local state, offline): the `sql` output
is exactly the docs/CONTRACTS.md §4 text."""

from __future__ import annotations

import json

import pytest

from .tfharness import TERRAFORM_DIR, copy_module, explain, run_terraform, terraform_env

pytestmark = pytest.mark.terraform

PRODUCER = "0a0a0a0a-0000-4000-8000-000000000000"
IDS = {
    "c1": "11111111-1111-4111-8111-111111111111",
    "c2": "22222222-2222-4222-8222-222222222222",
    "c3": "33333333-3333-4333-8333-333333333333",
}
DATASHARES = {
    "sales_share": {
        "schemas": ["sales"],
        "tables": ["sales.orders", "finance.revenue"],
        "consumers": ["*"],
        "consumer_database": "sales_db",
    },
    "hr_share": {
        "schemas": ["hr"],
        "consumers": ["c3", "c1"],
    },
}
EXPECTED = (
    "-- on producer\n"
    'CREATE DATASHARE "hr_share";\n'
    'ALTER DATASHARE "hr_share" ADD SCHEMA "hr";\n'
    'ALTER DATASHARE "hr_share" ADD ALL TABLES IN SCHEMA "hr";\n'
    'ALTER DATASHARE "hr_share" SET INCLUDENEW = TRUE FOR SCHEMA "hr";\n'
    "GRANT USAGE ON DATASHARE \"hr_share\" TO NAMESPACE '11111111-1111-4111-8111-111111111111';\n"
    "GRANT USAGE ON DATASHARE \"hr_share\" TO NAMESPACE '33333333-3333-4333-8333-333333333333';\n"
    'CREATE DATASHARE "sales_share";\n'
    'ALTER DATASHARE "sales_share" ADD SCHEMA "sales";\n'
    'ALTER DATASHARE "sales_share" ADD ALL TABLES IN SCHEMA "sales";\n'
    'ALTER DATASHARE "sales_share" SET INCLUDENEW = TRUE FOR SCHEMA "sales";\n'
    'ALTER DATASHARE "sales_share" ADD TABLE "sales"."orders";\n'
    'ALTER DATASHARE "sales_share" ADD SCHEMA "finance";\n'
    'ALTER DATASHARE "sales_share" ADD TABLE "finance"."revenue";\n'
    "GRANT USAGE ON DATASHARE \"sales_share\" TO NAMESPACE '11111111-1111-4111-8111-111111111111';\n"
    "GRANT USAGE ON DATASHARE \"sales_share\" TO NAMESPACE '22222222-2222-4222-8222-222222222222';\n"
    "GRANT USAGE ON DATASHARE \"sales_share\" TO NAMESPACE '33333333-3333-4333-8333-333333333333';\n"
    "-- on consumer c1\n"
    'CREATE DATABASE "hr_share_db" FROM DATASHARE "hr_share" '
    "OF NAMESPACE '0a0a0a0a-0000-4000-8000-000000000000';\n"
    'CREATE DATABASE "sales_db" FROM DATASHARE "sales_share" '
    "OF NAMESPACE '0a0a0a0a-0000-4000-8000-000000000000';\n"
    "-- on consumer c2\n"
    'CREATE DATABASE "sales_db" FROM DATASHARE "sales_share" '
    "OF NAMESPACE '0a0a0a0a-0000-4000-8000-000000000000';\n"
    "-- on consumer c3\n"
    'CREATE DATABASE "hr_share_db" FROM DATASHARE "hr_share" '
    "OF NAMESPACE '0a0a0a0a-0000-4000-8000-000000000000';\n"
    'CREATE DATABASE "sales_db" FROM DATASHARE "sales_share" '
    "OF NAMESPACE '0a0a0a0a-0000-4000-8000-000000000000';\n"
)


def test_datashare_sql_module_output_is_the_contract_text(tmp_path):
    env = terraform_env(tmp_path)
    work = copy_module(TERRAFORM_DIR / "modules" / "datashare-sql", tmp_path / "module")
    (tmp_path / "vars.tfvars.json").write_text(
        json.dumps(
            {
                "datashares": DATASHARES,
                "producer_namespace_id": PRODUCER,
                "consumer_namespace_ids": IDS,
            }
        ),
        encoding="utf-8",
    )
    for args in (
        ["init", "-input=false", "-backend=false", "-no-color"],
        ["apply", "-input=false", "-auto-approve", "-no-color", f"-var-file={tmp_path / 'vars.tfvars.json'}"],
    ):
        proc = run_terraform(args, work, env)
        assert proc.returncode == 0, explain(proc)
    # A module with no resources creates nothing.
    assert "0 added, 0 changed, 0 destroyed" in proc.stdout

    out = run_terraform(["output", "-raw", "-no-color", "sql"], work, env)
    assert out.returncode == 0, explain(out)
    assert out.stdout == EXPECTED


def test_datashare_sql_module_rejects_an_unquotable_identifier(tmp_path):
    env = terraform_env(tmp_path)
    work = copy_module(TERRAFORM_DIR / "modules" / "datashare-sql", tmp_path / "module")
    bad = {"datashares": {"s": {"schemas": ['sales"; DROP TABLE x; --']}},
           "producer_namespace_id": PRODUCER, "consumer_namespace_ids": IDS}
    (tmp_path / "bad.tfvars.json").write_text(json.dumps(bad), encoding="utf-8")
    assert run_terraform(["init", "-input=false", "-backend=false", "-no-color"], work, env).returncode == 0
    proc = run_terraform(
        ["plan", "-input=false", "-no-color", f"-var-file={tmp_path / 'bad.tfvars.json'}"], work, env
    )
    assert proc.returncode != 0
    assert "must be identifiers" in proc.stderr
