"""The `hangar` command: plan stacks offline, list them, print the config schema.

Exit codes: 0 ok, 1 policy violations, 2 bad input (a stack file, a config or a program that
cannot be planned). Bad input prints one line per problem on stderr, never a traceback.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from hangar.records import Plan, ResourceRecord
from hangar.spec import stack_file_schema
from hangar.stackfile import (
    ENVIRONMENT_KEY,
    PulumiProject,
    StackConfigError,
    environment_from_config,
    read_environment,
    read_project,
    read_stack_config,
)

app = typer.Typer(
    help="Hangar: plan and check LLM-serving infrastructure offline, before anything is provisioned.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

ProjectOption = typer.Option(Path("."), "--project", "-C", help="Directory holding Pulumi.yaml.", show_default=False)


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


def fail(lines: list[str]) -> typer.Exit:
    """Print bad-input lines on stderr and return the exit (code 2) to raise."""
    for line in lines:
        err.print(f"[red]error:[/red] {escape(line)}", soft_wrap=True)
    return typer.Exit(2)


@app.command()
def plan(
    stack: str = typer.Argument(..., help="Stack (environment) name, e.g. eks-prod."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="table (a tree) or json."),
    project: Path = ProjectOption,
) -> None:
    """Show every resource `pulumi up -s STACK` would create, computed offline under Pulumi's mock runtime."""
    from hangar.plan import PlanError, plan_stack

    try:
        validate_if_hangar(read_project(project), stack)
        result = plan_stack(project, stack)
    except StackConfigError as error:
        raise fail([str(p) for p in error.problems])
    except PlanError as error:
        raise fail([f"stack {stack}: {line}" for line in str(error).splitlines() if line.strip()])
    if output_format is OutputFormat.json:
        json.dump(result.to_json(), sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return
    print_plan(result)


def validate_if_hangar(project: PulumiProject, stack: str) -> None:
    """Check a Hangar stack's config first, so its errors name the stack file; other programs go straight to the plan."""
    config = read_stack_config(project, stack)
    if ENVIRONMENT_KEY in config:
        environment_from_config(config[ENVIRONMENT_KEY], str(project.stack_file(stack)))


def print_plan(result: Plan) -> None:
    """The resource tree (component → children) and a count by type."""
    tree = Tree(f"[bold]{result.project}[/bold] / stack [bold]{result.stack}[/bold]")
    children: dict[str | None, list[ResourceRecord]] = {}
    urns = {record.urn for record in result}
    for record in result:
        children.setdefault(record.parent if record.parent in urns else None, []).append(record)

    def add(node: Tree, parent: str | None) -> None:
        for record in children.get(parent, []):
            name = escape(record.name) if record.custom else f"[bold cyan]{escape(record.name)}[/bold cyan]"
            add(node.add(f"{name} [dim]{escape(record.type)}[/dim]"), record.urn)

    add(tree, None)
    out.print(tree)
    table = Table(title=f"{len(result)} resources", title_justify="left")
    table.add_column("type")
    table.add_column("count", justify="right")
    for type_token, count in result.count_by_type().items():
        table.add_row(type_token, str(count))
    out.print(table)


@app.command()
def stacks(project: Path = ProjectOption) -> None:
    """List the environments found under the project's stack config directory."""
    try:
        pulumi_project = read_project(project)
    except StackConfigError as error:
        raise fail([str(p) for p in error.problems])
    table = Table()
    for column in ("stack", "tier", "clusters", "deployments", "ceiling $/month"):
        table.add_column(column)
    problems = []
    for name in pulumi_project.stacks():
        try:
            environment = read_environment(pulumi_project, name)
        except StackConfigError as error:
            table.add_row(name, "[red]invalid[/red]", "", "", "")
            problems.extend(str(p) for p in error.problems)
            continue
        clusters = ", ".join(f"{c.name} ({c.provider})" for c in environment.clusters)
        deployments = ", ".join(d.model for d in environment.deployments)
        table.add_row(name, environment.tier, clusters, deployments, f"{environment.budget.monthly_ceiling_usd:,.0f}")
    out.print(table)
    if problems:
        raise fail(problems)


@app.command()
def schema() -> None:
    """Print the JSON Schema of a stack file (`hangar:environment` and all it holds)."""
    json.dump(stack_file_schema(), sys.stdout, indent=2)
    sys.stdout.write("\n")

