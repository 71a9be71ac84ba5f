"""`rsfleet loadtest --via-test-instance`: run the same load test inside the VPC over SSM.

The test instance (terraform/test-instance) has rsfleet installed and an instance role that
may read the consumers' secret. We send one AWS-RunShellScript command that writes the spec
and the Terraform outputs (no secrets in either; the password comes from the secret ARN on
the instance) to a temp dir, runs `rsfleet --backend aws loadtest ... --json FILE --no-raw`,
and prints the result gzip+base64 between two marker lines. get_command_invocation returns
only the first 24,000 characters of stdout
(https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html),
so the raw per-query records stay on the instance and only the summary travels.
"""

from __future__ import annotations

import base64
import gzip
import json
import shlex
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rsfleet.adapters import aws_errors
from rsfleet.errors import FleetError, UsageError
from rsfleet.loadtest.model import LoadTestResult

if TYPE_CHECKING:  # types only, nothing imported at run time
    from mypy_boto3_ssm import SSMClient

BEGIN = "RSFLEET-RESULT-BEGIN"
END = "RSFLEET-RESULT-END"
STDOUT_LIMIT = 24_000
TERMINAL = {"Success", "Failed", "Cancelled", "TimedOut", "Cancelling"}
INSTANCE_ID_CHARS = set("abcdef0123456789")


def check_instance_id(value: str) -> str:
    if not (value.startswith(("i-", "mi-")) and set(value.split("-", 1)[1]) <= INSTANCE_ID_CHARS
            and 8 <= len(value.split("-", 1)[1]) <= 17):
        raise UsageError(f"--instance-id {value!r} is not an EC2 instance id",
                         hint="i- followed by 8 or 17 hex digits (see `terraform output` of "
                         "terraform/test-instance)")
    return value


def build_script(loadtest_args: Sequence[str], spec_text: str, outputs: dict[str, Any],
                 rsfleet_bin: str = "rsfleet") -> str:
    """The shell script for AWS-RunShellScript. Every argument is shell-quoted."""
    spec_b64 = base64.b64encode(spec_text.encode("utf-8")).decode("ascii")
    out_b64 = base64.b64encode(json.dumps(outputs).encode("utf-8")).decode("ascii")
    args = " ".join(shlex.quote(a) for a in loadtest_args)
    return "\n".join([
        "set -u",
        # A fresh test instance may still be installing rsfleet from the artifact (its user
        # data): wait for cloud-init to finish first (no-op where cloud-init is absent).
        "if command -v cloud-init >/dev/null 2>&1; then "
        "cloud-init status --wait >/dev/null 2>&1 || true; fi",
        'd=$(mktemp -d)',
        "trap 'rm -rf \"$d\"' EXIT",
        f"printf %s {shlex.quote(spec_b64)} | base64 -d > \"$d/spec.tfvars\"",
        f"printf %s {shlex.quote(out_b64)} | base64 -d > \"$d/outputs.json\"",
        "rc=0",
        f"{shlex.quote(rsfleet_bin)} --backend aws loadtest --spec \"$d/spec.tfvars\" "
        f"--tf-outputs \"$d/outputs.json\" {args} --json \"$d/result.json\" --no-raw --quiet "
        ">/dev/null 2>\"$d/err\" || rc=$?",
        f"echo {BEGIN}",
        'if [ -s "$d/result.json" ]; then gzip -c "$d/result.json" | base64 -w0; fi',
        "echo",
        f"echo {END}",
        'tail -n 5 "$d/err" >&2',
        'exit "$rc"',
    ])


def parse_output(stdout: str, stderr: str = "") -> LoadTestResult:
    if BEGIN not in stdout or END not in stdout:
        more = f": {stderr.strip().splitlines()[-1]}" if stderr.strip() else ""
        raise FleetError("the test instance printed no load test result" + more,
                         hint="check that rsfleet is installed on the test instance "
                         "(terraform/test-instance) and see the SSM command output")
    body = stdout.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    if not body:
        last = stderr.strip().splitlines()[-1] if stderr.strip() else "no error text"
        raise FleetError(f"the load test on the test instance failed: {last}")
    try:
        data = json.loads(gzip.decompress(base64.b64decode(body)))
    except (ValueError, OSError) as exc:
        raise FleetError(f"cannot decode the result from the test instance: {exc}",
                         hint="the output may have been cut at 24,000 characters") from None
    return LoadTestResult.model_validate(data)


def run_via_ssm(instance_id: str, script: str, *, region: str | None, timeout_s: float,
                poll_s: float = 2.0, sleep: Callable[[float], None] = time.sleep,
                client: SSMClient | None = None) -> tuple[LoadTestResult, int]:
    """(result, remote exit code). Raises FleetError when SSM or the script fails."""
    from botocore.exceptions import BotoCoreError, ClientError

    if client is None:
        import boto3

        client = boto3.client("ssm", region_name=region)
    try:
        sent = client.send_command(
            InstanceIds=[instance_id],
            DocumentName="AWS-RunShellScript",
            Comment="rsfleet loadtest",
            Parameters={"commands": [script],
                        "executionTimeout": [str(int(timeout_s))]},
            TimeoutSeconds=60,
        )
    except (BotoCoreError, ClientError) as exc:
        raise aws_errors.translate(exc, f"SSM send_command to {instance_id} failed",
                                   hint="is the instance SSM-managed and online? "
                                   "(aws ssm describe-instance-information)") from None
    command_id = sent["Command"]["CommandId"]
    deadline = time.monotonic() + timeout_s + 60
    while True:
        try:
            inv = client.get_command_invocation(CommandId=command_id, InstanceId=instance_id)
        except (BotoCoreError, ClientError) as exc:
            # Right after send_command the invocation may not exist yet: ask again.
            if aws_errors.error_code(exc) != "InvocationDoesNotExist":
                raise aws_errors.translate(exc, "SSM get_command_invocation failed") from None
        else:
            if inv.get("Status") in TERMINAL:
                break
        if time.monotonic() > deadline:
            raise FleetError(f"SSM command {command_id} did not finish in {timeout_s:.0f}s")
        sleep(poll_s)
    result = parse_output(inv.get("StandardOutputContent") or "",
                          inv.get("StandardErrorContent") or "")
    return result, int(inv.get("ResponseCode") or 0)
