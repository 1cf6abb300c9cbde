"""Licensing of LoRA adapters: each adapter's own licence is judged on top of its base model's, an unknown one fails closed.

Raw programs are judged from `--lora-modules` alone (vLLM v0.11.2's two forms, `name=path` and JSON); Hangar's
servers also declare each adapter's source, revision and licence in the `hangar.dev/lora-adapters` annotation.
"""

from __future__ import annotations

from typing import Any

from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.base import CANNOT_JUDGE, LICENCE_NOTICES, LICENSING

from hangar.records import ResourceRecord
from tests.adapter_records import server
from tests.lora_plans import SQL, SUPPORT, planned, with_adapters
from tests.serving_plans import plan_environment


def verdicts(records: list[ResourceRecord], config: dict | None = None) -> list[tuple[str, str, str]]:
    return [(v.policy, v.level, v.message) for v in evaluate(records, load_pack_config(config or {}, "test"))]


def about_adapters(records: list[ResourceRecord], config: dict | None = None, policies: tuple[str, ...] = (LICENSING, CANNOT_JUDGE)) -> list[tuple[str, str, str]]:
    """The verdicts of `policies` about adapters (by default the refusals, not the notices)."""
    return [v for v in verdicts(records, config) if "adapter" in v[2] and v[0] in policies]


def declared(name: str, licence: str, source: str = "acme/qwen-lora") -> dict[str, Any]:
    return {"name": name, "source": source, "revision": "0123456789abcdef0123456789abcdef01234567", "licence": licence, "rank": 16}


PROD = {"hangar-licensing": {"tier": "prod"}}


def test_an_apache_adapter_on_an_apache_base_passes():
    assert about_adapters(server(['{"name":"sql","path":"/models/lora/sql"}'], [declared("sql", "apache-2.0")]), PROD) == []


def test_a_non_commercial_adapter_is_refused_in_prod_though_its_base_is_apache():
    found = about_adapters(server(["sql=/models/lora/sql"], [declared("sql", "c4ai-cc-by-nc-4.0")]), PROD)
    assert [(policy, level) for policy, level, _ in found] == [(LICENSING, "mandatory")]
    message = found[0][2]
    assert "adapter 'sql' (acme/qwen-lora@0123456789ab) of Qwen/Qwen2.5-7B-Instruct" in message and "non-commercial" in message, message
    # In dev with no commercial use declared, the same adapter is allowed.
    assert not [v for v in about_adapters(server(["sql=/models/lora/sql"], [declared("sql", "c4ai-cc-by-nc-4.0")]), {"hangar-licensing": {"tier": "dev", "commercialUse": False}}) if v[0] == LICENSING]


def test_the_organisations_deny_list_applies_to_adapters():
    found = about_adapters(server(["sql=/x"], [declared("sql", "mit")]), {"hangar-licensing": {"denyLicences": ["mit"]}})
    assert [(p, "deny list" in m) for p, _, m in found] == [(LICENSING, True)]


def test_a_gated_adapter_needs_its_own_repository_accepted_not_its_base_models():
    gated = declared("story", "llama-3.1-community", source="acme/llama-story-lora")
    records = server(["story=/x"], [gated], model="meta-llama/Llama-3.1-8B-Instruct")
    accepted_base = {"hangar-licensing": {"acceptedGatedModels": ["meta-llama/Llama-3.1-8B-Instruct"]}}
    assert any(p == LICENSING and "gated" in m and "adapter 'story'" in m for p, _, m in about_adapters(records, accepted_base))
    both = {"hangar-licensing": {"acceptedGatedModels": ["meta-llama/Llama-3.1-8B-Instruct", "acme/llama-story-lora"]}}
    assert not [v for v in about_adapters(records, both) if v[0] == LICENSING]


def test_an_adapters_duties_are_noticed_with_its_base_models():
    gated = declared("story", "llama-3.1-community", source="acme/llama-story-lora")
    records = server(["story=/x"], [gated], model="meta-llama/Llama-3.1-8B-Instruct")
    notices = [m for _, _, m in about_adapters(records, policies=(LICENCE_NOTICES,))]
    assert len(notices) == 1 and "Llama 3.1 Community License comes with attribution, an acceptable-use policy" in notices[0]
    assert "it also carries the duties of its base model meta-llama/Llama-3.1-8B-Instruct" in notices[0]


def adapter_notices(licence: str, notices_config: dict[str, Any] | None = None, model: str = "Qwen/Qwen2.5-7B-Instruct") -> list[str]:
    """The `hangar-licence-notices` messages about one adapter `tune` under `licence`, with the notices rule's config."""
    records = server(["tune=/x"], [declared("tune", licence, source="acme/tune-lora")], model=model)
    return [m for policy, _, m in verdicts(records, {LICENCE_NOTICES: notices_config or {}}) if policy == LICENCE_NOTICES and "adapter 'tune'" in m]


def test_an_adapters_hosting_terms_are_recalled_only_for_a_stack_that_hosts_it_as_a_service():
    # One duty list for models and adapters: the Gemma terms' hosting duty binds a hosted service only (licence.hosted_service)
    (hosted,) = adapter_notices("gemma-terms", model="google/gemma-3-4b-it")
    (internal,) = adapter_notices("gemma-terms", {"hostedService": False}, model="google/gemma-3-4b-it")
    assert "Gemma Terms of Use comes with attribution, an acceptable-use policy, terms for hosting it as a service: " in hosted, hosted
    assert "terms for hosting it as a service" not in internal and "Gemma Terms of Use comes with attribution, an acceptable-use policy: " in internal, internal


def test_an_adapters_licence_carries_its_name_display_duty_like_a_models():
    (quiet,) = adapter_notices("kimi-k2-modified-mit", {"monthlyRevenueUsd": 0})
    assert 'prominently displaying "Kimi K2" on the user interface of a commercial product past 100,000,000 monthly active users or ' in quiet, quiet
    assert "US$20,000,000 monthly revenue — not yet required at the declared users and revenue: " in quiet, quiet
    (due,) = adapter_notices("kimi-k2-modified-mit", {"monthlyActiveUsers": 150_000_000})
    assert "required now: this stack declares 150,000,000 monthly active users: " in due, due


def test_an_unknown_licence_fails_closed_by_default_and_is_advisory_where_configured():
    records = server(["sql=/x"], [declared("sql", "unknown")])
    assert [(p, level) for p, level, _ in about_adapters(records)] == [(CANNOT_JUDGE, "mandatory")]
    assert [(p, level) for p, level, _ in about_adapters(records, {"hangar-cannot-judge": {"enforcementLevel": "advisory"}})] == [(CANNOT_JUDGE, "advisory")]


def test_a_licence_the_catalog_does_not_know_cannot_be_judged():
    (found,) = about_adapters(server(["sql=/x"], [declared("sql", "wtfpl")]))
    assert found[0] == CANNOT_JUDGE and "its licence 'wtfpl' is not in the catalog" in found[2]


def test_a_raw_program_loading_an_adapter_straight_from_the_hub_without_a_declaration_cannot_be_judged():
    (found,) = about_adapters(server(['{"name": "sql", "path": "acme/qwen-sql-lora", "base_model_name": "Qwen/Qwen2.5-7B-Instruct"}']))
    assert found[0] == CANNOT_JUDGE and "adapter 'sql' (acme/qwen-sql-lora)" in found[2] and "not declared" in found[2], found


def test_every_module_after_one_flag_is_judged():
    found = about_adapters(server(["a=/x", '{"name":"b","path":"/y"}'], [declared("a", "apache-2.0")]))
    assert [(p, "adapter 'b'" in m) for p, _, m in found] == [(CANNOT_JUDGE, True)]


def test_hangars_own_plan_declares_its_adapters_licences():
    assert not [v for v in about_adapters(list(planned()), PROD) if v[0] in (LICENSING, CANNOT_JUDGE)]
    raw = with_adapters(SQL, {**SUPPORT, "licence": "c4ai-cc-by-nc-4.0"})
    raw["tier"] = "prod"
    found = [(p, m) for p, _, m in about_adapters(list(plan_environment(raw)), PROD) if p in (LICENSING, CANNOT_JUDGE)]
    assert len(found) == 1 and found[0][0] == LICENSING and "adapter 'support' (acme/qwen2.5-7b-support-lora@fedcba987654)" in found[0][1], found


def test_the_pack_over_grpc_gives_the_same_adapter_verdicts_as_the_offline_check():
    from tests.pack_agreement import offline_verdicts, pack_verdicts

    records = server(["sql=/x", '{"name":"b","path":"acme/b-lora"}'], [declared("sql", "c4ai-cc-by-nc-4.0")])
    configs = load_pack_config(PROD, "test")
    offline = offline_verdicts(records, configs)
    assert {(policy, "adapter 'sql'" in message) for policy, _, message, _ in offline if "adapter" in message} >= {(LICENSING, True), (CANNOT_JUDGE, False)}
    assert pack_verdicts(records, configs) == offline
