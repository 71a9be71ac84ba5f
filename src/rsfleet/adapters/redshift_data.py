"""Redshift Data API adapter (boto3 `redshift-data`): run one statement, wait, fetch rows.

Every statement is its own `execute_statement` call: `CREATE DATABASE ... FROM DATASHARE`
cannot run inside a transaction, and one call per statement makes a failure point at
exactly one statement. Authentication is by Secrets Manager ARN (the namespace's
managed admin secret), so no password passes through rsfleet.
https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_ExecuteStatement.html
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from rsfleet.adapters import aws_errors
from rsfleet.errors import FleetError, TemporaryError

if TYPE_CHECKING:  # boto3-stubs: types only, nothing imported at run time
    from mypy_boto3_redshift_data import RedshiftDataAPIServiceClient
    from mypy_boto3_redshift_data.type_defs import FieldTypeDef

_R = TypeVar("_R")

# Redshift error text -> the fix a user needs (first match wins).
_TRANSLATIONS: tuple[tuple[str, str], ...] = (
    ("permission denied", "the secret's user lacks the privilege: use the namespace's admin "
     "secret (terraform output producer.admin_secret_arn / consumers.<name>.admin_secret_arn)"),
    ("namespace", "the namespace id is wrong or the share is not granted to it: check "
     "`rsfleet output --env ENV` and run `rsfleet --backend aws share apply` again"),
    ("already exists", "the object exists already (created outside rsfleet?): run "
     "`rsfleet --backend aws share plan` to see the observed state"),
    ("does not exist", "an object named in the spec is missing on the producer: create it "
     "or fix the spec"),
)


def translate(error: str) -> str:
    low = error.lower()
    for needle, fix in _TRANSLATIONS:
        if needle in low:
            return f"{error.strip()} — {fix}"
    return error.strip()


class StatementFailed(FleetError):
    def __init__(self, sql: str, workgroup: str, error: str) -> None:
        super().__init__(f"on {workgroup}: {sql} failed: {translate(error)}")
        self.sql = sql
        self.workgroup = workgroup
        self.error = error


@dataclass(frozen=True)
class Target:
    """Where a statement runs: a workgroup, a database and the secret to log in with."""

    workgroup: str
    database: str
    secret_arn: str


class DataApi:
    def __init__(
        self,
        client: RedshiftDataAPIServiceClient | None = None,
        *,
        region: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        poll_first: float = 0.25,
        poll_max: float = 3.0,
        timeout: float = 600.0,
        max_retries: int = 6,
    ) -> None:
        if client is None:
            import boto3

            client = boto3.client("redshift-data", region_name=region)
        self.client: RedshiftDataAPIServiceClient = client
        self.sleep = sleep
        self.poll_first = poll_first
        self.poll_max = poll_max
        self.timeout = timeout
        self.max_retries = max_retries

    def _call(self, fn: Callable[..., _R], **kwargs: Any) -> _R:
        """`fn(**kwargs)` (a method of the client), retried on throttling and 5xx."""
        from botocore.exceptions import BotoCoreError, ClientError

        delay = self.poll_first
        for attempt in range(self.max_retries + 1):
            try:
                return fn(**kwargs)
            except (BotoCoreError, ClientError) as exc:
                error = aws_errors.translate(exc, f"Redshift Data API {fn.__name__} failed")
                if not isinstance(error, TemporaryError) or attempt == self.max_retries:
                    raise error from None
                self.sleep(delay)
                delay = min(delay * 2, self.poll_max * 4)
        raise AssertionError("unreachable")  # pragma: no cover

    def execute(self, sql: str, target: Target,
                parameters: Mapping[str, str] | None = None) -> str:
        """Run one statement and wait for it; returns the statement id. `parameters`: values
        for the statement's `:name` placeholders, sent apart from the SQL
        (https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_SqlParameter.html)."""
        started = self._call(
            self.client.execute_statement,
            Sql=sql,
            WorkgroupName=target.workgroup,
            Database=target.database,
            # No secret: temporary credentials from the caller's IAM identity
            # (https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-access.html).
            **({"SecretArn": target.secret_arn} if target.secret_arn else {}),
            **({"Parameters": [{"name": k, "value": v} for k, v in parameters.items()]}
               if parameters else {}),
        )
        statement_id = started["Id"]
        waited = 0.0
        delay = self.poll_first
        while True:
            desc = self._call(self.client.describe_statement, Id=statement_id)
            status = desc.get("Status")
            if status == "FINISHED":
                return statement_id
            if status in ("FAILED", "ABORTED"):
                raise StatementFailed(sql, target.workgroup, desc.get("Error", status))
            if waited >= self.timeout:
                raise FleetError(f"on {target.workgroup}: {sql} still {status} after {waited:.0f}s")
            self.sleep(delay)
            waited += delay
            delay = min(delay * 2, self.poll_max)

    def query(self, sql: str, target: Target,
              parameters: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """Run a SELECT and return rows as {column: value} dicts."""
        statement_id = self.execute(sql, target, parameters)
        rows: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Id": statement_id}
            if token:
                kwargs["NextToken"] = token
            page = self._call(self.client.get_statement_result, **kwargs)
            names = [c["name"] for c in page.get("ColumnMetadata", [])]
            for record in page.get("Records", []):
                rows.append({n: _field_value(f) for n, f in zip(names, record, strict=False)})
            token = page.get("NextToken")
            if not token:
                return rows


def _field_value(field: FieldTypeDef) -> Any:
    if field.get("isNull"):
        return None
    for key in ("stringValue", "longValue", "doubleValue", "booleanValue", "blobValue"):
        if key in field:
            return field[key]
    return None
