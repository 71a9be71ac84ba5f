"""Where rsfleet works: the project root (the checkout) and the local fleets under it.

A root-level unit below `spec` and `local`: the spec loader and the local fleet both ask
"which fleet, when no --env is given", and neither may import the other for it.
"""

from __future__ import annotations

import os
from pathlib import Path

from rsfleet.errors import UsageError

LAMBDA_ARTIFACT = Path("dist/rsfleet-lambda.zip")
"""`make artifact`'s output, relative to the project root (rsfleet.controller.artifact)."""


def project_root() -> Path:
    """The checkout rsfleet runs from: $RSFLEET_ROOT, else the nearest parent with terraform/."""
    env = os.environ.get("RSFLEET_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "terraform" / "environments").is_dir():
            return candidate
    return here


# -- which fleet, when no --env is given ---------------------------------------------------

def local_fleets() -> dict[str, Path]:
    """Environment -> state dir of every fleet under <project root>/.rsfleet/."""
    root = project_root() / ".rsfleet"
    if not root.is_dir():
        return {}
    return {d.name: d for d in sorted(root.iterdir())
            if d.is_dir() and (d / "fleet.json").is_file()}


def only_fleet(purpose: str = "") -> tuple[str, Path] | None:
    """With no --env: the only local fleet (and say so on stderr), None when there is none,
    UsageError (exit 2) listing them when there are several."""
    fleets = local_fleets()
    if not fleets:
        return None
    if len(fleets) > 1:
        raise UsageError(f"no --env given and {len(fleets)} local fleets exist: "
                         f"{', '.join(fleets)}", hint="pass --env ENV")
    env, path = next(iter(fleets.items()))
    from rsfleet.output import note

    note(f"no --env given: using the only local fleet, {env} ({path})"
         + (f" {purpose}" if purpose else ""))
    return env, path
