"""Compare two sides of a change, stack by stack: resources, monthly cost, policy violations.

Pure: it takes each stack's two sides already planned, priced and judged (`Side`) and says what
changed. `hangar.diff_sides` produces the sides for `hangar diff` — the base from a clean
checkout of a git ref, the head from the working tree — and prints the result as a table, JSON,
or Markdown fit for a pull-request comment (`to_markdown`).

* Resources are matched by URN (type and parent chain included, as the engine does): a URN on one
  side only is added or removed; on both, the inputs are compared leaf by leaf and every changed
  path is listed with its value before and after. Secret inputs are recorded as "[secret]" by the
  plan runner and stay so here: a change of a secret value cannot be seen, only a change to or
  from being secret.
* Cost is the compute of each side at min and max size per 30-day month (`hangar.cost`); a side
  with an unpriced line has an unknown total, shown as unknown with the known part, never as zero.
* Violations are matched by policy and resource: one present on both sides (even with a new
  message, e.g. a budget overrun whose figure moved) is neither new nor fixed.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from typing import Any, Literal

from hangar.cost import CostTotals
from hangar.records import Plan
from hangar.violation import Violation

MARKER = "<!-- hangar-diff -->"
"""First line of the Markdown report: lets a CI step find and update its own pull-request comment."""

MAX_CHANGES_PER_RESOURCE = 6
"""Distinct before → after values shown per resource (all the paths that share one are listed together)."""
MAX_RESOURCES_PER_STACK = 40
MAX_VALUE_CHARS = 60

Kind = Literal["added", "removed", "changed"]


class _Missing:
    """An input absent on one side (distinct from an input set to null)."""

    def __repr__(self) -> str:
        return "(absent)"


MISSING: Any = _Missing()


@dataclasses.dataclass(frozen=True)
class InputChange:
    """One leaf input that differs: its path (`scalingConfig.maxSize`, `metadata.labels["hangar.dev/model"]`)."""

    path: str
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"path": self.path}
        if self.before is not MISSING:
            document["before"] = self.before
        if self.after is not MISSING:
            document["after"] = self.after
        return document


@dataclasses.dataclass(frozen=True)
class ResourceChange:
    """A resource added, removed or changed; `inputs` lists the changed paths of a changed one."""

    kind: Kind
    urn: str
    type: str
    name: str
    inputs: tuple[InputChange, ...] = ()

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"kind": self.kind, "urn": self.urn, "type": self.type, "name": self.name}
        if self.kind == "changed":
            document["inputs"] = [change.to_json() for change in self.inputs]
        return document


@dataclasses.dataclass(frozen=True)
class Side:
    """One stack at one side of the diff: planned, priced and judged — or why not.

    `present` is False when the stack has no stack file on that side. `error` says what failed; the
    parts computed before the failure are kept (a plan whose policy config cannot be read is still
    diffed and priced).
    """

    present: bool = True
    plan: Plan | None = None
    cost: CostTotals | None = None
    violations: tuple[Violation, ...] | None = None
    error: str | None = None
    notes: tuple[str, ...] = ()
    weakened: tuple[str, ...] = ()
    """What weakens this side's verdict (hangar.policies.rules.weakening): listed in every report."""


ABSENT = Side(present=False)


@dataclasses.dataclass(frozen=True)
class StackDiff:
    """What changed in one stack between the base and the head."""

    stack: str
    base: Side
    head: Side
    resources: tuple[ResourceChange, ...]
    new_violations: tuple[Violation, ...] | None
    """None when either side could not be judged."""
    fixed_violations: tuple[Violation, ...] | None

    @property
    def status(self) -> Literal["added", "removed", "changed", "unchanged", "error"]:
        if not self.base.present:
            return "added"
        if not self.head.present:
            return "removed"
        if self.base.plan is None or self.head.plan is None:
            return "error"
        cost_moved = _cost_key(self.base.cost) != _cost_key(self.head.cost)
        return "changed" if self.resources or self.new_violations or self.fixed_violations or cost_moved else "unchanged"

    def count(self, kind: Kind) -> int:
        return sum(1 for change in self.resources if change.kind == kind)

    @property
    def errors(self) -> list[str]:
        return [f"{side}: {s.error}" for side, s in (("base", self.base), ("head", self.head)) if s.error]

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "status": self.status,
            "resources": {
                "added": self.count("added"),
                "changed": self.count("changed"),
                "removed": self.count("removed"),
                "changes": [change.to_json() for change in self.resources],
            },
            "cost": {"before": _cost_json(self.base), "after": _cost_json(self.head), "delta_usd_per_month_max": _delta(self.base, self.head)},
            "violations": {
                "new": None if self.new_violations is None else [v.to_json() for v in self.new_violations],
                "fixed": None if self.fixed_violations is None else [v.to_json() for v in self.fixed_violations],
            },
            "errors": self.errors,
            "notes": {"base": list(self.base.notes), "head": list(self.head.notes)},
            "weakened": {"base": list(self.base.weakened), "head": list(self.head.weakened)},
        }


@dataclasses.dataclass(frozen=True)
class DiffReport:
    """Every compared stack, with the base it was compared against."""

    base_ref: str
    base_commit: str
    stacks: tuple[StackDiff, ...]

    @property
    def head_failed(self) -> bool:
        """A stack of the head (the proposed change) could not be planned: bad input, exit 2."""
        return any(d.head.present and d.head.plan is None for d in self.stacks)

    def to_json(self) -> dict[str, Any]:
        return {"base": {"ref": self.base_ref, "commit": self.base_commit}, "stacks": [d.to_json() for d in self.stacks]}


# --- diffing ----------------------------------------------------------------------------------------------


def diff_inputs(before: Any, after: Any, path: str = "") -> list[InputChange]:
    """Every leaf path whose value differs; objects by key, lists by index."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[InputChange] = []
        for key in sorted(set(before) | set(after), key=str):
            changes += diff_inputs(before.get(key, MISSING), after.get(key, MISSING), _key_path(path, key))
        return changes
    if isinstance(before, list) and isinstance(after, list):
        changes = []
        for index in range(max(len(before), len(after))):
            changes += diff_inputs(
                before[index] if index < len(before) else MISSING, after[index] if index < len(after) else MISSING, f"{path}[{index}]"
            )
        return changes
    if _same(before, after):
        return []
    return [InputChange(path or "(inputs)", before, after)]


def diff_plans(before: Plan | None, after: Plan | None) -> tuple[ResourceChange, ...]:
    """Resources added, changed and removed between two plans, matched by URN (a missing plan is empty)."""
    if before is not None and before is after:  # one plan on both sides (a stack unchanged since the base shares it): nothing to compare
        return ()
    old = {r.urn: r for r in (before.resources if before else ())}
    new = {r.urn: r for r in (after.resources if after else ())}
    changes = []
    for urn, record in new.items():
        if urn not in old:
            changes.append(ResourceChange("added", urn, record.type, record.name))
        else:
            inputs = diff_inputs(old[urn].inputs, record.inputs)
            if inputs:
                changes.append(ResourceChange("changed", urn, record.type, record.name, tuple(inputs)))
    changes += [ResourceChange("removed", urn, r.type, r.name) for urn, r in old.items() if urn not in new]
    order = {"added": 0, "changed": 1, "removed": 2}
    return tuple(sorted(changes, key=lambda c: (order[c.kind], c.type, c.name, c.urn)))


def diff_violations(before: Iterable[Violation], after: Iterable[Violation]) -> tuple[tuple[Violation, ...], tuple[Violation, ...]]:
    """(new, fixed): matched first exactly, then by policy and resource (so a reworded finding is neither)."""
    old, new = sorted(before), sorted(after)
    for key in (lambda v: v, lambda v: (v.policy, v.urn)):
        remaining_old = []
        pool: dict[Any, int] = {}
        for violation in old:
            pool[key(violation)] = pool.get(key(violation), 0) + 1
        unmatched_new = []
        for violation in new:
            if pool.get(key(violation)):
                pool[key(violation)] -= 1
            else:
                unmatched_new.append(violation)
        for violation in old:
            if pool.get(key(violation)):
                pool[key(violation)] -= 1
                remaining_old.append(violation)
        old, new = remaining_old, unmatched_new
    return tuple(new), tuple(old)


def diff_stack(stack: str, base: Side, head: Side) -> StackDiff:
    """Compare one stack's two sides."""
    comparable = all(side.plan is not None or not side.present for side in (base, head))
    resources = diff_plans(base.plan, head.plan) if comparable else ()
    base_violations = () if not base.present else base.violations
    head_violations = () if not head.present else head.violations
    if base_violations is None or head_violations is None:
        new = fixed = None
    else:
        new, fixed = diff_violations(base_violations, head_violations)
    return StackDiff(stack, base, head, resources, new, fixed)


# --- rendering -----------------------------------------------------------------------------------------------


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
    delta = _delta(base, head)
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


def _key_path(path: str, key: Any) -> str:
    key = str(key)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def _same(a: Any, b: Any) -> bool:
    if a is MISSING or b is MISSING:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b


def _span(low: float | None, high: float | None) -> str:
    return money(low) if money(low) == money(high) else f"{money(low)}–{money(high)}"


def _signed(value: float) -> str:
    return f"{'+' if value >= 0 else '−'}${abs(value):,.0f}"


def _delta(before: Side, after: Side) -> float | None:
    """Change of the worst-case (max) monthly cost; a side without the stack counts as zero, an unknown total as unknown."""

    def value(side: Side) -> float | None:
        if not side.present:
            return 0.0
        return None if side.cost is None else side.cost.usd_per_month_max

    a, b = value(before), value(after)
    return None if a is None or b is None else b - a


def _cost_key(cost: CostTotals | None) -> tuple[Any, ...]:
    if cost is None:
        return (None,)
    return (cost.complete, round(cost.known_usd_per_month_min, 2), round(cost.known_usd_per_month_max, 2))


def _cost_json(side: Side) -> dict[str, Any] | None:
    if not side.present or side.cost is None:
        return None
    cost = side.cost
    return {
        "complete": cost.complete,
        "usd_per_month_min": cost.usd_per_month_min,
        "usd_per_month_max": cost.usd_per_month_max,
        "known_usd_per_month_min": cost.known_usd_per_month_min,
        "known_usd_per_month_max": cost.known_usd_per_month_max,
        "unpriced": list(cost.unpriced),
    }
