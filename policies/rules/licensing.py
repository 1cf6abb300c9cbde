"""Model licences against how the stack will use the models.

Each serving workload's model is looked up in the catalog; its licence (and the licence of the
base model it derives from) is judged against the stack's tier and declared use. Refusals go to
`hangar-licensing`; duties to remember (attribution, acceptable-use policies, hosting terms) to
`hangar-licence-notices`; a model the catalog does not know to `hangar-cannot-judge`.
"""

from __future__ import annotations

from hangar.policies.rules.base import CANNOT_JUDGE, LICENCE_NOTICES, LICENSING, Finding
from hangar.policies.rules.config import CannotJudgeConfig, LicensingConfig, NoticesConfig
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.tiers import effective_tier
from hangar.policies.rules.workloads import ServingWorkload

from hangar.catalog import Catalog, Licence, load_catalog


def check(facts: StackFacts, config: LicensingConfig) -> list[Finding]:
    catalog = load_catalog(config.catalog_overrides)
    findings = []
    for workload in facts.workloads:
        for licence in _licences(catalog, workload):
            tier = effective_tier(config.tier, facts.by_urn.get(workload.urn))
            findings += [Finding(LICENSING, workload.urn, f"{workload.name}: {workload.model}: {reason}") for reason in refusals(licence, workload, tier, config)]
    return findings


def refusals(licence: Licence, workload: ServingWorkload, tier: str, config: LicensingConfig) -> list[str]:
    """Why this licence may not be used here, one reason per broken term."""
    reasons = []
    name = f"{licence.name} ({licence.id})"
    if licence.id in config.deny_licences:
        reasons.append(f"{name} is on the organisation's deny list")
    if config.allow_licences and licence.id not in config.allow_licences:
        reasons.append(f"{name} is not on the organisation's allow list ({', '.join(config.allow_licences)})")
    restriction = _use_restriction(licence)
    if restriction and (tier == "prod" or config.commercial_use):
        context = "this is a prod stack" if tier == "prod" else "this stack declares commercial use"
        reasons.append(f"{name} allows {restriction} use only, and {context}")
    if licence.mau_cap is not None and config.monthly_active_users > licence.mau_cap:
        reasons.append(
            f"{name} caps monthly active users at {licence.mau_cap:,}; this stack declares {config.monthly_active_users:,} — a separate licence is needed"
        )
    if licence.eu_multimodal_restriction and config.eu_established:
        reasons.append(f"{name} grants no rights for its multimodal models to licensees established in the EU")
    if licence.gated and workload.model not in config.accepted_gated_models:
        reasons.append(f"{name} is gated: record that its terms were accepted (licence.accepted_terms in the stack config)")
    return reasons


def notices(facts: StackFacts, config: NoticesConfig) -> list[Finding]:
    """Duties that come with a licence that is allowed: attribution, acceptable use, hosting terms."""
    catalog = load_catalog(config.catalog_overrides)
    findings = []
    for workload in facts.workloads:
        for licence in _licences(catalog, workload):
            duties = []
            if licence.attribution_required:
                duties.append("attribution")
            if licence.acceptable_use_policy:
                duties.append("an acceptable-use policy")
            if licence.hosted_service_restricted:
                duties.append("terms for hosting it as a service")
            if duties:
                findings.append(
                    Finding(
                        LICENCE_NOTICES,
                        workload.urn,
                        f"{workload.name}: {workload.model}: {licence.name} comes with {', '.join(duties)}: {licence.conditions} (source: {licence.source}, as of {licence.as_of})",
                    )
                )
    return findings


def unknown_models(facts: StackFacts, config: CannotJudgeConfig) -> list[Finding]:
    """Workloads whose model the catalog does not know (or whose model cannot be read): their licence cannot be judged."""
    catalog = load_catalog(config.catalog_overrides)
    findings = []
    for workload in facts.workloads:
        if workload.model is None:
            findings.append(Finding(CANNOT_JUDGE, workload.urn, f"{workload.name}: the served model cannot be read from the engine's arguments"))
        elif workload.model not in catalog.models:
            findings.append(
                Finding(
                    CANNOT_JUDGE,
                    workload.urn,
                    f"{workload.name}: model {workload.model} is not in the catalog, so its licence and fit cannot be judged; add it with catalog overrides",
                )
            )
    return findings


def _licences(catalog: Catalog, workload: ServingWorkload) -> list[Licence]:
    model = catalog.models.get(workload.model or "")
    if model is None:
        return []
    ids = [model.licence_id] + ([model.base_licence_id] if model.base_licence_id else [])
    return [catalog.licence(licence_id) for licence_id in ids]


def _use_restriction(licence: Licence) -> str | None:
    if licence.non_production_only:
        return "non-production"
    if licence.research_only:
        return "research"
    if licence.commercial_use == "no":
        return "non-commercial"
    return None
