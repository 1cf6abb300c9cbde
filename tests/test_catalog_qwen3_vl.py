"""Qwen3-VL (`qwen3_vl`, `qwen3_vl_moe`): Qwen3's text layout in a `text_config`, and a vision tower counted as vLLM
loads it (`hangar.catalog.layouts_qwen3_vl`).

No whole config.json of a Qwen3-VL release was found, so no packaged row (the catalog README says why). The reader is
tested on NVIDIA aiconfigurator's selection of Qwen3-VL-235B-A22B-Thinking's fields (`reader_only` in sources.json):
94 layers of grouped-query attention (4 KV heads of 128), 128 experts top-8 of width 1536, a 27-block ViT of width
1152 with three DeepStack mergers; and on a dense config written in the test from Qwen3-8B's text fields and the
vision class's defaults (transformers' `Qwen3VLVisionConfig`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.config_fields import ConfigError
from hangar.catalog.layouts_qwen3_vl import qwen3_vl_vision_params
from hangar.catalog.model_config import read_config
from hangar.cli import app
from hangar.sizing import memory_fit
from hangar.sizing.engine_models import engine_refusal
from hangar.sizing.lora_architectures import architecture

CONFIGS = Path(__file__).parent / "model_configs"
SELECTION = CONFIGS / "qwen3-vl-235b-a22b-thinking.json"
HF_ID = "Qwen/Qwen3-VL-235B-A22B-Thinking"


def selection() -> dict:
    return json.loads(SELECTION.read_text())


def vision_by_hand(width=1152, inner=4304, depth=27, patch=16, positions=2304, out=4096, deepstack=3) -> int:
    """vLLM's Qwen3_VisionTransformer: Conv3d patch embedding, position table, blocks, merger and DeepStack mergers."""
    merged = width * 4  # spatial_merge_size 2: 2 x 2 patches
    return (3 * 2 * patch * patch * width + positions * width + depth * (3 * width * width + width * width + 2 * width * inner)
            + (1 + deepstack) * (merged * merged + merged * out))


def dense() -> dict:
    text = {k: v for k, v in json.loads((CONFIGS / "qwen3-8b.json").read_text()).items() if k not in ("architectures", "torch_dtype")}
    text.update(model_type="qwen3_vl_text", max_position_embeddings=262144, tie_word_embeddings=False)
    return {"architectures": ["Qwen3VLForConditionalGeneration"], "model_type": "qwen3_vl", "text_config": text,
            "tie_word_embeddings": False, "vision_config": {"out_hidden_size": 4096}}


def test_the_selection_is_a_reader_test_and_makes_no_packaged_row():
    source = json.loads((CONFIGS / "sources.json").read_text())["qwen3-vl-235b-a22b-thinking.json"]
    assert source["hf_id"] == HF_ID and source["reader_only"]
    assert not any(hf_id.startswith("Qwen/Qwen3-VL") for hf_id in load_catalog().models)


def test_the_reader_reads_the_moe_text_model_inside_text_config():
    arch = read_config(selection())
    assert (arch.model_type, arch.text_model_type, arch.layers, arch.attention_heads, arch.kv_heads, arch.head_dim) == (
        "qwen3_vl_moe_text", "qwen3_vl_moe_text", 94, 64, 4, 128)
    assert (arch.num_experts, arch.num_experts_per_tok, arch.moe_intermediate_size, arch.intermediate_size) == (128, 8, 1536, None)
    assert arch.shared_expert_intermediate_size is None and arch.dense_mlp_layers is None
    assert arch.kv_bytes_per_token_bf16 == 94 * 4 * 128 * 2 * 2
    assert (arch.max_context_tokens, arch.vocab_size, arch.tie_word_embeddings, arch.multimodal) == (262144, 151936, False, True)


def test_the_vision_tower_is_counted_as_vllm_builds_it_defaults_filling_what_the_file_leaves_out():
    # the selection states patch_size 14 and out_hidden_size 4096; deepstack (3 mergers) and 2,304 positions are the defaults
    assert qwen3_vl_vision_params(selection()) == vision_by_hand(patch=14) == 575_511_552
    no_deepstack = read_config({**selection(), "vision_config": {**selection()["vision_config"], "deepstack_visual_indexes": []}})
    assert read_config(selection()).params_total_b - no_deepstack.params_total_b == pytest.approx(3 * (4608**2 + 4608 * 4096) / 1e9, abs=1e-3)
    # Qwen3-235B-A22B's text model (235.093B in the catalog) plus the tower
    assert read_config(selection()).params_total_b == pytest.approx(load_catalog().model("Qwen/Qwen3-235B-A22B").params_total_b + 0.5755, abs=1e-3)


def test_a_dense_qwen3_vl_reads_as_qwen3_with_its_tower():
    arch = read_config(dense())
    assert (arch.model_type, arch.layers, arch.kv_heads, arch.num_experts, arch.multimodal) == ("qwen3_vl_text", 36, 8, None, True)
    text = read_config(json.loads((CONFIGS / "qwen3-8b.json").read_text()))
    assert arch.params_total_b == pytest.approx(text.params_total_b + vision_by_hand() / 1e9, abs=1e-3)  # ~8.77B, as Qwen says 8B+tower


@pytest.mark.parametrize(("nested", "top"), [(True, False), (False, None)])
def test_a_head_the_two_releases_would_read_apart_is_refused_naming_tie_word_embeddings(nested, top):
    config = dense()
    config["text_config"]["tie_word_embeddings"] = nested
    config = {k: v for k, v in config.items() if k != "tie_word_embeddings"} | ({} if top is None else {"tie_word_embeddings": top})
    with pytest.raises(ConfigError) as error:
        read_config(config)
    assert error.value.field == "tie_word_embeddings" and "v0.33.0 the top-level one" in str(error.value)


def test_a_deepstack_index_past_the_tower_is_refused_naming_the_field():
    config = dense()
    config["vision_config"]["deepstack_visual_indexes"] = [8, 16, 40]
    with pytest.raises(ConfigError) as error:
        read_config(config)
    assert error.value.field == "deepstack_visual_indexes"


def test_imported_it_fits_eight_h100s_in_bf16_is_served_by_both_releases_and_takes_adapters(tmp_path):
    result = CliRunner().invoke(app, ["catalog", "import-model", "me/qwen3-vl-235b", "--config", str(SELECTION), "--licence", "apache-2.0",
                                      "--overrides", str(tmp_path)], catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "235.668B parameters (22.143B active, 8 of 128 experts); 94 layers" in result.stdout
    catalog = load_catalog(tmp_path)
    model = catalog.model("me/qwen3-vl-235b")
    assert model.multimodal is True and architecture(model) == "Qwen3VLMoeForConditionalGeneration"
    assert engine_refusal(model, "v0.11.2") is None and engine_refusal(model, "v0.33.0") is None
    assert memory_fit(model, catalog.gpu("H100-SXM"), tensor_parallel=8).fits
    four = memory_fit(model, catalog.gpu("H100-SXM"), tensor_parallel=4)
    assert not four.fits and four.reason.endswith("the weights alone do not fit")
