"""Each stack's verdict kept beside its plan, so a warm `hangar check` reads two small files and imports no spec and no rules.

A verdict is a pure function of the plan, the policy config and the rules (with what they read: the
catalog, the spec that generates a policy config from the stack file). Its key has the same two parts as
a plan's (`hangar.plancache`):

- **its inputs**: the whole key of the plan it judges (which covers the stack file, the `--policy-config`
  file, the day, the installed versions and every file the plan read);
- **the files judging read** beyond the plan's: the policy pack's modules (which a plan's key leaves out)
  and any data the rules opened, learned the same way (`hangar.planreads`).

A verdict is stored only when it was judged in full: a plan that fails, a stack file the spec refuses or a
policy config that cannot be built is never cached and is reported afresh on every run. Entries live in
`<project>/.hangar-cache/verdicts/` as `{"verdict": {"violations": [...], "weakened": [...]}}` (a few KB
each), kept like the plans: the same size limit, least recently used out first, safe to delete.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from hangar import planreads
from hangar.plancache import PlanCache, Source, read_names
from hangar.violation import Violation

FIELD = "verdict"


def verdict_inputs(plan_key: str) -> str:
    """The first half of a verdict's key: the whole key of the plan it judges."""
    return hashlib.sha256(f"{FIELD}\0{plan_key}".encode()).hexdigest()


def lookup(cache: PlanCache, plan_key: str, source: Source) -> tuple[tuple[Violation, ...], tuple[str, ...]] | None:
    """The violations and weakenings stored for the plan under `plan_key`, if the files judging read are unchanged; else None."""
    entry = cache.lookup(verdict_inputs(plan_key), source, FIELD)
    return None if entry is None else from_entry(entry[FIELD])


def save(cache: PlanCache, plan: tuple[str, list[str]], source: Source, root: Path, stack_config_dir: Path | None, judged: tuple[tuple[Violation, ...], tuple[str, ...]]) -> None:
    """Store a verdict judged just now in this process for the plan `(key, its read set)`."""
    plan_key, plan_reads = plan
    known = set(plan_reads)
    reads = [name for name in read_names(planreads.files_read(), (), root, stack_config_dir, packs=True) if name not in known]
    violations, weakened = judged
    cache.store(verdict_inputs(plan_key), reads, source, {FIELD: {"violations": [v.to_json() for v in violations], "weakened": list(weakened)}})


def from_entry(document: Any) -> tuple[tuple[Violation, ...], tuple[str, ...]] | None:
    """A stored verdict, or None when it is not a whole one (a miss, never a crash)."""
    try:
        violations = tuple(Violation(policy=str(v["policy"]), urn=str(v["urn"]), message=str(v["message"]), level=v["level"]) for v in document["violations"])
        weakened = tuple(str(line) for line in document["weakened"])
    except (KeyError, TypeError):
        return None
    if any(v.level not in ("advisory", "mandatory", "disabled") for v in violations):
        return None
    return violations, weakened
