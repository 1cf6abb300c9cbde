"""`hangar check` and `hangar policy-config`: the policy pack's verdicts offline, for one stack or all."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from hangar.cli.app import ProjectOption, app, fail
from hangar.cli.verdict_view import print_verdict
from hangar.planerror import PlanError
from hangar.stack_policy import policy_config_document
from hangar.stack_policy import stack_policy_configs as stack_policy_configs  # re-exported: tests of other lanes import it from here
from hangar.stackfile import StackConfigError, read_project
from hangar.stackservice import check_stack
from hangar.verdicts import StackVerdict, to_markdown, to_sarif


class CheckFormat(str, Enum):
    table = "table"
    json = "json"
    sarif = "sarif"
    markdown = "markdown"


@app.command()
def check(
    stacks: Optional[list[str]] = typer.Argument(None, help="Stacks to check (default: with --all, every stack)."),
    all_stacks: bool = typer.Option(False, "--all", help="Check every stack under the stack config directory."),
    output_format: CheckFormat = typer.Option(CheckFormat.table, "--format", "-f", help="table, json, sarif or markdown."),
    policy_config: Optional[Path] = typer.Option(None, "--policy-config", help="Policy config JSON (as for `pulumi preview --policy-pack-config`)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Plan and judge afresh: neither read nor write the plan cache (.hangar-cache/)."),
    project: Path = ProjectOption,
) -> None:
    """Plan each stack offline and run the policy pack's rules on it: exit 1 on any mandatory violation."""
    try:
        pulumi_project = read_project(project)
        names = pulumi_project.stacks() if all_stacks else list(stacks or [])
    except StackConfigError as error:
        raise fail([str(p) for p in error.problems])
    if not names:
        raise fail(["name the stacks to check, or pass --all"])
    verdicts = []
    for stack in names:
        try:
            verdicts.append(check_stack(project, stack, policy_config=policy_config, cache=not no_cache))
        except StackConfigError as error:
            raise fail([str(p) for p in error.problems])
        except (PlanError, ValueError) as error:
            raise fail([f"stack {stack}: {line}" for line in str(error).splitlines() if line.strip()])
    report(verdicts, output_format, pulumi_project.root)
    if any(verdict.blocking for verdict in verdicts):
        raise typer.Exit(1)


def report(verdicts: list[StackVerdict], output_format: CheckFormat, root: Path) -> None:
    if output_format is CheckFormat.json:
        json.dump([verdict.to_json() for verdict in verdicts], sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif output_format is CheckFormat.sarif:
        json.dump(to_sarif(verdicts, root), sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif output_format is CheckFormat.markdown:
        sys.stdout.write(to_markdown(verdicts))
    else:
        for verdict in verdicts:
            print_verdict(verdict)


@app.command("policy-config")
def policy_config_command(stack: str = typer.Argument(..., help="Stack whose policy config to print."), project: Path = ProjectOption) -> None:
    """Print the policy config for a stack, generated from its stack file, for `pulumi preview --policy-pack-config`."""
    try:
        document = policy_config_document(project, stack)
    except StackConfigError as error:
        raise fail([str(p) for p in error.problems])
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")
