"""Each stack's verdict kept beside its plan, so a warm `hangar check` reads two small files and imports no spec and no rules.

A verdict is a pure function of the plan, the policy config and the rules (with what they read: the
catalog, the spec that generates a policy config from the stack file). Its key has the same two parts as
a plan's (`hangar.plancache`):

- **its inputs**: the whole key of the plan it judges (which covers the stack file, the `--policy-config`
  file, the day, the installed versions and every file the plan read);
- **the files judging read** beyond the plan's: the policy pack's modules (which a plan's key leaves out)
  and any data the rules opened, learned the same way (`hangar.planreads`). A file of Hangar's library is
  named as the library's, hashed as installed, even in Hangar's own repository, where the project holds it
  too: `diff` judges its base side with today's rules, so a verdict stored on the base commit with its
  older rules must not serve it.

A verdict is stored only when it was judged in full: a plan that fails, a stack file the spec refuses or a
policy config that cannot be built is never cached and is reported afresh on every run. `hangar diff`
stores each side's cost totals with its verdict, and uses only entries that have them. Entries live in
`<project>/.hangar-cache/verdicts/` as `{"verdict": {"violations": [...], "weakened": [...]}}` (a few KB
each), kept like the plans: the same size limit, least recently used out first, safe to delete.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hangar import planreads
from hangar.plancache import PlanCache, Source, read_names, reads_key
from hangar.violation import Violation

if TYPE_CHECKING:
    from hangar.cost import CostTotals

FIELD = "verdict"


@dataclasses.dataclass(frozen=True)
class Judged:
    """A stored verdict: the violations, what weakens them, and (stored by `diff`, which prices each side) the cost totals."""

    violations: tuple[Violation, ...]
    weakened: tuple[str, ...]
    cost: CostTotals | None = None


def verdict_inputs(plan_key: str) -> str:
    """The first half of a verdict's key: the whole key of the plan it judges."""
    return hashlib.sha256(f"{FIELD}\0{plan_key}".encode()).hexdigest()


def lookup(cache: PlanCache, plan_key: str, source: Source, *, priced: bool = False) -> Judged | None:
    """The verdict stored for the plan under `plan_key`, if the files judging read are unchanged (and, when `priced`, one with its cost); else None."""
    found = search(cache, plan_key, source, priced=priced)
    return found[0] if found is not None else None


def search(cache: PlanCache, plan_key: str, source: Source, *, priced: bool = False) -> tuple[Judged, tuple[str, list[str]]] | None:
    """`lookup`, with the verdict's own key and the read set it is stored under (`holds` tells whether another tree's files give that key)."""
    found = cache.search(verdict_inputs(plan_key), source, FIELD)
    judged = None if found is None else from_entry(found[0][FIELD], priced=priced)
    if found is None or judged is None or (priced and judged.cost is None):
        return None
    return judged, (found[1], found[2])


def holds(plan_key: str, verdict: tuple[str, list[str]], source: Source) -> bool:
    """Whether the verdict stored under `verdict` (its key and read set) is the one judging the plan under `plan_key` would find in `source`.

    It hashes the files of that one read set as they are in `source`; no cache file is read.
    """
    return reads_key(verdict_inputs(plan_key), verdict[1], source) == verdict[0]


def save(cache: PlanCache, plan: tuple[str, list[str]], source: Source, root: Path, stack_config_dir: Path | None, judged: Judged) -> tuple[str, list[str]]:
    """Store a verdict judged just now in this process for the plan `(key, its read set)`; return its own key and read set."""
    plan_key, plan_reads = plan
    known = set(plan_reads)
    reads = [name for name in read_names(planreads.files_read(), (), root, stack_config_dir, packs=True, library_first=True) if name not in known]
    document: dict[str, Any] = {"violations": [v.to_json() for v in judged.violations], "weakened": list(judged.weakened)}
    if judged.cost is not None:
        document["cost"] = dataclasses.asdict(judged.cost)
    return cache.store(verdict_inputs(plan_key), reads, source, {FIELD: document}), reads


def from_entry(document: Any, *, priced: bool = False) -> Judged | None:
    """A stored verdict (with its cost when `priced`: reading it imports pricing), or None when it is not a whole one (a miss, never a crash)."""
    try:
        violations = tuple(Violation(policy=str(v["policy"]), urn=str(v["urn"]), message=str(v["message"]), level=v["level"]) for v in document["violations"])
        weakened = tuple(str(line) for line in document["weakened"])
        cost = _cost(document["cost"]) if priced and "cost" in document else None
    except (KeyError, TypeError, ValueError):
        return None
    if any(v.level not in ("advisory", "mandatory", "disabled") for v in violations):
        return None
    return Judged(violations, weakened, cost)


def _cost(document: dict[str, Any]) -> CostTotals:
    """Cost totals as `dataclasses.asdict` wrote them, numbers as they were (an int stays an int in every report); imported here: a check's verdict needs none."""
    from hangar.cost import CostTotals

    numbers = [document[name] for name in ("known_usd_per_hour_min", "known_usd_per_hour_max", "spot_usd_per_hour_max")]
    if not isinstance(document["complete"], bool) or any(isinstance(n, bool) or not isinstance(n, (int, float)) for n in numbers):
        raise ValueError("not cost totals")
    return CostTotals(document["complete"], *numbers, unpriced=tuple(str(line) for line in document["unpriced"]))
