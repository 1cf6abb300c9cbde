"""A stack's policy verdict as a table (`check`, `plan`): its own module, so a verdict from the cache is printed
without importing the catalog and pricing that `views` needs for cost tables."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from hangar.cli.app import out
from hangar.verdicts import StackVerdict, resource_name


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
