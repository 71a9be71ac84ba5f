"""A failing Terraform run is one line: Terraform's first error, no colour codes, its fix
(issue 13: `terraform output failed with exit code 1: ╵`, 18 ANSI-coloured lines)."""

from __future__ import annotations

import os
import subprocess
import sys

from rsfleet.adapters.terraform import first_error

from .test_terraform_wrapper import tf_project  # noqa: F401 - the fixture

COLOURED = ("\x1b[31m╷\x1b[0m\x1b[0m\n\x1b[31m│\x1b[0m \x1b[0m\x1b[1m\x1b[31mError: "
            "\x1b[0m\x1b[0m\x1b[1mBackend initialization required, please run "
            "\"terraform init\"\x1b[0m\n\x1b[31m│\x1b[0m \x1b[0m\n\x1b[31m│\x1b[0m "
            "\x1b[0mReason: Initial configuration of the requested backend \"local\"\n"
            "\x1b[31m╵\x1b[0m\x1b[0m\n")


def test_first_error_line_without_colour_and_its_fix():
    message, fix = first_error(COLOURED)
    assert message == 'Backend initialization required, please run "terraform init"'
    assert fix is not None and "rsfleet plan --env qa" in fix("qa")
    assert first_error("╷\n│ Error: Unsupported block type\n╵\n") == (
        "Unsupported block type", None)
    assert first_error("") == ("no error message from Terraform", None)


def rsfleet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rsfleet", *args], capture_output=True,
                          text=True, timeout=300, env=dict(os.environ))


def test_output_before_init_is_one_line_with_the_fix(tf_project):  # noqa: F811
    proc = rsfleet("output", "--env", "qa")
    assert proc.returncode == 1
    assert "\x1b" not in proc.stderr and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: terraform output failed (exit 1): Backend "
                               "initialization required")
    assert "rsfleet plan --env qa" in lines[0]


def test_plan_failure_is_one_line_and_the_full_text_is_kept(tf_project):  # noqa: F811
    main = tf_project / "terraform" / "main.tf"
    main.write_text(main.read_text() + '\nresource "terraform_data" "bad" { nope = 1 }\n')
    proc = rsfleet("plan", "--env", "qa")
    assert proc.returncode == 1 and "\x1b" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    log = tf_project / ".rsfleet" / "qa" / "terraform-plan.log"
    assert last == ('error: terraform plan failed (exit 1): Unsupported argument '
                    f"(Terraform's full error output: {log})")
    assert 'An argument named "nope" is not expected here.' in log.read_text()
