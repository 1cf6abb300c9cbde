"""Render a `hangar.diff` report for people: summary cells for the terminal table, and Markdown fit for a pull-request
comment (`to_markdown`), with a marker line a CI step finds its own comment by.

Kept apart from `hangar.diff`, which computes what changed; this module only says it, within bounded lengths.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from hangar.cost import CostTotals
from hangar.diff import MISSING, DiffReport, InputChange, Side, StackDiff, max_cost_delta

MARKER = "<!-- hangar-diff -->"
"""First line of the Markdown report: lets a CI step find and update its own pull-request comment."""

MAX_CHANGES_PER_RESOURCE = 6
"""Distinct before → after values shown per resource (all the paths that share one are listed together)."""
MAX_RESOURCES_PER_STACK = 40
MAX_VALUE_CHARS = 60


def money(value: float | None) -> str:
    return "unknown" if value is None else f"${value:,.0f}"


def cost_range(cost: CostTotals | None) -> str:
    """"$1,234" or "$1,234–$2,468" a month; unknown with its known part; "–" for no side."""
    if cost is None:
        return "n/a"
    if not cost.complete:
        return f"unknown (≥ {_span(cost.known_usd_per_month_min, cost.known_usd_per_month_max)} known)"
    return _span(cost.usd_per_month_min, cost.usd_per_month_max)


def cost_change(base: Side, head: Side) -> str:
    """Cost before → after for a summary cell."""
    before = cost_range(base.cost) if base.present else "–"
    after = cost_range(head.cost) if head.present else "–"
    if before == after:
        return f"{after} (no change)"
    delta = max_cost_delta(base, head)
    suffix = "" if delta is None else f" ({_signed(delta)} at max)"
    return f"{before} → {after}{suffix}"


def resources_cell(diff: StackDiff) -> str:
    if diff.status == "added":
        return f"new stack: +{diff.count('added')}"
    if diff.status == "removed":
        return f"stack removed: −{diff.count('removed')}"
    if diff.base.plan is None or diff.head.plan is None:
        return "⚠ not planned"
    if not diff.resources:
        return "no change"
    return f"+{diff.count('added')} ~{diff.count('changed')} −{diff.count('removed')}"


def violations_cell(diff: StackDiff) -> str:
    if diff.new_violations is None or diff.fixed_violations is None:
        return "⚠ not judged"
    new, fixed = diff.new_violations, diff.fixed_violations
    mandatory = sum(1 for v in new if v.level == "mandatory")
    mark = "❌ " if mandatory else ("⚠️ " if new else ("✅ " if fixed else ""))
    return f"{mark}{len(new)} new · {len(fixed)} fixed"


def format_value(value: Any, other: Any = MISSING) -> str:
    """A value as the report shows it: JSON (whole numbers without ".0"), secrets as [secret], long ones shortened.

    A long string is shown around its first difference from `other` (the value on the other side),
    so two long values that differ near the end do not look the same.
    """
    if value is MISSING:
        return "(absent)"
    if isinstance(value, str) and value in ("[secret]", "[unknown]"):
        return value
    text = json.dumps(_whole(value), sort_keys=True, default=str)
    if len(text) <= MAX_VALUE_CHARS:
        return text
    start = 0
    if isinstance(value, str) and isinstance(other, str):
        other_text = json.dumps(other)
        common = next((i for i, (a, b) in enumerate(zip(text, other_text)) if a != b), min(len(text), len(other_text)))
        start = max(0, common - MAX_VALUE_CHARS // 3)
    window = text[start : start + MAX_VALUE_CHARS - 2]
    return ("…" if start else "") + window + ("…" if start + len(window) < len(text) else "")


def group_changes(changes: Iterable[InputChange]) -> list[tuple[tuple[str, str], list[str]]]:
    """Changes grouped by their shown (before, after) values, in order: one model swap touches many labels."""
    groups: dict[tuple[str, str], list[str]] = {}
    for change in changes:
        groups.setdefault((format_value(change.before, change.after), format_value(change.after, change.before)), []).append(change.path)
    return list(groups.items())


def _whole(value: Any) -> Any:
    """Wire-form numbers are floats: 3.0 is shown as 3."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole(item) for item in value]
    return value


def to_markdown(report: DiffReport) -> str:
    """The pull-request comment: one summary table, each changed stack's details folded."""
    commit = f" ({report.base_commit[:7]})" if report.base_commit else ""
    lines = [
        MARKER,
        f"### Hangar diff against `{report.base_ref}`{commit}",
        "",
        "| stack | resources + ~ − | compute $/month before → after | policy violations |",
        "|---|---|---|---|",
    ]
    for diff in report.stacks:
        lines.append(f"| `{diff.stack}` | {resources_cell(diff)} | {_md(cost_change(diff.base, diff.head))} | {violations_cell(diff)} |")
    weakened = [f"- ⚠️ `{diff.stack}` weakened: {_md(line)}" for diff in report.stacks for line in diff.head.weakened]
    if weakened:
        lines += ["", *weakened]
    for diff in report.stacks:
        if diff.status == "unchanged":
            continue
        lines += ["", f"<details><summary><code>{diff.stack}</code>: {_md(_summary(diff))}</summary>", ""]
        lines += _details(diff)
        lines += ["", "</details>"]
    unchanged = [d.stack for d in report.stacks if d.status == "unchanged"]
    no_change = f"No change in {', '.join(f'`{s}`' for s in unchanged)}. " if unchanged else ""
    footer = (
        "Planned offline (Pulumi mock runtime); cost is compute at min–max size, catalog list prices, 720 h a month; "
        "unknown prices stay unknown. Violations are the policy pack's rules (`hangar check`)."
    )
    lines += ["", f"<sub>{no_change}{footer}</sub>"]
    return "\n".join(lines) + "\n"


def _summary(diff: StackDiff) -> str:
    parts = []
    if diff.errors:
        parts.append("could not be fully compared")
    for kind in ("added", "changed", "removed"):
        if diff.count(kind):  # type: ignore[arg-type]
            parts.append(f"{diff.count(kind)} {kind}")  # type: ignore[arg-type]
    if diff.new_violations:
        parts.append(f"{len(diff.new_violations)} new violation{'s' if len(diff.new_violations) != 1 else ''}")
    if diff.fixed_violations:
        parts.append(f"{len(diff.fixed_violations)} fixed")
    if not parts:
        parts.append("cost changed")
    return ", ".join(parts)


def _details(diff: StackDiff) -> list[str]:
    lines: list[str] = []
    for error in diff.errors:
        lines.append(f"> ⚠ {_md(error)}")
    if lines:
        lines.append("")
    if diff.resources and diff.status in ("added", "removed"):
        counts: dict[str, int] = {}
        for change in diff.resources:
            counts[change.type] = counts.get(change.type, 0) + 1
        mark = "+" if diff.status == "added" else "−"
        lines += [f"The whole stack is {'new' if diff.status == 'added' else 'removed'}:", ""]
        lines += [f"- {mark}{count} {_code(type_)}" for type_, count in sorted(counts.items())]
    elif diff.resources:
        lines += ["| | resource | type | changed inputs (before → after) |", "|---|---|---|---|"]
        for change in diff.resources[:MAX_RESOURCES_PER_STACK]:
            mark = {"added": "+", "changed": "~", "removed": "−"}[change.kind]
            groups = group_changes(change.inputs)
            shown = [", ".join(_code(path) for path in paths) + f": {_code(before)} → {_code(after)}" for (before, after), paths in groups[:MAX_CHANGES_PER_RESOURCE]]
            if len(groups) > MAX_CHANGES_PER_RESOURCE:
                shown.append(f"… {sum(len(paths) for _, paths in groups[MAX_CHANGES_PER_RESOURCE:])} more paths")
            lines.append(f"| {mark} | {_code(change.name)} | {_code(change.type)} | {'<br>'.join(shown)} |")
        if len(diff.resources) > MAX_RESOURCES_PER_STACK:
            lines.append(f"\n… and {len(diff.resources) - MAX_RESOURCES_PER_STACK} more resources: run `hangar diff --format json`.")
    for title, violations in (("New violations", diff.new_violations), ("Fixed violations", diff.fixed_violations)):
        if violations:
            lines += ["", f"**{title}**", ""]
            lines += [f"- **{v.level}** `{v.policy}` {_md(_resource(v.urn))}: {_md(v.message)}" for v in violations]
    if diff.base.cost is not None or diff.head.cost is not None:
        lines += ["", f"Compute $/month (min–max): {_md(cost_range(diff.base.cost) if diff.base.present else '–')} → {_md(cost_range(diff.head.cost) if diff.head.present else '–')}"]
    return lines


def _resource(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if urn else "(stack)"


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def _code(text: str) -> str:
    """An inline code span in a table cell (a backtick inside would end it)."""
    return "`" + _md(text).replace("`", "'") + "`"

def _span(low: float | None, high: float | None) -> str:
    return money(low) if money(low) == money(high) else f"{money(low)}–{money(high)}"


def _signed(value: float) -> str:
    return f"{'+' if value >= 0 else '−'}${abs(value):,.0f}"
