"""IBM Granite 3.x (`granite`) and SmolLM3 (`smollm3`), read through Llama's layout (`hangar.catalog.layouts_granite_smollm3`).

No whole config.json of ibm-granite/granite-3.3-8b-instruct or HuggingFaceTB/SmolLM3-3B was found (searched 2026-12-02:
aiconfigurator's model_configs, the file-string index), so there are no packaged rows. These tests run on configs written
from transformers-5.16.1's class defaults: `SmolLM3Config`'s are the 3B geometry (36 layers, hidden 2,048, 16 query /
4 KV heads, MLP 11,008, vocab 128,256, tied head); `GraniteConfig`'s are a 32-layer, hidden 4,096, 32-head model with
an untied head and a 2,048-token context.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hangar.catalog.config_fields import ConfigError
from hangar.catalog.model_config import read_config
from hangar.cli import app

SMOLLM3 = {"architectures": ["SmolLM3ForCausalLM"], "model_type": "smollm3", "torch_dtype": "bfloat16"}
"""Everything else from `SmolLM3Config`'s defaults (the shape spelled out where a test needs it)."""
SMOLLM3_3B = {**SMOLLM3, "num_hidden_layers": 36, "hidden_size": 2048, "intermediate_size": 11008, "num_attention_heads": 16, "vocab_size": 128256}
GRANITE = {
    "architectures": ["GraniteForCausalLM"], "model_type": "granite", "hidden_size": 4096, "intermediate_size": 11008,
    "num_hidden_layers": 32, "num_attention_heads": 32, "vocab_size": 32000, "torch_dtype": "bfloat16",
    "embedding_multiplier": 12.0, "residual_multiplier": 0.22, "attention_multiplier": 0.0078125, "logits_scaling": 16.0,
}  # fmt: skip
"""`GraniteConfig`'s defaults for the shape; the multipliers are set away from 1 (they change no weight)."""


def test_a_smollm3_file_takes_smollm3configs_defaults():
    arch = read_config(SMOLLM3_3B)
    assert (arch.model_type, arch.layers, arch.attention_heads, arch.kv_heads, arch.head_dim) == ("smollm3", 36, 16, 4, 128)
    assert (arch.max_context_tokens, arch.tie_word_embeddings, arch.sliding_window_layers) == (32768, True, None)
    assert arch.kv_bytes_per_token_bf16 == 36 * 4 * 128 * 2 * 2 == 73_728  # every layer caches, RoPE or not
    assert 3.0 < arch.params_total_b < 3.15  # the model card's "3B" (one tied 128,256 x 2,048 embedding)


def test_smollm3_slides_only_its_no_rope_layers_when_the_window_is_on():
    arch = read_config({**SMOLLM3, "num_hidden_layers": 8, "hidden_size": 2048, "num_attention_heads": 16,
                        "vocab_size": 128256, "intermediate_size": 11008, "use_sliding_window": True, "sliding_window": 4096})  # fmt: skip
    assert (arch.sliding_window, arch.sliding_window_layers) == (4096, 2)  # layers 4 and 8 skip RoPE
    off = read_config({**SMOLLM3, "num_hidden_layers": 8, "hidden_size": 2048, "num_attention_heads": 16,
                       "vocab_size": 128256, "intermediate_size": 11008, "sliding_window": 4096})  # fmt: skip
    assert off.sliding_window_layers is None  # a window without use_sliding_window slides no layer


def test_a_no_rope_list_of_the_wrong_length_is_refused_naming_it():
    with pytest.raises(ConfigError) as error:
        read_config({**SMOLLM3, "num_hidden_layers": 4, "no_rope_layers": [1, 0]})
    assert error.value.field == "no_rope_layers"


def test_granite_reads_as_llama_and_its_multipliers_change_nothing():
    arch = read_config(GRANITE)
    assert (arch.model_type, arch.layers, arch.kv_heads, arch.head_dim) == ("granite", 32, 32, 128)
    assert (arch.max_context_tokens, arch.tie_word_embeddings, arch.sliding_window_layers) == (2048, False, None)
    assert arch.kv_bytes_per_token_bf16 == 32 * 32 * 128 * 2 * 2
    plain = read_config({k: v for k, v in GRANITE.items() if not k.endswith(("multiplier", "scaling"))})
    assert plain.params_total_b == arch.params_total_b and 6.6 < arch.params_total_b < 6.8


def test_a_granite_with_sliding_layers_is_refused_and_a_bare_window_ignored():
    with pytest.raises(ConfigError) as error:
        read_config({**GRANITE, "sliding_window": 4096, "layer_types": ["sliding_attention", "full_attention"] * 16})
    assert error.value.field == "layer_types" and "v0.11.2" in str(error.value)
    assert read_config({**GRANITE, "sliding_window": 4096}).sliding_window_layers is None  # granite.py reads no window


def test_import_model_writes_a_smollm3_row_and_refuses_a_sliding_granite(tmp_path):
    good = tmp_path / "config.json"
    good.write_text(json.dumps(SMOLLM3_3B))
    runner = CliRunner()
    result = runner.invoke(app, ["catalog", "import-model", "me/smollm3", "--config", str(good), "--licence", "apache-2.0",
                                 "--overrides", str(tmp_path)], env={"COLUMNS": "200"})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "me/smollm3" in result.output
    bad = tmp_path / "granite.json"
    bad.write_text(json.dumps({**GRANITE, "sliding_window": 4096, "layer_types": ["sliding_attention"] * 32}))
    result = runner.invoke(app, ["catalog", "import-model", "me/granite", "--config", str(bad), "--licence", "apache-2.0",
                                 "--overrides", str(tmp_path)], env={"COLUMNS": "200"})  # fmt: skip
    assert result.exit_code == 2 and "layer_types" in result.output


GRANITEMOE = {
    "architectures": ["GraniteMoeForCausalLM"], "model_type": "granitemoe", "hidden_size": 4096, "intermediate_size": 11008,
    "num_hidden_layers": 32, "num_attention_heads": 32, "vocab_size": 32000, "torch_dtype": "bfloat16",
}  # fmt: skip
"""`GraniteMoeConfig`'s defaults for the shape: 8 experts of 11,008, 2 routed a token."""


def test_granitemoe_reads_as_mixtral_with_its_class_defaults():
    arch = read_config(GRANITEMOE)
    assert (arch.model_type, arch.num_experts, arch.num_experts_per_tok, arch.kv_heads, arch.head_dim) == ("granitemoe", 8, 2, 32, 128)
    dense = read_config(GRANITE)
    # the attention and embeddings of the dense model plus 8 copies of its MLP; a token runs 2 of them (and, as for every
    # row, the active count leaves out the input embedding, a lookup)
    mlp = 32 * 3 * 4096 * 11008 / 1e9
    assert arch.params_total_b == pytest.approx(dense.params_total_b + 7 * mlp, abs=0.05)
    assert arch.params_total_b - arch.params_active_b == pytest.approx(6 * mlp + 32000 * 4096 / 1e9, abs=0.05)


def test_a_granitemoe_head_dim_vllm_would_ignore_is_refused():
    with pytest.raises(ConfigError) as error:
        read_config({**GRANITEMOE, "head_dim": 64})
    assert error.value.field == "head_dim" and "128" in str(error.value)
