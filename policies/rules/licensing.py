"""Model licences against how the stack will use the models.

Each serving workload's model is looked up in the catalog; its licence (and the licences of the
base models it derives from, which bind a fine-tune, distillation or quantised repack too) is judged
against the stack's tier and declared use. Some terms depend on the release, not the licence: the
Llama 3.2 / Llama 4 acceptable-use policies exclude EU-domiciled licensees from their multimodal
models only (meta-llama/llama-models models/llama3_2/USE_POLICY.md and models/llama4/USE_POLICY.md at
a9c89c471f793423afd4cc3ca8671d6e56fe64cb, read 2026-12-01), so the refusal reads the model row's
`multimodal` (from its config.json). Refusals go to
`hangar-licensing`; duties to remember (attribution, acceptable-use policies, hosting terms) to
`hangar-licence-notices`; a model the catalog does not know to `hangar-cannot-judge`.
"""

from __future__ import annotations

from hangar.policies.rules.base import CANNOT_JUDGE, LICENCE_NOTICES, LICENSING, Finding
from hangar.policies.rules.config import CannotJudgeConfig, LicensingConfig, NoticesConfig
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.tiers import effective_tier
from hangar.policies.rules.workloads import ServingWorkload

from hangar.catalog import Licence, Model, load_catalog


def check(facts: StackFacts, config: LicensingConfig) -> list[Finding]:
    catalog = load_catalog(config.catalog_overrides)
    findings = []
    for workload in facts.workloads:
        model = catalog.models.get(workload.model or "")
        if model is None:
            continue  # hangar-cannot-judge reports it
        tier = effective_tier(config.tier, facts.by_urn.get(workload.urn))
        for licence, carrier in catalog.model_licences(model.hf_id):
            via = "" if carrier is model else f"inherited from its base {carrier.hf_id}: "
            findings += [Finding(LICENSING, workload.urn, f"{workload.name}: {workload.model}: {via}{reason}")
                         for reason in refusals(licence, workload, tier, config, model)]
    return findings


def refusals(licence: Licence, workload: ServingWorkload, tier: str, config: LicensingConfig, model: Model) -> list[str]:
    """Why this licence may not be used here, one reason per broken term (`model`: the deployed model, for terms that depend on it)."""
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
    revenue_cap = licence.licensee_annual_revenue_cap_usd
    if revenue_cap is not None and config.monthly_revenue_usd is not None and config.monthly_revenue_usd * 12 > revenue_cap:
        # the product's declared revenue is part of the organisation's: past the cap on its own, the licence has ended
        reasons.append(
            f"{name} ends for a licensee whose annual revenue (with its affiliates, from any source) passes US${revenue_cap:,.0f}; "
            f"this stack declares US${config.monthly_revenue_usd:,.0f} monthly revenue (US${config.monthly_revenue_usd * 12:,.0f} a year) "
            "for its product alone — a separate licence from the licensor is needed"
        )
    if licence.eu_multimodal_restriction and config.eu_established:
        excluded = f"{name} grants no rights for its multimodal models to licensees established in the EU (end users of a product built on them are not affected)"
        if model.multimodal is None:
            reasons.append(f"{excluded}, and whether {model.hf_id} takes images is unknown (its catalog row leaves multimodal empty: import it from its config.json)")
        elif model.multimodal:
            reasons.append(f"{excluded}, and {model.hf_id} is multimodal (it takes images)")
    if licence.gated and workload.model not in config.accepted_gated_models:
        reasons.append(f"{name} is gated: record that its terms were accepted (licence.accepted_terms in the stack config)")
    return reasons


def notices(facts: StackFacts, config: NoticesConfig) -> list[Finding]:
    """Duties that come with a licence that is allowed: attribution, acceptable use, a name to display, and hosting
    terms when the stack declares a hosted service (`licence.hosted_service`)."""
    catalog = load_catalog(config.catalog_overrides)
    findings = []
    for workload in facts.workloads:
        model = catalog.models.get(workload.model or "")
        if model is None:
            continue
        for licence, carrier in catalog.model_licences(model.hf_id):
            found = duties(licence, config)
            if found:
                via = "" if carrier is model else f" (inherited from its base {carrier.hf_id})"
                findings.append(
                    Finding(
                        LICENCE_NOTICES,
                        workload.urn,
                        f"{workload.name}: {workload.model}: {licence.name}{via} comes with {', '.join(found)}: {licence.conditions} (source: {licence.source}, as of {licence.as_of})",
                    )
                )
    return findings


def duties(licence: Licence, config: NoticesConfig) -> list[str]:
    """The duties an allowed licence carries in this stack, one list for a model's licence and a LoRA adapter's alike
    (`hangar.policies.rules.licensing_adapters`): attribution, an acceptable-use policy, hosting terms when the stack
    declares a hosted service, the name-display duty with whether the declared users or revenue trigger it, and keeping
    the model's guardrails where bypassing them ends the licence."""
    found = []
    if licence.attribution_required:
        found.append("attribution")
    if licence.acceptable_use_policy:
        found.append("an acceptable-use policy")
    if licence.hosted_service_restricted and config.hosted_service:
        # the stack's licence.hosted_service: a model served only inside the organisation is not distributed as a service
        found.append("terms for hosting it as a service")
    if licence.guardrail_termination:
        found.append("keeping the model's safety guardrails (bypassing or weakening one without a substantially similar guardrail ends the licence by itself)")
    display = _display_duty(licence, config)
    if display:
        found.append(display)
    revenue_cap = _revenue_cap_duty(licence, config)
    if revenue_cap:
        found.append(revenue_cap)
    return found


def _revenue_cap_duty(licence: Licence, config: NoticesConfig) -> str | None:
    """The licensee revenue past which the licence ends (Stability AI Community License), and what the declared revenue tells.

    A stack declares its product's monthly revenue; the cap is on the licensee's whole annual revenue, with its
    affiliates', whatever its source, so a declared revenue under the cap leaves the organisation's to be checked."""
    cap = licence.licensee_annual_revenue_cap_usd
    if cap is None:
        return None
    duty = (f"keeping the licensee's annual revenue (with its affiliates, from any source) at or under US${cap:,.0f}, "
            "past which the licence ends and a separate one is needed")
    revenue = config.monthly_revenue_usd
    if revenue is None:
        return f"{duty} — monthly revenue not declared (licence.monthly_revenue_usd in the stack config), so Hangar cannot tell whether it has been passed"
    if revenue * 12 > cap:
        return f"{duty} — passed: this stack declares US${revenue:,.0f} monthly revenue (US${revenue * 12:,.0f} a year)"
    return (f"{duty} — this stack declares US${revenue:,.0f} monthly revenue (US${revenue * 12:,.0f} a year), its product's alone: "
            "the organisation's whole revenue decides")


def _display_duty(licence: Licence, config: NoticesConfig) -> str | None:
    """The licence's name-display duty, and whether the declared users or revenue already trigger it."""
    if licence.display_name is None:
        return None
    if licence.display_mau_threshold == 0:  # every commercial product, whatever its users and revenue (MiniMax-M2.1)
        return (f'prominently displaying "{licence.display_name}" on the user interface of any commercial product or '
                "service that uses it, with no user or revenue threshold")
    limits, passed = [], []
    if licence.display_mau_threshold is not None:
        limits.append(f"{licence.display_mau_threshold:,} monthly active users")
        if config.monthly_active_users > licence.display_mau_threshold:
            passed.append(f"this stack declares {config.monthly_active_users:,} monthly active users")
    if licence.display_monthly_revenue_usd_threshold is not None:
        limits.append(f"US${licence.display_monthly_revenue_usd_threshold:,.0f} monthly revenue")
        if config.monthly_revenue_usd is not None and config.monthly_revenue_usd > licence.display_monthly_revenue_usd_threshold:
            passed.append(f"this stack declares US${config.monthly_revenue_usd:,.0f} monthly revenue")
    duty = f'prominently displaying "{licence.display_name}" on the user interface of a commercial product past {" or ".join(limits)}'
    if passed:
        return f"{duty} — required now: {' and '.join(passed)}"
    if licence.display_monthly_revenue_usd_threshold is not None and config.monthly_revenue_usd is None:
        return f"{duty} — monthly revenue not declared (licence.monthly_revenue_usd in the stack config), so Hangar cannot tell whether it applies"
    return f"{duty} — not yet required at the declared users and revenue"


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


def _use_restriction(licence: Licence) -> str | None:
    if licence.non_production_only:
        return "non-production"
    if licence.research_only:
        return "research"
    if licence.commercial_use == "no":
        return "non-commercial"
    return None
