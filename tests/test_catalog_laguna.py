"""poolside's Laguna (`laguna`, `LagunaForCausalLM`; `hangar.catalog.layouts_laguna`), on the two config.json copies NVIDIA
aiconfigurator vendors (tests/model_configs/sources.json): Laguna XS.2 FP8 (a packaged row) and Laguna S 2.1 FP8
(reader only: its licence was not read).

By hand from vLLM v0.33.0's laguna.py (8 KV heads of 128 in every layer, K + V; q/k/v/o, a per-head g_proj of hidden x
query heads; the first layer a dense MLP, the others 256 experts, a router and one shared expert):

* XS.2 (hidden 2,048, 40 layers, 10 full with 48 query heads, 30 sliding with 64): a full layer's attention
  2 x 2,048 x 48 x 128 + 2 x 2,048 x 8 x 128 + 2,048 x 48 = 29,458,432, a sliding one's 37,879,808: 1,430,978,560 in all,
  the 16-bit weights the checkpoint's `ignore` keeps (attention, g_proj, routers). Embedding and head 2 x 100,352 x 2,048
  = 411,041,792; the dense MLP 3 x 2,048 x 8,192 = 50,331,648; a MoE layer 256 x 3 x 2,048 x 512 + 2,048 x 256 +
  3 x 2,048 x 512 = 808,976,384 (x 39). Total 33,442,430,976 (poolside's "33B total", "33.4B" in its technical report as
  reviewed); active: head, attention, dense MLP and 39 x (8 experts + router + shared) = 2,811,428,864 ("3B activated").
  KV 2 x 40 x 8 x 128 x 2 = 163,840 bytes a token in bf16.
* S 2.1 (hidden 3,072, 48 layers, 12 full with 48 heads, 36 sliding with 72): attention 12 x 44,187,648 + 36 x
  63,135,744 = 2,803,138,560; dense MLP 3 x 3,072 x 12,288 = 113,246,208; 47 MoE layers of 2,426,142,720 (256 experts of
  1,024, router, shared expert of 1,024); total 117,561,655,296 ("118B total"), active (10 experts) 8,140,652,544 ("~8B").
  Its `ignore` also keeps layer 0's MLP and the 47 shared experts (9,437,184 each) in 16 bits: 3,359,932,416.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from hangar.catalog import Model, load_catalog
from hangar.catalog.config_fields import ConfigError
from hangar.catalog.layouts_laguna import LAGUNA_DEFAULTS
from hangar.catalog.model_config import read_config
from hangar.cli import app
from hangar.sizing.engine_models import engine_refusal, first_served
from hangar.sizing.lora import LoraSlots, lora_gib
from hangar.sizing.lora_architectures import lora_refusal
from hangar.sizing.tensor_parallel import tp_problems, valid_tp_degrees
from tests.config_errors import config_problems
from tests.h200_stacks import with_deployment

CONFIGS = Path(__file__).parent / "model_configs"
SOURCES = json.loads((CONFIGS / "sources.json").read_text())
XS = json.loads((CONFIGS / "laguna-xs.2-fp8.json").read_text())
S = json.loads((CONFIGS / "laguna-s-2.1-fp8.json").read_text())
XS_ID, S_ID = "poolside/Laguna-XS.2-FP8", "poolside/Laguna-S-2.1-FP8"


def bf16(config: dict, **changes) -> dict:
    """The config without its quantisation, with `changes` (None removes a key)."""
    changed = {k: v for k, v in copy.deepcopy(config).items() if k != "quantization_config"}
    changed.update(changes)
    return {k: v for k, v in changed.items() if v is not None}


def test_the_xs_2_layout_as_vllm_builds_it():
    arch = read_config(XS)
    assert (arch.model_type, arch.text_model_type, arch.layers, arch.attention_heads, arch.kv_heads, arch.head_dim) == ("laguna", "laguna", 40, 48, 8, 128)
    assert (arch.sliding_window, arch.sliding_window_layers, arch.kv_bytes_per_token_bf16) == (512, 30, 163_840)
    assert (arch.num_experts, arch.num_experts_per_tok, arch.moe_intermediate_size, arch.shared_expert_intermediate_size) == (256, 8, 512, 512)
    assert (arch.intermediate_size, arch.dense_mlp_layers, arch.tie_word_embeddings, arch.max_context_tokens) == (8192, 1, False, 262_144)
    assert (arch.params_total_b, arch.params_active_b) == (33.442, 2.811)
    assert (arch.dtype, arch.kv_cache_dtype, arch.unquantised_params_b) == ("w8a8-fp8", "fp8", 1.431)


def test_the_s_2_1_layout_and_what_its_ignore_list_keeps_in_16_bits():
    arch = read_config(S)
    assert (arch.layers, arch.attention_heads, arch.sliding_window_layers, arch.kv_bytes_per_token_bf16) == (48, 48, 36, 196_608)
    assert (arch.params_total_b, arch.params_active_b, arch.num_experts_per_tok) == (117.562, 8.141, 10)
    assert (arch.dtype, arch.kv_cache_dtype, arch.unquantised_params_b) == ("w8a8-fp8", "fp8", 3.36)
    # vLLM v0.33.0 reads mlp_layer_types, not the mlp_only_layers / decoder_sparse_step the file also carries
    assert read_config({**S, "mlp_only_layers": [0, 1], "decoder_sparse_step": 2}).params_total_b == arch.params_total_b


def test_a_16_bit_checkpoint_keeps_nothing_apart_and_a_per_element_gate_is_wider():
    plain = read_config(bf16(XS))
    assert (plain.dtype, plain.kv_cache_dtype, plain.unquantised_params_b, plain.params_total_b) == ("bfloat16", None, None, 33.442)
    wider = read_config(bf16(XS, gating="per-element"))  # g_proj hidden x heads x 128 instead of hidden x heads
    assert round((wider.params_total_b - plain.params_total_b) * 1e9) == pytest.approx(2048 * 127 * (10 * 48 + 30 * 64), abs=1e6)
    ungated = read_config(bf16(XS, gating=False))
    assert round((plain.params_total_b - ungated.params_total_b) * 1e9) == pytest.approx(2048 * (10 * 48 + 30 * 64), abs=1e6)


def test_fields_the_file_leaves_out_take_laguna_configs_defaults():
    """transformers' LagunaConfig: 40 layers of full attention, 48 heads each, the first dense, 256 experts of 512."""
    arch = read_config({"architectures": ["LagunaForCausalLM"], "model_type": "laguna"})
    assert (arch.layers, arch.attention_heads, arch.kv_heads, arch.head_dim, arch.sliding_window_layers) == (40, 48, 8, 128, None)
    assert (arch.num_experts, arch.dense_mlp_layers, arch.max_context_tokens, arch.vocab_size) == (256, 1, LAGUNA_DEFAULTS["max_position_embeddings"], 100_352)
    dense = read_config(bf16(XS, num_experts=0))  # no experts: every layer vLLM's dense LagunaMLP
    assert (dense.num_experts, dense.params_active_b, dense.intermediate_size) == (None, None, 8192)


@pytest.mark.parametrize(
    ("config", "field", "says"),
    [
        ({**XS, "architectures": ["DFlashLagunaForCausalLM"]}, "architectures", "speculative-decoding draft"),
        (bf16(XS, hidden_act="gelu"), "hidden_act", "supports silu only"),
        (bf16(XS, gating="per-channel"), "gating", "allowed: true, false, 'per-head', 'per-element'"),
        (bf16(XS, num_attention_heads_per_layer=[48] * 39 + [60]), "num_attention_heads_per_layer", "60 query heads is not a multiple of num_key_value_heads 8"),
        (bf16(XS, num_attention_heads_per_layer=[48] * 39), "num_attention_heads_per_layer", "a list of 40 entries"),
        (bf16(XS, layer_types=["full_attention"] * 39 + ["chunked_attention"]), "layer_types", "'chunked_attention' not understood"),
        (bf16(XS, mlp_layer_types=["dense"] * 39 + ["moe"]), "mlp_layer_types", "'moe' not understood"),
        ({**XS, "quantization_config": {**XS["quantization_config"], "kv_cache_scheme": {"type": "int", "num_bits": 8}}},
         "quantization_config.kv_cache_scheme", "8-bit float KV cache only"),
        ({**XS, "quantization_config": {**XS["quantization_config"], "transform_config": {"config_groups": {"R3": {"apply": [{"location": "q_attn"}]}}}}},
         "quantization_config.transform_config.config_groups.R3", "applies at 'q_attn', at run time"),
        ({**XS, "quantization_config": {**XS["quantization_config"], "ignore": ["lm_head", "re:.*\\.input_layernorm$"]}},
         "quantization_config.ignore", "matches no module Hangar can place"),
    ],
)
def test_a_config_vllm_would_serve_otherwise_is_refused_naming_the_field(config, field, says):
    with pytest.raises(ConfigError) as refused:
        read_config(config)
    assert refused.value.field == field and says in str(refused.value)


def test_the_packaged_row_and_its_licence():
    row = load_catalog().model(XS_ID)
    assert (row.family, row.licence_id, row.dtype, row.kv_cache_dtype, row.params_total_b) == ("laguna", "apache-2.0", "w8a8-fp8", "fp8", 33.442)
    assert "huggingface.co/poolside/Laguna-XS.2-FP8" in row.source and "d063594d4745e789f0a552c44ce620abb78e5623" in row.source
    assert SOURCES["laguna-s-2.1-fp8.json"]["reader_only"] and S_ID not in load_catalog().models


def imported(tmp_path: Path, config: dict = S, hf_id: str = S_ID):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return CliRunner().invoke(app, ["catalog", "import-model", hf_id, "--config", str(path), "--licence", "apache-2.0",
                                    "--overrides", str(tmp_path / "ours")], catch_exceptions=False, env={"COLUMNS": "200"})


def test_import_model_writes_the_row(tmp_path):
    result = imported(tmp_path)
    assert result.exit_code == 0, result.output
    assert ("117.562B parameters (8.141B active, 10 of 256 experts); 48 layers, 36 of them sliding-window 512; 8 KV heads x 128; "
            "192 KiB/token of bf16 KV in full layers; max context 262,144") in result.stdout
    row = load_catalog(tmp_path / "ours").model(S_ID)
    assert (row.family, row.unquantised_params_b, row.kv_cache_dtype) == ("laguna", 3.36, "fp8")


def test_import_model_refuses_a_dflash_draft_naming_the_field(tmp_path):
    result = imported(tmp_path, {**S, "architectures": ["DFlashLagunaForCausalLM"]}, "poolside/Laguna-S-2.1-DFlash-FP8")
    assert result.exit_code != 0 and "architectures" in result.output and "speculative-decoding draft" in result.output


def test_hangar_size_at_v0_33_0_pages_the_sliding_windows_in_fp8(tmp_path):
    assert imported(tmp_path).exit_code == 0
    args = ["size", S_ID, "--overrides", str(tmp_path / "ours"), "--context", "32768", "--cloud", "aws", "--format", "json"]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    options = [o["memory"] for o in json.loads(result.stdout)["feasible"] if o["accelerator"] == "L40S" and o["tensor_parallel"] == 4]
    assert options and all(m["fits"] and m["kv_cache_dtype"] == "fp8" for m in options)
    # ONE sequence, one byte an element: 12 full layers x 32,768 tokens; a sliding layer (511 + 2 x 2,048 in flight) tokens in
    # 16-token blocks + 1 block, 36 layers; 2 x 8 x 128 bytes a layer and token (2 KV heads on each of 4 ranks)
    sliding_tokens = (-(-(511 + 2 * 2048) // 16) + 1) * 16
    expected = (12 * 32768 + 36 * sliding_tokens) * 2048 / 2**30
    assert all(m["kv_per_sequence_gib"] == pytest.approx(expected, abs=0.001) for m in options)
    # weights: 1 byte a parameter, 2 for the embedding, head and the ignored modules (hangar.sizing.embeddings)
    sixteen = 2 * 100_352 * 3072 + 3_359_932_416
    assert all(m["weights_gib"] == pytest.approx((117_561_655_296 - sixteen + 2 * sixteen) / 2**30, rel=1e-3) for m in options)


def test_v0_11_2_cannot_load_it_and_v0_21_0_is_the_first_release_that_registers_it(tmp_path, aws_environment):
    row = load_catalog().model(XS_ID)
    assert first_served(row) == "v0.21.0"
    assert engine_refusal(row, "v0.33.0") is None and engine_refusal(row, "v0.21.0") is None
    assert engine_refusal(row, "v0.20.2") is None  # admits transformers 5: its Transformers backend was not read
    assert "the model_type laguna came in transformers 5.7.0, and v0.19.0 requires" in engine_refusal(row, "v0.19.0")
    raw = with_deployment(copy.deepcopy(aws_environment), model=XS_ID, engine_version="v0.11.2")
    (refused,) = [p for p in config_problems(raw) if ".model:" in p]
    assert (f"vLLM v0.11.2 cannot load {XS_ID}: LagunaForCausalLM is not in v0.11.2's model registry, and its Transformers backend "
            "cannot stand in: the model_type laguna came in transformers 5.7.0, and v0.11.2 requires transformers>=4.56.0,<5; "
            "vLLM serves it from v0.21.0") in refused


def test_hangar_size_at_v0_11_2_names_the_release_that_serves_it():
    args = ["size", XS_ID, "--context", "32768", "--cloud", "aws", "--engine-version", "v0.11.2"]
    result = CliRunner().invoke(app, args, catch_exceptions=False, env={"COLUMNS": "300"})
    assert "no feasible option: the vLLM release cannot load poolside/Laguna-XS.2-FP8" in result.stdout
    assert "vLLM serves it from v0.21.0: set --engine-version to v0.21.0 or later" in " ".join(result.stdout.split())


def test_lora_is_served_by_the_class_but_its_slots_are_not_sized():
    row = load_catalog().model(XS_ID)
    assert lora_refusal(row, "v0.33.0") is None
    gib, why = lora_gib(row, LoraSlots(rank=16, slots=4), tensor_parallel=1, engine_version="v0.33.0")
    assert gib == 0.0 and "a mixture of experts with dense layers or shared experts" in why


def test_each_layers_query_heads_are_kept_and_tensor_parallelism_must_divide_them(tmp_path):
    """vLLM v0.33.0's LagunaAttention asserts `total_num_heads % tp_size == 0` with each layer's own heads."""
    assert read_config(XS).layer_attention_heads == "48 64x3 " * 9 + "48 64x3"
    assert read_config(bf16(XS, num_attention_heads_per_layer=None)).layer_attention_heads is None  # every layer 48
    assert imported(tmp_path).exit_code == 0
    s_row = load_catalog(tmp_path / "ours").model(S_ID)
    assert s_row.attention_heads == 48 and s_row.layer_attention_heads == "48 72x3 " * 11 + "48 72x3"
    assert tp_problems(s_row, 16) == ["TP 16 does not divide the 72 query heads of 36 layers (layer_attention_heads)"]
    assert valid_tp_degrees(s_row, 16) == [1, 2, 4, 8]
    assert valid_tp_degrees(load_catalog().model(XS_ID), 16) == [1, 2, 4, 8, 16]  # 48 and 64 both divide by 16


@pytest.mark.parametrize(("value", "says"), [("48x3", "gives 3 layers; the row has 40"), ("48x39 60", "60 query heads is not a multiple of kv_heads (8)")])
def test_a_row_whose_per_layer_query_heads_disagree_with_it_is_refused_naming_the_column(value, says):
    row = load_catalog().model(XS_ID).model_dump()
    with pytest.raises(ValidationError) as refused:
        Model(**{**row, "layer_attention_heads": value})
    assert "layer_attention_heads" in str(refused.value) and says in str(refused.value)
