"""Gemma 3n (google/gemma-3n-E2B-it, -E4B-it: `gemma3n`, Gemma3nForConditionalGeneration) read as vLLM v0.11.2 and
v0.33.0 build it (hangar.catalog.gemma3n and gemma3n_towers have the sources).

No whole Google config.json of Gemma 3n was found to read (data README, "Left out"), so the configs here are transformers'
class defaults (4.57.6 and 5.25.0 `Gemma3nConfig`, `Gemma3nTextConfig`, `Gemma3nAudioConfig`, `Gemma3nVisionConfig`, which
document google/gemma-3n-E4B): a config.json naming only its model types takes all of them. The expected parameter
counts were measured by instantiating those classes on PyTorch's meta device (transformers 5.25.0 `Gemma3nTextModel`,
`Gemma3nAudioEncoder`, `AutoModel.from_config(Gemma3nVisionConfig())` over timm 1.0.31; 2026-12-03), counting weights
of two or more dimensions.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.config_fields import ConfigError
from hangar.catalog.model_config import read_config
from hangar.cli import app
from hangar.sizing.engine_models import engine_refusal
from hangar.sizing.lora_architectures import architecture, lora_refusal

LAYERS, SHARED = 35, 15
KINDS = ["full_attention" if (i + 1) % 5 == 0 else "sliding_attention" for i in range(LAYERS)]
TEXT_WEIGHTS = 6_834_645_744
"""transformers 5.25.0 Gemma3nTextModel(Gemma3nTextConfig()): weights of two or more dimensions (no k/v in shared layers)."""
SHARED_KV = 2 * SHARED * 2048 * 2 * 256
"""k_proj and v_proj of the 15 shared layers, which vLLM v0.11.2 builds and loads (v0.33.0 drops them): 31,457,280."""
PLE_NORMS = 256 + LAYERS * 2048
"""The per-layer input norms counted as Gemma 4's are (hangar.catalog.gemma4_layers): 71,936."""
AUDIO = 681_050_112 + 38_016 + 92_160
"""Gemma3nAudioEncoder(Gemma3nAudioConfig()): linear, Conv2d and depthwise Conv1d weights (681,180,288)."""
VISION = 293_841_472
"""TimmWrapperModel of mobilenetv5_300m_enc (timm 1.0.31): convolution weights."""
EMBEDDERS = (128 * 2048 + 2048 * 2048) + (128 * 1536 + 1536 * 2048)
"""embed_vision and embed_audio: each tower's 128-token embedding and its projection to the text width (7,536,640)."""


def multimodal(**text) -> dict:
    return {"model_type": "gemma3n", "architectures": ["Gemma3nForConditionalGeneration"], "torch_dtype": "bfloat16",
            "text_config": {"model_type": "gemma3n_text", **text}}


def text_only(**text) -> dict:
    return {"model_type": "gemma3n_text", "architectures": ["Gemma3nForCausalLM"], "torch_dtype": "bfloat16", **text}


def test_only_the_unshared_layers_cache_kv():
    """Layers 0-19 cache, 20-34 reuse: of 0-19, 4 are full (4, 9, 14, 19) and 16 sliding. 20 x 2 (K, V) x 2 KV heads x
    256 x 2 bytes = 40,960 bytes a token, where 35 layers would cache 71,680."""
    gemma, alone = read_config(multimodal()), read_config(multimodal(num_kv_shared_layers=0))
    assert (gemma.kv_bytes_per_token_bf16, gemma.attention_layers, gemma.sliding_window_layers, gemma.sliding_window) == (40_960, 20, 16, 512)
    assert (alone.kv_bytes_per_token_bf16, alone.attention_layers, alone.sliding_window_layers) == (71_680, None, 28)
    assert (gemma.layers, gemma.kv_heads, gemma.head_dim, gemma.max_context_tokens, gemma.dtype) == (35, 2, 256, 32_768, "bfloat16")


def test_the_parameters_are_the_text_model_the_towers_and_their_embedders():
    text = TEXT_WEIGHTS + SHARED_KV + PLE_NORMS
    assert read_config(text_only()).params_total_b == round(text / 1e9, 3) == 6.866
    assert read_config(multimodal()).params_total_b == round((text + AUDIO + VISION + EMBEDDERS) / 1e9, 3) == 7.849
    assert read_config(multimodal()).multimodal and not read_config(text_only()).multimodal


def test_without_layer_types_the_model_is_sized_as_with_the_derived_list_written_out():
    assert read_config(multimodal()) == read_config(multimodal(layer_types=KINDS))
    declared = read_config(multimodal(layer_types=["sliding_attention"] * 33 + ["full_attention"] * 2, num_kv_shared_layers=1))
    assert (declared.sliding_window_layers, declared.attention_layers, declared.kv_bytes_per_token_bf16) == (33, 34, 34 * 2048)


def test_matformer_widths_per_layer_are_kept_layer_by_layer():
    """E2B's 30 layers at 8,192 against a mix: the second half at 16,384 adds 15 x 3 x 2048 x 8,192 = 754,974,720."""
    even = read_config(multimodal(num_hidden_layers=30, num_kv_shared_layers=10, intermediate_size=8192))
    mixed = read_config(multimodal(num_hidden_layers=30, num_kv_shared_layers=10, intermediate_size=[8192] * 15 + [16_384] * 15))
    assert (even.intermediate_size, even.layer_mlp_widths) == (8192, None)
    assert (mixed.intermediate_size, mixed.layer_mlp_widths) == (None, "8192x15 16384x15")
    assert round((mixed.params_total_b - even.params_total_b) * 1e9) == pytest.approx(754_974_720, abs=1e6)


@pytest.mark.parametrize(("change", "field", "says"), [
    ({"num_kv_shared_layers": 14}, "num_kv_shared_layers", "full-attention layer at the layer 1 before the first shared one, and layer 20 is sliding"),
    ({"num_kv_shared_layers": 35}, "num_kv_shared_layers", "leaves none of the 35 layers"),
    ({"hidden_activation": "gelu"}, "hidden_activation", "gelu_pytorch_tanh"),
    ({"altup_correct_scale": False}, "altup_correct_scale", "asserts it is true"),
    ({"tie_word_embeddings": False}, "tie_word_embeddings", "reads its logits from the token embedding"),
    ({"intermediate_size": [8192] * 3}, "intermediate_size", "gives 3 widths"),
    ({"activation_sparsity_pattern": [0.95]}, "activation_sparsity_pattern", "each of the 35 layers"),
])
def test_a_config_vllm_would_build_otherwise_is_refused_naming_the_key(change, field, says):
    with pytest.raises(ConfigError) as refused:
        read_config(multimodal(**change))
    assert refused.value.field == field and says in str(refused.value)


@pytest.mark.parametrize(("tower", "field"), [
    ({"vision_config": {"architecture": "resnet50"}}, "vision_config.architecture"),
    ({"vision_config": {"model_args": {"depth": 3}}}, "vision_config.model_args"),
    ({"audio_config": {"sscp_conv_kernel_size": [3, 3]}}, "audio_config.sscp_conv_kernel_size"),
    ({"audio_config": {"hidden_size": 0}}, "audio_config.hidden_size"),
])
def test_a_tower_hangar_did_not_count_is_refused_naming_its_key(tower, field):
    with pytest.raises(ConfigError) as refused:
        read_config({**multimodal(), **tower})
    assert refused.value.field == field


def test_a_smaller_audio_tower_is_counted_from_its_config():
    """Half the width: each conformer block is 24 x 768^2 + 768 x 5 = 14,159,616 against 56,631,168, x 12; the input
    projection 32 x 32 x 768 against x 1536; the embedder 128 x 768 + 768 x 2048 against 128 x 1536 + 1536 x 2048."""
    full, half = read_config(multimodal()), read_config({**multimodal(), "audio_config": {"hidden_size": 768}})
    fewer = 12 * (56_631_168 - 14_159_616) + 1024 * 768 + (128 * 768 + 768 * 2048)
    assert round((full.params_total_b - half.params_total_b) * 1e9) == pytest.approx(fewer, abs=1e6)


def test_import_model_writes_a_row_and_says_which_layers_cache(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(multimodal()))
    result = CliRunner().invoke(app, ["catalog", "import-model", "acme/gemma-3n-defaults", "--config", str(path), "--licence", "gemma-terms",
                                      "--overrides", str(tmp_path / "ours")], catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "7.849B parameters; 35 layers (20 caching K/V, 15 reusing an earlier layer's), 16 of them sliding-window 512" in said
    row = load_catalog(tmp_path / "ours").model("acme/gemma-3n-defaults")
    assert (row.family, row.kv_bytes_per_token_bf16, row.multimodal) == ("gemma3n", 40_960, True)


def test_hangar_size_caches_the_unshared_layers_only(tmp_path):
    """One 32,768-token sequence: the 4 full caching layers keep every token (4 x 2,048 bytes x 32,768 = 256 MiB); the 16
    sliding ones are paged as vLLM groups them (hangar.sizing.kv_pool), which holds more than their 512-token window."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(multimodal()))
    CliRunner().invoke(app, ["catalog", "import-model", "acme/gemma-3n-defaults", "--config", str(path), "--licence", "gemma-terms",
                             "--overrides", str(tmp_path / "ours")], catch_exceptions=False)
    args = ["size", "acme/gemma-3n-defaults", "--overrides", str(tmp_path / "ours"), "--context", "32768", "--cloud", "aws"]
    result = CliRunner().invoke(app, args, catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "16 of 20 layers sliding-window 512, KV in 20 attention layers (the others reuse an earlier layer's K/V)" in result.stdout
    best = json.loads(CliRunner().invoke(app, [*args, "--format", "json"], catch_exceptions=False).stdout)["feasible"][0]["memory"]
    assert 4 * 2048 * 32_768 / 2**30 < best["kv_per_sequence_gib"] < 20 * 2048 * 32_768 / 2**30


def test_both_releases_serve_it_and_neither_with_lora(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(multimodal()))
    CliRunner().invoke(app, ["catalog", "import-model", "acme/gemma-3n-defaults", "--config", str(path), "--licence", "gemma-terms",
                             "--overrides", str(tmp_path / "ours")], catch_exceptions=False)
    row = load_catalog(tmp_path / "ours").model("acme/gemma-3n-defaults")
    assert architecture(row) == "Gemma3nForConditionalGeneration"
    assert engine_refusal(row, "v0.11.2") is None and engine_refusal(row, "v0.33.0") is None
    for release in ("v0.11.2", "v0.33.0"):
        assert lora_refusal(row, release) == (
            f"vLLM {release}'s Gemma3nForConditionalGeneration (the model class of acme/gemma-3n-defaults) does not implement "
            "SupportsLoRA: with --enable-lora vLLM refuses to start (Gemma3nForConditionalGeneration does not support LoRA yet)"
        )
