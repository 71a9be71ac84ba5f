"""`rsfleet --backend aws share plan|apply|verify|sql` end to end through the CLI, with the
Redshift Data API client stubbed by botocore's Stubber (every call and its order checked)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from rsfleet.cli import app

from .test_redshift_executor import C1, C2, OUTPUTS, PROD, expect_query, expect_statement

runner = CliRunner()

SPEC = """
environment = "qa"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = 8 }
  c2 = { base_capacity = 8 }
}
datashares  = { sales_share = { schemas = ["sales"], consumer_database = "sales_db" } }
"""
PRODUCER = "rsfleet-qa-producer"
OBJECTS = ("SELECT share_name, object_type, object_name, include_new FROM svv_datashare_objects "
           "WHERE share_type = 'OUTBOUND';")
INBOUND = ("SELECT share_name, consumer_database, producer_namespace FROM svv_datashares "
           "WHERE share_type = 'INBOUND';")


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    c = boto3.client("redshift-data", region_name="us-east-1")
    real = boto3.client

    def fake_client(service, *args, **kwargs):
        assert service == "redshift-data"
        return c

    monkeypatch.setattr(boto3, "client", fake_client)
    with Stubber(c) as stub:
        c.stub = stub  # type: ignore[attr-defined]
        yield c
        stub.assert_no_pending_responses()
    monkeypatch.setattr(boto3, "client", real)


@pytest.fixture
def files(tmp_path):
    spec = tmp_path / "qa.tfvars"
    spec.write_text(SPEC, encoding="utf-8")
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({k: {"value": v} for k, v in OUTPUTS.items()}),
                       encoding="utf-8")
    return ["--spec", str(spec), "--tf-outputs", str(outputs)]


def observe(client, *, converged: bool) -> None:
    share = [["sales_share"]] if converged else []
    expect_query(client, "SELECT share_name FROM svv_datashares WHERE share_type = 'OUTBOUND';",
                 PRODUCER, "o1", ["share_name"], share)
    objects = [["sales_share", "schema", "sales", True], ["sales_share", "table",
                                                          "sales.orders", False]]
    expect_query(client, OBJECTS, PRODUCER, "o2",
                 ["share_name", "object_type", "object_name", "include_new"],
                 objects if converged else [])
    expect_query(client, "SELECT share_name, consumer_namespace FROM svv_datashare_consumers;",
                 PRODUCER, "o3", ["share_name", "consumer_namespace"],
                 [["sales_share", C1], ["sales_share", C2]] if converged else [])
    for i, wg in enumerate(("rsfleet-qa-c1", "rsfleet-qa-c2")):
        expect_query(client, INBOUND, wg, f"o4{i}",
                     ["share_name", "consumer_database", "producer_namespace"],
                     [["sales_share", "sales_db", PROD]] if converged else [])


FRESH = [
    ('CREATE DATASHARE "sales_share";', PRODUCER),
    ('ALTER DATASHARE "sales_share" ADD SCHEMA "sales";', PRODUCER),
    ('ALTER DATASHARE "sales_share" ADD ALL TABLES IN SCHEMA "sales";', PRODUCER),
    ('ALTER DATASHARE "sales_share" SET INCLUDENEW = TRUE FOR SCHEMA "sales";', PRODUCER),
    (f"GRANT USAGE ON DATASHARE \"sales_share\" TO NAMESPACE '{C1}';", PRODUCER),
    (f"GRANT USAGE ON DATASHARE \"sales_share\" TO NAMESPACE '{C2}';", PRODUCER),
    (f"CREATE DATABASE \"sales_db\" FROM DATASHARE \"sales_share\" OF NAMESPACE '{PROD}';",
     "rsfleet-qa-c1"),
    (f"CREATE DATABASE \"sales_db\" FROM DATASHARE \"sales_share\" OF NAMESPACE '{PROD}';",
     "rsfleet-qa-c2"),
]


def test_apply_then_apply_again_does_nothing(client, files):
    observe(client, converged=False)
    for i, (sql, wg) in enumerate(FRESH):
        expect_statement(client, sql, wg, f"s{i}")
    result = runner.invoke(app, ["--backend", "aws", "share", "apply", *files])
    assert result.exit_code == 0, result.output
    assert "applied 8 statement(s)" in result.output
    observe(client, converged=True)  # the second run only looks
    result = runner.invoke(app, ["--backend", "aws", "share", "apply", *files])
    assert result.exit_code == 0, result.output
    assert "nothing to do" in result.output


def test_plan_json_names_target_and_workgroup(client, files):
    observe(client, converged=False)
    result = runner.invoke(app, ["--backend", "aws", "share", "plan", "--json", *files])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [(s["sql"], s["workgroup"]) for s in doc["steps"]] == FRESH
    assert doc["steps"][-1]["target"] == "consumer c2"
    assert doc["changes"] is True and doc["would_prune"] == []


def test_failed_statement_stops_apply_with_one_actionable_line(client, files):
    observe(client, converged=False)
    expect_statement(client, FRESH[0][0], PRODUCER, "s0", statuses=("FAILED",),
                     error='ERROR: permission denied for database "dev"')
    result = runner.invoke(app, ["--backend", "aws", "share", "apply", *files])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    line = [x for x in result.output.splitlines() if "error:" in x]
    assert len(line) == 1
    assert PRODUCER in line[0] and "CREATE DATASHARE" in line[0]
    assert "admin_secret_arn" in line[0]


def test_verify_names_what_a_consumer_cannot_read(client, files):
    tables = ("SELECT schema_name, table_name FROM svv_redshift_tables "
              "WHERE database_name = 'sales_db';")
    expect_query(client, tables, "rsfleet-qa-c1", "v1", ["schema_name", "table_name"],
                 [["sales", "orders"]])
    expect_statement(client, 'SELECT 1 FROM "sales_db"."sales"."orders" LIMIT 1;',
                     "rsfleet-qa-c1", "v2")
    expect_query(client, tables, "rsfleet-qa-c2", "v3", ["schema_name", "table_name"], [])
    result = runner.invoke(app, ["--backend", "aws", "share", "verify", "--json", *files])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["ok"] is False
    assert doc["problems"] == ["consumer c2: sales_db.sales has no tables "
                               "(share sales_share not mounted or schema empty)"]


def test_sql_takes_namespace_ids_from_outputs_or_marks_placeholders(files, tmp_path):
    with_ids = runner.invoke(app, ["share", "sql", *files])
    assert with_ids.exit_code == 0, with_ids.output
    assert f"OF NAMESPACE '{PROD}';" in with_ids.stdout and "<" not in with_ids.stdout
    bare = runner.invoke(app, ["share", "sql", "--spec", files[1]])
    assert bare.exit_code == 0
    assert "'<producer namespace id>'" in bare.stdout
    assert "'<namespace id of c2>'" in bare.stdout
    assert "placeholders" in bare.stderr
    bad = runner.invoke(app, ["share", "sql", "--spec", files[1], "--producer-namespace-id",
                              "x'; DROP DATASHARE sales_share; --"])
    assert bad.exit_code == 2
    assert "GUID" in bad.output and "Traceback" not in bad.output


def test_outputs_is_still_accepted_as_the_old_name_of_tf_outputs(files):
    assert files[2] == "--tf-outputs"
    new = runner.invoke(app, ["share", "sql", *files])
    old = runner.invoke(app, ["share", "sql", "--spec", files[1], "--outputs", files[3]])
    assert new.exit_code == old.exit_code == 0, old.output
    assert f"OF NAMESPACE '{PROD}';" in old.stdout and old.stdout == new.stdout
    # --tf-outputs is the documented name; the old one is marked as such.
    doc = runner.invoke(app, ["share", "sql", "--help"], env={"COLUMNS": "200"}).stdout
    assert "--tf-outputs" in doc and "deprecated old name" in doc


def test_one_sync_for_the_redshift_backend(client, files, tmp_path):
    """The backend protocol directly: dry sync runs nothing (the Stubber has only the
    observation), sync runs the plan's statements in order."""
    from rsfleet.fleet.outputs import FleetOutputs
    from rsfleet.sharing.service import RedshiftShares
    from rsfleet.sharing.sync import ShareBackend, sync
    from rsfleet.spec import load_spec

    spec = load_spec(tmp_path / "qa.tfvars")
    backend: ShareBackend = RedshiftShares(spec, FleetOutputs.from_file(tmp_path / "outputs.json"))
    observe(client, converged=False)
    the_plan = backend.plan(prune=False)
    shown: list[str] = []
    dry = sync(the_plan, backend, dry_run=True, on_step=lambda s: shown.append(s.where))
    assert (dry.dry_run, dry.exit_code) == (True, 0)
    assert shown == [wg for _, wg in FRESH]
    client.stub.assert_no_pending_responses()  # the dry run called nothing
    for i, (sql, wg) in enumerate(FRESH):
        expect_statement(client, sql, wg, f"s{i}")
    done = sync(the_plan, backend, dry_run=False)
    assert [s.statement for s in done.done] == [sql for sql, _ in FRESH]


def test_detailed_exitcode_tells_a_script_whether_changes_are_pending(client, files):
    """As `terraform plan -detailed-exitcode`, with 3 (rsfleet's 2 is bad input)."""
    observe(client, converged=False)
    pending = runner.invoke(app, ["--backend", "aws", "share", "plan", "--detailed-exitcode",
                                  *files])
    assert pending.exit_code == 3, pending.output
    assert "CREATE DATASHARE" in pending.stdout
    observe(client, converged=False)  # a dry run observes and runs no statement
    dry = runner.invoke(app, ["--backend", "aws", "share", "apply", "--dry-run",
                              "--detailed-exitcode", *files])
    assert dry.exit_code == 3, dry.output
    assert "would apply 8 statement(s)" in dry.output
    observe(client, converged=True)
    clean = runner.invoke(app, ["--backend", "aws", "share", "plan", "--detailed-exitcode",
                                "--json", *files])
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.stdout)["changes"] is False
    observe(client, converged=False)
    plain = runner.invoke(app, ["--backend", "aws", "share", "plan", *files])
    assert plain.exit_code == 0, plain.output  # without the flag: 0 as before
    real = runner.invoke(app, ["--backend", "aws", "share", "apply", "--detailed-exitcode",
                               *files])
    assert real.exit_code == 2 and "only with --dry-run" in real.output  # before any call
