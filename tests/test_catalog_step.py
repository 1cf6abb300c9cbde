"""StepFun's Step-3.7-Flash (`step3p7`, `Step3p7ForConditionalGeneration`; `hangar.catalog.step`).

No copy of StepFun's config.json was found here, so there is no packaged row. NVIDIA aiconfigurator's two files (real
files, `reader_only` in sources.json) are curated selections that name `Step3p7FlashForCausalLM`, which no vLLM release
registers: the reader refuses them, naming `architectures`. The layout itself is tested on a config written here in the
schema vLLM v0.33.0's step3p5.py and step_vl.py read (`STEP`): the sizes are transformers-5.16.1's `Step3p7TextConfig`
and `Step3p7VisionConfig` defaults (documented for stepfun-ai/Step-3.7-Flash; vocabulary 128,815, 47 vision layers of
1,536), the layer pattern (every 4th layer full attention, window 512), the 96 sliding-layer query heads, the head-wise
gate and layers 3-44 routing are what aiconfigurator's commit 848f5e11 says it read in the published file; the context
is the "256k" of vLLM's and SGLang's pages for the release. It is a test input, not StepFun's file.

Bytes per token, by hand from vLLM v0.33.0 (step3p5.py `Step3p5Attention`: `num_attention_groups` 8 KV heads of
`head_dim` 128 in every layer; kv_cache_interface.py: K + V): 45 x 8 x (128 + 128) x 2 = 184,320 bytes in bf16; the 33
sliding layers keep their 512-token window (no `attention_chunk_size`, so the hybrid KV-cache manager stays on).

Parameters (ESTIMATE): embedding and head 2 x 128,815 x 4,096 = 1,055,252,480; a full layer's attention q and o 2 x
4,096 x 64 x 128, k and v 2 x 4,096 x 8 x 128, gate 4,096 x 64: 75,759,616 (x 12); a sliding layer's with 96 query
heads 109,445,120 (x 33); 3 dense MLPs of 3 x 4,096 x 11,264; 42 routed layers of 288 experts x 3 x 4,096 x 1,280, a
shared expert of 1,280 and a 4,096 x 288 router: 190,963,777,536. Language model 196,955,070,464 (the pages' "196B");
the vision tower 1,979,787,264 (patch convolution 903,168, 47 blocks of 36,962,304, downsamplers 212,336,640, positions
4,153,344, projector 25,165,824; the pages' "1.8B" encoder). Total 198.935B ("198B"); active 11.459B of language model
(the pages' "11B") plus the tower: 13.438B.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.config_fields import ConfigError
from hangar.catalog.model_config import read_config
from hangar.cli import app
from hangar.sizing.engine_models import engine_refusal, first_served, remote_code
from hangar.sizing.lora_architectures import lora_refusal
from tests.config_errors import config_problems
from tests.h200_stacks import with_deployment

CONFIGS = Path(__file__).parent / "model_configs"
SOURCES = json.loads((CONFIGS / "sources.json").read_text())
HF_ID = "stepfun-ai/Step-3.7-Flash"
TEXT = {
    "architectures": ["Step3p5ForCausalLM"], "model_type": "step3p5", "hidden_size": 4096, "intermediate_size": 11264,
    "num_hidden_layers": 45, "num_attention_heads": 64, "num_attention_groups": 8, "head_dim": 128, "vocab_size": 128815,
    "max_position_embeddings": 262144, "sliding_window": 512,
    "layer_types": ["full_attention" if i % 4 == 0 else "sliding_attention" for i in range(48)],  # 45 + 3 prediction layers
    "attention_other_setting": {"attention_type": "sliding_attention", "num_attention_heads": 96, "num_attention_groups": 8, "head_dim": 128},
    "use_head_wise_attn_gate": True, "moe_layers_enum": ",".join(str(i) for i in range(3, 45)), "moe_num_experts": 288,
    "moe_top_k": 8, "moe_intermediate_size": 1280, "share_expert_dim": 1280, "use_moe_router_bias": True, "need_fp32_gate": True,
    "num_nextn_predict_layers": 3, "tie_word_embeddings": False,
}
VISION = {"width": 1536, "layers": 47, "heads": 16, "mlp_ratio": 8960 / 1536, "patch_size": 14, "image_size": 728, "use_rope2d": True,
          "use_cls_token": False, "use_abs_posemb": True}
STEP = {"architectures": ["Step3p7ForConditionalGeneration"], "model_type": "step3p7", "text_config": TEXT, "vision_config": VISION,
        "torch_dtype": "bfloat16"}
KV_PER_TOKEN = 45 * 8 * (128 + 128) * 2


def step(**text_changes) -> dict:
    config = copy.deepcopy(STEP)
    config["text_config"].update(text_changes)
    config["text_config"] = {k: v for k, v in config["text_config"].items() if v is not None}
    return config


@pytest.mark.parametrize("name", ["step-3.7-flash-curated.json", "step-3.7-flash-fp8-curated.json"])
def test_aiconfigurators_curated_copies_are_refused_naming_their_architecture(name):
    assert SOURCES[name]["reader_only"] and "curated" in SOURCES[name]["note"]
    with pytest.raises(ConfigError) as refused:
        read_config(json.loads((CONFIGS / name).read_text()))
    assert refused.value.field == "architectures"
    assert "['Step3p7FlashForCausalLM']: vLLM v0.33.0 serves this layout only as Step3p7ForConditionalGeneration" in str(refused.value)
    assert SOURCES[name]["hf_id"] not in load_catalog().models


def test_the_layout_as_vllm_builds_it():
    arch = read_config(STEP)
    assert (arch.model_type, arch.text_model_type, arch.layers, arch.attention_heads, arch.kv_heads, arch.head_dim) == ("step3p7", "step3p5", 45, 64, 8, 128)
    assert (arch.sliding_window, arch.sliding_window_layers, arch.kv_bytes_per_token_bf16) == (512, 33, KV_PER_TOKEN)
    assert (arch.num_experts, arch.num_experts_per_tok, arch.moe_intermediate_size, arch.shared_expert_intermediate_size) == (288, 8, 1280, 1280)
    assert (arch.intermediate_size, arch.dense_mlp_layers, arch.multimodal, arch.tie_word_embeddings) == (11264, 3, True, False)
    assert (arch.max_context_tokens, arch.dtype, arch.vocab_size) == (262144, "bfloat16", 128815)


def test_the_estimate_matches_the_published_sizes():
    arch = read_config(STEP)
    assert (arch.params_total_b, arch.params_active_b) == (198.935, 13.438)
    assert arch.params_total_b == pytest.approx(198, rel=0.01)
    # the prediction layers' entries in layer_types and their weights are not counted (vLLM skips them)
    assert read_config(step(num_nextn_predict_layers=5)).params_total_b == arch.params_total_b


def test_a_chunk_size_turns_the_window_off_and_every_layer_is_cached_in_full():
    arch = read_config(step(attention_chunk_size=512))
    assert (arch.sliding_window, arch.sliding_window_layers, arch.kv_bytes_per_token_bf16) == (None, None, KV_PER_TOKEN)


def test_a_sliding_setting_without_its_attention_type_is_ignored_as_vllm_ignores_it():
    plain = read_config(step(attention_other_setting={"num_attention_heads": 96}))
    # 33 sliding layers with 64 query heads instead of 96: 33 x (2 x 4,096 x 32 x 128 + 4,096 x 32) fewer weights
    assert round((read_config(STEP).params_total_b - plain.params_total_b) * 1e9) == pytest.approx(33 * (2 * 4096 * 32 * 128 + 4096 * 32), abs=1e6)


@pytest.mark.parametrize(
    ("config", "field", "says"),
    [
        (step(moe_layers_enum=list(range(3, 45))), "moe_layers_enum", "reads a comma-separated string"),
        (step(use_moe_router_bias=None), "use_moe_router_bias", "asserts it is true"),
        (step(need_fp32_gate=False), "need_fp32_gate", "asserts it is true"),
        (step(layer_types=["full_attention"] * 44), "layer_types", "at least 45 layer types"),
        (step(num_attention_groups=7), "num_attention_heads", "not a multiple of num_attention_groups 7"),
        (step(att_impl_type="MFA"), "att_impl_type", "supports GQA only"),
        ({**STEP, "vision_config": {k: v for k, v in VISION.items() if k != "width"}}, "vision_config.width", "missing"),
        ({k: v for k, v in STEP.items() if k != "vision_config"}, "vision_config", "builds its vision tower from it"),
        ({**STEP, "architectures": ["Step3p7FlashForCausalLM"]}, "architectures", "Step3p7FlashForCausalLM"),
        ({**STEP, "quantization_config": {"quant_method": "fp8", "weight_block_size": [128, 128], "modules_to_not_convert": ["vision_model"]}},
         "quantization_config.modules_to_not_convert", "keeps some modules in 16 bits"),
    ],
)
def test_a_config_vllm_would_serve_otherwise_is_refused_naming_the_field(config, field, says):
    with pytest.raises(ConfigError) as refused:
        read_config(config)
    assert refused.value.field == field and says in str(refused.value)


def test_a_block_fp8_checkpoint_reads_as_fp8():
    assert read_config({**STEP, "quantization_config": {"quant_method": "fp8", "weight_block_size": [128, 128]}}).dtype == "fp8"


def imported(tmp_path: Path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(STEP))
    return CliRunner().invoke(app, ["catalog", "import-model", HF_ID, "--config", str(path), "--licence", "apache-2.0",
                                    "--overrides", str(tmp_path / "ours")], catch_exceptions=False, env={"COLUMNS": "200"})


def test_import_model_writes_a_multimodal_row(tmp_path):
    result = imported(tmp_path)
    assert result.exit_code == 0, result.output
    assert ("198.935B parameters (13.438B active, 8 of 288 experts); 45 layers, 33 of them sliding-window 512; 8 KV heads x 128; "
            "180 KiB/token of bf16 KV in full layers; max context 262,144") in result.stdout
    row = load_catalog(tmp_path / "ours").model(HF_ID)
    assert (row.family, row.multimodal, row.sliding_window_layers, row.kv_bytes_per_token_bf16) == ("step3p7", True, 33, KV_PER_TOKEN)


def test_hangar_size_in_bf16_keeps_the_window_of_the_sliding_layers(tmp_path):
    assert imported(tmp_path).exit_code == 0
    args = ["size", HF_ID, "--overrides", str(tmp_path / "ours"), "--context", "32768", "--cloud", "aws", "--precision", "bf16", "--format", "json"]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    h200 = [o["memory"] for o in json.loads(result.stdout)["feasible"] if o["accelerator"] == "H200" and o["tensor_parallel"] == 8]
    assert h200 and all(m["fits"] for m in h200)
    # ONE sequence: 12 full layers x 32,768 tokens; a sliding layer (511 + 2 x 8,192 in flight) tokens in 16-token blocks + 1
    # block, its 33 layers paged in 3 groups of 12 (vLLM v0.33.0 pads the last: 36, hangar.sizing.kv_pool); 4,096 bytes a
    # layer and token (8 heads on 8 ranks: no replication). Cached in full it would be 45 x 32,768 x 4,096 = 5.625 GiB.
    sliding_tokens = (-(-(511 + 2 * 8192) // 16) + 1) * 16
    expected = (12 * 32768 + 36 * sliding_tokens) * 4096 / 2**30
    assert all(m["kv_per_sequence_gib"] == pytest.approx(expected, abs=0.001) and expected < 5.625 for m in h200)


def test_v0_11_2_cannot_load_it_and_v0_33_0_needs_its_remote_code(tmp_path, aws_environment):
    assert imported(tmp_path).exit_code == 0
    row = load_catalog(tmp_path / "ours").model(HF_ID)
    assert engine_refusal(row, "v0.33.0") is None and first_served(row) is None
    assert lora_refusal(row, "v0.33.0").startswith("vLLM v0.33.0's Step3p7ForConditionalGeneration (the model class of")
    assert remote_code(row, "v0.11.2") is None and "only with --trust-remote-code" in remote_code(row, "v0.33.0")
    raw = with_deployment(copy.deepcopy(aws_environment), model=HF_ID, engine_version="v0.11.2")
    raw["catalog_overrides"] = str(tmp_path / "ours")
    (refused,) = [p for p in config_problems(raw) if ".model:" in p]
    assert (f"vLLM v0.11.2 cannot load {HF_ID}: Step3p7ForConditionalGeneration is not in v0.11.2's model registry, and its "
            "Transformers backend cannot stand in: transformers 4.57.6, the last release v0.11.2's transformers<5 admits, has no step3p7 "
            "model; vLLM v0.33.0 serves it: set deployments[0].engine_version to v0.33.0 (the releases between v0.11.2 and it were "
            "not read for it)") in refused
    pinned = with_deployment(copy.deepcopy(aws_environment), model=HF_ID)
    pinned["catalog_overrides"] = str(tmp_path / "ours")
    (needs_code,) = [p for p in config_problems(pinned) if "trust_remote_code" in p]
    assert "deployments[0].trust_remote_code: vLLM v0.33.0 reads stepfun-ai/Step-3.7-Flash's config only with --trust-remote-code" in needs_code
