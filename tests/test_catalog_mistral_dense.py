"""A dense Mistral params.json (Ministral 3's and Devstral's layout: no `moe`, no latent attention), read as vLLM's
Mistral adapter builds its config (`hangar.catalog.mistral_dense`), and when vLLM loads a repository from it.

NOT Mistral's file: no copy of a Ministral 3 or Devstral params.json was found (hangar/catalog/data/README.md says where
it was looked for). `TEXT` is Devstral Small 2's text model written in params.json's keys, the values of its config.json
(tests/model_configs/devstral-small-2-24b-instruct.json `text_config`: width 5,120, 40 layers, 32 heads and 8 KV heads of
128, MLP 32,768, vocabulary 131,072, yarn factor 48 over 8,192, llama_4_scaling beta 0.1), with the keys transformers'
converter reads from params.json (huggingface/transformers src/transformers/models/ministral3/
convert_ministral3_weights_to_hf.py, stored copy at 00b364c7: dim, n_layers, hidden_dim, n_heads, n_kv_heads, norm_eps,
head_dim, vocab_size, tied_embeddings, rope_theta, yarn factor/original_max_position_embeddings/beta/alpha,
llama_4_scaling beta, max_position_embeddings, vision_encoder). So the text model must read exactly as the config.json's.
"""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog.config_fields import ConfigError
from hangar.catalog.mistral_dense import dense_config
from hangar.catalog.mistral_params import pixtral_vision_params
from hangar.catalog.model_config import model_row, read_config
from hangar.cli import app
from hangar.sizing.engine_models import engine_refusal, first_served
from hangar.sizing.lora_architectures import architecture

HF_ID = "mistralai/Ministral-3-24B-test"
_DEVSTRAL = json.loads((Path(__file__).parent / "model_configs" / "devstral-small-2-24b-instruct.json").read_text())
TEXT = {
    "dim": 5120, "n_layers": 40, "head_dim": 128, "hidden_dim": 32768, "n_heads": 32, "n_kv_heads": 8, "norm_eps": 1e-5,
    "vocab_size": 131072, "rope_theta": 100000000.0, "max_position_embeddings": 393216, "tied_embeddings": False,
    "yarn": {"factor": 48, "original_max_position_embeddings": 8192, "beta": 32, "alpha": 1},
    "llama_4_scaling": {"beta": 0.1, "original_max_position_embeddings": 8192},
}  # fmt: skip
VISION = {
    **{k: _DEVSTRAL["vision_config"][k] for k in ("hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers",
                                                  "patch_size", "num_channels", "image_size")},
    "spatial_merge_size": _DEVSTRAL["spatial_merge_size"], "mm_projector_id": "patch_merge", "rope_theta": 10000.0,
}
FP8 = {"qformat_weight": "fp8_e4m3", "qscheme_act": "TENSOR"}


def params(**change) -> dict:
    return {**copy.deepcopy(TEXT), **change}


def test_the_text_model_reads_exactly_as_devstral_small_2s_config_json():
    dense = read_config(params())
    flat = read_config({**_DEVSTRAL["text_config"], "architectures": ["Ministral3ForCausalLM"]})
    assert (dense.model_type, dense.text_model_type, dense.multimodal) == ("mistral_params", "transformer", False)
    for field in ("layers", "hidden_size", "attention_heads", "kv_heads", "head_dim", "intermediate_size", "vocab_size", "params_total_b",
                  "kv_bytes_per_token_bf16", "max_context_tokens", "yarn_context_tokens", "tie_word_embeddings"):
        assert getattr(dense, field) == getattr(flat, field), field
    assert (dense.layers, dense.kv_bytes_per_token_bf16, dense.max_context_tokens) == (40, 40 * 2 * 8 * 128 * 2, 48 * 8192)


def test_vllm_wraps_a_vision_encoder_as_pixtral_and_keeps_the_tower_16_bit_under_fp8():
    built = dense_config(params(vision_encoder=dict(VISION), quantization=dict(FP8)))
    assert (built["architectures"], built["text_config"]["architectures"]) == (["PixtralForConditionalGeneration"], ["MistralForCausalLM"])
    assert built["quantization_config"] == {"quant_method": "fp8", "activation_scheme": "static"}
    assert built["text_config"]["llama_4_scaling"] == TEXT["llama_4_scaling"]
    arch = read_config(params(vision_encoder=dict(VISION), quantization=dict(FP8)))
    tower = pixtral_vision_params(built)
    assert tower == 602_112 + 24 * (4 * 1024**2 + 3 * 1024 * 4096) + 4 * 1024**2 + 1024 * 5120 + 5120**2
    assert (arch.dtype, arch.multimodal, arch.unquantised_params_b) == ("fp8", True, round(tower / 1e9, 3))
    assert arch.params_total_b == round(read_config(params()).params_total_b + tower / 1e9, 3)


def _row(**change):
    return model_row(HF_ID, params(**change), licence_id="apache-2.0", source="params.json: test", as_of=datetime.date(2026, 12, 3))


def test_vllm_loads_it_from_params_json_by_default_from_v0_12_0_and_hangar_refuses_it_before():
    row = _row(vision_encoder=dict(VISION))
    assert (row.family, row.text_model_type, architecture(row), first_served(row)) == (
        "mistral_params", "transformer", "PixtralForConditionalGeneration", "v0.12.0")
    assert architecture(_row()) == "MistralForCausalLM"
    assert engine_refusal(row, "v0.11.2") == (
        f"vLLM v0.11.2 cannot load {HF_ID}: v0.11.2 reads a repository's config.json where it ships one beside params.json "
        "(config_format auto), and Hangar passes no --config-format mistral --load-format mistral --tokenizer-mode mistral, "
        "with which vLLM loads the params.json from v0.11.1; vLLM serves it from v0.12.0"
    )
    assert engine_refusal(row, "v0.12.0") is None and engine_refusal(row, "v0.33.0") is None


def test_import_model_reads_the_params_json_and_prints_its_size(tmp_path):
    path = tmp_path / "params.json"
    path.write_text(json.dumps(params()))
    result = CliRunner().invoke(app, ["catalog", "import-model", HF_ID, "--config", str(path), "--licence", "apache-2.0",
                                      "--overrides", str(tmp_path / "ours")], catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    size = read_config(params()).params_total_b
    assert f"{size:.3f}B parameters; 40 layers; 8 KV heads x 128; 160 KiB/token of bf16 KV in full layers; max context 393,216" in result.output
    assert "read from params.json" in result.output


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"llama_4_scaling": {"beta": 0.1}}, "llama_4_scaling", "vLLM asserts"),
        ({"sliding_window": [None, 4096]}, "sliding_window", "not read here"),
        ({"max_position_embeddings": None}, "max_position_embeddings", "from the repository's config.json"),
        ({"quantization": {"qformat_weight": "int4"}}, "quantization", "Found unknown quantization"),
        ({"yarn": {**TEXT["yarn"], "mscale": 1}}, "yarn.mscale", "Unparsed yarn config"),
    ],
)
def test_what_vllm_rejects_or_the_reader_does_not_read_is_refused_naming_the_field(change, field, says):
    with pytest.raises(ConfigError) as refused:
        read_config(params(**change))
    assert refused.value.field == field and says in str(refused.value)
