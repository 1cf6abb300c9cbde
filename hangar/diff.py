"""Compare two sides of a change, stack by stack: resources, monthly cost, policy violations.

Pure: it takes each stack's two sides already planned, priced and judged (`Side`) and says what
changed. `hangar.diff_sides` produces the sides for `hangar diff` — the base from a clean
checkout of a git ref, the head from the working tree —; `hangar.diff_render` says the result as
table cells or Markdown fit for a pull-request comment (`to_markdown`), and the report gives JSON.

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
            "cost": {"before": _cost_json(self.base), "after": _cost_json(self.head), "delta_usd_per_month_max": max_cost_delta(self.base, self.head)},
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


def max_cost_delta(before: Side, after: Side) -> float | None:
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
