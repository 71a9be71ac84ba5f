"""--via-test-instance: the SSM script (run for real in bash) and the SSM calls (moto)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from rsfleet.errors import FleetError, UsageError
from rsfleet.loadtest import remote

from .test_report_and_schema import make_result

SPEC = ('environment = "dev"\nproducer = { base_capacity = 8 }\n'
        'consumers = { c1 = { base_capacity = 8 } }\n')


def test_script_round_trip_through_bash(tmp_path: Path):
    """The script AWS-RunShellScript would run, run by bash here.

    `rsfleet` on the instance is replaced by a script that records its argv and writes a
    real result to --json: this tests the transport (quoting, files, gzip+base64, exit code),
    not the load test.
    """
    result = make_result()
    payload = tmp_path / "payload.json"
    payload.write_text(result.model_dump_json(), encoding="utf-8")
    argv_file = tmp_path / "argv"
    bin_ = tmp_path / "rsfleet-on-instance"
    bin_.write_text(
        "#!/bin/bash\n"
        f'printf "%s\\n" "$@" > {argv_file}\n'
        'while [ $# -gt 0 ]; do case "$1" in --json) out="$2"; shift;; '
        '--spec) spec="$2"; shift;; --tf-outputs) tfo="$2"; shift;; esac; shift; done\n'
        f'cp {payload} "$out"\n'
        f'cat "$spec" > {tmp_path}/spec.seen; cat "$tfo" > {tmp_path}/tfo.seen\n'
        "echo 'on stderr' >&2\nexit 1\n", encoding="utf-8")
    bin_.chmod(0o755)
    outputs = {"nlb": {"dns_name": "x.elb.amazonaws.com", "port": 5439}}
    tricky = "it's $(not run) `either`"
    script = remote.build_script(["--sessions", "8", "--user", tricky], SPEC, outputs,
                                 rsfleet_bin=str(bin_))
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "TMPDIR": str(tmp_path)})
    assert proc.returncode == 1  # the remote exit code is kept (error rule failed)
    args = argv_file.read_text().splitlines()
    assert args[:2] == ["--backend", "aws"] and args[args.index("--user") + 1] == tricky
    assert "--no-raw" in args
    assert (tmp_path / "spec.seen").read_text() == SPEC
    assert json.loads((tmp_path / "tfo.seen").read_text()) == outputs
    assert len(proc.stdout) < remote.STDOUT_LIMIT
    back = remote.parse_output(proc.stdout, proc.stderr)
    assert back == result
    assert "on stderr" in proc.stderr
    assert not list(tmp_path.glob("tmp.*"))  # the temp dir was removed


def test_script_waits_for_a_fresh_instance_to_finish_installing_rsfleet():
    """The fleet's test instance installs rsfleet in its user data; a load test sent right
    after `rsfleet apply` must wait for cloud-init instead of finding no rsfleet."""
    lines = remote.build_script(["--sessions", "4"], SPEC, {}).splitlines()
    wait = next(i for i, line in enumerate(lines) if "cloud-init status --wait" in line)
    run = next(i for i, line in enumerate(lines) if "--backend aws loadtest" in line)
    assert wait < run


def test_parse_output_errors():
    with pytest.raises(FleetError, match="printed no load test result: boom"):
        remote.parse_output("", "x\nboom\n")
    with pytest.raises(FleetError, match="failed: rsfleet: command not found"):
        remote.parse_output(f"{remote.BEGIN}\n\n{remote.END}\n", "rsfleet: command not found")
    with pytest.raises(FleetError, match="cannot decode"):
        remote.parse_output(f"{remote.BEGIN}\nnot-base64!!\n{remote.END}\n")


@pytest.mark.parametrize("bad", ["i-123", "x-0123456789abcdef0", "i-0123456789ABCDEF0",
                                 "i-0123;rm -rf /"])
def test_instance_id_rule(bad):
    with pytest.raises(UsageError):
        remote.check_instance_id(bad)
    assert remote.check_instance_id("i-0123456789abcdef0")


@mock_aws
def test_ssm_send_command_and_poll():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    # one AMI by name: listing all of moto's 1,366 Amazon images takes seconds
    image = ec2.describe_images(Owners=["amazon"], Filters=[
        {"Name": "name", "Values": ["amzn2-ami-hvm-*"]}])["Images"][0]["ImageId"]
    iid = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ssm = boto3.client("ssm", region_name="us-east-1")
    script = remote.build_script(["--sessions", "4"], SPEC, {})
    sleeps: list[float] = []
    # moto runs nothing on the instance: the command "succeeds" with empty stdout, which
    # must be reported as a missing result, not parsed as one.
    with pytest.raises(FleetError, match="printed no load test result"):
        remote.run_via_ssm(iid, script, region="us-east-1", timeout_s=60, client=ssm,
                           sleep=sleeps.append)
    (cmd,) = ssm.list_commands(InstanceId=iid)["Commands"]
    assert cmd["DocumentName"] == "AWS-RunShellScript"
    assert cmd["Parameters"]["commands"] == [script]
    assert cmd["Parameters"]["executionTimeout"] == ["60"]
    assert cmd["InstanceIds"] == [iid]
