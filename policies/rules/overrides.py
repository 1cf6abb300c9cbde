"""Catalog overrides made visible: which packaged rows a stack's overrides change, and what verdicts rest on them.

Overrides are legitimate (negotiated prices, on-prem GPUs, a model the catalog lacks), but one can
also turn a non-commercial licence into a commercial one or give an L4 800 GiB, and the verdict just
changes. So: every verdict of licensing, hardware fit and budget that reads an overridden row says
which row and which file (an advisory finding of that policy), and in prod an override that changes
a packaged licence term or hardware fact (not a price) is a mandatory violation unless the policy
config allows it explicitly (`allowFactOverrides: true`, itself listed in every report).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable, Iterable

from hangar.policies.rules.base import BUDGET, HARDWARE_FIT, LICENSING, TIERS, Finding
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.tiers import effective_tier

from hangar.catalog import Catalog, load_catalog

NEUTRAL_FIELDS = frozenset({"source", "as_of", "notes", "verified", "flags", "price_source", "spec_source", "conditions", "name", "config_verified"})
"""Fields whose change alters no verdict: provenance and prose."""
TABLE_FILES = {"gpus": "gpus.csv", "instances": "instances.csv", "tpus": "tpus.csv", "models": "models.csv", "licences": "licences.csv"}


@dataclasses.dataclass(frozen=True)
class OverriddenRow:
    """A catalog row the overrides add or change: its table, key, the file it comes from, and the fields changed."""

    table: str
    key: str
    file: str
    changes: tuple[tuple[str, Any, Any], ...]
    """(field, packaged value, override value); empty for a row the packaged catalog does not have."""

    @property
    def changes_facts(self) -> bool:
        """It changes a licence term or hardware fact of a packaged row (a price or provenance does not count)."""
        return any(not field.startswith("price") for field, _, _ in self.changes)

    def describe(self) -> str:
        if not self.changes:
            return f"{self.table} row {self.key} (added by {self.file})"
        shown = ", ".join(f"{field} {_short(before)} → {_short(after)}" for field, before, after in self.changes)
        return f"{self.table} row {self.key} (from {self.file}): {shown}"


def overridden_rows(overrides: str | Path | None) -> tuple[OverriddenRow, ...]:
    """Every row the overrides add or change, compared with the packaged catalog; () without overrides."""
    if overrides is None:
        return ()
    path = Path(overrides).expanduser().resolve()
    return _rows(str(overrides), load_catalog(None), load_catalog(path))


def _rows(path: str, packaged: Catalog, merged: Catalog) -> tuple[OverriddenRow, ...]:
    tables: dict[str, tuple[dict[Any, Any], dict[Any, Any]]] = {
        "gpus": (dict(packaged.gpus), dict(merged.gpus)),
        "instances": ({row.key: row for row in packaged.instances}, {row.key: row for row in merged.instances}),
        "tpus": ({row.key: row for row in packaged.tpus}, {row.key: row for row in merged.tpus}),
        "models": (dict(packaged.models), dict(merged.models)),
        "licences": (dict(packaged.licences), dict(merged.licences)),
    }
    found = []
    for table, (before, after) in tables.items():
        file = path if path.endswith(".csv") else f"{path}/{TABLE_FILES[table]}"
        for key, row in after.items():
            old = before.get(key)
            if old is row or old == row:
                continue
            changes = () if old is None else tuple(
                (field, getattr(old, field), getattr(row, field))
                for field in type(row).model_fields
                if field not in NEUTRAL_FIELDS and getattr(old, field) != getattr(row, field)
            )
            if old is None or changes:
                found.append(OverriddenRow(TABLE_FILES[table], _key_text(key), file, changes))
    return tuple(sorted(found, key=lambda row: (row.table, row.key)))


def used_rows(facts: StackFacts, rows: Iterable[OverriddenRow], overrides: str, policy: str) -> list[OverriddenRow]:
    """The overridden rows a policy's verdict on this stack reads: its models and their licences, its GPUs, its priced machines."""
    catalog = load_catalog(overrides)
    models = {workload.model for workload in facts.workloads if workload.model}
    lineage = {row.hf_id for model in models for row in catalog.lineage(model)}  # a derived model's verdict reads its bases too
    licences = {licence.id for model in models for licence, _ in catalog.model_licences(model)}
    lines = facts.cost(overrides).lines
    machines = {line.machine_type for line in lines if line.machine_type}
    gpus = {name for line in lines for name in (line.accelerators or "").split() if name in catalog.gpus}
    reads = {
        LICENSING: {("models.csv", m) for m in models | lineage} | {("licences.csv", licence) for licence in licences},
        HARDWARE_FIT: {("models.csv", m) for m in models} | {("gpus.csv", g) for g in gpus},
        BUDGET: set(),
    }[policy]
    chosen = []
    for row in rows:
        if (row.table, row.key) in reads:
            chosen.append(row)
        elif policy in (BUDGET, HARDWARE_FIT) and row.table in ("instances.csv", "tpus.csv") and any(f" {machine} " in f" {row.key} " for machine in machines):
            chosen.append(row)
    return chosen


def noting_overrides(check: Callable[[StackFacts, Any], list[Finding]], policy: str) -> Callable[[StackFacts, Any], list[Finding]]:
    """`check`, plus: which overridden rows its verdict rests on (advisory), and in prod a refusal of fact overrides not allowed."""

    def checked(facts: StackFacts, config: Any) -> list[Finding]:
        findings = check(facts, config)
        overrides = getattr(config, "catalog_overrides", None)
        rows = overridden_rows(overrides)
        if not rows:
            return findings
        used = used_rows(facts, rows, overrides, policy)
        tier = max((effective_tier(getattr(config, "tier", "dev"), record) for record in facts.records), key=TIERS.index, default="dev")
        allowed = bool(getattr(config, "allow_fact_overrides", False))
        for row in used:
            if row.changes_facts and tier == "prod" and policy != BUDGET and not allowed:
                findings.append(
                    Finding(
                        policy,
                        "",
                        f"a prod verdict may not rest on an override of a packaged licence term or hardware fact: {row.describe()}; "
                        f"correct the catalog upstream, or allow it explicitly with {policy}.allowFactOverrides: true",
                    )
                )
            else:
                findings.append(Finding(policy, "", f"this verdict rests on an overridden catalog row: {row.describe()}", advisory=True))
        return findings

    return checked


def _key_text(key: Any) -> str:
    return " ".join(str(part) for part in key) if isinstance(key, tuple) else str(key)


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."
