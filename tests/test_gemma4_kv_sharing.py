"""Gemma 4's KV-shared layers and per-layer input embeddings (E2B/E4B's layout), sized as vLLM v0.33.0 builds them.

No whole Google config.json of Gemma 4 E2B or E4B was read here, and no primary source read states their values, so the
config below is transformers 5.16.1 `Gemma4TextConfig`'s class defaults (configuration_gemma4.py, PyPI wheel read
2026-12-02), written out as `save_pretrained` would after `__post_init__` (`layer_types` five sliding to one full, the
last full; `per_layer_config` giving the full layers `global_head_dim` 512), plus a `dtype` of bfloat16. The class
default `num_kv_shared_layers` is 0; `SHARED = 10` is a test value, not E2B's or E4B's. vLLM v0.33.0 gemma4.py: the last
`num_kv_shared_layers` layers reuse the KV of the last earlier layer of their kind and project only q and o, and
v1 gpu_model_runner `get_kv_cache_spec` allocates them no KV cache (hangar.catalog.gemma4_layers).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.model_config import ConfigError, read_config
from hangar.catalog.model_params import estimate_parameters
from hangar.cli import app

LAYERS, SHARED = 30, 10
KINDS = ["sliding_attention" if (i + 1) % 6 else "full_attention" for i in range(LAYERS)]
ROW_KINDS = ["sliding" if kind == "sliding_attention" else "full" for kind in KINDS]
DEFAULTS = {
    "model_type": "gemma4_text", "architectures": ["Gemma4ForCausalLM"], "dtype": "bfloat16",
    "vocab_size": 262_144, "hidden_size": 2304, "intermediate_size": 9216, "num_hidden_layers": LAYERS,
    "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh",
    "max_position_embeddings": 131_072, "rms_norm_eps": 1e-6, "tie_word_embeddings": True, "attention_bias": False,
    "sliding_window": 512, "layer_types": KINDS, "final_logit_softcapping": None, "use_bidirectional_attention": None,
    "vocab_size_per_layer_input": 262_144, "hidden_size_per_layer_input": 256, "attention_k_eq_v": False,
    "num_kv_shared_layers": 0, "enable_moe_block": False, "use_double_wide_mlp": False, "num_experts": None,
    "top_k_experts": None, "moe_intermediate_size": None,
    "per_layer_config": {str(i): {"head_dim": 512} for i, kind in enumerate(KINDS) if kind == "full_attention"},
}


def config(**change) -> dict:
    return {**DEFAULTS, **change}


def test_only_the_layers_that_keep_their_own_kv_cache_it():
    """Layers 0-19 cache, 20-29 reuse (SHARED = 10). Of 0-19, layers 5, 11, 17 are full, the other 17 sliding.
    Sliding: 2 (K,V) x 4 heads x 256 x 2 bytes = 4,096 per layer, x 17 = 69,632.
    Full: 2 x 4 heads x 512 (global_head_dim) x 2 bytes = 8,192 per layer, x 3 = 24,576.
    Total 94,208 bytes a token, against 25 x 4,096 + 5 x 8,192 = 143,360 with no layer shared."""
    shared, alone = read_config(config(num_kv_shared_layers=SHARED)), read_config(config())
    assert shared.kv_bytes_per_token_bf16 == 94_208
    assert alone.kv_bytes_per_token_bf16 == 143_360
    assert (shared.attention_layers, shared.sliding_window_layers) == (20, 17)
    assert (alone.attention_layers, alone.sliding_window_layers) == (None, 25)


def test_the_per_layer_embeddings_and_the_q_only_shared_layers_count_in_the_parameters():
    """Per-layer inputs (hidden_size_per_layer_input 256, vocab_size_per_layer_input 262,144, 30 layers, hidden 2304):
    the table 262,144 x 30 x 256 = 2,013,265,920; its projection 2304 x 7,680 = 17,694,720 and norm 256; in every
    layer a gate and a projection 2 x 2304 x 256 = 1,179,648 and a norm 2304: x 30 = 35,458,560. Sum 2,066,419,456.
    A shared layer has no k_proj / v_proj: 8 sliding x 2 x 2304 x 4 x 256 = 37,748,736 and 2 full x 2 x 2304 x 4 x 512
    = 18,874,368 fewer, 56,623,104 in all. With use_double_wide_mlp the 10 shared layers' MLPs double:
    10 x 3 x 2304 x 9216 = 637,009,920 more."""
    def total(**change) -> float:
        return estimate_parameters(config(**change), config(**change), "gemma4_text", ROW_KINDS, hidden=2304, heads=8, kv_heads=4,
                                   head_dim=256, vocab=262_144, experts=None, active=None)[0]

    assert total() - total(hidden_size_per_layer_input=0) == 2_066_419_456
    assert total() - total(num_kv_shared_layers=SHARED) == 56_623_104
    assert total(num_kv_shared_layers=SHARED, use_double_wide_mlp=True) - total(num_kv_shared_layers=SHARED) == 637_009_920
    assert read_config(config(num_kv_shared_layers=SHARED)).params_total_b == round(total(num_kv_shared_layers=SHARED) / 1e9, 3)


def test_a_config_without_the_per_layer_width_takes_transformers_default_256():
    left_out = {key: value for key, value in DEFAULTS.items() if key not in ("hidden_size_per_layer_input", "vocab_size_per_layer_input")}
    assert read_config(left_out).params_total_b == read_config(config()).params_total_b


def test_import_model_writes_a_row_that_caches_only_the_unshared_layers(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config(num_kv_shared_layers=SHARED)))
    result = CliRunner().invoke(app, ["catalog", "import-model", "acme/gemma-4-shared-kv", "--config", str(path), "--licence", "apache-2.0",
                                      "--overrides", str(tmp_path)], catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    model = load_catalog(tmp_path).model("acme/gemma-4-shared-kv")
    assert (model.kv_bytes_per_token_bf16, model.kv_layers, model.sliding_window_layers) == (94_208, 20, 17)
    assert "30 layers (20 caching K/V, 10 reusing an earlier layer's)" in " ".join(result.output.split())


@pytest.mark.parametrize(("change", "words"), [
    ({"num_kv_shared_layers": LAYERS}, "leaves none of the 30 layers"),
    ({"num_kv_shared_layers": 1, "layer_types": ["sliding_attention"] * (LAYERS - 1) + ["full_attention"], "per_layer_config": {"29": {"head_dim": 512}}},
     "no earlier layer of kind full"),
    ({"num_kv_shared_layers": -2}, "not a positive whole number"),
])
def test_sharing_vllm_could_not_build_is_refused_naming_the_field(change, words):
    with pytest.raises(ConfigError, match="num_kv_shared_layers") as refused:
        read_config(config(**change))
    assert words in str(refused.value)


def test_lora_slots_of_a_kv_sharing_row_are_left_unsized_saying_why(tmp_path):
    from hangar.sizing.lora_gemma4 import gemma4_unsized

    path = tmp_path / "config.json"
    path.write_text(json.dumps(config(num_kv_shared_layers=SHARED)))
    CliRunner().invoke(app, ["catalog", "import-model", "acme/gemma-4-shared-kv", "--config", str(path), "--licence", "apache-2.0",
                             "--overrides", str(tmp_path)], catch_exceptions=False)
    assert "last 10 layers reuse an earlier layer's KV" in gemma4_unsized(load_catalog(tmp_path).model("acme/gemma-4-shared-kv"))
    assert gemma4_unsized(load_catalog().model("google/gemma-4-26B-A4B")) is None
