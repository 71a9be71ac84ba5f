"""Execute the UpdateWorkgroup plan against the API, one call at a time, and verify.

Each step re-reads the workgroup (GetWorkgroup), waits while it is not AVAILABLE, re-plans
from what it reads (so a half-finished earlier run, or someone else's change, is taken into
account) and sends the first planned call. A call refused because the workgroup is busy is
retried with backoff until `timeout`:

- ``ConflictException`` while the workgroup is MODIFYING (terraform-provider-aws#36030's
  acceptance tests hit it between capacity calls);
- ``ValidationException`` "Wait until at least one snapshot exists and retry", which the
  API answers to a capacity change on a just-created workgroup (terraform-provider-aws#38865).

https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_UpdateWorkgroup.html
(errors: ConflictException, InsufficientCapacityException, ValidationException, ...)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rsfleet.adapters import aws_errors
from rsfleet.errors import FleetError, TemporaryError, UsageError
from rsfleet.workgroups.plan import (
    UpdateCall,
    WorkgroupSettings,
    WorkgroupState,
    plan_updates,
)

if TYPE_CHECKING:  # types only, nothing imported at run time
    from mypy_boto3_redshift_serverless import RedshiftServerlessClient

SNAPSHOT_WAIT = "wait until at least one snapshot exists"


@dataclass
class EnforceResult:
    workgroup: str
    applied: list[UpdateCall] = field(default_factory=list)
    retries: int = 0


def _error(exc: Exception) -> tuple[str, str]:
    resp = getattr(exc, "response", None) or {}
    err = resp.get("Error", {}) if isinstance(resp, dict) else {}
    return str(err.get("Code") or ""), str(err.get("Message") or "")


def is_retryable(exc: Exception) -> bool:
    """Temporary by the one AWS error translation (ConflictException, throttling,
    InsufficientCapacityException, 5xx), or the workgroup waiting for its first snapshot."""
    if isinstance(aws_errors.translate(exc, "UpdateWorkgroup"), TemporaryError):
        return True
    code, message = _error(exc)
    return code == "ValidationException" and SNAPSHOT_WAIT in message.lower()


class WorkgroupUpdater:
    """UpdateWorkgroup executor over a boto3 ``redshift-serverless`` client."""

    def __init__(self, rs: RedshiftServerlessClient, *, timeout: float = 1800.0, poll: float = 10.0,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rs = rs
        self.timeout = timeout
        self.poll = poll
        self.sleep = sleep
        self.clock = clock

    def state(self, workgroup: str) -> WorkgroupState:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        try:
            wg = self.rs.get_workgroup(workgroupName=workgroup)["workgroup"]
        except NoCredentialsError:
            raise UsageError("no AWS credentials for the redshift-serverless API",
                             hint="configure AWS credentials (AWS_PROFILE, ...)") from None
        except BotoCoreError as exc:
            raise FleetError(f"GetWorkgroup {workgroup}: {exc}") from None
        except ClientError as exc:
            code, message = _error(exc)
            if code == "ResourceNotFoundException":
                raise UsageError(f"workgroup {workgroup} does not exist",
                                 hint="build the fleet first (rsfleet apply) or check --env"
                                 ) from None
            raise FleetError(f"GetWorkgroup {workgroup}: {code}: {message}") from None
        return WorkgroupState.from_api(wg)

    def plan(self, workgroup: str, desired: WorkgroupSettings) -> list[UpdateCall]:
        return plan_updates(self.state(workgroup), desired)

    def _available(self, workgroup: str, deadline: float) -> WorkgroupState:
        delay = self.poll
        while True:
            st = self.state(workgroup)
            if st.status.upper() == "AVAILABLE":
                return st
            if self.clock() > deadline:
                raise FleetError(f"workgroup {workgroup} stayed {st.status} for "
                                 f"{self.timeout:.0f}s", hint="check it in the console, retry")
            self.sleep(delay)

    def enforce(self, workgroup: str, desired: WorkgroupSettings) -> EnforceResult:
        """Apply the plan call by call; verify nothing managed differs afterwards."""
        from botocore.exceptions import BotoCoreError, ClientError

        result = EnforceResult(workgroup)
        deadline = self.clock() + self.timeout
        budget: int | None = None
        while True:
            st = self._available(workgroup, deadline)
            calls = plan_updates(st, desired)
            if not calls:  # verified: a fresh read shows every managed setting as wanted
                return result
            if budget is None:
                budget = len(calls) + 4  # re-plans after someone else's change: a few more
            if len(result.applied) >= budget:
                left = ", ".join(c.describe() for c in calls)
                raise FleetError(f"workgroup {workgroup} does not keep its settings: {left}",
                                 hint="something else changes it; see rsfleet diagnose")
            call = calls[0]
            try:
                self.rs.update_workgroup(workgroupName=workgroup, **call.kwargs)
            except BotoCoreError as exc:
                raise FleetError(f"UpdateWorkgroup {workgroup} ({call.describe()}): {exc}",
                                 hint=f"{len(result.applied)} of the planned calls were "
                                 "applied; rerun to continue from there") from None
            except ClientError as exc:
                if not is_retryable(exc) or self.clock() > deadline:
                    code, message = _error(exc)
                    raise FleetError(f"UpdateWorkgroup {workgroup} ({call.describe()}): "
                                     f"{code}: {message}",
                                     hint=f"{len(result.applied)} of the planned calls were "
                                     "applied; rerun to continue from there") from None
                result.retries += 1
                self.sleep(min(self.poll * 2 ** min(result.retries, 5), 120.0))
                continue
            result.applied.append(call)
