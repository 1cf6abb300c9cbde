"""What several commands print alike: a stack's cost table (`cost`, `plan`) and its policy verdict (`check`, `plan`; in `verdict_view`)."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from hangar.cli.app import out
from hangar.cli.formatting import UNKNOWN, money
from hangar.cli.verdict_view import print_verdict as print_verdict
from hangar.cost import CostReport, PricedLine


def print_routes(routes: list[Any], gateway: str) -> None:
    """Each route's $ per million tokens for its declared split (ESTIMATE), and what the gateway runs on."""
    out.print("[bold]routes[/bold] ($ per million prompt + output tokens, ESTIMATE at each deployment's declared average traffic)")
    for route in routes:
        parts = ", ".join(
            f"{escape(p.deployment)} {'?' if p.share is None else f'{p.share:.0%}'} at {money(p.usd_per_million_tokens)}" for p in route.parts
        )
        out.print(f"  {escape(route.route)}: {parts} -> blended {money(route.blended_usd_per_million_tokens)} $/1M tokens", soft_wrap=True)
        for part in route.parts:
            if part.why_unknown:
                out.print(f"    {escape(part.deployment)}: {escape(part.why_unknown)}", soft_wrap=True)
    out.print(f"  gateway: {escape(gateway)}", soft_wrap=True)


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
