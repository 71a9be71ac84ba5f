"""One environment's round trip on the emulator: `rsfleet plan` -> `apply` -> `plan` (must
show no changes) -> `destroy`, with the shipped terraform/ and environments/<env> unchanged.

Test-only pieces, all written into a private copy of the project (RSFLEET_ROOT):
- `terraform/emulator_override.tf`: what a real account does not need: placeholder keys and
  path-style S3 addressing (moto answers on 127.0.0.1, not <bucket>.s3.amazonaws.com), for
  the provider and for the S3 state backend. The endpoints come from AWS_ENDPOINT_URL.
- the state bucket named in environments/<env>/backend-config.hcl, created on the emulator.
- `dist/rsfleet-lambda.zip`: the controller's code for Terraform to upload (rsfleet's own
  package, zipped as `make artifact` zips; the dependencies are not needed to upload it).
- NOT_SERVED: resource types the emulator cannot serve. Terraform is given `-target` for
  every other resource (and none that depends on a not-served one), computed from
  `terraform graph`, so the list below is all that is left out, and it is printed.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from terraform.tfharness import (
    REPO,
    copy_terraform_tree,
    explain,
    graph_dependencies,
    run_terraform,
    terraform_env,
)

from .emulator import Emulator

# Resource type (or data.<type> for a data source) -> why the emulator does not serve it.
# Every other type is created for real; what depends on these is left out too (printed).
NOT_SERVED: dict[str, str] = {
    # moto 5.2.6 Service Quotas knows only the vpc quotas and has no GetAWSDefaultServiceQuota:
    # the provider retries the 500 answers (plan hangs). The controller's Lambda checks its
    # concurrency quota with it in a precondition, so the function, its event invoke config
    # and schedule are left out with it.
    "data.aws_servicequotas_service_quota": "moto's Service Quotas: vpc only, no GetAWSDefaultServiceQuota",
    # moto 5.2.6 enforces bucket policies without their conditions ("Conditions are not taken
    # into account", S3Backend.put_bucket_policy): the artifact bucket's TLS-only Deny
    # (aws:SecureTransport = false) then denies every request, HTTPS included.
    "aws_s3_bucket_policy": "moto applies a Deny without its aws:SecureTransport condition",
    # moto 5.2.6 Budgets has no TagResource/ListTagsForResource; provider 5.100.0 tags budgets
    # (default_tags) and retries the 500 answers until it times out: `apply` hangs.
    "aws_budgets_budget": "moto's Budgets has no TagResource/ListTagsForResource",
}

# (resource type, attribute) -> why moto reads back something else than it was given. A second
# plan may differ in these and nothing else; every other difference fails the round trip.
READBACK_GAPS: dict[tuple[str, str], str] = {
    # moto 5.2.6 keeps a rule's Description only for CIDR rules (SecurityGroupRule.description
    # reads ip_range), so rules that reference a security group or prefix list read back none.
    ("aws_vpc_security_group_ingress_rule", "description"): "moto drops it for SG/prefix-list rules",
    ("aws_vpc_security_group_egress_rule", "description"): "moto drops it for SG/prefix-list rules",
    # moto 5.2.6 GetKeyRotationStatus answers KeyRotationEnabled without RotationPeriodInDays.
    ("aws_kms_key", "rotation_period_in_days"): "moto's GetKeyRotationStatus has no period",
}

OVERRIDE_TF = """\
# Test-only (tests/aws_roundtrip): the emulator on AWS_ENDPOINT_URL, placeholder keys.
provider "aws" {
  access_key              = "testing"
  secret_key              = "testing"
  s3_use_path_style       = true
  skip_metadata_api_check = true
  # The account id is asked from STS (not skipped): budgets and ARNs need it.
  skip_requesting_account_id = false
}

terraform {
  backend "s3" {
    use_lockfile            = true
    encrypt                 = true
    use_path_style          = true
    skip_metadata_api_check = true
  }
}
"""

_ENV_DROP = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN",
             "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
             "TF_WORKSPACE", "TF_CLI_ARGS", "TF_CLI_ARGS_plan", "TF_CLI_ARGS_destroy")


def resource_type(address: str) -> str | None:
    """The type of a config address like module.a.module.b.aws_x.name (None for data)."""
    kind = node_type(address)
    return None if kind is None or kind.startswith("data.") else kind


def node_type(address: str) -> str | None:
    """aws_x for a resource, data.aws_x for a data source, None for anything else."""
    parts = address.split(".")
    while parts[:1] == ["module"]:
        parts = parts[2:]
    if len(parts) == 3 and parts[0] == "data":
        return f"data.{parts[1]}"
    return parts[0] if len(parts) == 2 else None


def config_address(instance: str) -> str:
    """module.a["k"].aws_x.y[0] -> module.a.aws_x.y (what `terraform graph` names)."""
    return re.sub(r'\[[^\]]*\]', "", instance)


def left_out_of(graph_dot: str) -> set[str]:
    """Config addresses of the resources of a NOT_SERVED type and of every resource that
    depends on one, transitively."""
    deps = graph_dependencies(graph_dot)
    out = {n for n in deps if node_type(n) in NOT_SERVED}
    while grown := {n for n in deps.keys() - out if deps[n] & out}:
        out |= grown
    return {n for n in out if resource_type(n) is not None}


@dataclass
class RoundTrip:
    """A private copy of the project for one environment, wired to the emulator."""

    env: str
    root: Path
    emulator: Emulator
    region: str = "us-east-1"
    variables: dict[str, str] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, env: str, base: Path, emulator: Emulator) -> RoundTrip:
        root = base / f"project-{env}"
        root.mkdir()
        copy_terraform_tree(root)
        (root / "terraform" / "emulator_override.tf").write_text(OVERRIDE_TF, encoding="utf-8")
        rt = cls(env=env, root=root, emulator=emulator)
        (base / f"tf-{env}").mkdir()
        tf_env = terraform_env(base / f"tf-{env}")
        tf_env.pop("TF_DATA_DIR")  # rsfleet runs terraform in root/terraform: its own .terraform
        rt.variables = {k: v for k, v in tf_env.items() if k not in _ENV_DROP}
        rt.variables.update(emulator.env(rt.region))
        rt.variables["RSFLEET_ROOT"] = str(root)
        rt.variables["COLUMNS"] = "80"
        rt._write_artifact()
        return rt

    # --- setup -------------------------------------------------------------------------

    def _write_artifact(self) -> None:
        from rsfleet.controller.artifact import copy_package, write_zip

        tree = self.root / "build" / "artifact"
        tree.mkdir(parents=True)
        copy_package(REPO / "src" / "rsfleet", tree)
        write_zip(tree, self.root / "dist" / "rsfleet-lambda.zip")

    def boto3(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name=self.region,
                            endpoint_url=self.emulator.endpoint, verify=str(self.emulator.ca_file),
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def create_state_bucket(self) -> str:
        """The bucket the environment's backend-config.hcl names, on the emulator."""
        text = (self.root / "terraform" / "environments" / self.env / "backend-config.hcl").read_text()
        bucket = re.search(r'^bucket\s*=\s*"([^"]+)"', text, re.M)
        assert bucket, "backend-config.hcl names no bucket"
        s3 = self.boto3("s3")
        if bucket[1] not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
            s3.create_bucket(Bucket=bucket[1])
        return bucket[1]

    def limit_to_served(self) -> None:
        """-target for every served resource (TF_CLI_ARGS_plan/_destroy, test-only).

        `-target=module.consumer.aws_x.y` would not match the instances of
        module.consumer["c1"]: module steps get their instance keys from the spec (the
        root's for_each/count, terraform/main.tf). No plan is needed for it (a plan would
        read the not-served data sources)."""
        graph = self.terraform("graph")
        assert graph.returncode == 0, explain(graph)
        deps = graph_dependencies(graph.stdout)
        left_out = left_out_of(graph.stdout)
        if not left_out:
            return
        managed = sorted(n for n in deps if resource_type(n) is not None)
        self.left_out = [n for n in managed if n in left_out]
        targets = [t for n in managed if n not in left_out for t in self._instances(n)]
        # Terraform splits TF_CLI_ARGS like a shell: quote the ["key"] in addresses.
        args = " ".join(shlex.quote(f"-target={t}") for t in targets)
        self.variables["TF_CLI_ARGS_plan"] = args
        self.variables["TF_CLI_ARGS_destroy"] = args

    def _instances(self, config_address: str) -> list[str]:
        """module.consumer.x.y -> module.consumer["c1"].x.y, ...; module.controller.x.y ->
        module.controller[0].x.y when enabled (none otherwise)."""
        from rsfleet.spec import load_spec

        spec = load_spec(self.root / "terraform" / "environments" / self.env / "terraform.tfvars")
        keys = {"consumer": [f'["{c}"]' for c in sorted(spec.consumers)],
                "controller": ["[0]"] if spec.controller.enabled else [],
                "artifacts": ["[0]"], "test_instance": ["[0]"]}
        parts = config_address.split(".")
        if parts[0] == "module" and parts[1] in keys:
            return [".".join(["module", parts[1] + k, *parts[2:]]) for k in keys[parts[1]]]
        return [config_address]

    def preexisting_log_group(self, name: str, address: str) -> None:
        """A log group Redshift made before the fleet managed it (review finding 9): created
        on the emulator, and the import block terraform/README.md "Import" tells the user to
        write, as terraform/imports.tf of this copy."""
        self.boto3("logs").create_log_group(logGroupName=name)
        (self.root / "terraform" / "imports.tf").write_text(
            f"import {{\n  to = {address}\n  id = {json.dumps(name)}\n}}\n", encoding="utf-8")

    # --- running -----------------------------------------------------------------------

    def rsfleet(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "rsfleet", *args], cwd=self.root,
                              env=self.variables, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def terraform(self, *args: str, workspace: bool = True) -> subprocess.CompletedProcess[str]:
        env = dict(self.variables)
        for key in ("TF_CLI_ARGS_plan", "TF_CLI_ARGS_destroy"):
            env.pop(key, None)
        if workspace:
            env["TF_WORKSPACE"] = self.env
        return run_terraform(list(args), self.root / "terraform", env)

    @property
    def plan_file(self) -> Path:
        return self.root / ".rsfleet" / self.env / "terraform.tfplan"

    def saved_plan(self) -> dict[str, Any]:
        proc = self.terraform("show", "-json", str(self.plan_file))
        assert proc.returncode == 0, explain(proc)
        return json.loads(proc.stdout)

    def state_addresses(self) -> list[str]:
        proc = self.terraform("state", "list")
        assert proc.returncode == 0, explain(proc)
        return [line for line in proc.stdout.splitlines() if line.strip()]


def changes(plan: dict[str, Any]) -> list[str]:
    """'<actions> <address>: <attribute> <before> -> <after>, ...' for every resource the
    saved plan would change."""
    out = []
    for rc in plan.get("resource_changes", []):
        change = rc["change"]
        if not set(change["actions"]) - {"no-op", "read"}:
            continue
        before, after = change.get("before") or {}, change.get("after") or {}
        diff = [f"{k} {before.get(k)!r} -> {after.get(k)!r}" for k in sorted(set(before) | set(after))
                if before.get(k) != after.get(k) and k not in (change.get("after_unknown") or {})
                and (rc["type"], k) not in READBACK_GAPS]
        if change["actions"] == ["update"] and not diff:
            continue  # only known emulator read-back gaps
        out.append(f"{'/'.join(change['actions'])} {rc['address']}: {', '.join(diff)}")
    return out


def types_of(addresses: list[str]) -> set[str]:
    """Resource types of state/plan instance addresses (data sources left out)."""
    out: set[str] = set()
    for address in addresses:
        kind = resource_type(config_address(address))
        if kind:
            out.add(kind)
    return out
