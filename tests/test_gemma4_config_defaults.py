"""Gemma 4's full-attention shape where config.json leaves a key out, read as vLLM v0.33.0 gets it from transformers.

transformers 5.16.1 and 5.20.2 (the range vllm-0.33.0 requires) `Gemma4TextConfig.__post_init__`: `global_head_dim`
defaults to 512 and becomes every full-attention layer's `per_layer_config` head_dim; `num_global_key_value_heads` is
taken only with `attention_k_eq_v` and only when given, else the layer keeps `num_key_value_heads`; a stated
`per_layer_config` replaces both. vLLM v0.33.0 `models/gemma4.py` builds each layer from `per_layer_config[i]`.
The fixture is the real google/gemma-4-26B-A4B config.json (tests/model_configs/gemma-4-26b-a4b.json).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.model_config import ConfigError, read_config
from hangar.cli import app

GEMMA = json.loads((Path(__file__).parent / "model_configs" / "gemma-4-26b-a4b.json").read_text())
TEXT = GEMMA["text_config"]
FULL = [index for index, kind in enumerate(TEXT["layer_types"]) if kind == "full_attention"]


def with_text(drop: tuple[str, ...] = (), **change) -> dict:
    text = {key: value for key, value in TEXT.items() if key not in drop}
    return {**GEMMA, "text_config": {**text, **change}}


def test_the_packaged_config_states_the_full_layers_shape():
    gemma = read_config(GEMMA)
    assert (TEXT["global_head_dim"], TEXT["head_dim"], len(FULL)) == (512, 256, 5)
    assert (gemma.global_kv_heads, gemma.global_head_dim) == (2, 512)
    assert load_catalog().model("google/gemma-4-26B-A4B").global_head_dim == 512


def test_without_global_head_dim_the_full_layers_take_transformers_default_512_not_head_dim():
    gemma, stated = read_config(with_text(drop=("global_head_dim",))), read_config(GEMMA)
    assert (gemma.global_kv_heads, gemma.global_head_dim) == (2, 512)
    assert gemma.kv_bytes_per_token_bf16 == stated.kv_bytes_per_token_bf16 == 2 * (25 * 8 * 256 + 5 * 2 * 512) * 2
    assert gemma.params_total_b == stated.params_total_b


def test_k_eq_v_without_num_global_key_value_heads_keeps_num_key_value_heads():
    gemma = read_config(with_text(drop=("num_global_key_value_heads",)))
    assert (gemma.global_kv_heads, gemma.global_head_dim) == (8, 512)
    assert gemma.kv_bytes_per_token_bf16 == 2 * (25 * 8 * 256 + 5 * 8 * 512) * 2


def test_num_global_key_value_heads_counts_only_with_attention_k_eq_v():
    gemma = read_config(with_text(attention_k_eq_v=False))
    assert (gemma.global_kv_heads, gemma.global_head_dim) == (8, 512)


def test_a_saved_per_layer_config_gives_the_full_layers_shape_instead():
    # transformers 5's save_pretrained writes the overrides (zero-padded layer keys), not global_head_dim
    saved = {str(index).zfill(2): {"head_dim": 512, "num_key_value_heads": 2} for index in FULL}
    gemma = read_config(with_text(drop=("global_head_dim", "num_global_key_value_heads"), per_layer_config=saved))
    assert (gemma.global_kv_heads, gemma.global_head_dim) == (2, 512)
    assert gemma.kv_bytes_per_token_bf16 == read_config(GEMMA).kv_bytes_per_token_bf16


@pytest.mark.parametrize(
    "per_layer, fragment",
    [({"0": {"head_dim": 512}}, "layer 0 (sliding_attention)"),
     ({"5": {"head_dim": 512, "sliding_window": 4096}}, "only head_dim and num_key_value_heads"),
     ({"5": {"head_dim": 512}, "11": {"head_dim": 384}}, "full-attention layers differ"),
     ({"99": {"head_dim": 512}}, "not layer indices below 30"),
     ([512], "not a mapping")],
)
def test_a_per_layer_config_the_row_cannot_hold_is_refused_naming_it(per_layer, fragment):
    with pytest.raises(ConfigError) as raised:
        read_config(with_text(per_layer_config=per_layer))
    assert raised.value.field == "per_layer_config" and fragment in str(raised.value)


@pytest.mark.parametrize("change, field", [({"global_head_dim": 0}, "global_head_dim"), ({"attention_k_eq_v": "yes"}, "attention_k_eq_v")])
def test_a_bad_value_is_named(change, field):
    with pytest.raises(ConfigError) as raised:
        read_config(with_text(**change))
    assert raised.value.field == field


def test_import_model_without_global_head_dim_writes_the_512_wide_full_layers(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(with_text(drop=("global_head_dim",))))
    result = CliRunner().invoke(app, ["catalog", "import-model", "acme/gemma-4-26B-A4B-ft", "--config", str(path), "--licence", "apache-2.0",
                                      "--overrides", str(tmp_path)], catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    model = load_catalog(tmp_path).model("acme/gemma-4-26B-A4B-ft")
    assert (model.global_kv_heads, model.global_head_dim) == (2, 512)
    assert model.kv_bytes_per_token_bf16 == load_catalog().model("google/gemma-4-26B-A4B").kv_bytes_per_token_bf16


def test_bidirectional_attention_over_all_tokens_halves_the_window_as_transformers_does():
    assert TEXT["use_bidirectional_attention"] == "vision" and read_config(GEMMA).sliding_window == 1024
    halved = read_config(with_text(use_bidirectional_attention="all"))
    assert halved.sliding_window == 1024 // 2 + 1 == 513
