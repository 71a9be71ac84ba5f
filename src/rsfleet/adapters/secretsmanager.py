"""AWS Secrets Manager (boto3 ``secretsmanager``; imported inside): database credentials.

One reader for every command that takes a secret ARN (``loadtest``/``diagnose``
``--password-secret-arn``, ``targets --secret-arn``, the managed admin secrets of
``--probe-as-admin``). The secret value never goes into an error message, a log or argv:
errors name the ARN only.

Redshift-managed admin secrets are JSON with ``username`` and ``password``
(https://docs.aws.amazon.com/redshift/latest/mgmt/redshift-secrets-manager-integration.html);
a secret that is not a JSON object is taken as the password itself.
GetSecretValue: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from rsfleet.adapters import aws_errors
from rsfleet.errors import FleetError, UsageError

if TYPE_CHECKING:  # boto3-stubs: types only, nothing imported at run time
    from mypy_boto3_secretsmanager import SecretsManagerClient

ARN_HINT = "arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME"


def check_secret_arn(arn: str, option_name: str = "--secret-arn") -> str:
    """The ARN if it names a Secrets Manager secret, else UsageError naming the option.

    Checked before any AWS call so that a typo is exit 2 with the expected shape, not an
    AccessDenied or a region error from botocore."""
    parts = arn.split(":")
    if (len(parts) < 7 or parts[0] != "arn" or parts[2] != "secretsmanager"
            or parts[5] != "secret" or not parts[6]):
        raise UsageError(f"{option_name} {arn!r} is not a Secrets Manager secret ARN",
                         hint=ARN_HINT)
    return arn


def new_client(region: str | None = None) -> SecretsManagerClient:
    import boto3

    return boto3.client("secretsmanager", region_name=region)


def read_secret(arn: str, *, client: SecretsManagerClient | None = None, user: str | None = None,
                option_name: str = "--secret-arn",
                not_found: str | None = None) -> tuple[str | None, str]:
    """(username, password) from the secret ``arn``.

    The username is the secret's ``username`` key, else ``user``, else None (the caller
    decides whether it can go without one). ``client`` is a boto3 secretsmanager client; by
    default one in the ARN's region, because a secret is only readable in its own region.
    ``not_found``: the message when the secret or its AWSCURRENT value does not exist.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    check_secret_arn(arn, option_name)
    if client is None:
        client = new_client(arn.split(":")[3] or None)
    try:
        text = client.get_secret_value(SecretId=arn).get("SecretString") or ""
    except (BotoCoreError, ClientError) as exc:
        # botocore's message names the operation and the ARN, never the secret's value.
        raise aws_errors.translate(
            exc, f"cannot read secret {arn}", not_found=not_found,
            credentials=f"to read the secret of {option_name}",
            credentials_hint="configure AWS credentials (AWS_PROFILE, SSO login or "
            "environment), or pass --user with the password in PGPASSWORD") from None
    if not text:
        raise FleetError(f"secret {arn} has no SecretString",
                         hint="store JSON {\"username\": ..., \"password\": ...}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None  # not JSON: the whole string is the password
    if not isinstance(data, dict):
        # A JSON scalar such as 12345 is a password too, not a malformed object.
        return user, text
    if not data.get("password"):
        raise FleetError(f"secret {arn} has no 'password' key",
                         hint="store JSON {\"username\": ..., \"password\": ...}")
    username = data.get("username") or user
    return (str(username) if username else None), str(data["password"])


def describe(arn: str, *, client: SecretsManagerClient) -> tuple[dict[str, str], bool]:
    """(tags, has_value) of the secret ``arn``, without reading its value: a secret has a
    value when one of its versions carries the AWSCURRENT label (``VersionIdsToStages``;
    a secret created without a value has none).
    https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html"""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        doc = client.describe_secret(SecretId=arn)
    except (BotoCoreError, ClientError) as exc:
        raise aws_errors.translate(exc, f"cannot describe secret {arn}") from None
    tags = {t["Key"]: t.get("Value", "") for t in doc.get("Tags") or []}
    stages = doc.get("VersionIdsToStages") or {}
    return tags, any("AWSCURRENT" in labels for labels in stages.values())


def put_json(arn: str, value: dict[str, str], *, client: SecretsManagerClient) -> str:
    """Store ``value`` (JSON) as the secret's new AWSCURRENT version; returns its version id.
    The value goes only into the API call's body, never into a message.
    https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html"""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        done = client.put_secret_value(SecretId=arn, SecretString=json.dumps(value))
    except (BotoCoreError, ClientError) as exc:
        raise aws_errors.translate(exc, f"cannot write secret {arn}") from None
    return str(done.get("VersionId", ""))
