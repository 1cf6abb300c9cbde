"""Baidu's ERNIE 4.5 text models (`ernie4_5`, `ernie4_5_moe`), read by `hangar catalog import-model`
(`hangar.catalog.layouts_ernie`).

No whole config.json of an ERNIE 4.5 release was found, so no packaged row (the catalog README says why). As for Cohere,
the reader is tested on configs written from transformers' classes, whose defaults transformers documents as those of
the releases: `Ernie4_5_MoeConfig` "similar ... to baidu/ERNIE-4.5-21B-A3B-PT" (28 layers, 20 heads over 4 KV heads of
128, 64 experts top-6 of width 1536 beside 2 shared, layer 0 dense, vocab 103,424, the head tied) and `Ernie4_5Config`
"similar ... to the Ernie 4.5 0.3B" (transformers-4.57.1 wheel, read 2026-12-02). Baidu names them 21B total / 3B active
and 0.3B.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.config_fields import ConfigError
from hangar.catalog.model_config import read_config
from hangar.cli import app
from hangar.sizing import memory_fit
from hangar.sizing.engine_models import engine_refusal
from hangar.sizing.lora_architectures import architecture

MOE = {
    "architectures": ["Ernie4_5_MoeForCausalLM"], "model_type": "ernie4_5_moe", "vocab_size": 103424, "hidden_size": 2560,
    "intermediate_size": 12288, "num_hidden_layers": 28, "num_attention_heads": 20, "num_key_value_heads": 4,
    "max_position_embeddings": 131072, "tie_word_embeddings": True, "use_bias": False, "moe_intermediate_size": 1536, "moe_k": 6,
    "moe_num_experts": 64, "moe_num_shared_experts": 2, "moe_layer_start_index": 1, "moe_layer_end_index": -1, "moe_layer_interval": 1,
}  # fmt: skip
DENSE = {
    "architectures": ["Ernie4_5ForCausalLM"], "model_type": "ernie4_5", "vocab_size": 103424, "hidden_size": 1024,
    "intermediate_size": 3072, "num_hidden_layers": 18, "num_attention_heads": 16, "num_key_value_heads": 2, "head_dim": 128,
    "max_position_embeddings": 131072,
}  # fmt: skip


def test_the_moe_reads_its_routed_shared_and_dense_layers():
    arch = read_config(MOE)
    assert (arch.model_type, arch.layers, arch.attention_heads, arch.kv_heads, arch.head_dim) == ("ernie4_5_moe", 28, 20, 4, 128)
    assert (arch.num_experts, arch.num_experts_per_tok, arch.moe_intermediate_size, arch.shared_expert_intermediate_size) == (64, 6, 1536, 3072)
    assert (arch.dense_mlp_layers, arch.intermediate_size, arch.tie_word_embeddings) == (1, 12288, True)
    assert arch.kv_bytes_per_token_bf16 == 28 * 4 * 128 * 2 * 2
    assert (arch.params_total_b, arch.params_active_b, arch.max_context_tokens) == (21.825, 3.352, 131072)  # Baidu: 21B, 3B active


def test_the_dense_model_reads_as_llama_with_its_head_tied_by_default():
    arch = read_config(DENSE)
    assert (arch.model_type, arch.layers, arch.kv_heads, arch.head_dim, arch.tie_word_embeddings) == ("ernie4_5", 18, 2, 128, True)
    assert arch.params_total_b == pytest.approx(0.36, abs=0.01)  # Baidu's "0.3B"


@pytest.mark.parametrize(("field", "value"), [("moe_layer_interval", 2), ("moe_layer_end_index", 20), ("use_moe", False)])
def test_a_routing_pattern_glm_s_fields_cannot_say_is_refused_naming_it(field, value):
    with pytest.raises(ConfigError) as error:
        read_config({**MOE, field: value})
    assert error.value.field == field


def test_imported_it_fits_one_h100_both_releases_serve_it_and_its_class_takes_adapters(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(MOE))
    result = CliRunner().invoke(app, ["catalog", "import-model", "me/ernie-21b", "--config", str(path), "--licence", "apache-2.0",
                                      "--overrides", str(tmp_path)], catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "21.825B parameters (3.352B active, 6 of 64 experts); 28 layers" in result.stdout
    catalog = load_catalog(tmp_path)
    model = catalog.model("me/ernie-21b")
    assert (model.family, architecture(model)) == ("ernie4_5_moe", "Ernie4_5_MoeForCausalLM")
    assert engine_refusal(model, "v0.11.2") is None and engine_refusal(model, "v0.33.0") is None
    fit = memory_fit(model, catalog.gpu("H100-SXM"))
    assert fit.fits and fit.capacity_sequences >= 1
    assert not memory_fit(model, catalog.gpu("L4")).fits


def test_the_multi_token_prediction_layers_vllm_does_not_load_are_not_counted():
    # vLLM v0.11.2 skips "mtp" weights at load, v0.33.0 maps them to None: serving holds the 28 decoder layers only
    with_mtp = read_config({**MOE, "num_nextn_predict_layers": 1})
    plain = read_config(MOE)
    assert (with_mtp.layers, with_mtp.params_total_b, with_mtp.kv_bytes_per_token_bf16) == (28, 21.825, plain.kv_bytes_per_token_bf16)
