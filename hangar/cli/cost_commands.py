"""`hangar cost`: what a stack's plan would run, priced per pool at min and max size, per hour and 30-day month."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from hangar.catalog import CatalogError
from hangar.cli.app import OutputFormat, ProjectOption, app, fail, out
from hangar.cli.formatting import UNKNOWN, money, print_json
from hangar.cost import CostReport, PricedLine


@app.command()
def cost(
    stack: str = typer.Argument(..., help="Stack (environment) name, e.g. eks-prod."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="table or json."),
    project: Path = ProjectOption,
) -> None:
    """What STACK's compute costs at its min and max size, per hour and per 30-day month, planned offline.

    Prices come from the catalog (with the stack's `catalog_overrides`); an unknown price is shown as
    unknown and makes the total unknown — it is never counted as zero.
    """
    from hangar.plan import PlanError
    from hangar.stackfile import StackConfigError
    from hangar.stackplan import plan_project_stack

    try:
        stack_plan = plan_project_stack(project, stack)
        report = stack_plan.price()
    except StackConfigError as error:
        raise fail([str(p) for p in error.problems])
    except PlanError as error:
        raise fail([f"stack {stack}: {line}" for line in str(error).splitlines() if line.strip()])
    except CatalogError as error:
        raise fail([p.describe() for p in error.problems])
    environment = stack_plan.environment
    budget = environment.budget if environment is not None else None
    if output_format is OutputFormat.json:
        document = {"stack": stack, **report.to_json(), "plan_notes": list(stack_plan.notes)}
        if budget is not None:
            document["budget"] = {"monthly_ceiling_usd": budget.monthly_ceiling_usd, "max_spot_share": budget.max_spot_share}
        print_json(document)
        return
    print_cost(stack, report, budget)
    for note in stack_plan.notes:
        out.print(f"[dim]note: {escape(note)}[/dim]", soft_wrap=True)


def print_cost(stack: str, report: CostReport, budget: Any = None) -> None:
    if not report.lines:
        out.print(f"stack {escape(stack)}: the plan has no node pool or machine Hangar can price (nothing planned, or no recognised resource)")
    else:
        sources: dict[str, int] = {}
        table = Table(title=f"stack {escape(stack)}: compute by pool (a month is 720 h)", title_justify="left")
        for column, justify in (("pool", "left"), ("cloud", "left"), ("machine", "left"), ("capacity", "left"), ("nodes", "right"),
                                ("$/h each", "right"), ("$/h min", "right"), ("$/h max", "right"), ("$/month min", "right"),
                                ("$/month max", "right"), ("src", "right")):
            table.add_column(column, justify=justify)
        for line in report.lines:
            ref = ""
            if line.price_source:
                key = f"{line.price_source} (as of {line.as_of.isoformat()})" if line.as_of else line.price_source
                ref = f"[{sources.setdefault(key, len(sources) + 1)}]"
            if line.machine_type:
                machine = escape(line.machine_type) + (f" ({escape(line.accelerators)})" if line.accelerators else "")
            else:
                machine = escape(line.accelerators or UNKNOWN)
            table.add_row(
                escape(line.pool), line.cloud, machine, line.capacity, _nodes(line), money(line.usd_per_hour_each, 4),
                money(line.usd_per_hour_min), money(line.usd_per_hour_max), money(line.usd_per_month_min, 0),
                money(line.usd_per_month_max, 0), ref,
            )
        totals = report.totals
        suffix = "" if totals.complete else " (known part)"
        table.add_section()
        table.add_row(
            "[bold]total[/bold]" + suffix, "", "", "", "", "",
            _total(totals.usd_per_hour_min, totals.known_usd_per_hour_min, 2), _total(totals.usd_per_hour_max, totals.known_usd_per_hour_max, 2),
            _total(totals.usd_per_month_min, totals.known_usd_per_month_min, 0), _total(totals.usd_per_month_max, totals.known_usd_per_month_max, 0), "",
        )
        out.print(table)
        if totals.complete:
            share = totals.spot_share_max
            out.print(
                f"total: {money(totals.usd_per_month_min, 0)} to {money(totals.usd_per_month_max, 0)} $/month "
                f"({money(totals.usd_per_hour_min)} to {money(totals.usd_per_hour_max)} $/hour); at max size "
                + ("nothing runs" if share is None else f"{1 - share:.0%} on-demand/reserved, {share:.0%} spot"),
                soft_wrap=True,
            )
        else:
            out.print(
                f"[yellow]total: unknown[/yellow] — {len(totals.unpriced)} line(s) unpriced; the known part is "
                f"{money(totals.known_usd_per_month_min, 0)} to {money(totals.known_usd_per_month_max, 0)} $/month",
                soft_wrap=True,
            )
            for item in totals.unpriced:
                out.print(f"  unpriced: {escape(item)}", soft_wrap=True)
        if budget is not None:
            ceiling = budget.monthly_ceiling_usd
            at_max = totals.usd_per_month_max
            if at_max is None:
                out.print(f"budget: ceiling {ceiling:,.0f} $/month; the cost at max size is unknown, so it cannot be judged", soft_wrap=True)
            else:
                verdict = "within" if at_max <= ceiling else "[red]OVER[/red]"
                out.print(f"budget: ceiling {ceiling:,.0f} $/month; at max size {at_max:,.0f} $/month ({at_max / ceiling:.0%}): {verdict}", soft_wrap=True)
        notes = [(line.pool, note) for line in report.lines for note in line.notes if line.priced or note not in (line.why_unpriced or "")]
        if notes:
            out.print("[bold]notes[/bold]")
            for pool, note in notes:
                out.print(f"  {escape(pool)}: {escape(note)}", soft_wrap=True)
        if sources:
            out.print("[bold]price sources[/bold]")
            for source, number in sources.items():
                out.print(f"  [{number}] {escape(source)}", soft_wrap=True)
    for note in report.notes:
        out.print(f"  - {escape(note)}", soft_wrap=True)


def _nodes(line: PricedLine) -> str:
    low = UNKNOWN if line.count_min is None else str(line.count_min)
    high = UNKNOWN if line.count_max is None else str(line.count_max)
    return low if low == high else f"{low}-{high}"


def _total(value: float | None, known: float, digits: int) -> str:
    return money(value, digits) if value is not None else f"{UNKNOWN} (>= {known:,.{digits}f})"
