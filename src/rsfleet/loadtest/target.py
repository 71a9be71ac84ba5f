"""Where the load test connects: the local fleet's HAProxy or the NLB from Terraform outputs.

`--host/--port/--user/--database` override what the fleet says. The password comes from
(first match): `--password-secret-arn` (Secrets Manager), `PGPASSWORD`, the local state
dir (`LocalFleet.password(role)`). Passwords go to psycopg as a keyword argument, never
into argv, logs or results.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rsfleet.adapters.secretsmanager import read_secret
from rsfleet.errors import FleetError, UsageError
from rsfleet.fleet import KillableFleet
from rsfleet.fleet.outputs import FleetOutputs, NlbOutputs, WorkgroupOutputs
from rsfleet.loadtest.faults import Injector, aws_injector, local_injector
from rsfleet.loadtest.queries import shared_objects
from rsfleet.loadtest.runner import LOCAL_IDENTIFY_SQL, REDSHIFT_IDENTIFY_SQL, Endpoint

if TYPE_CHECKING:  # types only, nothing imported at run time
    from collections.abc import Callable

    from rsfleet.spec.models import FleetSpec

DEFAULT_ROLE = "app_reader"


@dataclass
class Overrides:
    host: str | None = None
    port: int | None = None
    user: str | None = None
    database: str | None = None
    password_secret_arn: str | None = None
    sslmode: str | None = None
    connect_timeout: int = 5


@dataclass
class Resolved:
    endpoint: Endpoint
    database: str  # database the mix reads (local: connected to; aws: three-part prefix)
    schemas: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    injector: Injector | None = None
    fleet: KillableFleet | None = None
    outputs: FleetOutputs = field(default_factory=FleetOutputs)
    # consumer -> (base, max) capacity from the spec: the run's Serverless bill is priced at it
    capacities: dict[str, tuple[int, int | None]] = field(default_factory=dict)


def capacities_of(spec: Any) -> dict[str, tuple[int, int | None]]:
    """Each consumer's (base capacity, max capacity) in RPU, from the spec."""
    if spec is None:
        return {}
    return {n: (c.base_capacity, c.effective_max_capacity) for n, c in spec.consumers.items()}


def _password(ov: Overrides, fallback: str | Callable[[], str] | None
              ) -> tuple[str | None, str | None]:
    if ov.password_secret_arn:
        # The secret is read in its own ARN's region, wherever the fleet is.
        return read_secret(ov.password_secret_arn, option_name="--password-secret-arn")
    if os.environ.get("PGPASSWORD"):
        return None, os.environ["PGPASSWORD"]
    return None, fallback() if callable(fallback) else fallback


def resolve_local(fleet: KillableFleet, ov: Overrides) -> Resolved:
    """The local fleet's LB, its reader role and its consumers; the command layer opens the
    fleet (loadtest never imports rsfleet.local: .importlinter)."""
    spec = fleet.spec
    database, schemas, tables = shared_objects(spec, ov.database)
    database = ov.database or database
    user = ov.user or DEFAULT_ROLE
    kwargs = dict(fleet.connect_kwargs("lb", role=DEFAULT_ROLE, dbname=database))
    secret_user, password = _password(
        ov, (lambda: fleet.password(user)) if not ov.password_secret_arn else None)
    kwargs.update(user=secret_user or user, password=password)
    if ov.host:
        kwargs["host"] = ov.host
    if ov.port:
        kwargs["port"] = ov.port
    if ov.sslmode:
        kwargs["sslmode"] = ov.sslmode
    kwargs.setdefault("connect_timeout", ov.connect_timeout)
    behind = {n for n, c in spec.consumers.items() if c.behind_nlb}
    consumers = [n for n in fleet.consumers if n in behind] or sorted(behind)
    endpoint = Endpoint(backend="local", kwargs=kwargs, consumers=consumers,
                        identify_sql=LOCAL_IDENTIFY_SQL)
    return Resolved(endpoint=endpoint, database=database, schemas=schemas, tables=tables,
                    injector=local_injector(fleet), fleet=fleet, capacities=capacities_of(spec))


def resolve_direct(ov: Overrides, spec: FleetSpec | None) -> Resolved:
    """Only --host/--port/...: no fleet state. Consumers are learnt from the sessions."""
    if not (ov.host and ov.user and ov.database):
        raise UsageError("no local fleet state and not enough connection options",
                         hint="start it with `rsfleet local up`, or pass --host, --port, "
                         "--user and --database (password in PGPASSWORD)")
    _, password = _password(ov, None)
    kwargs: dict[str, Any] = {"host": ov.host, "port": ov.port or 5439, "user": ov.user,
                              "dbname": ov.database, "connect_timeout": ov.connect_timeout}
    if password:
        kwargs["password"] = password
    if ov.sslmode:
        kwargs["sslmode"] = ov.sslmode
    schemas: list[str] = []
    tables: list[str] = []
    if spec is not None and getattr(spec, "datashares", None):
        _, schemas, tables = shared_objects(spec, ov.database)
    consumers = sorted(n for n, c in spec.consumers.items() if c.behind_nlb) if spec else []
    return Resolved(endpoint=Endpoint(backend="local", kwargs=kwargs, consumers=consumers),
                    database=ov.database, schemas=schemas, tables=tables,
                    capacities=capacities_of(spec))


def resolve_aws(spec: FleetSpec, outputs: FleetOutputs, ov: Overrides) -> Resolved:
    """The NLB from Terraform outputs (CONTRACTS.md §3); consumers mapped by namespace id."""
    nlb = outputs.nlb or NlbOutputs()
    if not (ov.host or nlb.dns_name):
        raise FleetError("the Terraform outputs have no nlb.dns_name",
                         hint="run `rsfleet apply --env ENV`, or pass --host")
    shared_db, schemas, tables = shared_objects(spec, None)
    producer = outputs.producer or WorkgroupOutputs()
    database = ov.database or producer.database_name or spec.producer.database_name
    secret_user, password = _password(ov, None)
    user = ov.user or secret_user
    if not user or not password:
        raise UsageError("no credentials for the Redshift consumers",
                         hint="pass --password-secret-arn ARN, or --user and PGPASSWORD")
    kwargs: dict[str, Any] = {
        "host": ov.host or nlb.dns_name,
        "port": ov.port or int(nlb.port or spec.nlb.port),
        "user": user, "password": password, "dbname": database,
        # The NLB's DNS name is not in the workgroup certificate: encrypt, do not verify the
        # name (verify-full needs a custom domain, see docs/loadtest.md).
        "sslmode": ov.sslmode or "require",
        "connect_timeout": ov.connect_timeout,
    }
    ns_map = {str(c.namespace_id): name for name, c in outputs.consumers.items()
              if c.namespace_id}
    behind = [n for n, c in spec.consumers.items() if c.behind_nlb]
    endpoint = Endpoint(backend="aws", kwargs=kwargs, consumers=behind,
                        identify_sql=REDSHIFT_IDENTIFY_SQL, namespace_map=ns_map)
    return Resolved(endpoint=endpoint, database=shared_db, schemas=schemas, tables=tables,
                    injector=aws_injector(spec, outputs), outputs=outputs,
                    capacities=capacities_of(spec))
