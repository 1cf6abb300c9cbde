"""Per-layer KV shapes a single kv_heads/head_dim cannot express: DeepSeek-V3.2's sparse-attention indexer
and Gemma 4's full-attention layers.

Fixtures are real config.json files (tests/model_configs/, sources in sources.json). The rules cited:
vLLM v0.11.2 (`deepseek_v2.py` Indexer / DeepseekV32IndexerCache, `models/config.py` DeepseekV32ForCausalLM,
`v1/kv_cache_interface.py` MLAAttentionSpec) and transformers `models/gemma4/modeling_gemma4.py` at 0246b4f3.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.model_config import ConfigError, read_config
from hangar.catalog.model_row import Model
from hangar.cli import app
from hangar.sizing import GIB, kv_bytes_per_token, memory_fit, sequence_kv

CONFIGS = Path(__file__).parent / "model_configs"
CAT = load_catalog()
V32 = "deepseek-ai/DeepSeek-V3.2"
GEMMA4 = "google/gemma-4-26B-A4B"


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


# --- DeepSeek-V3.2: the MLA latent plus the indexer's key cache ----------------------------------------------


def test_deepseek_v32_caches_an_indexer_key_beside_the_latent_in_every_layer():
    v32 = read_config(config("deepseek-v3.2.json"))
    # index_head_dim 128 fp8 bytes + 128 // 128 x a 4-byte scale = 132 bytes per token and layer, 61 layers
    assert config("deepseek-v3.2.json")["index_head_dim"] == 128
    assert v32.indexer_bytes_per_token == 61 * 132 == 8052
    assert v32.kv_bytes_per_token_bf16 == 61 * 576 * 2  # the latent, as DeepSeek-V3's
    row = CAT.model(V32)
    assert kv_bytes_per_token(row) == 61 * 576 * 2 + 8052
    # --kv-cache-dtype fp8 becomes vLLM's "fp8_ds_mla": 656 bytes per token and layer; the indexer keeps its own format
    assert kv_bytes_per_token(row, "fp8") == 61 * 656 + 8052
    # like the latent, every TP rank keeps the indexer cache whole
    assert kv_bytes_per_token(row, tensor_parallel=8) == 8 * (61 * 576 * 2 + 8052)


def test_deepseek_v32_kv_of_a_long_sequence_counts_the_indexer():
    row, v3 = CAT.model(V32), CAT.model("deepseek-ai/DeepSeek-V3")
    kv, kv_v3 = sequence_kv(row, 131072), sequence_kv(v3, 131072)
    assert kv.total_bytes - kv_v3.total_bytes == 131072 * 8052
    assert kv.total_bytes / GIB == pytest.approx(131072 * (70272 + 8052) / GIB)  # 9.56 GiB where V3 needs 8.58
    fit = memory_fit(row, CAT.gpu("H200"), precision="fp8", tensor_parallel=8, max_context_tokens=131072)
    assert fit.kv_per_sequence_gib == pytest.approx(8 * 131072 * 78324 / GIB)


def test_deepseek_v32_parameters_are_deepseek_v3s_plus_the_indexer():
    # same shapes as DeepSeek-V3 but the indexer's wq_b (q_lora 1536 -> 64 heads x 128), wk (7168 -> 128) and
    # weights_proj (7168 -> 64 heads) in each of the 61 layers
    v32, v3 = read_config(config("deepseek-v3.2.json")), read_config(config("deepseek-v3.json"))
    indexer = 61 * (1536 * 64 * 128 + 7168 * 128 + 7168 * 64)
    assert v32.params_total_b == pytest.approx(v3.params_total_b + indexer / 1e9, abs=0.002)
    assert (v32.num_experts, v32.num_experts_per_tok, v32.max_context_tokens) == (256, 8, 163840)


def test_a_sparse_attention_indexer_without_latent_attention_is_refused():
    fields = {k: v for k, v in CAT.model("Qwen/Qwen3-8B").model_dump().items()}
    with pytest.raises(ValueError, match="only a latent-attention \\(MLA\\) model or MiniMax-M3 .* has a sparse-attention indexer"):
        Model(**{**fields, "indexer_bytes_per_token": 8052})


# --- Gemma 4: full-attention layers of another shape ---------------------------------------------------------


def test_gemma4_sliding_and_full_layers_cache_different_shapes():
    gemma = read_config(config("gemma-4-26b-a4b.json"))
    text = config("gemma-4-26b-a4b.json")["text_config"]
    assert text["attention_k_eq_v"] and text["layer_types"].count("full_attention") == 5
    assert (gemma.layers, gemma.sliding_window_layers, gemma.sliding_window) == (30, 25, 1024)
    assert (gemma.kv_heads, gemma.head_dim, gemma.global_kv_heads, gemma.global_head_dim) == (8, 256, 2, 512)
    # K and V are both cached in every layer (k_eq_v shares the projection, not the cache)
    assert gemma.kv_bytes_per_token_bf16 == 2 * (25 * 8 * 256 + 5 * 2 * 512) * 2
    assert (gemma.num_experts, gemma.num_experts_per_tok, gemma.multimodal, gemma.max_context_tokens) == (128, 8, True, 262144)
    # the release's name: 26B total, 4B active (ours adds the tied output head, 262,144 x 2,816 = 0.74B, to the active count)
    assert gemma.params_total_b == pytest.approx(26, rel=0.03)
    assert gemma.params_active_b - 262144 * 2816 / 1e9 == pytest.approx(3.5, abs=0.05)


def test_gemma4_kv_of_a_sequence_is_summed_layer_kind_by_layer_kind():
    row = CAT.model(GEMMA4)
    kv = sequence_kv(row, 32768, max_num_batched_tokens=2048)
    full_token, sliding_token = 2 * 2 * 512 * 2, 2 * 8 * 256 * 2  # 4 KiB and 8 KiB per token and layer
    assert kv.full_attention_bytes == 5 * 32768 * full_token
    assert kv.sliding_tokens == (math.ceil((1024 - 1 + 2048) / 16) + 1) * 16
    assert kv.sliding_window_bytes == 25 * kv.sliding_tokens * sliding_token
    # TP 4: the 8 sliding KV heads split, the 2 global ones are replicated twice
    tp4 = sequence_kv(row, 32768, max_num_batched_tokens=2048, tensor_parallel=4)
    assert tp4.full_attention_bytes == 2 * kv.full_attention_bytes and tp4.sliding_window_bytes == kv.sliding_window_bytes
    assert kv_bytes_per_token(row) == 5 * full_token + 25 * sliding_token == row.kv_bytes_per_token_bf16


def test_gemma4_on_one_l4_does_not_start_in_bf16_and_says_why():
    fit = memory_fit(CAT.model(GEMMA4), CAT.gpu("L4"), max_context_tokens=8192)
    assert not fit.fits and "the weights alone do not fit" in fit.reason  # 25.6B x 2 bytes = 48 GiB > 24 GB


@pytest.mark.parametrize(
    "change, field",
    # KV-shared layers and per-layer inputs are sized now (tests/test_gemma4_kv_sharing.py); sharing vLLM could not build is refused
    [({"num_kv_shared_layers": 30}, "num_kv_shared_layers"), ({"num_global_key_value_heads": 3}, "num_global_key_value_heads")],
)
def test_a_gemma4_layout_it_cannot_size_is_refused_naming_the_field(change, field):
    gemma = config("gemma-4-26b-a4b.json")
    with pytest.raises(ConfigError) as raised:
        read_config({**gemma, "text_config": {**gemma["text_config"], **change}})
    assert raised.value.field == field


def test_a_full_attention_shape_without_sliding_layers_is_refused():
    fields = CAT.model("Qwen/Qwen3-8B").model_dump()
    with pytest.raises(ValueError, match="a separate full-attention shape needs kv_heads and sliding-window layers"):
        Model(**{**fields, "global_kv_heads": 2, "global_head_dim": 512})


# --- Llama 4 and Mistral 3: layouts import-model reads ------------------------------------------------------


def test_llama4_scout_caches_every_layer_like_full_attention_and_routes_one_of_16_experts():
    # a trimmed copy (sources.json: reader_only); vLLM v0.11.2 turns the hybrid KV-cache manager off for chunked local
    # attention, so all 48 layers keep every token: 196,608 bytes per token (the packaged catalog has no Llama 4 row)
    scout = read_config(config("llama-4-scout-17b-16e-instruct.json"))
    assert (scout.model_type, scout.layers, scout.kv_heads, scout.head_dim, scout.sliding_window_layers) == ("llama4_text", 48, 8, 128, None)
    assert scout.kv_bytes_per_token_bf16 == 2 * 48 * 8 * 128 * 2 == 196_608
    assert "meta-llama/Llama-4-Scout-17B-16E-Instruct" not in CAT.models
    assert (scout.num_experts, scout.num_experts_per_tok, scout.multimodal) == (16, 1, True)
    assert scout.max_context_tokens == 10485760  # llama3 rope scaling: vLLM keeps max_position_embeddings
    # meta-llama/llama-models models/llama4/MODEL_CARD.md (038acb9f): Scout "17B (Activated) 109B (Total)"
    assert scout.params_total_b == pytest.approx(109, rel=0.03) and scout.params_active_b == pytest.approx(17, rel=0.03)


def test_llama4_maverick_interleaves_expert_and_dense_layers():
    # interleave_moe_layer_step 2: layers 2, 4, ... route 1 of 128 experts beside a shared one; the others are dense MLPs
    maverick = read_config(config("llama-4-maverick-17b-128e-instruct.json"))
    assert (maverick.num_experts, maverick.num_experts_per_tok) == (128, 1)
    # same model card: "17B (Activated) 400B (Total)"; the vision tower (0.8B) counted, as in Scout's
    assert maverick.params_total_b == pytest.approx(400, rel=0.03) and maverick.params_active_b == pytest.approx(17, rel=0.03)
    all_moe = read_config({**config("llama-4-maverick-17b-128e-instruct.json"), "text_config": {
        **config("llama-4-maverick-17b-128e-instruct.json")["text_config"], "interleave_moe_layer_step": 1}})
    assert all_moe.params_total_b > 1.9 * maverick.params_total_b  # every layer with 128 experts instead of half


def test_a_mistral3_config_with_transformers_5_rope_parameters_is_read():
    devstral = read_config(config("devstral-small-2-24b-instruct.json"))
    assert (devstral.model_type, devstral.layers, devstral.attention_heads, devstral.kv_heads, devstral.head_dim) == ("mistral", 40, 32, 8, 128)
    # rope_parameters yarn: original_max_position_embeddings 8,192 x factor 48, what vLLM takes for a yarn scaling
    assert devstral.max_context_tokens == 8192 * 48 == 393216
    assert devstral.kv_bytes_per_token_bf16 == 2 * 40 * 8 * 128 * 2 and devstral.multimodal  # a Pixtral vision tower
    assert devstral.params_total_b == pytest.approx(24, rel=0.03)  # the release's name: 24B


def test_the_catalog_table_shows_both_kv_shapes_and_the_indexer():
    runner = CliRunner()
    table = runner.invoke(app, ["catalog", "models", "--search", "gemma-4"], catch_exceptions=False, env={"COLUMNS": "400"}).stdout
    assert "16/8 (full layers 2 x 512)" in table and "220 " in table  # 225,280 bytes per token
    table = runner.invoke(app, ["catalog", "models", "--search", "DeepSeek-V3.2"], catch_exceptions=False, env={"COLUMNS": "400"}).stdout
    assert f"{(70272 + 8052) / 1024:g} (with indexer)" in table  # 76.4883 KiB: the latent and the indexer keys
