"""The service layer of `rsfleet share`: load what a backend needs (outputs, the Data API),
the Redshift ShareBackend, and the SQL for a fresh fleet."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rsfleet.errors import UsageError
from rsfleet.fleet.outputs import FleetOutputs
from rsfleet.sharing import planner as p
from rsfleet.sharing.model import Problem, desired_from_spec
from rsfleet.sharing.sql import render, render_fresh_fleet_sql
from rsfleet.sharing.sync import SharePlan
from rsfleet.spec.models import FleetSpec

if TYPE_CHECKING:
    from mypy_boto3_redshift_serverless import RedshiftServerlessClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

    from rsfleet.adapters.redshift_data import DataApi, Target
    from rsfleet.sharing.probe_login import ProbeStep, SecretState
    from rsfleet.sharing.redshift import RedshiftFleet
    from rsfleet.sharing.sync import ShareStep


def _terraform_initialised(spec_path: Path, env: str) -> bool:
    """This environment's Terraform has been initialised on this machine (so `terraform
    output` can answer rather than fail)."""
    from rsfleet.adapters.terraform import project_of_spec

    project = project_of_spec(spec_path, env)
    return project is not None and (project.root / ".terraform").is_dir()


def fleet_outputs(spec_path: Path, spec: FleetSpec, outputs_file: Path | None,
                  *, serverless_client: RedshiftServerlessClient | None = None
                  ) -> FleetOutputs:
    """Where the AWS fleet is: --tf-outputs FILE; else `terraform output -json` when this
    environment's Terraform is initialised here; else the redshift-serverless API (the
    workgroups' names follow docs/CONTRACTS.md §2)."""
    from rsfleet.adapters.terraform import outputs_for_spec

    if outputs_file is not None or _terraform_initialised(spec_path, spec.environment):
        return FleetOutputs.of(outputs_for_spec(spec_path, spec.environment, outputs_file))
    if serverless_client is None:
        from rsfleet.adapters import redshift_serverless as rss

        serverless_client = rss.client(spec.aws_region)
    return FleetOutputs.from_api(spec, serverless_client)


def _aws_fleet(spec: FleetSpec, outputs: FleetOutputs | Mapping[str, Any]) -> RedshiftFleet:
    from rsfleet.sharing import redshift

    fleet = redshift.fleet_from_outputs(outputs, database=spec.producer.database_name)
    missing = sorted(set(spec.consumers) - set(fleet.consumers))
    if missing:
        raise UsageError(f"consumer(s) {', '.join(missing)} of the spec are not in the fleet's "
                         "outputs", hint=f"run `rsfleet apply --env {spec.environment}` first")
    return fleet


def known_namespace_ids(
    spec_path: Path, spec: FleetSpec, outputs_file: Path | None, *, want: bool
) -> tuple[str | None, dict[str, str], str | None]:
    """Namespace GUIDs for `share sql`: (producer, {consumer: id}, where they came from).

    From --tf-outputs FILE when given; else, when some are wanted and this environment's
    Terraform has been initialised, from `terraform output -json`; else none (the SQL then
    carries placeholders). Terraform failing here is not an error: placeholders are.
    """
    from rsfleet.errors import RsfleetError

    data: dict[str, Any] | None = None
    source = None
    if outputs_file is not None:
        from rsfleet.adapters.terraform import read_outputs_file

        data, source = read_outputs_file(outputs_file), str(outputs_file)
    elif want and _terraform_initialised(spec_path, spec.environment):
        from rsfleet.adapters.terraform import outputs_for_spec

        try:
            data = outputs_for_spec(spec_path, spec.environment, None)
            source = "terraform output"
        except RsfleetError:
            data = None
    if not data:
        return None, {}, None
    doc = FleetOutputs.of(data)
    producer = doc.producer.namespace_id if doc.producer else None
    consumers = {name: c.namespace_id for name, c in doc.consumers.items()
                 if c.namespace_id and name in spec.consumers}
    if not producer and not consumers:
        return None, {}, None
    return producer, consumers, source


def fresh_sql(
    spec: FleetSpec, producer_id: str | None, consumer_ids: dict[str, str]
) -> tuple[str, bool]:
    """The fresh-fleet SQL and whether placeholders stand in for namespace ids not given."""
    fakes: dict[str, str] = {}
    if producer_id is None:
        producer_id = str(uuid.uuid4())
        fakes[producer_id] = "<producer namespace id>"
    ids = dict(consumer_ids)
    for name in spec.consumers:
        if name not in ids:
            ids[name] = str(uuid.uuid4())
            fakes[ids[name]] = f"<namespace id of {name}>"
    try:
        text = render_fresh_fleet_sql(spec, producer_id, ids)
    except ValueError as exc:
        raise UsageError(str(exc), hint="namespace ids are GUIDs such as "
                         "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d") from None
    for guid, placeholder in fakes.items():
        text = text.replace(guid, placeholder)
    return text, bool(fakes)


def parse_consumer_ids(items: list[str], spec: FleetSpec) -> dict[str, str]:
    ids: dict[str, str] = {}
    for item in items:
        name, sep, guid = item.partition("=")
        if not sep or name not in spec.consumers:
            raise UsageError(
                f"--consumer-namespace-id {item!r}: expected NAME=GUID with NAME one of "
                f"{', '.join(sorted(spec.consumers))}"
            )
        ids[name] = guid
    return ids


def aws_plan(spec: FleetSpec, outputs: FleetOutputs | Mapping[str, Any], *, prune: bool,
             api: DataApi | None = None) -> tuple[DataApi, RedshiftFleet, p.Plan, str]:
    from rsfleet.adapters.redshift_data import DataApi
    from rsfleet.sharing import redshift

    fleet = _aws_fleet(spec, outputs)
    api = api or DataApi(region=FleetOutputs.of(outputs).region(spec))
    desired = desired_from_spec(spec)
    observed = redshift.observe(api, fleet)
    the_plan = p.plan(desired, observed, prune=prune)
    text = render(the_plan.actions, producer_namespace_id=fleet.producer.namespace_id,
                  consumer_namespace_ids=fleet.consumer_namespace_ids)
    return api, fleet, the_plan, text


@dataclass(frozen=True)
class RedshiftStep:
    """One Data API statement of a plan."""

    target: str  # "producer" | "consumer c1"
    where: str  # the workgroup it runs on
    sql: str
    action: p.Action

    @property
    def statement(self) -> str:
        return self.sql

    def to_json(self) -> dict[str, str]:
        return {"target": self.target, "workgroup": self.where, "sql": self.sql}


class RedshiftShares:
    """The AWS fleet's datashares through the Redshift Data API: a ShareBackend. With a
    probe secret (output `probe_secret_arn`, or the spec's controller.probe_secret_arn),
    also the readiness probe's login on every consumer (`probe_login`), after the shares."""

    def __init__(self, spec: FleetSpec, outputs: FleetOutputs | Mapping[str, Any], *,
                 api: DataApi | None = None,
                 secrets_client: SecretsManagerClient | None = None) -> None:
        self.spec, self.outputs, self.api = spec, FleetOutputs.of(outputs), api
        self.secrets_client = secrets_client
        self._probe_password: str | None = None

    def plan(self, *, prune: bool) -> SharePlan:
        from rsfleet.sharing.sql import statement

        self.api, fleet, the_plan, text = aws_plan(self.spec, self.outputs, prune=prune,
                                                   api=self.api)
        self.fleet = fleet
        steps: list[ShareStep] = []
        for action in the_plan.actions:
            wg = (fleet.consumers[action.consumer] if isinstance(action, p.Mount | p.Unmount)
                  else fleet.producer)  # the only actions that run on a consumer
            steps.append(RedshiftStep(action.target, wg.name, statement(
                action, producer_namespace_id=fleet.producer.namespace_id,
                consumer_namespace_ids=fleet.consumer_namespace_ids), action))
        probe_steps, notes = self._probe_plan()
        steps.extend(probe_steps)
        return SharePlan(steps, text + _render_probe(probe_steps), the_plan.would_prune,
                         notes=tuple(notes))

    def _data_api(self) -> DataApi:
        """The Data API client (given, or made on first use in the outputs' region)."""
        if self.api is None:
            from rsfleet.adapters.redshift_data import DataApi

            self.api = DataApi(region=self.outputs.region(self.spec))
        return self.api

    def _probe_targets(self) -> dict[str, Target]:
        from rsfleet.adapters.redshift_data import Target

        return {n: Target(wg.name, wg.database, wg.secret_arn)
                for n, wg in self.fleet.consumers.items() if n in self.spec.consumers}

    def _probe_secret(self) -> tuple[SecretState, str | None] | None:
        """The probe secret's state and password (``probe_login.secret_state``), or None
        when neither the outputs nor the spec name one."""
        from rsfleet.adapters import secretsmanager as sm
        from rsfleet.sharing import probe_login

        spec_arn = self.spec.controller.probe_secret_arn
        arn = self.outputs.probe_secret_arn or spec_arn
        if not arn:
            return None
        if self.secrets_client is None:
            self.secrets_client = sm.new_client(arn.split(":")[3] or None)
        return probe_login.secret_state(arn, self.secrets_client, spec_arn=spec_arn)

    def _probe_plan(self) -> tuple[list[ProbeStep], list[str]]:
        """The probe login's steps (docs/targets.md "The probe login"); none without a
        probe secret."""
        from rsfleet.sharing import probe_login

        secret = self._probe_secret()
        if secret is None:
            if self.spec.controller.enabled:
                return [], ["the controller is enabled but the outputs name no "
                            "probe_secret_arn (outputs from the API, or from before it "
                            "existed): the probe login was not checked; pass --tf-outputs "
                            "FILE saved with `terraform output -json` after `rsfleet apply`"]
            return [], []
        state, password = secret
        workgroups = {n: wg.name for n, wg in self.fleet.consumers.items()}
        desired = probe_login.desired_databases(self.spec)
        if state.has_value and password is None:  # another user's login: not observed
            return probe_login.plan(state, desired, {}, workgroups)
        if not state.has_value:
            # checked before anything is observed; generated only in memory
            probe_login.check_writable(state)
            password = probe_login.new_password()
        self._probe_password = password
        observed = probe_login.observe(self._data_api(), self._probe_targets())
        return probe_login.plan(state, desired, observed, workgroups)

    def execute(self, plan: SharePlan, *, prune: bool,
                on_step: Callable[[ShareStep], None] | None) -> list[ShareStep]:
        from rsfleet.sharing import probe_login, redshift

        steps = [s for s in plan.steps if isinstance(s, RedshiftStep)]
        shown = iter(steps)
        redshift.apply(self._data_api(), self.fleet, tuple(s.action for s in steps),
                       on_statement=lambda _wg, _sql: on_step(next(shown)) if on_step else None)
        probe = [s for s in plan.steps if isinstance(s, probe_login.ProbeStep)]
        done: list[ShareStep] = list(steps)
        if probe:
            # both set by plan() when it planned probe steps
            assert self._probe_password is not None and self.secrets_client is not None
            done += probe_login.run(probe, api=self._data_api(), targets=self._probe_targets(),
                                    password=self._probe_password,
                                    secrets_client=self.secrets_client, on_step=on_step)
        return done

    def verify(self) -> list[Problem]:
        problems = aws_verify(self.spec, self.outputs, api=self.api)
        return problems + self._verify_probe_login()

    def _verify_probe_login(self) -> list[Problem]:
        """With a probe secret: log in with it on every consumer (the Data API takes any
        user's secret) and see the shared databases' tables as the probe will. Catches a
        login never created, a password changed in the secret only, a missing GRANT."""
        from rsfleet.adapters.redshift_data import StatementFailed, Target
        from rsfleet.sharing import probe_login

        secret = self._probe_secret()
        if secret is None:
            return []
        state, _password = secret
        arn = state.arn
        if not state.has_value:
            return [Problem(f"probe secret {arn} has no value yet: run `rsfleet --backend aws "
                            "share apply` (it creates the probe login)", object=arn)]
        fleet = _aws_fleet(self.spec, self.outputs)
        api = self._data_api()
        problems: list[Problem] = []
        for consumer, dbs in probe_login.desired_databases(self.spec).items():
            wg = fleet.consumers[consumer]
            target = Target(wg.name, wg.database, arn)  # logs in as the probe
            try:
                if not dbs:
                    api.execute("SELECT 1;", target)
                for db in dbs:  # db: validated identifier
                    rows = api.query("SELECT count(*) AS n FROM svv_redshift_tables "
                                          f"WHERE database_name = '{db}';", target)
                    if not rows or not int(rows[0].get("n") or 0):
                        problems.append(Problem(
                            f"consumer {consumer}: probe login {state.username} sees no "
                            f"table in {db} (no USAGE on it?): run `rsfleet --backend aws "
                            "share apply`", consumer=consumer, object=db))
            except StatementFailed as exc:
                problems.append(Problem(
                    f"consumer {consumer}: probe login {state.username} cannot query: "
                    f"{exc.error.strip()} (a password changed in the secret only? see "
                    "docs/targets.md \"The probe login\")", consumer=consumer, object=arn))
        return problems


def _render_probe(steps: list[ProbeStep]) -> str:
    """The probe login's part of `share plan`'s text (no password, no hash)."""
    if not steps:
        return ""
    lines = ["-- probe login rsfleet_probe (the readiness controller's probe)"]
    current = None
    for step in steps:
        if step.target != current:
            current = step.target
            lines.append(f"-- on {current}")
        lines.append(f"{step.statement}  -- {step.description}")
    return "\n".join(lines) + "\n"


def aws_verify(spec: FleetSpec, outputs: FleetOutputs | Mapping[str, Any], *,
               api: DataApi | None = None) -> list[Problem]:
    """Every consumer reads every shared object (cross-database SELECT ... LIMIT 1)."""
    from rsfleet.adapters.redshift_data import DataApi, StatementFailed, Target
    from rsfleet.spec.identifiers import check_identifier, quote_ident

    fleet = _aws_fleet(spec, outputs)
    api = api or DataApi(region=FleetOutputs.of(outputs).region(spec))
    problems: list[Problem] = []
    for share in desired_from_spec(spec):
        db = check_identifier(share.database)
        for consumer in share.consumers:
            wg = fleet.consumers[consumer]
            target = Target(wg.name, wg.database, wg.secret_arn)
            try:
                rows = api.query(
                    "SELECT schema_name, table_name FROM svv_redshift_tables "
                    f"WHERE database_name = '{db}';", target)  # db: validated identifier
            except StatementFailed as exc:
                problems.append(Problem(f"consumer {consumer}: database {db} not readable: "
                                        f"{exc.error}", consumer=consumer, object=db))
                continue
            present = {f"{r['schema_name'].strip()}.{r['table_name'].strip()}" for r in rows}
            wanted = set(share.tables)
            for schema in share.schemas:
                tables = {t for t in present if t.startswith(schema + ".")}
                if not tables:
                    problems.append(Problem(
                        f"consumer {consumer}: {db}.{schema} has no tables "
                        f"(share {share.name} not mounted or schema empty)",
                        consumer=consumer, object=f"{db}.{schema}"))
                wanted |= tables
            for qualified in sorted(wanted):
                if qualified not in present:
                    problems.append(Problem(f"consumer {consumer}: {db}.{qualified} missing",
                                            consumer=consumer, object=f"{db}.{qualified}"))
                    continue
                schema, table = qualified.split(".", 1)
                probe = (f"SELECT 1 FROM {quote_ident(db)}.{quote_ident(schema)}."
                         f"{quote_ident(table)} LIMIT 1;")
                try:
                    api.execute(probe, target)
                except StatementFailed as exc:
                    problems.append(Problem(f"consumer {consumer}: {db}.{qualified}: {exc.error}",
                                            consumer=consumer, object=f"{db}.{qualified}"))
    return problems
