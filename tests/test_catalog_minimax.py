"""MiniMax-M2's layout (`minimax_m2`): the MiniMax-M2.7 row read from its config.json, the MiniMax-M2.5 selection as a
reader test, the refusals naming the field, and the verdicts a team gets for a deployment.

The layout as vLLM v0.11.2 and v0.33.0 build it (`hangar.catalog.minimax`): 62 layers of full attention caching 8 KV
heads of 128 (62 x 8 x 128 x K+V x 2 bytes = 248 KiB of bf16 KV per token; the 64-dim partial rotary changes nothing
cached), 256 experts of width 1536 per layer, 8 per token, no shared expert, and the 3 multi-token-prediction modules
dropped at load. MiniMax's README for MiniMax-M2 (MiniMax-AI/MiniMax-M2 at 2e575efe, read 2026-12-02) says "230 billion
total parameters with 10 billion active parameters"; the estimate from the shapes is 228.7B and 10.4B.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import CatalogError, load_catalog
from hangar.catalog.config_fields import ConfigError
from hangar.catalog.model_config import read_config
from hangar.cli import app
from hangar.sizing import GIB, memory_fit
from tests.catalog_overrides import override

CONFIGS = Path(__file__).parent / "model_configs"
SOURCES = json.loads((CONFIGS / "sources.json").read_text())
M27, M25 = "MiniMaxAI/MiniMax-M2.7", "MiniMaxAI/MiniMax-M2.5"
KV_PER_TOKEN = 62 * 8 * 128 * 2 * 2


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


def import_model(tmp_path: Path, path: Path, hf_id: str = M25, licence: str = "minimax-model-license"):
    return CliRunner().invoke(
        app, ["catalog", "import-model", hf_id, "--config", str(path), "--licence", licence, "--overrides", str(tmp_path / "ours")],
        catch_exceptions=False, env={"COLUMNS": "200"},
    )


def test_the_m27_copy_makes_the_packaged_row_and_the_m25_selection_only_tests_the_reader():
    assert SOURCES["minimax-m2.7.json"]["hf_id"] == M27 and "reader_only" not in SOURCES["minimax-m2.7.json"]
    assert SOURCES["minimax-m2.5.json"]["reader_only"] and "113 lines" in SOURCES["minimax-m2.5.json"]["note"]
    catalog = load_catalog()
    assert M25 not in catalog.models
    row = catalog.model(M27)
    assert (row.family, row.licence_id, row.config_verified, row.text_model_type) == ("MiniMax-M2", "minimax-m2.7-non-commercial", True, "minimax_m2")
    assert "MiniMax-AI/MiniMax-M2.7/blob/1e267c3e155b30bd4156beaaf7042dd0b585d8e3/LICENSE" in row.source


def test_the_reader_reads_full_attention_layers_and_routed_experts_without_a_shared_one():
    arch = read_config(config("minimax-m2.7.json"))
    assert (arch.model_type, arch.layers, arch.attention_heads, arch.kv_heads, arch.head_dim) == ("minimax_m2", 62, 48, 8, 128)
    assert (arch.sliding_window_layers, arch.attention_layers, arch.kv_bytes_per_token_bf16) == (None, None, KV_PER_TOKEN)
    assert (arch.num_experts, arch.num_experts_per_tok, arch.moe_intermediate_size) == (256, 8, 1536)
    assert (arch.intermediate_size, arch.dense_mlp_layers, arch.shared_expert_intermediate_size) == (None, None, None)
    assert (arch.dtype, arch.max_context_tokens, arch.vocab_size, arch.tie_word_embeddings) == ("fp8", 204800, 200064, False)


def test_the_estimate_leaves_out_the_prediction_modules_and_matches_the_model_card():
    arch = read_config(config("minimax-m2.7.json"))
    assert arch.params_total_b == pytest.approx(230, rel=0.01) and arch.params_active_b == pytest.approx(10, rel=0.05)
    with_more_prediction_modules = read_config({**config("minimax-m2.7.json"), "num_mtp_modules": 7})
    assert with_more_prediction_modules.params_total_b == arch.params_total_b  # vLLM drops them at load


def test_a_partial_rotary_and_a_sliding_window_field_change_nothing_vllm_caches():
    base = read_config(config("minimax-m2.5.json"))
    for change in ({"rotary_dim": 128}, {"sliding_window": 4096}):
        arch = read_config({**config("minimax-m2.5.json"), **change})
        assert (arch.kv_bytes_per_token_bf16, arch.sliding_window_layers) == (base.kv_bytes_per_token_bf16, None)


def test_the_m25_selection_reads_as_the_same_architecture_with_its_shorter_context():
    m25, m27 = read_config(config("minimax-m2.5.json")), read_config(config("minimax-m2.7.json"))
    assert m25.max_context_tokens == 196608
    assert {**vars(m25), "max_context_tokens": 0} == {**vars(m27), "max_context_tokens": 0}


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"attn_type_list": [1] * 61 + [0]}, "attn_type_list", "0: not full (softmax) attention"),
        ({"attn_type_list": [1] * 61}, "attn_type_list", "expected a list of 62 attention types"),
        ({"shared_intermediate_size": 1536}, "shared_intermediate_size", "1536: vLLM's MiniMaxM2ForCausalLM builds no shared expert"),
        ({"num_local_experts": None}, "num_local_experts", "missing"),
    ],
)
def test_a_config_vllm_would_build_otherwise_is_refused_naming_the_field(change, field, says):
    with pytest.raises(ConfigError) as refused:
        read_config({**config("minimax-m2.5.json"), **change})
    assert refused.value.field == field and says in str(refused.value)


def test_import_model_says_what_it_read(tmp_path):
    result = import_model(tmp_path, CONFIGS / "minimax-m2.5.json")
    assert result.exit_code == 0, result.output
    assert f"wrote {M25} to {tmp_path / 'ours' / 'models.csv'}" in result.stdout
    assert ("228.689B parameters (10.415B active, 8 of 256 experts); 62 layers; 8 KV heads x 128; 248 KiB/token of bf16 KV in "
            "full layers; max context 196,608") in result.stdout
    row = load_catalog(tmp_path / "ours").model(M25)
    assert (row.licence_id, row.dtype, row.family) == ("minimax-model-license", "fp8", "minimax_m2")


def test_import_model_refuses_a_lightning_attention_layer_with_exit_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text(json.dumps({**config("minimax-m2.5.json"), "attn_type_list": [0] + [1] * 61}))
    result = import_model(tmp_path, bad)
    assert result.exit_code == 2
    assert f"error: --config {bad}: attn_type_list: 0: not full (softmax) attention" in result.output
    assert not (tmp_path / "ours" / "models.csv").exists()


def test_in_fp8_eight_h200s_hold_sixteen_full_context_sequences_and_two_cannot_take_the_full_context():
    catalog = load_catalog()
    model = catalog.model(M27)
    fit = memory_fit(model, catalog.gpu("H200"), precision="fp8", tensor_parallel=8)
    assert fit.fits and fit.capacity_sequences == 16
    assert fit.kv_per_sequence_gib == pytest.approx(204800 * KV_PER_TOKEN / GIB)
    two = memory_fit(model, catalog.gpu("H200"), precision="fp8", tensor_parallel=2)
    # 173,312 tokens, not the 174,656 a split router left room for: its 48,758,784 float32 weights are whole on both GPUs
    assert not two.fits and "a max_model_len of at most 173,312 tokens would fit" in two.reason
    bf16 = memory_fit(model, catalog.gpu("H100-SXM"), tensor_parallel=4)
    assert not bf16.fits and bf16.reason.endswith("the weights alone do not fit")


def test_adapters_are_refused_at_v0_11_2_and_sized_at_v0_33_0_where_only_expert_parallel_fully_sharded_is_refused():
    from hangar.sizing.lora import LoraSlots, lora_gib
    from hangar.sizing.lora_architectures import lora_refusal

    model = load_catalog().model(M27)
    refused = lora_refusal(model, "v0.11.2")
    assert refused == (f"vLLM v0.11.2's MiniMaxM2ForCausalLM (the model class of {M27}) does not implement SupportsLoRA: with "
                       "--enable-lora vLLM refuses to start (MiniMaxM2ForCausalLM does not support LoRA yet)")
    assert lora_gib(model, LoraSlots(), 8, "v0.11.2") == (0.0, f"{M27}: the GPU memory of its LoRA slots is not sized: {refused}")
    assert lora_refusal(model, "v0.33.0") is None and lora_refusal(model, "v0.33.0", LoraSlots(expert_parallel=True), 8) is None
    assert "without --fully-sharded-loras" in lora_refusal(model, "v0.33.0", LoraSlots(expert_parallel=True, fully_sharded=True), 8)
    # one slot of rank 16 over 8 GPUs: per layer q/k/v, o, the router and 256 experts' w1/w3 (A r x H, B 1536/8 x r) and
    # w2 (A r x 1536/8, B H x r), 2 bytes each; the vocabulary is not adapted (no embedding_modules)
    rank, hidden, tp, width = 16, 3072, 8, 1536
    attention = 3 * rank * hidden + (48 * 128 / tp + 2 * 128) * rank + rank * 48 * 128 / tp + hidden * rank
    experts = 256 * (2 * (rank * hidden + width / tp * rank) + rank * width / tp + hidden * rank)
    per_gpu = 62 * (attention + rank * hidden + 256 * rank + experts) * 2
    assert lora_gib(model, LoraSlots(), tp, "v0.33.0") == (pytest.approx(per_gpu * tp / GIB), None)


# --- each release's licence, as MiniMax's own repository for it words it --------------------------------------------


def _licensing(model: str, **config) -> list[str]:
    from hangar.policies.rules.base import LICENSING

    from tests.policy_records import messages, vllm

    return messages([vllm("chat", model, pool="x")], LICENSING, {LICENSING: config})


def _notices(model: str, **config) -> list[str]:
    from hangar.policies.rules.base import LICENCE_NOTICES

    from tests.policy_records import messages, vllm

    return messages([vllm("chat", model, pool="x")], LICENCE_NOTICES, {LICENCE_NOTICES: config})


def test_m27_is_refused_in_prod_for_its_non_commercial_licence():
    (refused,) = _licensing(M27, tier="prod")
    assert refused.startswith(f"chat: {M27}: MiniMax M2.7 NON-COMMERCIAL LICENSE (minimax-m2.7-non-commercial) allows non-commercial use only")
    assert refused.endswith("and this is a prod stack")
    (declared,) = _licensing(M27, tier="dev")
    assert declared.endswith("allows non-commercial use only, and this stack declares commercial use")
    assert _licensing(M27, tier="dev", commercialUse=False) == []


def imported_as(tmp_path: Path, hf_id: str, licence: str) -> str:
    result = import_model(tmp_path, CONFIGS / "minimax-m2.5.json", hf_id=hf_id, licence=licence)
    assert result.exit_code == 0, result.output
    return str(tmp_path / "ours")


M2_DUTY = ('prominently displaying "MiniMax M2" on the user interface of a commercial product past 100,000,000 monthly active '
           "users or US$2,500,000 monthly revenue")


@pytest.mark.parametrize(
    ("users", "revenue", "verdict"),
    [
        (150_000_000, 1_000_000, "required now: this stack declares 150,000,000 monthly active users"),
        (10_000, 2_600_000, "required now: this stack declares US$2,600,000 monthly revenue"),
        (100_000_000, 2_500_000, "not yet required at the declared users and revenue"),
    ],
)
def test_m2_display_duty_past_100m_users_or_30m_annual_recurring_revenue(tmp_path, users, revenue, verdict):
    overrides = imported_as(tmp_path, "MiniMaxAI/MiniMax-M2", "minimax-m2-modified-mit")
    (notice,) = _notices("MiniMaxAI/MiniMax-M2", catalogOverrides=overrides, monthlyActiveUsers=users, monthlyRevenueUsd=revenue)
    assert f"{M2_DUTY} — {verdict}" in notice
    assert "in annual recurring revenue" in notice and "holds the revenue threshold as US$2,500,000 of monthly revenue" in notice


def test_m21_display_duty_applies_to_every_commercial_product(tmp_path):
    overrides = imported_as(tmp_path, "MiniMaxAI/MiniMax-M2.1", "minimax-m2.1-modified-mit")
    (notice,) = _notices("MiniMaxAI/MiniMax-M2.1", catalogOverrides=overrides, monthlyActiveUsers=5)
    assert ('prominently displaying "MiniMax M2.1" on the user interface of any commercial product or service that uses it, '
            "with no user or revenue threshold") in notice


def test_the_catalog_lists_each_releases_terms():
    table = CliRunner().invoke(app, ["catalog", "licences"], catch_exceptions=False, env={"COLUMNS": "400"}).stdout
    assert 'attribution, display "MiniMax M2" past 100,000,000 MAU or US$2,500,000/month' in table
    assert 'attribution, display "MiniMax M2.1" in any commercial product' in table
    catalog = load_catalog()
    assert (catalog.licence("minimax-m2.7-non-commercial").commercial_use, catalog.licence("minimax-model-license").hosted_service_restricted) == ("no", True)


def test_a_zero_user_threshold_takes_no_revenue_threshold_beside_it(tmp_path):
    override(tmp_path, "licences.csv", "id", "minimax-m2.1-modified-mit", id="acme-display", display_monthly_revenue_usd_threshold="1000")
    with pytest.raises(CatalogError) as raised:
        load_catalog(tmp_path)
    assert "display_monthly_revenue_usd_threshold" in str(raised.value) and "leave this empty" in str(raised.value)


def test_at_v0_11_2_a_deployment_needs_trust_remote_code_and_at_v0_33_0_it_does_not(aws_environment):
    import copy

    from hangar.sizing.engine_models import remote_code
    from hangar.stackfile import environment_from_config
    from tests.config_errors import config_problems
    from tests.h200_stacks import with_deployment

    model = load_catalog().model(M27)
    why = remote_code(model, "v0.11.2")
    assert why == (f"vLLM v0.11.2 reads {M27}'s config (minimax_m2) only with --trust-remote-code, which runs the model "
                   "repository's own configuration_minimax_m2.py in the server: neither it nor transformers 4.57 has its config "
                   "class (v0.33.0 reads it with transformers' own)")
    assert remote_code(model, "v0.33.0") is None and remote_code(model, "v0.20.0") is None

    def stack(**deployment):
        return with_deployment(copy.deepcopy(aws_environment), model=M27, tensor_parallel=8, max_context_tokens=32768, **deployment)

    found = config_problems(stack(engine_version="v0.11.2"))
    assert any(f"deployments[0].trust_remote_code: {why}" in message for message in found)
    assert environment_from_config(stack(engine_version="v0.11.2", trust_remote_code=True), "Pulumi.test.yaml").deployments[0].trust_remote_code
    assert environment_from_config(stack(), "Pulumi.test.yaml").deployments[0].engine_version in (None, "v0.33.0")
