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

from hangar.catalog import load_catalog
from hangar.catalog.model_config import ConfigError, read_config
from hangar.catalog.schema import Model
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
    with pytest.raises(ValueError, match="only a latent-attention \\(MLA\\) model has a sparse-attention indexer"):
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
    [({"num_kv_shared_layers": 10}, "num_kv_shared_layers"), ({"hidden_size_per_layer_input": 256}, "hidden_size_per_layer_input"),
     ({"num_global_key_value_heads": 3}, "num_global_key_value_heads")],
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
