"""`hangar plan`, `hangar stacks`, `hangar schema`: the commands about stacks and their config."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from hangar.cli.app import OutputFormat, ProjectOption, app, fail, out
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

