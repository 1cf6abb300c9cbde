"""`hangar check` and `hangar policy-config`: the policy pack's verdicts offline, for one stack or all."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from hangar.cli.app import ProjectOption, app, fail, out
from hangar.stackfile import (
    ENVIRONMENT_KEY,
    PulumiProject,
    StackConfigError,
    environment_from_config,
    read_project,
    read_stack_config,
)
from hangar.stackplan import StackPlan, plan_project_stack, project_directory
from hangar.verdicts import StackVerdict, resource_name, to_markdown, to_sarif
from policies.rules import DEFAULT_LEVELS, evaluate, load_pack_config
from policies.rules.base import PolicyConfig
from policies.rules.config import pack_config_for
from policies.rules.weakening import weakenings


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
    project: Path = ProjectOption,
) -> None:
    """Plan each stack offline and run the policy pack's rules on it: exit 1 on any mandatory violation."""
    from hangar.plan import PlanError

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
            stack_plan = plan_project_stack(project, stack)
            verdicts.append(stack_verdict(stack_plan, stack, policy_config))
        except StackConfigError as error:
            raise fail([str(p) for p in error.problems])
        except (PlanError, ValueError) as error:
            raise fail([f"stack {stack}: {line}" for line in str(error).splitlines() if line.strip()])
    report(verdicts, output_format, pulumi_project.root)
    if any(verdict.blocking for verdict in verdicts):
        raise typer.Exit(1)


def stack_verdict(stack_plan: StackPlan, stack: str, policy_config: Path | None = None) -> StackVerdict:
    """Run the pack's rules on a planned stack, from its project directory (where config paths are meant)."""
    project = read_project(stack_plan.root)
    with project_directory(stack_plan.root):
        configs = stack_policy_configs(project, stack, policy_config)
        violations = tuple(evaluate(stack_plan.plan.resources, configs))
        return StackVerdict(stack, stack_plan.stack_file, violations, tuple(weakenings(configs, DEFAULT_LEVELS)))


def stack_policy_configs(project: PulumiProject, stack: str, policy_config: Path | None) -> dict[str, PolicyConfig]:
    """The validated policy configs for a stack: from --policy-config, else generated from its Hangar environment, else defaults."""
    if policy_config is not None:
        try:
            raw = json.loads(policy_config.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ValueError(f"{policy_config}: cannot read a JSON policy config: {error}") from None
        return load_pack_config(raw, str(policy_config))
    config = read_stack_config(project, stack)
    if ENVIRONMENT_KEY not in config:
        return load_pack_config({}, "default policy config")
    environment = environment_from_config(config[ENVIRONMENT_KEY], str(project.stack_file(stack)))
    return load_pack_config(pack_config_for(environment), f"policy config generated from {project.stack_file(stack)}")


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


def print_verdict(verdict: StackVerdict) -> None:
    for line in verdict.weakened:
        out.print(f"[yellow]weakened:[/yellow] {escape(verdict.stack)}: {escape(line)}", soft_wrap=True)
    if not verdict.violations:
        out.print(f"[green]✓[/green] {escape(verdict.stack)}: no violations")
        return
    status = "[red]✗[/red]" if verdict.blocking else "[yellow]![/yellow]"
    table = Table(title=f"{status} {escape(verdict.stack)}: {verdict.blocking} mandatory, {len(verdict.violations) - verdict.blocking} advisory", title_justify="left")
    for column in ("level", "policy", "resource", "finding"):
        table.add_column(column, overflow="fold")
    for violation in verdict.violations:
        style = "red" if violation.level == "mandatory" else "yellow"
        table.add_row(f"[{style}]{violation.level}[/{style}]", violation.policy, escape(resource_name(violation.urn)), escape(violation.message))
    out.print(table)


@app.command("policy-config")
def policy_config_command(stack: str = typer.Argument(..., help="Stack whose policy config to print."), project: Path = ProjectOption) -> None:
    """Print the policy config for a stack, generated from its stack file, for `pulumi preview --policy-pack-config`."""
    try:
        pulumi_project = read_project(project)
        config = read_stack_config(pulumi_project, stack)
        environment = environment_from_config(config.get(ENVIRONMENT_KEY), str(pulumi_project.stack_file(stack)))
    except StackConfigError as error:
        raise fail([str(p) for p in error.problems])
    json.dump(pack_config_for(environment), sys.stdout, indent=2)
    sys.stdout.write("\n")
