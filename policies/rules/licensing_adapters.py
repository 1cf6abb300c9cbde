"""LoRA adapters' licences: an adapter carries its base model's licence duties plus its own.

A vLLM workload serves adapters when its engine arguments carry `--lora-modules` (one value per
adapter: `name=path` or a JSON object with `name` and `path`, vLLM v0.11.2
vllm/entrypoints/openai/cli_args.py `LoRAParserAction`). Hangar's own servers also name each adapter's
source, revision, licence and rank in the workload annotation `hangar.dev/lora-adapters`
(`hangar.components.serving_lora`). The base model is judged by `hangar.policies.rules.licensing` on the
same workload, so every request an adapter answers is bound by those terms too; here each adapter's
own licence is judged the same way (deny and allow lists, non-commercial or research-only terms in
prod or commercial use, user caps, gated terms accepted for the adapter's repository). An adapter
whose licence is `unknown`, not in the catalog, or that a raw program loads without saying which
licence it has, cannot be judged: `hangar-cannot-judge`, which fails closed (mandatory in prod).
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from hangar.policies.rules.base import CANNOT_JUDGE, LICENCE_NOTICES, LICENSING, Finding
from hangar.policies.rules.config import CannotJudgeConfig, LicensingConfig, NoticesConfig
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.licensing import duties, refusals
from hangar.policies.rules.tiers import effective_tier
from hangar.policies.rules.workloads import POD_SPEC_PATHS, ServingWorkload

from hangar.catalog import load_catalog
from hangar.spec.adapters import ADAPTERS_ANNOTATION
from hangar.spec.adapters import HUB_ID as SPEC_HUB_ID

HUB_ID = re.compile(SPEC_HUB_ID)


@dataclasses.dataclass(frozen=True)
class Adapter:
    """One adapter a workload serves, as far as the records say."""

    name: str
    source: str | None
    revision: str | None
    licence: str | None

    def describe(self) -> str:
        where = f" ({self.source}{'@' + self.revision[:12] if self.revision else ''})" if self.source else ""
        return f"adapter {self.name!r}{where}"


def adapters(facts: StackFacts, workload: ServingWorkload) -> list[Adapter]:
    """The adapters `workload` loads: each `--lora-modules` value, with what the annotation declares about it."""
    record = facts.by_urn.get(workload.urn)
    if record is None:
        return []
    paths = POD_SPEC_PATHS.get(record.type, ())
    declared = {entry.get("name"): entry for entry in _declared(record.inputs, paths) if isinstance(entry, dict)}
    found = []
    for name, path in _modules(record.inputs, paths):
        entry = declared.get(name, {})
        source = entry.get("source") or (path if HUB_ID.match(path or "") else None)
        found.append(Adapter(name=name, source=source, revision=entry.get("revision"), licence=entry.get("licence")))
    return found


def check(facts: StackFacts, config: LicensingConfig) -> list[Finding]:
    """`hangar-licensing`: an adapter's own licence may not be used here (its base model's is judged on the same workload)."""
    catalog = load_catalog(config.catalog_overrides)
    findings = []
    for workload in facts.workloads:
        model = catalog.models.get(workload.model or "")
        if model is None:
            continue  # hangar-cannot-judge reports the unknown base model
        tier = effective_tier(config.tier, facts.by_urn.get(workload.urn))
        for adapter in adapters(facts, workload):
            licence = catalog.licences.get(adapter.licence or "")
            if licence is None:
                continue  # hangar-cannot-judge reports it
            as_served = dataclasses.replace(workload, model=adapter.source)  # gated terms are accepted per repository
            findings += [
                Finding(LICENSING, workload.urn, f"{workload.name}: {adapter.describe()} of {workload.model}: {reason}")
                for reason in refusals(licence, as_served, tier, config, model)
            ]
    return findings


def notices(facts: StackFacts, config: NoticesConfig) -> list[Finding]:
    """`hangar-licence-notices`: each adapter's own licence duties, on top of its base model's, as `licensing.duties` lists a model's."""
    catalog = load_catalog(config.catalog_overrides)
    findings = []
    for workload in facts.workloads:
        for adapter in adapters(facts, workload):
            licence = catalog.licences.get(adapter.licence or "")
            if licence is None:
                continue
            found = duties(licence, config)  # the same list as a model's: hosting terms only for a hosted service, the display duty
            base = f"; it also carries the duties of its base model {workload.model}" if workload.model else ""
            if found:
                findings.append(
                    Finding(
                        LICENCE_NOTICES,
                        workload.urn,
                        f"{workload.name}: {adapter.describe()}: {licence.name} comes with {', '.join(found)}: {licence.conditions} "
                        f"(source: {licence.source}, as of {licence.as_of}){base}",
                    )
                )
    return findings


def unknown(facts: StackFacts, config: CannotJudgeConfig) -> list[Finding]:
    """`hangar-cannot-judge`: adapters whose licence is unknown, not in the catalog, or not declared at all."""
    catalog = load_catalog(config.catalog_overrides)
    findings = []
    for workload in facts.workloads:
        for adapter in adapters(facts, workload):
            if adapter.licence is None:
                why = "its licence is not declared (Hangar declares it in the hangar.dev/lora-adapters annotation from lora.adapters[].licence)"
            elif adapter.licence not in catalog.licences:
                why = "its licence is unknown" if adapter.licence == "unknown" else f"its licence {adapter.licence!r} is not in the catalog (add it with catalog overrides)"
            else:
                continue
            findings.append(Finding(CANNOT_JUDGE, workload.urn, f"{workload.name}: {adapter.describe()} of {workload.model}: {why}, so whether it may be served here cannot be judged"))
    return findings


def _declared(inputs: dict[str, Any], paths: tuple[tuple[str, ...], ...]) -> list[Any]:
    """The adapters the workload's (or its pod template's) annotation declares ([] when absent or unreadable)."""
    for found in (_dig(inputs, ("metadata", "annotations")), *(_dig(inputs, path[:-1] + ("metadata", "annotations")) for path in paths)):
        text = found.get(ADAPTERS_ANNOTATION) if isinstance(found, dict) else None
        if isinstance(text, str):
            try:
                listed = json.loads(text)
            except ValueError:
                return []
            return listed if isinstance(listed, list) else []
    return []


def _modules(inputs: dict[str, Any], paths: tuple[tuple[str, ...], ...]) -> list[tuple[str, str | None]]:
    """(name, path) of every `--lora-modules` value in the serving container's command line."""
    for path in paths:
        pod = _dig(inputs, path)
        for container in (pod or {}).get("containers") or []:
            words = [str(word) for word in (container.get("command") or []) + (container.get("args") or [])]
            found: list[tuple[str, str | None]] = []
            for index, word in enumerate(words):
                if word == "--lora-modules" or word.startswith("--lora-modules="):
                    values = [word.partition("=")[2]] if "=" in word else []
                    for following in words[index + 1 :]:
                        if following.startswith("--"):
                            break
                        values.append(following)
                    found += [module for module in map(_module, values) if module is not None]
            if found:
                return found
    return []


def _module(value: str) -> tuple[str, str | None] | None:
    """One `--lora-modules` value as vLLM v0.11.2 reads it: `name=path` (with no comma), else a JSON object."""
    if "=" in value and "," not in value:
        name, _, path = value.partition("=")
        return name, path
    try:
        entry = json.loads(value)
    except ValueError:
        return None
    return (str(entry["name"]), entry.get("path")) if isinstance(entry, dict) and "name" in entry else None


def _dig(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
