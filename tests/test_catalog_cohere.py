"""Cohere's layouts through the reader and `hangar catalog import-model`: Command R (`cohere`) and Command R7B
(`cohere2`: sliding-window layers interleaved with full ones).

No whole config.json of a Cohere release was found here (hangar/catalog/data/README.md says what was searched), so
these tests read configs written from transformers' own class defaults: `CohereConfig`, whose docstring says they
"yield a similar configuration to that of the CohereForAI/c4ai-command-r-v01 model", and `Cohere2Config` (the PyPI wheel
transformers-4.57.1, src/transformers/models/cohere{,2}/configuration_cohere{,2}.py, read 2026-12-02). They are inputs
that exercise the layouts, not a release's facts; the one published figure checked is Command R's parameter count,
"Model Size: 35 billion parameters" on Cohere's model card (the page licences.csv cites for c4ai-cc-by-nc-4.0).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.model_config import ConfigError, read_config
from hangar.cli import app
from hangar.sizing import LoraSlots, lora_bytes, memory_fit
from hangar.sizing.lora_architectures import architecture, lora_refusal

COMMAND_R_DEFAULTS = {
    "architectures": ["CohereForCausalLM"], "model_type": "cohere", "vocab_size": 256000, "hidden_size": 8192,
    "intermediate_size": 22528, "logit_scale": 0.0625, "num_hidden_layers": 40, "num_attention_heads": 64,
    "hidden_act": "silu", "max_position_embeddings": 8192, "layer_norm_eps": 1e-05, "rope_theta": 10000.0,
    "use_qk_norm": False, "torch_dtype": "float16",
}  # fmt: skip
"""`CohereConfig.__init__`'s defaults (num_key_value_heads None: as many as the heads; tie_word_embeddings True)."""
COHERE2_DEFAULTS = {
    **{key: value for key, value in COMMAND_R_DEFAULTS.items() if key != "use_qk_norm"},
    "architectures": ["Cohere2ForCausalLM"], "model_type": "cohere2", "sliding_window": 4096,
}
"""`Cohere2Config.__init__`'s defaults, the same but for the window and no use_qk_norm (no layer_types: the layers follow
sliding_window_pattern, 4 by default)."""

KV_PER_TOKEN = 40 * 64 * 128 * 2 * 2  # layers x KV heads x head size x (K, V) x 2 bytes


def write(tmp_path: Path, config: dict, name: str = "config.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(config))
    return path


def import_model(tmp_path: Path, hf_id: str, config: Path, *extra: str):
    return CliRunner().invoke(
        app, ["catalog", "import-model", hf_id, "--config", str(config), "--licence", "c4ai-cc-by-nc-4.0", "--overrides", str(tmp_path / "ours"), *extra],
        catch_exceptions=False, env={"COLUMNS": "200"},
    )


# --- Command R: cohere ------------------------------------------------------------------------------------------


def test_command_r_is_full_attention_over_as_many_kv_heads_as_heads():
    arch = read_config(COMMAND_R_DEFAULTS)
    assert (arch.model_type, arch.layers, arch.attention_heads, arch.kv_heads, arch.head_dim) == ("cohere", 40, 64, 64, 128)
    assert arch.sliding_window is None and arch.sliding_window_layers is None
    assert arch.kv_bytes_per_token_bf16 == KV_PER_TOKEN == 1_310_720
    assert (arch.tie_word_embeddings, arch.dtype, arch.text_model_type) == (True, "float16", "cohere")


def test_command_r_estimate_counts_the_tied_embedding_once_and_is_the_published_35b():
    arch = read_config(COMMAND_R_DEFAULTS)
    # 256,000 x 8,192 embedding, shared with the head, + 40 x (4 x 8,192^2 attention + 3 x 8,192 x 22,528 MLP)
    expected = 256000 * 8192 + 40 * (4 * 8192**2 + 3 * 8192 * 22528)
    assert arch.params_total_b == round(expected / 1e9, 3) == 34.98
    assert round(arch.params_total_b) == 35  # "Model Size: 35 billion parameters"
    untied = read_config({**COMMAND_R_DEFAULTS, "tie_word_embeddings": False})
    assert untied.params_total_b == round((expected + 256000 * 8192) / 1e9, 3)


def test_a_sliding_window_key_gives_command_r_no_sliding_layer():
    arch = read_config({**COMMAND_R_DEFAULTS, "sliding_window": 4096})
    assert arch.sliding_window_layers is None and arch.kv_bytes_per_token_bf16 == KV_PER_TOKEN


@pytest.mark.parametrize(
    ("extra", "context"),
    [
        ({}, 8192),
        ({"model_max_length": 131072}, 131072),  # replaces max_position_embeddings, although larger
        ({"model_max_length": 4096}, 4096),  # and when smaller
        ({"seq_length": 2048}, 2048),  # without it, the smallest of the length keys
        ({"seq_length": 2048, "model_max_length": 131072}, 131072),
    ],
)
def test_the_context_is_what_vllm_takes_model_max_length_first(extra, context):
    assert read_config({**COMMAND_R_DEFAULTS, **extra}).max_context_tokens == context


# --- Command R7B: cohere2 ------------------------------------------------------------------------------


def test_cohere2_slides_on_three_layers_of_four_by_default():
    arch = read_config(COHERE2_DEFAULTS)
    assert (arch.model_type, arch.sliding_window, arch.sliding_window_layers) == ("cohere2", 4096, 30)
    assert arch.kv_bytes_per_token_bf16 == KV_PER_TOKEN  # per token in every layer; sizing caps the sliding ones at the window
    assert read_config({**COHERE2_DEFAULTS, "sliding_window_pattern": 8}).sliding_window_layers == 35


def test_cohere2_layer_types_decide_over_the_pattern():
    kinds = ["sliding_attention"] * 39 + ["full_attention"]
    assert read_config({**COHERE2_DEFAULTS, "layer_types": kinds, "sliding_window_pattern": 4}).sliding_window_layers == 39


def test_cohere2_sliding_layers_keep_only_their_window_at_full_context(tmp_path):
    long = {"model_max_length": 131072}
    assert import_model(tmp_path, "example-org/cohere2-defaults", write(tmp_path, {**COHERE2_DEFAULTS, **long})).exit_code == 0
    assert import_model(tmp_path, "example-org/cohere-defaults", write(tmp_path, {**COMMAND_R_DEFAULTS, **long}, "r.json")).exit_code == 0
    catalog = load_catalog(tmp_path / "ours")
    h200 = catalog.gpu("H200")
    sliding = memory_fit(catalog.model("example-org/cohere2-defaults"), h200, tensor_parallel=2)
    full = memory_fit(catalog.model("example-org/cohere-defaults"), h200, tensor_parallel=2)
    # a sequence of 131,072 tokens: 10 full layers of 40 hold them all, the other 30 their window and the tokens in flight
    assert full.kv_per_sequence_gib / 4 < sliding.kv_per_sequence_gib < full.kv_per_sequence_gib / 2
    assert sliding.capacity_sequences > full.capacity_sequences


# --- refusals ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({key: value for key, value in COHERE2_DEFAULTS.items() if key != "sliding_window"}, "sliding_window"),
        ({key: value for key, value in COMMAND_R_DEFAULTS.items() if key != "intermediate_size"}, "intermediate_size"),
        ({key: value for key, value in COMMAND_R_DEFAULTS.items() if key != "max_position_embeddings"}, "max_position_embeddings"),
        ({**COHERE2_DEFAULTS, "head_dim": 256}, "head_dim"),
        ({**COHERE2_DEFAULTS, "layer_types": ["sliding_attention"] * 39}, "layer_types"),
        ({**COHERE2_DEFAULTS, "sliding_window_pattern": 0}, "sliding_window_pattern"),
        ({**COMMAND_R_DEFAULTS, "model_type": "cohere2_moe"}, "model_type"),
    ],
)
def test_a_cohere_config_missing_or_contradicting_a_field_is_refused_naming_it(config, field):
    with pytest.raises(ConfigError) as refused:
        read_config(config)
    assert refused.value.field == field


def test_import_model_refuses_a_cohere2_config_without_its_window_and_writes_nothing(tmp_path):
    config = write(tmp_path, {key: value for key, value in COHERE2_DEFAULTS.items() if key != "sliding_window"})
    result = import_model(tmp_path, "example-org/cohere2-defaults", config)
    assert result.exit_code == 2
    assert f"--config {config}: sliding_window: missing; the reader needs it to size the model" in result.output
    assert not (tmp_path / "ours" / "models.csv").exists()


# --- import-model, licence and LoRA --------------------------------------------------------------------------------


def test_import_model_reads_a_command_r_config_into_an_override_row(tmp_path):
    config = write(tmp_path, {**COMMAND_R_DEFAULTS, "model_max_length": 131072})
    result = import_model(tmp_path, "CohereLabs/c4ai-command-r-v01", config, "--revision", "main")
    assert result.exit_code == 0, result.output
    assert f"wrote CohereLabs/c4ai-command-r-v01 to {tmp_path / 'ours' / 'models.csv'}" in result.stdout
    assert "34.98B parameters; 40 layers; 64 KV heads x 128; 1280 KiB/token of bf16 KV in full layers; max context 131,072" in result.stdout
    catalog = load_catalog(tmp_path / "ours")
    row = catalog.model("CohereLabs/c4ai-command-r-v01")
    assert (row.family, row.config_verified, row.licence_id, row.max_context_tokens) == ("Command R", True, "c4ai-cc-by-nc-4.0", 131072)
    (licence, _), = catalog.model_licences(row.hf_id)
    assert (licence.commercial_use, licence.acceptable_use_policy) == ("no", True)


@pytest.mark.parametrize("engine", ["v0.11.2", "v0.33.0"])
def test_lora_serves_both_cohere_classes_and_adapts_the_embedding_but_no_head(tmp_path, engine):
    assert import_model(tmp_path, "example-org/cohere2-defaults", write(tmp_path, COHERE2_DEFAULTS)).exit_code == 0
    assert import_model(tmp_path, "example-org/cohere-defaults", write(tmp_path, COMMAND_R_DEFAULTS, "r.json")).exit_code == 0
    catalog = load_catalog(tmp_path / "ours")
    cohere2, cohere = catalog.model("example-org/cohere2-defaults"), catalog.model("example-org/cohere-defaults")
    assert (architecture(cohere2), architecture(cohere)) == ("Cohere2ForCausalLM", "CohereForCausalLM")
    assert lora_refusal(cohere2, engine_version=engine) is None and lora_refusal(cohere, engine_version=engine) is None
    slots = LoraSlots(slots=1, rank=16)
    # one vLLM class serves both: the same slots for the same widths
    assert lora_bytes(cohere2, slots, engine_version=engine) == lora_bytes(cohere, slots, engine_version=engine)
    if engine == "v0.33.0":  # qkv, o, gate_up, down per layer; embed_tokens A V x r and B H x r; no added tokens, no lm_head
        h, q, kv, inner, r = 8192, 64 * 128, 64 * 128, 22528, 16
        layer = (3 * r * h + (q + 2 * kv) * r) + (r * q + h * r) + (2 * r * h + 2 * inner * r) + (r * inner + h * r)
        assert lora_bytes(cohere, slots, engine_version=engine) == (40 * layer + 256000 * r + h * r) * 2


@pytest.mark.parametrize("engine", ["v0.11.2", "v0.33.0"])
def test_the_token_vllm_v0_33_adds_to_a_cohere2_window_fills_no_further_kv_block(tmp_path, engine):
    """vLLM v0.33.0's commandr.py gives a sliding layer `sliding_window + 1`; the row keeps the config's window."""
    config = write(tmp_path, {**COHERE2_DEFAULTS, "model_max_length": 131072})
    assert import_model(tmp_path, "example-org/cohere2-defaults", config).exit_code == 0
    catalog = load_catalog(tmp_path / "ours")
    row = catalog.model("example-org/cohere2-defaults")
    as_served = row.model_copy(update={"sliding_window": row.sliding_window + 1})
    fit = memory_fit(row, catalog.gpu("H200"), tensor_parallel=2, engine_version=engine)
    assert memory_fit(as_served, catalog.gpu("H200"), tensor_parallel=2, engine_version=engine).kv_per_sequence_gib == fit.kv_per_sequence_gib
