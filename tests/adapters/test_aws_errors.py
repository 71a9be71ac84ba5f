"""One translation of AWS errors: temporary (retry) vs permanent, from real botocore errors
(redshift-serverless and elbv2 clients stubbed by botocore's Stubber)."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError, NoCredentialsError
from botocore.stub import Stubber

from rsfleet.adapters import aws_errors, redshift_serverless
from rsfleet.errors import FleetError, PermanentError, TemporaryError, UsageError


def _rss():
    return boto3.client("redshift-serverless", region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x")


def _error_from(code: str, status: int = 400, message: str = "m"):
    client = _rss()
    with Stubber(client) as stub:
        stub.add_client_error("get_workgroup", service_error_code=code,
                              service_message=message, http_status_code=status)
        try:
            client.get_workgroup(workgroupName="wg-1")
        except Exception as exc:  # the botocore ClientError itself
            return exc
    raise AssertionError("the stub did not raise")


@pytest.mark.parametrize(("code", "status"), [
    ("ThrottlingException", 400),
    ("ConflictException", 409),  # another change of the workgroup is in progress
    ("InternalServerException", 500),
    ("SomethingNew", 503),  # any 5xx
    ("TooManyRequestsException", 429),
    ("InsufficientCapacityException", 400),  # UpdateWorkgroup: no capacity right now
])
def test_temporary(code: str, status: int) -> None:
    err = aws_errors.translate(_error_from(code, status, "try later"), "get it")
    assert isinstance(err, TemporaryError)
    assert err.code == code
    assert err.message == f"get it: {code}: try later"
    assert err.exit_code == 1


@pytest.mark.parametrize("code", ["AccessDeniedException", "ValidationException",
                                  "ServiceQuotaExceededException"])
def test_permanent(code: str) -> None:
    err = aws_errors.translate(_error_from(code, 400, "no\nway"), "get it", hint="fix it")
    assert isinstance(err, PermanentError) and not isinstance(err, TemporaryError)
    assert (err.message, err.hint, err.code) == (f"get it: {code}: no way", "fix it", code)


def test_not_found_gets_its_own_words() -> None:
    exc = _error_from("ResourceNotFoundException", 404)
    err = aws_errors.translate(exc, "get it", not_found="workgroup wg not found",
                               not_found_hint="build it first")
    assert isinstance(err, PermanentError)
    assert (err.message, err.hint) == ("workgroup wg not found", "build it first")
    plain = aws_errors.translate(exc, "get it")
    assert plain.message == "get it: ResourceNotFoundException: m"


def test_no_credentials_is_bad_input_and_network_is_temporary() -> None:
    err = aws_errors.translate(NoCredentialsError(), "get it", credentials="to get it",
                               credentials_hint="pass --tf-outputs")
    assert isinstance(err, UsageError) and err.exit_code == 2
    assert (err.message, err.hint) == ("no AWS credentials to get it", "pass --tf-outputs")
    down = aws_errors.translate(EndpointConnectionError(endpoint_url="https://x"), "get it")
    assert isinstance(down, TemporaryError)


def test_adapters_raise_the_translation() -> None:
    client = _rss()
    with Stubber(client) as stub:
        stub.add_client_error("get_workgroup", service_error_code="ConflictException",
                              service_message="busy", http_status_code=409)
        with pytest.raises(TemporaryError, match="GetWorkgroup failed: ConflictException: busy"):
            redshift_serverless.workgroup_endpoint(client, "wg-1")
        stub.add_client_error("get_workgroup", service_error_code="ResourceNotFoundException",
                              service_message="no wg", http_status_code=404)
        with pytest.raises(PermanentError) as gone:
            redshift_serverless.workgroup_endpoint(client, "wg-1")
    assert isinstance(gone.value, FleetError)
    assert gone.value.hint == "build the fleet first (`rsfleet apply`) or check --env"
    assert aws_errors.error_code(gone.value) == ""  # only botocore errors carry a code
