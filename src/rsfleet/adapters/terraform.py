"""Terraform CLI adapter: init with an environment's backend config, workspaces, plan/apply.

rsfleet never parses Terraform's human output; it streams it to the user and reads
machine data only through `terraform output -json`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rsfleet.errors import FleetError, UsageError


@dataclass(frozen=True)
class TerraformProject:
    root: Path  # the terraform/ directory (root module)
    env: str

    @property
    def env_dir(self) -> Path:
        return self.root / "environments" / self.env

    @property
    def var_file(self) -> Path:
        return self.env_dir / "terraform.tfvars"

    @property
    def backend_config(self) -> Path:
        return self.env_dir / "backend-config.hcl"

    @property
    def plan_file(self) -> Path:
        return self.root.parent / ".rsfleet" / self.env / "terraform.tfplan"


def terraform_binary() -> str:
    found = shutil.which(os.environ.get("RSFLEET_TERRAFORM", "terraform"))
    if not found:
        raise UsageError(
            "terraform is not installed or not on PATH",
            hint="install Terraform >= 1.11 (https://developer.hashicorp.com/terraform/install)"
            " or set RSFLEET_TERRAFORM",
        )
    return found


class TerraformCli:
    """Runs terraform for one environment. Output goes straight to the user's terminal."""

    def __init__(self, project: TerraformProject, *, capture: bool = False) -> None:
        self.project = project
        self.capture = capture
        self.binary = terraform_binary()
        self.returncode = 0  # of the last terraform command run
        self.changes_pending: bool | None = None  # the last plan's, from -detailed-exitcode

    def _run(
        self, *args: str, capture: bool | None = None, check: bool = True, workspace: bool = True,
        ok: tuple[int, ...] = (0,),
    ) -> str:
        cmd = [self.binary, f"-chdir={self.project.root}", *args]
        env = {**os.environ, "TF_IN_AUTOMATION": "1"}
        env.pop("TF_WORKSPACE", None)
        if workspace:
            env["TF_WORKSPACE"] = self.project.env
        cap = self.capture if capture is None else capture
        # stdout streams to the terminal (plans, prompts); stderr is kept: on failure the user
        # gets Terraform's first error line and its fix, the whole text goes to a log file.
        proc = subprocess.run(cmd, env=env, text=True, stdout=subprocess.PIPE if cap else None,
                              stderr=subprocess.PIPE, check=False)
        err = proc.stderr or ""
        self.returncode = proc.returncode
        if check and proc.returncode not in ok:
            log = self._keep_log(args[0], err)
            message, hint = first_error(err)
            raise FleetError(f"terraform {args[0]} failed (exit {proc.returncode}): {message}",
                             hint=hint(self.project.env) if hint else
                             (f"Terraform's full error output: {log}" if log else None))
        if err.strip() and not cap:
            sys.stderr.write(err)  # warnings of a run that succeeded
        return proc.stdout or ""

    def _keep_log(self, command: str, text: str) -> Path | None:
        path = self.project.root.parent / ".rsfleet" / self.project.env / f"terraform-{command}.log"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(strip_ansi(text), encoding="utf-8")
        except OSError:
            return None
        return path

    def _artifact_args(self) -> list[str]:
        """``-var=artifact_path=...`` when `make artifact` has written dist/rsfleet-lambda.zip
        (the controller Lambda's code; Terraform refuses controller.enabled without it)."""
        from rsfleet.workspace import LAMBDA_ARTIFACT

        path = self.project.root.parent / LAMBDA_ARTIFACT
        return [f"-var=artifact_path={path}"] if path.is_file() else []

    def init(self) -> None:
        args = ["init", "-input=false", "-reconfigure"]
        if self.project.backend_config.is_file():
            args.append(f"-backend-config={self.project.backend_config}")
        # One workspace per environment, created on first use (Terraform >= 1.4).
        self._run(*args, workspace=False)
        self._run("workspace", "select", "-or-create=true", self.project.env, workspace=False)

    def plan(self, *, destroy: bool = False) -> Path:
        out = self.project.plan_file
        out.parent.mkdir(parents=True, exist_ok=True)
        args = ["plan", "-input=false", f"-var-file={self.project.var_file}", f"-out={out}",
                *self._artifact_args()]
        if destroy:
            args.append("-destroy")
        # -detailed-exitcode: 0 no changes, 2 changes present, 1 an error
        # (https://developer.hashicorp.com/terraform/cli/commands/plan#detailed-exitcode)
        self._run(*args, "-detailed-exitcode", ok=(0, 2))
        self.changes_pending = self.returncode == 2
        return out

    def apply(self, *, plan_file: Path | None, auto_approve: bool) -> None:
        if plan_file is not None:
            self._run("apply", "-input=false", str(plan_file))
            plan_file.unlink(missing_ok=True)  # a saved plan is single-use
        elif auto_approve:
            self._run("apply", "-input=false", "-auto-approve",
                      f"-var-file={self.project.var_file}", *self._artifact_args())
        else:  # pragma: no cover - guarded by the command layer
            raise UsageError("refusing to apply without a plan", hint="run `rsfleet plan` first")

    def show_json(self, plan_file: Path) -> dict[str, Any]:
        """`terraform show -json PLAN`: the saved plan's machine-readable form."""
        raw = self._run("show", "-json", str(plan_file), capture=True)
        try:
            plan: dict[str, Any] = json.loads(raw or "{}")
        except json.JSONDecodeError as exc:
            raise FleetError(f"terraform show -json returned invalid JSON: {exc}") from None
        return plan

    def state_resources(self) -> list[dict[str, Any]]:
        """Every managed resource in the workspace's state (`terraform show -json`): address,
        type and values, child modules included; [] when nothing is deployed."""
        raw = self._run("show", "-json", capture=True)
        try:
            doc = json.loads(raw or "{}")
        except json.JSONDecodeError as exc:
            raise FleetError(f"terraform show -json returned invalid JSON: {exc}") from None
        out: list[dict[str, Any]] = []
        todo = [doc.get("values", {}).get("root_module", {})]
        while todo:
            module = todo.pop()
            out += [r for r in module.get("resources", []) if r.get("mode") == "managed"]
            todo += module.get("child_modules", [])
        return out

    def destroy(self, *, auto_approve: bool) -> None:
        args = ["destroy", "-input=false", f"-var-file={self.project.var_file}",
                *self._artifact_args()]
        if auto_approve:
            args.append("-auto-approve")
        self._run(*args)

    def outputs(self) -> dict[str, Any]:
        """`terraform output -json` as {name: value} (values only, sensitive ones dropped)."""
        raw = self._run("output", "-json", capture=True)
        try:
            data = json.loads(raw or "{}")
        except json.JSONDecodeError as exc:
            raise FleetError(f"terraform output -json returned invalid JSON: {exc}") from None
        return {k: v.get("value") for k, v in data.items() if not v.get("sensitive")}


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_BOX = "│╷╵ \t"

# Terraform error text -> the fix (only errors whose cause is unambiguous).
_FIXES: list[tuple[str, Any]] = [
    ("Backend initialization required", lambda e: f"run `rsfleet plan --env {e}`: it runs "
     "terraform init with the environment's backend config"),
    ("Required plugins are not installed", lambda e: f"run `rsfleet plan --env {e}`: it runs "
     "terraform init"),
    ("Module not installed", lambda e: f"run `rsfleet plan --env {e}`: it runs terraform init"),
    ("No valid credential sources found", lambda e: "configure AWS credentials: AWS_PROFILE, "
     "`aws sso login`, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"),
    ("ExpiredToken", lambda e: "AWS credentials expired: log in again (`aws sso login`)"),
    ("InvalidClientTokenId", lambda e: "the AWS access key is not valid: check your "
     "credentials"),
    ("Error acquiring the state lock", lambda e: "another Terraform run holds the state lock: "
     "wait for it; if it crashed, `terraform force-unlock LOCK_ID` in terraform/"),
    ("Invalid value for variable", lambda e: f"fix the spec: `rsfleet validate --env {e}`"),
    ("No outputs found", lambda e: f"nothing deployed yet: `rsfleet plan --env {e}`, then "
     "`rsfleet apply`"),
]


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def first_error(stderr: str) -> tuple[str, Any]:
    """Terraform's first `Error: ...` line (colour codes and box drawing removed) and, when
    the error is a known one, a function env -> how to fix it."""
    lines = [strip_ansi(line).strip(_BOX) for line in stderr.splitlines()]
    text = "\n".join(lines)
    fix = next((f for key, f in _FIXES if key in text), None)
    for line in lines:
        if line.startswith("Error: "):
            return line.removeprefix("Error: ").strip() or "(no message)", fix
    rest = [line for line in lines if line]
    return (rest[0] if rest else "no error message from Terraform"), fix


def read_outputs_file(path: Path) -> dict[str, Any]:
    """Outputs saved with `terraform output -json > FILE` (for machines without state access)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read Terraform outputs from {path}: {exc}") from None
    return {k: (v.get("value") if isinstance(v, dict) and "value" in v else v)
            for k, v in data.items()}


def project_of_spec(spec_path: Path, env: str) -> TerraformProject | None:
    """The Terraform project whose environment ``env`` this spec is, i.e. when the spec is
    terraform/environments/<env>/terraform.tfvars; None for a spec kept anywhere else (there
    is no Terraform state to ask next to it)."""
    spec_path = spec_path.resolve()
    if spec_path.parent.name == env and spec_path.parent.parent.name == "environments":
        return TerraformProject(root=spec_path.parent.parent.parent, env=env)
    return None


def outputs_for_spec(spec_path: Path, env: str, tf_outputs: Path | None) -> dict[str, Any]:
    """Terraform's outputs for a fleet (docs/CONTRACTS.md §3): the file of ``--tf-outputs``
    when given, else `terraform output -json` of the spec's own environment.

    One rule for every command that needs them, so that a spec outside terraform/ is a clear
    usage error rather than `terraform output` run in some unrelated directory."""
    if tf_outputs is not None:
        return read_outputs_file(tf_outputs)
    project = project_of_spec(spec_path, env)
    if project is None:
        raise UsageError(f"{spec_path} is not terraform/environments/{env}/terraform.tfvars, so "
                         "rsfleet cannot ask Terraform for the fleet's outputs",
                         hint="pass --tf-outputs FILE saved with `terraform output -json`")
    return TerraformCli(project, capture=True).outputs()
