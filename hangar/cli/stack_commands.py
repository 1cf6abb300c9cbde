"""`hangar plan`, `hangar stacks`, `hangar schema`: the commands about stacks and their config."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from hangar.cli.app import FormatOption, NoCacheOption, OutputFormat, ProjectOption, StackArgument, app, fail, out
from hangar.cli.views import print_cost, print_verdict
from hangar.planerror import PlanError
from hangar.records import Plan, ResourceRecord
from hangar.spec import stack_file_schema
from hangar.stackfile import (
    StackConfigError,
    read_environment,
    read_project,
)
from hangar.stackservice import judged_plan, plan_stack


@app.command()
def plan(
    stack: str = StackArgument,
    output_format: OutputFormat = FormatOption,
    no_cache: bool = NoCacheOption,
    project: Path = ProjectOption,
) -> None:
    """Show what `pulumi up -s STACK` would create, what it costs and what the policies say, computed offline.

    The program runs under Pulumi's mock runtime; `--format json` prints the plan's resources. Exit 1
    when a mandatory policy is violated (see `hangar check`).
    """
    try:
        if output_format is OutputFormat.json:
            stack_plan = plan_stack(project, stack, cache=not no_cache)
            json.dump(stack_plan.plan.to_json(), sys.stdout, indent=2, default=str)
            sys.stdout.write("\n")
            return
        stack_plan, report, verdict = judged_plan(project, stack, cache=not no_cache)
    except StackConfigError as error:
        raise fail([str(p) for p in error.problems])
    except (PlanError, ValueError) as error:
        raise fail([f"stack {stack}: {line}" for line in str(error).splitlines() if line.strip()])
    print_plan(stack_plan.plan)
    for warning in stack_plan.plan.warnings:
        out.print(f"[yellow]warning:[/yellow] {escape(warning)}", soft_wrap=True)
    for note in stack_plan.notes:
        out.print(f"[dim]note: {escape(note)}[/dim]", soft_wrap=True)
    out.print()
    print_cost(stack, report, stack_plan.environment.budget if stack_plan.environment else None)
    out.print()
    print_verdict(verdict)
    if verdict.blocking:
        raise typer.Exit(1)


def print_plan(result: Plan) -> None:
    """The resource tree (component → children, in a stable order) and a count by type."""
    tree = Tree(f"[bold]{result.project}[/bold] / stack [bold]{result.stack}[/bold]")
    children: dict[str | None, list[ResourceRecord]] = {}
    urns = {record.urn for record in result}
    for record in result:
        children.setdefault(record.parent if record.parent in urns else None, []).append(record)

    def add(node: Tree, parent: str | None) -> None:
        # Resources register concurrently, so their order varies from run to run: show components
        # first, then resources by type and name, so that two plans of one stack read the same.
        for record in sorted(children.get(parent, []), key=lambda r: (r.custom, r.type, r.name)):
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
    try:
        names = pulumi_project.stacks()
    except StackConfigError as error:
        raise fail([str(p) for p in error.problems])
    for name in names:
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

