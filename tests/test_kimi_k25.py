"""Kimi K2.5 (`kimi_k25`): its text model in DeepSeek-V3's layout, a MoonViT vision tower, and routed experts in int4
with the rest in 16 bits (compressed-tensors W4A16 with an `ignore` list), read from Moonshot's config.json as NVIDIA's
aiconfigurator keeps it (tests/model_configs/kimi-k2.5.json, sources.json), and NVIDIA's NVFP4 repacks of K2.5-K2.7.

Kimi-K2-Thinking ships the same format on Kimi K2's text layout; its whole config.json was not found (catalog README),
so its format is tested on Kimi-K2-Instruct's file with K2.5's `quantization_config`.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hangar.policies.rules.base import LICENCE_NOTICES, LICENSING
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.layouts_kimi_k25 import kimi_k25_vision_params
from hangar.catalog.model_config import ConfigError, read_config
from hangar.cli import app
from hangar.precision import checkpoint_bytes
from hangar.sizing.capability import capability_problems
from hangar.sizing.engine_models import engine_refusal, first_served
from hangar.sizing.lora_architectures import architecture, lora_refusal
from hangar.sizing.wna16 import experts_only, moe_kernel, tp_problems
from tests.config_errors import config_problems
from tests.h200_stacks import with_deployment
from tests.policy_records import messages, vllm

CONFIGS = Path(__file__).parent / "model_configs"
KIMI = "moonshotai/Kimi-K2.5"
CONFIG = json.loads((CONFIGS / "kimi-k2.5.json").read_text())
CAT = load_catalog()

# the shapes, from the file: MLA attention of 61 layers, layer 0's dense MLP, 60 layers' shared expert
ATTENTION = 7168 * 1536 + 1536 * 64 * 192 + 7168 * (512 + 64) + 512 * 64 * (128 + 128) + 64 * 128 * 7168
DENSE_MLP = 3 * 7168 * 18432
SHARED = 3 * 7168 * 2048
TEXT_KEPT = 61 * ATTENTION + DENSE_MLP + 60 * SHARED
# MoonViT as vLLM v0.33.0 builds it: patch embedding, 64 x 64 position table, 27 blocks, patch merger to 7168
VISION = 3 * 14 * 14 * 1152 + 64 * 64 * 1152 + 27 * (4 * 1152**2 + 2 * 1152 * 4304) + (4 * 1152) ** 2 + 4 * 1152 * 7168
EMBEDDINGS = 2 * 163840 * 7168  # untied embedding and head, 16-bit


def with_quantization(name: str, quant: dict) -> dict:
    config = json.loads((CONFIGS / name).read_text())
    if "text_config" in config:
        return {**config, "text_config": {**config["text_config"], "quantization_config": quant}}
    return {**config, "quantization_config": quant}


QUANT = CONFIG["text_config"]["quantization_config"]


# --- the reader -------------------------------------------------------------------------------------------------------


def test_the_reader_reads_kimi_k25_as_deepseek_v3_text_beside_a_moonvit_tower():
    arch = read_config(CONFIG)
    assert (arch.model_type, arch.text_model_type, arch.multimodal) == ("kimi_k25", "kimi_k2", True)
    assert (arch.layers, arch.kv_lora_rank, arch.qk_rope_head_dim, arch.num_experts, arch.num_experts_per_tok) == (61, 512, 64, 384, 8)
    assert arch.kv_bytes_per_token_bf16 == 61 * (512 + 64) * 2 and arch.max_context_tokens == 262_144
    assert arch.tie_word_embeddings is False and arch.dtype == "w4a16-g32"
    assert VISION == kimi_k25_vision_params(CONFIG) == 470_730_240  # the model card: "Parameters of Vision Encoder 400M"
    text_only = read_config({**json.loads((CONFIGS / "kimi-k2-instruct.json").read_text()), "quantization_config": QUANT})
    assert arch.params_total_b == pytest.approx(text_only.params_total_b + VISION / 1e9, abs=0.001)  # 1,026.4B text + 0.47B vision


def test_the_experts_only_ignore_list_keeps_attention_shared_experts_the_dense_mlp_and_the_tower_in_16_bits():
    arch = read_config(CONFIG)
    assert arch.unquantised_params_b == round((TEXT_KEPT + VISION) / 1e9, 3) == 9.678
    # Kimi-K2-Thinking's format on Kimi K2's text layout: no tower
    thinking = read_config({**json.loads((CONFIGS / "kimi-k2-instruct.json").read_text()), "quantization_config": QUANT})
    assert (thinking.dtype, thinking.unquantised_params_b, thinking.multimodal) == ("w4a16-g32", round(TEXT_KEPT / 1e9, 3), False)


def test_the_packaged_row_sizes_the_experts_in_int4_and_the_rest_in_16_bits():
    row = CAT.model(KIMI)
    assert (row.family, row.licence_id, row.dtype, row.multimodal, row.text_model_type) == ("Kimi K2.5", "kimi-k2.5-modified-mit", "w4a16-g32", True, "kimi_k2")
    kept = EMBEDDINGS + row.unquantised_params_b * 1e9
    int4 = row.params_total_b * 1e9 - kept
    assert checkpoint_bytes(row) == pytest.approx(int4 * (0.5 + 2 / 32) + kept * 2)  # half a byte and a 16-bit scale per 32
    assert checkpoint_bytes(row) / 2**30 == pytest.approx(554.0, abs=0.5)  # Kimi K2's fp8 checkpoint: 959 GiB


@pytest.mark.parametrize(
    ("ignore", "words"),
    [
        (["lm_head", "re:.*block_sparse_moe.*"], "'re:.*block_sparse_moe.*' matches no module Hangar can place"),
        (["lm_head", "model.layers.3.mlp.experts.7.down_proj"], "'model.layers.3.mlp.experts.7.down_proj' matches no module"),
        (["lm_head", "re:.*q_a_proj$"], "'re:.*q_a_proj$' leaves some shards of language_model.model.layers.0.self_attn.fused_qkv_a_proj unquantised"),
        (["lm_head", "re:.*mlp\\.gate_proj$"], "leaves some shards of language_model.model.layers.0.mlp.gate_up_proj unquantised"),
        (["lm_head", "re:.*layers\\.0\\.mlp\\.down_proj$"], "keeps part of layer 0's MLP in 16 bits"),
    ],
)
def test_an_ignore_entry_the_reader_cannot_place_is_refused_naming_the_field(ignore, words):
    with pytest.raises(ConfigError) as raised:
        read_config(with_quantization("kimi-k2.5.json", {**QUANT, "ignore": ignore}))
    assert raised.value.field == "quantization_config.ignore" and words in str(raised.value)


def test_an_ignore_entry_the_pinned_releases_read_apart_is_refused():
    # v0.11.2's compressed-tensors MoE method reads no ignore list: routed experts left out would be quantised there
    with pytest.raises(ConfigError) as raised:
        read_config(with_quantization("kimi-k2-instruct.json", {**QUANT, "ignore": ["lm_head", "re:.*"]}))
    assert raised.value.field == "quantization_config.ignore" and "keeps layer 1's routed experts in 16 bits" in str(raised.value)
    # v0.11.2 matches a fused layer by its shards only: a pattern naming fused_qkv_a_proj itself keeps nothing there
    with pytest.raises(ConfigError) as raised:
        read_config(with_quantization("kimi-k2-instruct.json", {**QUANT, "ignore": ["lm_head", "re:.*fused_qkv_a_proj"]}))
    assert "matches vLLM's fused model.layers.0.self_attn.fused_qkv_a_proj but not each of its shards" in str(raised.value)


def test_a_vision_field_vllm_would_build_differently_is_refused():
    vision = {**CONFIG["vision_config"], "vt_hidden_size": 1280}
    with pytest.raises(ConfigError) as raised:
        read_config({**CONFIG, "vision_config": vision})
    assert raised.value.field == "vision_config.vt_hidden_size"
    assert "vLLM v0.33.0 builds the tower with hidden_size 1152 (transformers' Kimi_K25VisionConfig reads no vt_* field)" in str(raised.value)
    with pytest.raises(ConfigError) as raised:
        read_config({**CONFIG, "tie_word_embeddings": True})
    assert raised.value.field == "tie_word_embeddings"


@pytest.mark.parametrize(
    ("name", "kept", "kv"),
    [
        ("nvidia-kimi-k2.5-nvfp4.json", 61 * ATTENTION, "fp8"),  # attention only: the shared experts and layer 0's MLP in NVFP4
        ("nvidia-kimi-k2.6-nvfp4.json", 61 * ATTENTION + DENSE_MLP + 60 * SHARED, "fp8"),
        ("nvidia-kimi-k2.7-code-nvfp4.json", 61 * ATTENTION + DENSE_MLP + 60 * SHARED, "fp8"),  # its ignore also names embed_tokens
    ],
)
def test_nvidias_nvfp4_repacks_are_read_with_what_they_keep_in_16_bits(name, kept, kv):
    arch = read_config(json.loads((CONFIGS / name).read_text()))
    assert (arch.model_type, arch.dtype, arch.kv_cache_dtype, arch.multimodal) == ("kimi_k25", "nvfp4", kv, True)
    assert arch.unquantised_params_b == round(kept / 1e9, 3)


# --- serving ----------------------------------------------------------------------------------------------------------


def test_vllm_v0_11_2_cannot_load_it_and_v0_15_0_can():
    row = CAT.model(KIMI)
    assert architecture(row) == "KimiK25ForConditionalGeneration" and first_served(row) == "v0.15.0"
    assert engine_refusal(row, "v0.11.2") == (
        "vLLM v0.11.2 cannot load moonshotai/Kimi-K2.5: KimiK25ForConditionalGeneration is not in v0.11.2's model registry, and "
        "transformers has no kimi_k25 model before 5.13.0 and v0.11.2 requires transformers>=4.56.0,<5, so only the repository's own "
        "code (--trust-remote-code) could stand in, through the Transformers backend, which Hangar does not plan; vLLM serves it from v0.15.0"
    )
    assert engine_refusal(row, "v0.15.0") is None and engine_refusal(row, "v0.33.0") is None
    assert "does not support LoRA" in (lora_refusal(row, "v0.33.0") or "")


def _size(*args: str):
    return CliRunner().invoke(app, ["size", KIMI, *args], catch_exceptions=False, env={"COLUMNS": "240"})


def test_hangar_size_fits_it_on_eight_h200_in_int4():
    result = _size("-p", "int4", "--cloud", "aws", "--engine-version", "v0.33.0", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    p5en = next(o for o in document["feasible"] if o["instance_type"] == "p5en.48xlarge")
    assert p5en["tensor_parallel"] == 8 and p5en["memory"]["fits"]
    # the checkpoint, and on each GPU a whole copy of the latent down projections (61 x 7,168 x 2,112, bf16) and of the
    # routers (60 x 7,168 x 384, bf16 where int4's 0.5625 bytes were counted; hangar.sizing.replicated_weights)
    whole = 923_467_776 * 2 * 7 + 165_150_720 * (2 * 8 - 0.5625)
    assert p5en["memory"]["weights_gib"] == pytest.approx((checkpoint_bytes(CAT.model(KIMI)) + whole) / 2**30) == pytest.approx(568.47, abs=0.01)
    assert p5en["memory"]["capacity_sequences"] == 105  # sequences of 8,192 tokens its KV cache holds on 8 x 141 GiB
    table = _size("-p", "int4", "--cloud", "aws", "--engine-version", "v0.33.0", "--limit", "0")
    assert table.exit_code == 0
    row = next(line for line in table.stdout.splitlines() if "p5en.48xlarge" in line)
    assert "8 x H200" in row and "int4" in row and "8 x 1" in row and "105" in row


def test_a_deployment_pinned_to_v0_11_2_is_a_config_error_with_the_reason(aws_environment):
    stack = with_deployment(copy.deepcopy(aws_environment), model=KIMI, engine_version="v0.11.2")
    (problem,) = config_problems(stack)
    assert problem.startswith("Pulumi.test.yaml: hangar:environment.deployments[0].model: vLLM v0.11.2 cannot load moonshotai/Kimi-K2.5: "
                              "KimiK25ForConditionalGeneration is not in v0.11.2's model registry")
    assert "set deployments[0].engine_version to v0.15.0 or later" in problem


def test_import_model_writes_the_row_from_the_file(tmp_path):
    config = tmp_path / "config.json"
    config.write_text((CONFIGS / "kimi-k2.5.json").read_text())
    result = CliRunner().invoke(app, ["catalog", "import-model", KIMI, "--config", str(config), "--licence", "kimi-k2.5-modified-mit",
                                      "--overrides", str(tmp_path / "o")], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    row = load_catalog(tmp_path / "o").model(KIMI)
    packaged = CAT.model(KIMI)
    assert (row.dtype, row.unquantised_params_b, row.params_total_b, row.multimodal) == (
        packaged.dtype, packaged.unquantised_params_b, packaged.params_total_b, True)
    config.write_text(json.dumps(with_quantization("kimi-k2.5.json", {**QUANT, "ignore": ["lm_head", "re:.*block_sparse_moe.*"]})))
    refused = CliRunner().invoke(app, ["catalog", "import-model", KIMI, "--config", str(config), "--licence", "kimi-k2.5-modified-mit",
                                       "--overrides", str(tmp_path / "p")], env={"COLUMNS": "400"})
    assert refused.exit_code == 2 and "quantization_config.ignore: 're:.*block_sparse_moe.*' matches no module" in " ".join(refused.stderr.split())


# --- kernels: an experts-only checkpoint runs its int4 layers on the MoE kernels only ------------------------------------


def test_the_moe_kernel_per_gpu_and_release():
    assert experts_only(CAT.model(KIMI))
    assert not any(experts_only(row) for row in CAT.models.values() if row.hf_id != KIMI)
    # v0.33.0, default settings: Humming on Hopper, Marlin from 7.5 (Blackwell too: FlashInfer's MxInt4 needs
    # VLLM_USE_FLASHINFER_MOE_INT4=1), Triton below and on AMD; v0.11.2: Marlin from 8.0
    assert [moe_kernel(cc, 32, "v0.33.0") for cc in (90, 100, 80, 75, 70, None)] == ["Humming", "Marlin", "Marlin", "Marlin", "Triton", "Triton"]
    assert [moe_kernel(cc, 32, "v0.11.2") for cc in (90, 80, 75)] == ["Marlin", "Marlin", None]


def test_a_v100_is_refused_for_its_memory_not_for_a_linear_int4_kernel_it_does_not_need():
    v100 = CAT.gpus["V100-32GB"]
    row = CAT.model(KIMI)
    assert capability_problems(v100, "int4", "v0.33.0", model=row) == []  # Triton runs the experts; nothing else is int4
    assert capability_problems(v100, "int4", "v0.11.2", model=row) == [
        "V100-32GB (Volta (SM70)) cannot serve int4: vLLM v0.11.2 gives the int4 experts CompressedTensorsWNA16MarlinMoEMethod, whose "
        "Marlin kernels need compute capability 8.0 (query_marlin_supported_quant_types) and this GPU has 7.0"
    ]
    # a checkpoint with int4 linear layers keeps CompressedTensorsWNA16's floor (7.5 at v0.33.0)
    assert "get_min_capability" in capability_problems(v100, "int4", "v0.33.0")[0]
    assert tp_problems(row, 8) == [] and tp_problems(row, 16) == []  # only the experts' width must split into groups of 32


# --- licence: Kimi K2.5's modified MIT (no EU clause for its multimodal grant; "Kimi K2.5" to display) ------------------


def _licensing(**config) -> list[str]:
    return messages([vllm("chat", KIMI, pool="x")], LICENSING, {LICENSING: config})


def _notices(**config) -> list[str]:
    return messages([vllm("chat", KIMI, pool="x")], LICENCE_NOTICES, {LICENCE_NOTICES: config})


def test_the_multimodal_row_is_not_refused_in_the_eu_and_names_kimi_k2_5_to_display():
    licence = CAT.licence(CAT.model(KIMI).licence_id)
    assert CAT.model(KIMI).multimodal and not licence.eu_multimodal_restriction and licence.display_name == "Kimi K2.5"
    assert _licensing(euEstablished=True, tier="prod", monthlyActiveUsers=3_000_000_000) == []
    (notice,) = _notices(monthlyActiveUsers=150_000_000, monthlyRevenueUsd=1_000_000)
    assert ('prominently displaying "Kimi K2.5" on the user interface of a commercial product past 100,000,000 monthly active users or '
            "US$20,000,000 monthly revenue — required now: this stack declares 150,000,000 monthly active users") in notice
