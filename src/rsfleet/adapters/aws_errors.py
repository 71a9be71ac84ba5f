"""The one translation of botocore errors into rsfleet errors: temporary or permanent.

- no credentials -> ``UsageError`` (exit 2: the operator fixes their environment)
- throttling, ``ConflictException`` (another operation on the resource is in progress),
  transient codes, HTTP 5xx, connection and read timeouts -> ``TemporaryError``
- everything else (access denied, not found, validation, quotas) -> ``PermanentError``

Codes: the throttling and transient lists of the SDKs' standard retry mode
(https://docs.aws.amazon.com/boto3/latest/guide/retries.html, "Standard retry mode"; 5xx
are transient there too). ``ConflictException`` is what redshift-serverless answers while a
workgroup or namespace is being modified ("The submitted action has conflicts":
https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_UpdateWorkgroup.html#API_UpdateWorkgroup_Errors).
``ActiveStatementsExceededException``: the Data API's limit on running statements
(https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_ExecuteStatement.html#API_ExecuteStatement_Errors).

botocore is imported inside the functions (it is an optional dependency).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from rsfleet.errors import PermanentError, RsfleetError, TemporaryError, UsageError

T = TypeVar("T")

THROTTLING = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException",
})
TRANSIENT = frozenset({
    "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
    "InternalServerException", "InternalFailure", "InternalError", "ServiceUnavailable",
    "ServiceUnavailableException",
})
# InsufficientCapacityException: redshift-serverless has no capacity for the change right now
# (an error of UpdateWorkgroup/CreateWorkgroup, same page as ConflictException).
CONFLICT = frozenset({"ConflictException", "ActiveStatementsExceededException",
                      "InsufficientCapacityException"})
NOT_FOUND_SUFFIXES = ("NotFoundException", "NotFound", "DoesNotExist")
DEFAULT_CREDENTIALS_HINT = ("configure AWS credentials (AWS_PROFILE, SSO login or "
                            "environment variables)")


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError ("" for anything else)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", "") or "")


def is_temporary_code(code: str, status: int = 0) -> bool:
    return code in THROTTLING or code in TRANSIENT or code in CONFLICT or status >= 500


def _oneline(text: str) -> str:
    return " ".join(text.split())


def translate(exc: BaseException, what: str, *, hint: str | None = None,
              not_found: str | None = None, not_found_hint: str | None = None,
              credentials: str | None = None, credentials_hint: str | None = None,
              ) -> RsfleetError:
    """The rsfleet error for botocore error `exc` raised while doing `what`.

    Messages: ``"{what}: {Code}: {Message}"``. `not_found`/`not_found_hint` replace the
    message/hint when the code says the resource does not exist; `credentials` names what
    needed the missing credentials ("no AWS credentials {credentials}")."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        EndpointConnectionError,
        NoCredentialsError,
        ReadTimeoutError,
    )

    if isinstance(exc, NoCredentialsError):
        return UsageError(f"no AWS credentials {credentials or 'for ' + what}",
                          hint=credentials_hint or DEFAULT_CREDENTIALS_HINT)
    if isinstance(exc, ClientError):
        code = error_code(exc)
        message = _oneline(str(exc.response.get("Error", {}).get("Message", "") or exc))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        text = f"{what}: {code}: {message}" if code else f"{what}: {message}"
        if is_temporary_code(code, status):
            return TemporaryError(text, hint=hint or "retry in a minute", code=code)
        if code.endswith(NOT_FOUND_SUFFIXES) and (not_found or not_found_hint):
            return PermanentError(not_found or text, hint=not_found_hint or hint, code=code)
        return PermanentError(text, hint=hint, code=code)
    if isinstance(exc, (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError)):
        return TemporaryError(f"{what}: {_oneline(str(exc))}",
                              hint=hint or "check the network path to AWS and retry")
    return PermanentError(f"{what}: {_oneline(str(exc))}", hint=hint)


def call(fn: Callable[..., T], what: str, /, **kwargs: Any) -> T:
    """`fn(**kwargs)`, with any botocore error translated (see `translate`)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn(**kwargs)
    except (BotoCoreError, ClientError) as exc:
        raise translate(exc, what) from None
