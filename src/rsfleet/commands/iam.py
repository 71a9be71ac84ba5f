"""`rsfleet iam-policy`: the least-privilege IAM policy documents of a fleet (JSON)."""

from typing import Annotated

import typer

from rsfleet.context import EnvOption, SpecOption, load_spec


def iam_policy(
    env: EnvOption = None,
    spec: SpecOption = None,
    for_: Annotated[str, typer.Option(
        "--for", help="apply: the principal running `rsfleet plan/apply/destroy`; app: an "
        "application connecting to the consumers with IAM credentials.")] = "apply",
    account: Annotated[str, typer.Option(
        "--account", help="AWS account id for the ARNs (default '*').")] = "*",
    managed: Annotated[bool, typer.Option(
        "--managed", help="Print a JSON list of documents that each fit a managed policy "
        "(6,144 characters).")] = False,
) -> None:
    """Print the policy document (JSON) for `--for apply` or `--for app`."""
    import json

    from rsfleet.errors import UsageError
    from rsfleet.iampolicy import app_policy, apply_policy

    if account != "*" and not (account.isdigit() and len(account) == 12):
        raise UsageError(f"--account {account!r}: an AWS account id is 12 digits")
    fleet, _ = load_spec(env, spec)
    name = f"{fleet.project_name}-{fleet.environment}"
    if for_ == "apply":
        doc = apply_policy(name=name, region=fleet.aws_region, account=account)
    elif for_ == "app":
        doc = app_policy(workgroups=[fleet.workgroup_name(c) for c in sorted(fleet.consumers)],
                         region=fleet.aws_region, account=account)
    else:
        raise UsageError(f"--for {for_!r}: use 'apply' or 'app'")
    if managed:
        from rsfleet.iampolicy import split_for_managed

        typer.echo(json.dumps(split_for_managed(doc), indent=2))
    else:
        typer.echo(json.dumps(doc, indent=2))


def register(app: typer.Typer) -> None:
    app.command("iam-policy")(iam_policy)
