"""Licence terms that belong to a release, not a family: what an organisation deploying it is told.

The terms come from the licence texts cited in hangar/catalog/data/licences.csv: the Llama 3.2 / Llama 4
acceptable-use policies' EU paragraph (multimodal models only), the Qwen LICENSE AGREEMENT's 100M-MAU
clause (Qwen2.5-72B) against Apache-2.0 Qwen3, Kimi K2's modified MIT display duty (100M MAU or US$20M
monthly revenue), and a distilled or otherwise derived model inheriting its base's licence.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hangar.policies.rules.base import LICENCE_NOTICES, LICENSING
from hangar.policies.rules.config import pack_config_for
from typer.testing import CliRunner

from hangar.catalog import CatalogError, load_catalog
from hangar.cli import app
from hangar.spec import Environment
from tests.catalog_overrides import override
from tests.licence_imports import SCOUT_CONFIG, imported, judged
from tests.policy_records import messages, vllm

SCOUT = "meta-llama/Llama-4-Scout-17B-16E-Instruct"
LLAMA_1B = "meta-llama/Llama-3.2-1B-Instruct"
KIMI = "moonshotai/Kimi-K2-Instruct"
EU_EXCLUDED = "grants no rights for its multimodal models to licensees established in the EU (end users of a product built on them are not affected)"


def _licensing(model: str, **config) -> list[str]:
    return messages([vllm("chat", model, pool="x")], LICENSING, {LICENSING: {"acceptedGatedModels": [model], **config}})


def _scout(tmp_path: Path, **config) -> list[str]:
    """The licensing verdicts on Llama 4 Scout imported from its config.json under the Llama 4 licence, as a team serving
    it would (the packaged catalog has no Llama 4 row: no whole config.json of it was found)."""
    overrides = imported(tmp_path, SCOUT, "llama-4-community", SCOUT_CONFIG)
    return [message for message, _ in judged(SCOUT, overrides, LICENSING, acceptedGatedModels=[SCOUT], **config)]


def _notices(model: str, **config) -> list[str]:
    return messages([vllm("chat", model, pool="x")], LICENCE_NOTICES, {LICENCE_NOTICES: config} if config else None)


# --- the EU exclusion of the Llama 3.2 / Llama 4 multimodal grants -------------------------------------------


def test_an_eu_organisation_is_refused_a_multimodal_llama_4_model(tmp_path):
    (message,) = _scout(tmp_path, euEstablished=True)
    assert message == (
        f"chat: {SCOUT}: Llama 4 Community License (effective 2025-04-05) (llama-4-community) {EU_EXCLUDED}, and {SCOUT} is multimodal (it takes images)"
    )


def test_the_same_model_passes_for_an_organisation_outside_the_eu(tmp_path):
    assert _scout(tmp_path, euEstablished=False) == []


def test_an_eu_organisation_may_serve_the_text_only_llama_3_2_models():
    # same licence (llama-3.2-community carries the EU clause), but Llama-3.2-1B-Instruct's config.json has no vision_config
    assert load_catalog().licence("llama-3.2-community").eu_multimodal_restriction
    assert load_catalog().model(LLAMA_1B).multimodal is False
    assert _licensing(LLAMA_1B, euEstablished=True) == []


def test_a_fine_tune_of_unknown_modality_is_refused_to_an_eu_organisation_and_says_why(tmp_path):
    # an organisation's own fine-tune of Llama 3.2 3B, added as an override row without the multimodal column:
    # it inherits the base's licence, and whether it takes images is unknown, so the EU clause cannot be ruled out
    base = load_catalog().model("meta-llama/Llama-3.2-3B-Instruct").model_dump(mode="json", exclude={"multimodal", "base_model", "revision"})
    row = {**base, "hf_id": "acme/llama-3.2-3b-support", "licence_id": "apache-2.0", "base_model": "meta-llama/Llama-3.2-3B-Instruct",
           "config_verified": False, "source": "acme's own fine-tune; config.json not imported"}
    with (tmp_path / "models.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    found = messages([vllm("chat", "acme/llama-3.2-3b-support", pool="x")], LICENSING, {LICENSING: {
        "euEstablished": True, "catalogOverrides": str(tmp_path), "acceptedGatedModels": ["acme/llama-3.2-3b-support"]}})
    refusal = [m for m in found if "EU" in m]
    assert refusal == [
        "chat: acme/llama-3.2-3b-support: inherited from its base meta-llama/Llama-3.2-3B-Instruct: Llama 3.2 Community License (llama-3.2-community) "
        f"{EU_EXCLUDED}, and whether acme/llama-3.2-3b-support takes images is unknown (its catalog row leaves multimodal empty: import it from its config.json)"
    ]


# --- MAU thresholds: the Qwen licence of Qwen2.5-72B against Apache-2.0 Qwen3 -------------------------------


def test_the_qwen2_5_72b_base_carries_the_100m_mau_clause():
    assert _licensing("Qwen/Qwen2.5-72B", monthlyActiveUsers=100_000_000) == []
    (message,) = _licensing("Qwen/Qwen2.5-72B", monthlyActiveUsers=150_000_000)
    assert message == (
        "chat: Qwen/Qwen2.5-72B: Qwen LICENSE AGREEMENT (qwen) caps monthly active users at 100,000,000; this stack declares 150,000,000 — a separate licence is needed"
    )


def test_qwen3_moe_and_qwen2_5_32b_are_apache_at_any_scale():
    for model in ("Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-235B-A22B", "Qwen/Qwen2.5-32B"):
        assert load_catalog().model(model).licence_id == "apache-2.0"
        assert _licensing(model, monthlyActiveUsers=2_000_000_000, tier="prod") == []


# --- Kimi K2's modified MIT: a name to display past 100M MAU or US$20M monthly revenue --------------------


KIMI_DUTY = 'prominently displaying "Kimi K2" on the user interface of a commercial product past 100,000,000 monthly active users or US$20,000,000 monthly revenue'


def test_kimi_k2_is_never_refused_for_its_size():
    assert _licensing(KIMI, monthlyActiveUsers=3_000_000_000, tier="prod") == []


def test_kimi_k2_display_duty_is_required_past_the_user_threshold():
    (notice,) = _notices(KIMI, monthlyActiveUsers=150_000_000, monthlyRevenueUsd=1_000_000)
    assert f"{KIMI_DUTY} — required now: this stack declares 150,000,000 monthly active users" in notice
    assert notice.startswith(f"chat: {KIMI}: Kimi K2 Modified MIT License comes with attribution, ")
    assert "(source: https://github.com/MoonshotAI/Kimi-K2/blob/c6157be8531e1c52f5dfd3bb91a1275b089eac50/LICENSE, as of 2026-12-01)" in notice


def test_kimi_k2_display_duty_is_required_past_the_revenue_threshold_alone():
    (notice,) = _notices(KIMI, monthlyActiveUsers=10_000, monthlyRevenueUsd=25_000_000)
    assert f"{KIMI_DUTY} — required now: this stack declares US$25,000,000 monthly revenue" in notice


def test_kimi_k2_display_duty_is_not_yet_required_below_both_thresholds():
    (notice,) = _notices(KIMI, monthlyActiveUsers=100_000_000, monthlyRevenueUsd=20_000_000)
    assert f"{KIMI_DUTY} — not yet required at the declared users and revenue" in notice


def test_without_a_declared_revenue_hangar_says_it_cannot_tell():
    (notice,) = _notices(KIMI)
    assert f"{KIMI_DUTY} — monthly revenue not declared (licence.monthly_revenue_usd in the stack config), so Hangar cannot tell whether it applies" in notice


def test_the_stack_config_carries_users_and_revenue_to_the_notices(aws_environment):
    env = Environment.model_validate({**aws_environment, "licence": {"monthly_active_users": 150_000_000, "monthly_revenue_usd": 3_000_000}})
    notices = pack_config_for(env)[LICENCE_NOTICES]
    assert (notices["monthlyActiveUsers"], notices["monthlyRevenueUsd"]) == (150_000_000, 3_000_000)
    assert "monthlyRevenueUsd" not in pack_config_for(env.model_copy(update={"licence": env.licence.model_copy(update={"monthly_revenue_usd": None})}))[LICENCE_NOTICES]


# --- a distilled model inherits its base's licence ----------------------------------------------------------


def test_a_qwen_distill_inherits_apache_from_its_base_and_says_so():
    model = "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B"
    found = _notices(model)
    assert len(found) == 2
    assert any(notice.startswith(f"chat: {model}: MIT License comes with attribution") for notice in found)
    assert any(notice.startswith(f"chat: {model}: Apache License 2.0 (inherited from its base Qwen/Qwen2.5-32B) comes with attribution") for notice in found)
    assert _licensing(model, denyLicences=["apache-2.0"]) == [
        f"chat: {model}: inherited from its base Qwen/Qwen2.5-32B: Apache License 2.0 (apache-2.0) is on the organisation's deny list"
    ]


def test_a_llama_derivative_inherits_the_llama_mau_clause_through_its_base():
    # NVIDIA's Llama 3.3 Nemotron Super 49B carries NVIDIA's licence, which caps no users; its base's Llama 3.3 licence does
    model = "nvidia/Llama-3_3-Nemotron-Super-49B-v1"
    found = _licensing(model, monthlyActiveUsers=800_000_000, acceptedGatedModels=[model, "meta-llama/Llama-3.3-70B-Instruct"])
    assert found == [
        f"chat: {model}: inherited from its base meta-llama/Llama-3.3-70B-Instruct: Llama 3.3 Community License (llama-3.3-community) caps monthly "
        "active users at 700,000,000; this stack declares 800,000,000 — a separate licence is needed"
    ]


def test_a_base_model_the_catalog_lacks_is_a_catalog_error(tmp_path):
    (tmp_path / "models.csv").write_text(
        "hf_id,family,params_total_b,layers,attention_heads,kv_heads,head_dim,kv_bytes_per_token_bf16,max_context_tokens,licence_id,config_verified,source,as_of,base_model\n"
        "acme/distill,Acme,8.03,32,32,8,128,131072,131072,mit,false,acme,2026-12-01,acme/not-in-catalog\n"
    )
    with pytest.raises(CatalogError) as raised:
        load_catalog(tmp_path)
    assert "base_model" in str(raised.value) and "acme/not-in-catalog" in str(raised.value)
    assert "unknown base model: a derived model's base must be a catalog model" in str(raised.value)


def test_a_display_duty_needs_its_threshold(tmp_path):
    override(tmp_path, "licences.csv", "id", "kimi-k2-modified-mit", id="acme-display", display_mau_threshold="", display_monthly_revenue_usd_threshold="")
    with pytest.raises(CatalogError) as raised:
        load_catalog(tmp_path)
    assert "display_name" in str(raised.value) and "give display_name together with the threshold(s) past which it must be displayed" in str(raised.value)


def test_the_catalog_commands_show_the_display_duty_and_the_base_model():
    runner = CliRunner()
    table = runner.invoke(app, ["catalog", "licences"], catch_exceptions=False, env={"COLUMNS": "400"})
    assert 'attribution, display "Kimi K2" past 100,000,000 MAU or US$20,000,000/month' in table.stdout
    licences = json.loads(runner.invoke(app, ["catalog", "licences", "--format", "json"], catch_exceptions=False).stdout)
    (kimi,) = [row for row in licences if row["id"] == "kimi-k2-modified-mit"]
    assert (kimi["display_name"], kimi["display_mau_threshold"], kimi["display_monthly_revenue_usd_threshold"]) == ("Kimi K2", 100_000_000, 20_000_000)
    table = runner.invoke(app, ["catalog", "models", "--search", "Distill-Qwen"], catch_exceptions=False, env={"COLUMNS": "400"})
    assert "mit (from base model Qwen/Qwen2.5-32B)" in table.stdout and "39033e8cd1f8" in table.stdout


def test_an_imported_fine_tune_names_its_base_and_inherits_its_terms(tmp_path):
    # a team's own fine-tune of Llama 3.2 3B, imported from its config.json (here the base's, as a fine-tune keeps the shape)
    runner = CliRunner()
    config = Path(__file__).parent / "model_configs" / "llama-3.2-3b-instruct.json"
    result = runner.invoke(app, ["catalog", "import-model", "acme/llama-3.2-3b-support", "--config", str(config), "--base-model",
                                 "meta-llama/Llama-3.2-3B-Instruct", "--revision", "abc123", "--overrides", str(tmp_path)],
                           catch_exceptions=False, env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "derives from meta-llama/Llama-3.2-3B-Instruct: bound by llama-3.2-community" in result.stdout
    row = load_catalog(tmp_path).model("acme/llama-3.2-3b-support")
    assert (row.base_model, row.licence_id, row.multimodal, row.family) == ("meta-llama/Llama-3.2-3B-Instruct", "llama-3.2-community", False, "Llama 3.2")
    records = [vllm("chat", "acme/llama-3.2-3b-support", pool="x")]
    config_ = {"catalogOverrides": str(tmp_path), "acceptedGatedModels": ["acme/llama-3.2-3b-support"]}
    # text-only (read from its config.json), so the EU clause of the multimodal grant does not apply; the verdict names the override it reads
    assert messages(records, LICENSING, {LICENSING: {**config_, "euEstablished": True}}) == [
        f"this verdict rests on an overridden catalog row: models.csv row acme/llama-3.2-3b-support (added by {tmp_path / 'models.csv'})"
    ]
    (refusal,) = [m for m in messages(records, LICENSING, {LICENSING: {**config_, "monthlyActiveUsers": 800_000_000}}) if m.startswith("chat:")]
    assert refusal == (
        "chat: acme/llama-3.2-3b-support: Llama 3.2 Community License (llama-3.2-community) caps monthly active users at 700,000,000; "
        "this stack declares 800,000,000 — a separate licence is needed"
    )


def test_a_fine_tune_under_its_own_licence_still_carries_its_base(tmp_path):
    runner = CliRunner()
    config = Path(__file__).parent / "model_configs" / "qwen2.5-32b.json"
    result = runner.invoke(app, ["catalog", "import-model", "acme/qwen-legal", "--config", str(config), "--licence", "mit",
                                 "--base-model", "Qwen/Qwen2.5-72B", "--overrides", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    found = messages([vllm("chat", "acme/qwen-legal", pool="x")], LICENSING, {LICENSING: {"catalogOverrides": str(tmp_path), "monthlyActiveUsers": 150_000_000}})
    assert [m for m in found if m.startswith("chat:")] == [
        "chat: acme/qwen-legal: inherited from its base Qwen/Qwen2.5-72B: Qwen LICENSE AGREEMENT (qwen) caps monthly active users at 100,000,000; "
        "this stack declares 150,000,000 — a separate licence is needed"
    ]


def test_an_unknown_base_model_is_refused_and_nothing_is_written(tmp_path):
    runner = CliRunner()
    config = Path(__file__).parent / "model_configs" / "llama-3.2-1b-instruct.json"
    result = runner.invoke(app, ["catalog", "import-model", "acme/tiny", "--config", str(config), "--base-model", "acme/not-imported",
                                 "--overrides", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "--base-model: 'acme/not-imported' is not in the catalog: import the base first (from its config.json) or name a catalog model" in result.stderr
    assert not (tmp_path / "out").exists()


def test_gemma_3_releases_carry_the_gemma_terms_and_their_hosting_duty():
    catalog = load_catalog()
    gemma_3 = [m for m in catalog.models.values() if m.hf_id.startswith(("google/gemma-2", "google/gemma-3"))]
    assert gemma_3 and {m.licence_id for m in gemma_3} == {"gemma-terms"}
    (notice,) = _notices("google/gemma-3-4b-it")
    assert notice.startswith("chat: google/gemma-3-4b-it: Gemma Terms of Use comes with attribution, an acceptable-use policy, terms for hosting it as a service: ")
    assert "Gemma 4 to its Apache-2.0 licence" in notice


def test_hosting_a_deepseek_v3_model_passes_on_its_use_restrictions():
    (notice,) = _notices("deepseek-ai/DeepSeek-V3")
    assert "terms for hosting it as a service" in notice and "Attachment A" in notice
    assert _licensing("deepseek-ai/DeepSeek-V3", tier="prod", monthlyActiveUsers=2_000_000_000) == []


def test_hosting_terms_are_recalled_only_for_a_stack_that_hosts_the_model_as_a_service():
    # Gemma Terms §1.1(b) and DeepSeek LICENSE-MODEL §1/§4.a: a hosted service counts as distribution; a model the stack
    # serves only inside the organisation (licence.hosted_service: false) is not offered as a service
    for model in ("google/gemma-3-4b-it", "deepseek-ai/DeepSeek-V3"):
        (hosted,) = _notices(model)
        (internal,) = _notices(model, hostedService=False)
        assert "terms for hosting it as a service" in hosted
        assert "terms for hosting it as a service" not in internal and "comes with attribution, an acceptable-use policy: " in internal


def test_the_stack_config_carries_hosted_service_to_the_notices_rule(aws_environment):
    config = pack_config_for(Environment.model_validate({**aws_environment, "licence": {"hosted_service": False}}))
    assert config[LICENCE_NOTICES]["hostedService"] is False
    assert "hostedService" not in config[LICENSING]
