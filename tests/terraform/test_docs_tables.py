"""Every Terraform module README carries current input/output tables (scripts/tfdocs.py,
terraform-docs' markers): a variable added without regenerating the README fails here."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tfdocs():
    spec = importlib.util.spec_from_file_location("tfdocs", ROOT / "scripts" / "tfdocs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_module_readme_table_is_current() -> None:
    tfdocs = _tfdocs()
    modules = tfdocs.module_dirs()
    assert len(modules) >= 10  # the root, its modules, backend-setup, test-instance
    assert tfdocs.main(["--check"]) == 0, "run scripts/tfdocs.py and commit the READMEs"
    nlb = (ROOT / "terraform" / "modules" / "nlb" / "README.md").read_text(encoding="utf-8")
    assert "| deregistration_delay | Seconds a deregistered target" in nlb
    assert "| dns_name | DNS name of the internal NLB" in nlb


def test_a_new_variable_makes_the_table_stale(tmp_path: Path) -> None:
    tfdocs = _tfdocs()
    module = tmp_path / "terraform" / "modules" / "nlb"
    shutil.copytree(ROOT / "terraform" / "modules" / "nlb", module)
    assert tfdocs.main(["--check", "--root", str(tmp_path / "terraform")]) == 0
    with (module / "variables.tf").open("a", encoding="utf-8") as f:
        f.write('\nvariable "extra" {\n  description = "A new knob."\n  type        = number\n'
                '  default     = 3\n}\n')
    assert tfdocs.main(["--check", "--root", str(tmp_path / "terraform")]) == 1
    assert tfdocs.main(["--root", str(tmp_path / "terraform")]) == 0  # regenerates
    text = (module / "README.md").read_text(encoding="utf-8")
    assert "| extra | A new knob. | `number` | `3` | no |" in text
    assert tfdocs.main(["--check", "--root", str(tmp_path / "terraform")]) == 0
