"""Each stack's priced plan kept beside its plan, so a warm `hangar cost` neither validates the stack nor prices it again.

What `hangar cost` shows is a pure function of the plan, the stack file (its budget, routes and gateway) and
what pricing read (the catalog with its overrides, the pricing and sizing modules). Its key has the same two
parts as a verdict's (`hangar.verdictcache`):

- **its inputs**: the whole key of the plan it prices (which covers the stack file, the catalog overrides,
  the day, the installed versions and every file the plan read);
- **the files pricing read** beyond the plan's, learned the same way (`hangar.planreads`).

A stack whose pricing fails (a catalog that cannot be loaded) is never stored and is reported afresh on every
run. Entries live in `<project>/.hangar-cache/costs/` as `{"cost": {...}}` (a few KB each), kept like the plans:
the same size limit, least recently used out first, safe to delete.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hangar import planreads
from hangar.plancache import PlanCache, Source, read_names

if TYPE_CHECKING:
    from hangar.cost import CostReport
    from hangar.cost.route_records import RouteCost

FIELD = "cost"


@dataclasses.dataclass(frozen=True)
class StackBudget:
    """The stack's budget as `hangar cost` shows it (`hangar.spec.Budget`'s two numbers)."""

    monthly_ceiling_usd: float
    max_spot_share: float


@dataclasses.dataclass(frozen=True)
class PricedStack:
    """What `hangar cost` shows for one stack: its priced plan, its budget, its routes' cost with the gateway's note (when it has a gateway) and the plan's notes."""

    report: CostReport
    budget: StackBudget | None
    routes: tuple[RouteCost, ...] | None
    gateway: str | None
    notes: tuple[str, ...]


def cost_inputs(plan_key: str) -> str:
    """The first half of a priced stack's key: the whole key of the plan it prices."""
    return hashlib.sha256(f"{FIELD}\0{plan_key}".encode()).hexdigest()


def lookup(cache: PlanCache, plan_key: str, source: Source) -> PricedStack | None:
    """The priced stack stored for the plan under `plan_key`, if the files pricing read are unchanged; else None."""
    entry = cache.lookup(cost_inputs(plan_key), source, FIELD)
    return None if entry is None else from_entry(entry[FIELD])


def save(cache: PlanCache, plan: tuple[str, list[str]], source: Source, root: Path, stack_config_dir: Path | None, priced: PricedStack) -> None:
    """Store a stack priced just now in this process for the plan `(key, its read set)`."""
    plan_key, plan_reads = plan
    known = set(plan_reads)
    reads = [name for name in read_names(planreads.files_read(), (), root, stack_config_dir) if name not in known]
    document = {
        "report": dataclasses.asdict(priced.report),
        "budget": None if priced.budget is None else dataclasses.asdict(priced.budget),
        "routes": None if priced.routes is None else [dataclasses.asdict(route) for route in priced.routes],
        "gateway": priced.gateway,
        "notes": list(priced.notes),
    }
    cache.store(cost_inputs(plan_key), reads, source, {FIELD: document})


def from_entry(document: Any) -> PricedStack | None:
    """A stored priced stack, or None when it is not a whole one (a miss, never a crash); imports pricing's records only (not the spec, the catalog or sizing)."""
    from hangar.cost import CostReport, CostTotals, PricedLine

    try:
        report = document["report"]
        lines = tuple(_record(PricedLine, line, as_of=_date(line["as_of"]), notes=_texts(line["notes"])) for line in report["lines"])
        totals = _record(CostTotals, report["totals"], unpriced=_texts(report["totals"]["unpriced"]))
        budget = None if document["budget"] is None else _record(StackBudget, document["budget"])
        routes = None
        if document["routes"] is not None:
            from hangar.cost.route_records import RouteCost, RoutePart

            routes = tuple(RouteCost(str(route["route"]), tuple(_record(RoutePart, part) for part in route["parts"])) for route in document["routes"])
        gateway = document["gateway"]
        if gateway is not None and not isinstance(gateway, str):
            raise TypeError("gateway")
        return PricedStack(CostReport(lines, totals, _texts(report["notes"])), budget, routes, gateway, _texts(document["notes"]))
    except (KeyError, TypeError, ValueError):
        return None


NUMBERS = {
    "PricedLine": ("count_min", "count_max", "usd_per_hour_each"),
    "CostTotals": ("known_usd_per_hour_min", "known_usd_per_hour_max", "spot_usd_per_hour_max"),
    "StackBudget": ("monthly_ceiling_usd", "max_spot_share"),
    "RoutePart": ("share", "usd_per_million_tokens"),
}
"""The fields of each record that hold a number (or None where the record allows it): a stored text there is a damaged entry."""
REQUIRED = ("known_usd_per_hour_min", "known_usd_per_hour_max", "spot_usd_per_hour_max", "monthly_ceiling_usd", "max_spot_share")


def _record(kind: type, document: dict[str, Any], **converted: Any) -> Any:
    """A dataclass from the dict `dataclasses.asdict` made of it: exactly its fields, its numbers numbers, `converted` ones given."""
    names = {field.name for field in dataclasses.fields(kind)}
    if not isinstance(document, dict) or set(document) != names:
        raise ValueError(f"not a {kind.__name__}")
    for name in NUMBERS.get(kind.__name__, ()):
        value = document[name]
        if (value is None and name in REQUIRED) or isinstance(value, bool) or not isinstance(value, (int, float, type(None))):
            raise ValueError(f"{kind.__name__}.{name} is not a number")
    if kind.__name__ == "CostTotals" and not isinstance(document["complete"], bool):
        raise ValueError("CostTotals.complete is not a boolean")
    return kind(**{**document, **converted})


def _texts(values: Any) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ValueError("not a list of texts")
    return tuple(values)


def _date(value: Any) -> datetime.date | None:
    return None if value is None else datetime.date.fromisoformat(value)
