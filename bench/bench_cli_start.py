"""CLI start time: `rsfleet --help` against a bare Typer app with the same command tree.

The baseline is generated from rsfleet's own Click tree (every group and command, with its
name, help text and options, as plain `str`/`bool` options of functions that do nothing),
so it pays exactly what Typer pays to build and render the same help: Typer's floor. The
two are run alternately in one run (and `python -c pass` beside them for scale); medians.
The goal (issue 25) is a ratio rsfleet / bare Typer of at most 1.2.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

GOAL = 1.2
TYPER_OWN = {"--help", "--install-completion", "--show-completion"}


def _command_tree() -> Any:
    import typer.main

    from rsfleet.cli import app

    return typer.main.get_command(app)


def _options(command: Any) -> list[tuple[str, bool, str]]:
    """(first option name, is_flag, help) of each option, those Typer adds itself excepted."""
    out = []
    for param in command.params:
        names = [n for n in getattr(param, "opts", []) if n.startswith("-")]
        if not names or set(names) & TYPER_OWN:
            continue
        out.append((names[0], bool(getattr(param, "is_flag", False)),
                    getattr(param, "help", None) or ""))
    return out


def _function(name: str, command: Any, decorator: str) -> list[str]:
    params = []
    for i, (opt, flag, text) in enumerate(_options(command)):
        kind = "bool" if flag else "str | None"
        default = "False" if flag else "None"
        params.append(f"    p{i}: Annotated[{kind}, typer.Option({opt!r}, help={text!r})]"
                      f" = {default},")
    return [decorator, f"def {name}(", *params, ") -> None:",
            f"    {(command.help or '')!r}", ""]


def bare_source(root: Any | None = None) -> str:
    """A Typer app with the same groups, commands, help texts and options as `root`
    (rsfleet's Click group by default), each command doing nothing."""
    root = root if root is not None else _command_tree()
    lines = ["from typing import Annotated", "", "import typer", ""]
    counter = iter(range(10_000))

    def group(var: str, grp: Any) -> None:
        lines.append(f"{var} = typer.Typer(no_args_is_help=True, help={(grp.help or '')!r}, "
                     "context_settings={'help_option_names': ['-h', '--help']})")
        lines.extend(_function(f"cb{next(counter)}", grp, f"@{var}.callback()"))
        for name, sub in grp.commands.items():
            if hasattr(sub, "commands"):
                child = f"g{next(counter)}"
                group(child, sub)
                lines.append(f"{var}.add_typer({child}, name={name!r})")
            else:
                lines.extend(_function(f"f{next(counter)}", sub,
                                       f"@{var}.command({name!r})"))

    group("app", root)
    lines += ["", "if __name__ == '__main__':", "    app(prog_name='rsfleet')", ""]
    return "\n".join(lines)


def count_commands(root: Any) -> int:
    return sum(count_commands(c) if hasattr(c, "commands") else 1
               for c in root.commands.values())


def _rsfleet_cmd() -> list[str]:
    """The console script users run, else `python -m rsfleet`."""
    script = Path(sys.executable).with_name("rsfleet")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rsfleet"]


def _time(cmd: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run; CPU = the child's user + system time."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"})
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main(quick: bool = False) -> dict[str, Any]:
    runs = 5 if quick else 31
    root = _command_tree()
    commands = count_commands(root)
    with tempfile.TemporaryDirectory(prefix="rsfleet-bench-cli-") as tmp:
        bare = Path(tmp) / "bare_typer_app.py"
        bare.write_text(bare_source(root), encoding="utf-8")
        cmds = {"python": [sys.executable, "-c", "pass"],
                "bare_typer": [sys.executable, str(bare), "--help"],
                "rsfleet": [*_rsfleet_cmd(), "--help"]}
        for cmd in cmds.values():  # warm the page cache and the .pyc files first
            _time(cmd)
        wall: dict[str, list[float]] = {k: [] for k in cmds}
        cpu: dict[str, list[float]] = {k: [] for k in cmds}
        for _ in range(runs):
            for name, cmd in cmds.items():
                w, c = _time(cmd)
                wall[name].append(w)
                cpu[name].append(c)
    ms = {k: statistics.median(v) * 1000 for k, v in wall.items()}
    cpu_ms = {k: statistics.median(v) * 1000 for k, v in cpu.items()}
    # The ratio is taken on CPU time: on a shared machine the wall time of a 200 ms process
    # is mostly other processes' scheduling; on an idle one the two are the same.
    ratio = cpu_ms["rsfleet"] / cpu_ms["bare_typer"]
    print(f"{commands} commands; median of {runs} runs, alternating; wall / CPU ms:")
    for label, key in (("python -c pass", "python"), ("bare Typer app --help", "bare_typer"),
                       ("rsfleet --help", "rsfleet")):
        print(f"  {label:24} {ms[key]:6.0f} / {cpu_ms[key]:4.0f}")
    print(f"  rsfleet / bare Typer     {ratio:6.2f}x CPU, {ms['rsfleet'] / ms['bare_typer']:.2f}x "
          f"wall (goal <= {GOAL}x: {'met' if ratio <= GOAL else 'NOT met'})")
    return {"runs": runs, "commands": commands,
            "python_ms": round(ms["python"], 1), "bare_typer_ms": round(ms["bare_typer"], 1),
            "rsfleet_help_ms": round(ms["rsfleet"], 1),
            "cpu_ms": {k: round(v, 1) for k, v in cpu_ms.items()},
            "ratio": round(ratio, 2),
            "wall_ratio": round(ms["rsfleet"] / ms["bare_typer"], 2),
            "ratio_to_python": round(ms["rsfleet"] / ms["python"], 2), "goal": GOAL}
