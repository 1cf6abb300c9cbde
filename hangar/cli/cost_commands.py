"""`hangar cost`: what a stack's plan would run, priced per pool at min and max size, per hour and 30-day month."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from hangar.cli.app import FormatOption, NoCacheOption, OutputFormat, ProjectOption, StackArgument, app, fail, out
from hangar.cli.formatting import print_json
from hangar.cli.views import print_cost, print_routes
from hangar.planerror import PlanError
from hangar.stackfile import StackConfigError
from hangar.stackservice import priced_stack


@app.command()
def cost(
    stack: str = StackArgument,
    output_format: OutputFormat = FormatOption,
    no_cache: bool = NoCacheOption,
    project: Path = ProjectOption,
) -> None:
    """What STACK's compute costs at its min and max size, per hour and per 30-day month, planned offline.

    Prices come from the catalog (with the stack's `catalog_overrides`); an unknown price is shown as
    unknown and makes the total unknown — it is never counted as zero.
    """
    try:
        priced = priced_stack(project, stack, cache=not no_cache)
    except StackConfigError as error:
        raise fail([str(p) for p in error.problems])
    except PlanError as error:
        raise fail([f"stack {stack}: {line}" for line in str(error).splitlines() if line.strip()])
    report, budget = priced.report, priced.budget
    if output_format is OutputFormat.json:
        document = {"stack": stack, **report.to_json(), "plan_notes": list(priced.notes)}
        if budget is not None:
            document["budget"] = {"monthly_ceiling_usd": budget.monthly_ceiling_usd, "max_spot_share": budget.max_spot_share}
        if priced.routes is not None:
            document["routes"] = [route.to_json() for route in priced.routes]
            document["gateway"] = priced.gateway
        print_json(document)
        return
    print_cost(stack, report, budget)
    if priced.routes is not None:
        print_routes(list(priced.routes), priced.gateway or "")
    for note in priced.notes:
        out.print(f"[dim]note: {escape(note)}[/dim]", soft_wrap=True)
