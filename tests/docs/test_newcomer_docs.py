"""The docs a newcomer follows after `make demo`: linked, in step with the commands."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def test_the_glossary_is_linked_from_the_readme_and_defines_its_words() -> None:
    assert "(docs/glossary.md)" in README.read_text(encoding="utf-8")
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    defined = set(re.findall(r"\*\*([^*]+)\*\*", glossary))
    for word in ("RPU", "NLB", "datashare", "drain", "maint", "RPO", "RTO", "wave",
                 "fail open"):
        assert word in defined, word


def test_the_loadtest_examples_output_dir_is_git_ignored() -> None:
    import subprocess

    loadtest = (ROOT / "docs" / "loadtest.md").read_text(encoding="utf-8")
    assert "--report out/" in loadtest  # the examples write there
    probe = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", "out/report.png"],
                           check=False)
    assert probe.returncode == 0, "out/ is not git-ignored"


def test_after_make_demo_the_next_commands_say_where_rsfleet_is() -> None:
    """`make demo` installs rsfleet into .venv/: the demo's last lines and the README's first
    commands say `source .venv/bin/activate` (a newcomer got `rsfleet: command not found`)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("demo", ROOT / "scripts" / "demo.py")
    assert spec is not None and spec.loader is not None
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    text = "\n".join(demo.next_steps("dev"))
    assert "bin/activate" in text and "not on your PATH" in text
    assert f"{Path(sys.executable).parent.name}/rsfleet" in text  # the venv it runs in

    readme = README.read_text(encoding="utf-8")
    local = readme.split("## The local fleet", 1)[1]
    assert local.index("source .venv/bin/activate") < local.index("rsfleet local up")


def test_make_demo_figures_live_in_one_place() -> None:
    """The demo's measured figures come from docs/img/demo-report.json through the README's
    generated block (bench/report.py); no other page repeats a count of its own."""
    demo_figure = re.compile(r"\d[\d,]* (of [\d,]+ )?queries|\d+ q/s|\d+ s busy")
    for page in sorted((ROOT / "docs").glob("*.md")):
        # a list item or a table row is one statement: split the page into those
        text = page.read_text(encoding="utf-8")
        for item in re.split(r"\n(?=- |\| |\n)", text):
            if "make demo" in item:
                assert not demo_figure.search(item), f"{page.name}: {item}"


def test_local_fleet_doc_has_rollout_and_the_spec_edit_order() -> None:
    """docs/local-fleet.md lists `local rollout` and says `local up` comes first after a spec
    edit (rollout exits 2 otherwise); the README's rolling block shows the same order."""
    doc = (ROOT / "docs" / "local-fleet.md").read_text(encoding="utf-8")
    assert "| `rsfleet local rollout" in doc
    order = doc.split("## Changing the spec", 1)[1].split("##", 1)[0]
    assert order.index("local up --env dev") < order.index("local rollout --env dev")
    from rsfleet.commands import local as local_commands

    assert "run `rsfleet local up" in Path(local_commands.__file__).read_text(encoding="utf-8")
    readme = README.read_text(encoding="utf-8").split("## Rolling changes", 1)[1]
    assert readme.index("rsfleet local up --env dev") < readme.index("rsfleet local rollout")


def _cost(*args: str) -> dict:
    import json

    from typer.testing import CliRunner

    from rsfleet.cli import app

    result = CliRunner().invoke(app, ["cost", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _money(value: str) -> str:
    return f"${float(value):,.2f}"


def test_every_cost_figure_in_the_docs_is_printed_by_the_command_beside_it() -> None:
    """The README's cost table and figures, and docs/cost.md's prod table, each name the
    command that prints them; running it gives the same figure (a newcomer got $2,880.00
    from `cost --rpu 32 --hours-per-day 8` where the table says $2,764.80)."""
    readme = " ".join(README.read_text(encoding="utf-8").split("## Cost", 1)[1]
                      .split("## Benchmarks", 1)[0].split())
    seed = _cost("--scenario", "seed")
    assert "`rsfleet cost --scenario seed` prints this one" in readme
    for wg in seed["workgroups"]:
        assert f"| {wg['name']} | {wg['billed_hours_per_day']} | **{_money(wg['monthly'])}** |" \
            in readme, wg["name"]
    assert f"| total | | **{_money(seed['total_monthly'])}** |" in readme
    # each sentence's figure from the command in it
    for args in (("--rpu", "32", "--hours-per-day", "8", "--price", "0.36"),
                 ("--rpu", "32", "--hours-per-day", "8"), ("--env", "prod")):
        figure = _money(_cost(*args)["total_monthly"])
        command = "rsfleet cost " + " ".join(args)
        assert command in readme, command
        near = readme.split(command, 1)
        assert figure in near[0][-120:] + near[1][:120], (command, figure)
    doc = (ROOT / "docs" / "cost.md").read_text(encoding="utf-8")
    prod = _cost("--env", "prod")
    table = doc.split("`rsfleet cost --env prod` on prod as committed", 1)[1][:2000]
    assert f"| **total** | **{_money(prod['total_monthly'])}** |" in table
