"""Moonshot AI's KDA + MLA hybrids: Kimi K3 (`kimi_k3`) and Kimi Linear (`kimi_linear`), read and sized as vLLM serves them.

Kimi K3's config.json is NVIDIA's copy in ai-dynamo/aiconfigurator (tests/model_configs/kimi-k3.json, sources.json
says what its wholeness rests on). Every figure below is worked by hand from the vLLM v0.33.0 and v0.11.2 code that
`hangar/catalog/kimi_linear.py` and `hangar/sizing/kv_pool.py` cite (PyPI wheels, read 2026-12-02). No whole Kimi
Linear config.json was found (the catalog README says where it was looked for): its tests read K3's own text config
as a standalone `kimi_linear` config, without K3's full-rank gate, query LoRA and latent MoE, and say so.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.config_fields import ConfigError
from hangar.catalog.model_config import model_row, read_config
from hangar.cli import app
from hangar.sizing import GIB, memory_fit
from hangar.sizing.engine_models import engine_refusal, first_served
from hangar.sizing.lora_architectures import lora_refusal

CONFIGS = Path(__file__).parent / "model_configs"
K3_FILE = CONFIGS / "kimi-k3.json"
K3_CONFIG = json.loads(K3_FILE.read_text())
CAT = load_catalog()
AS_OF = CAT.models["moonshotai/Kimi-K2-Instruct"].as_of


def k3_row(config: dict | None = None, hf_id: str = "moonshotai/Kimi-K3"):
    return model_row(hf_id, config or K3_CONFIG, licence_id="kimi-k2.5-modified-mit", source="tests/model_configs/kimi-k3.json", as_of=AS_OF)


def standalone_kimi_linear() -> dict:
    """K3's text config as a standalone Kimi Linear config: the low-rank KDA gate, no query LoRA, no latent MoE."""
    text = copy.deepcopy(K3_CONFIG["text_config"])
    text["linear_attn_config"]["use_full_rank_gate"] = False
    for key in ("q_lora_rank", "routed_expert_hidden_size", "quantization_config"):
        text.pop(key)
    return text


def test_kimi_k3_reads_as_69_kda_and_24_mla_layers_with_a_fixed_state_and_a_latent_cache():
    """vLLM's `KimiLinearConfig.is_kda_layer`: layer i is KDA when i + 1 is in kda_layers (1, 2, 3, 5, ... 91: 69 of
    them), MLA otherwise (full_attn_layers 4, 8, ..., 92, 93: 24).

    * MLA: one latent head of kv_lora_rank 512 + qk_rope_head_dim 64 = 576 elements a token and layer, 2 bytes each:
      24 x 576 x 2 = 27,648 bytes a token, every rank storing it whole.
    * KDA (`kda_state_shape`, `kda_state_dtype`), num_heads 96, head_dim 128, short_conv_kernel_size 4: a conv state of
      (4 - 1) x 3 x 96 x 128 = 110,592 bf16 elements = 221,184 bytes, and a recurrent state of 96 x 128 x 128 =
      1,572,864 float32 elements = 6,291,456 bytes: 6,512,640 bytes a layer, x 69 = 449,372,160 bytes a sequence.
    """
    arch = read_config(K3_CONFIG)
    assert (arch.model_type, arch.text_model_type, arch.layers, arch.attention_layers) == ("kimi_k3", "kimi_linear", 93, 24)
    assert (arch.kv_lora_rank, arch.qk_rope_head_dim, arch.kv_heads, arch.head_dim) == (512, 64, None, None)
    assert arch.kv_bytes_per_token_bf16 == 24 * 576 * 2 == 27_648
    assert arch.state_bytes_per_sequence == 69 * (3 * 3 * 96 * 128 * 2 + 96 * 128 * 128 * 4) == 449_372_160
    assert (arch.num_experts, arch.num_experts_per_tok, arch.moe_intermediate_size, arch.moe_latent_size) == (896, 16, 3072, 3584)
    assert (arch.intermediate_size, arch.dense_mlp_layers, arch.shared_expert_intermediate_size) == (33_792, 1, 2 * 3072)
    assert (arch.q_lora_rank, arch.qk_nope_head_dim, arch.v_head_dim) == (1536, 128, 128)
    assert (arch.dtype, arch.multimodal, arch.max_context_tokens, arch.tie_word_embeddings) == ("mxfp4", True, 1_048_576, False)


def test_kimi_k3_parameter_estimate_is_nvidias_2_8t():
    """The ESTIMATE from shapes (hangar/catalog/kimi_linear.py): 896 experts of 3 x 3,584 x 3,072 in each of 92 routed
    layers are 2,722.7B; 69 KDA layers of 7,168 x (4 x 12,288 + 128 + 96) + 128 x 12,288 + 3 x 12,288 x 4 + 12,288 x
    7,168 = 443.7M each; 24 MLA layers of 232.2M; the router, two shared experts and the latent down and up
    projections (7,168 x 3,584 each) of every routed layer; layer 0's dense MLP; two 163,840 x 7,168 embeddings; the
    MoonViT tower and projector, 447.3M. No Moonshot model card was read; NVIDIA's aiconfigurator calls the model
    "2.8T" (aic-core/src/aiconfigurator_core/sdk/models/kimi_k3.py at 095f58a5, read 2026-12-02)."""
    arch = read_config(K3_CONFIG)
    assert arch.params_total_b == pytest.approx(2800, rel=0.01)
    assert arch.params_total_b == 2779.926 and arch.params_active_b == 104.632


def test_kimi_k3_is_imported_and_does_not_fit_one_node_of_eight_h200_or_b200(tmp_path):
    """In MXFP4 (vLLM v0.33.0 rewrites K3's compressed-tensors mxfp4-pack-quantized to its mxfp4 method, experts only):
    the experts 2,722,740,830,208 weights x 4.25 bits, split over 8 ranks with no padding (3,072 / 8 = 384 and 3,584
    are multiples of every kernel's), and the rest (57.19B) in bf16: 1,453.6 GiB, and 7 more copies of the 5.68B bf16
    weights every rank holds whole (tests/test_kimi_k3_tensor_parallel.py): 1,527.7 GiB, more than 8 x 141 GB or 8 x 180 GB."""
    overrides = tmp_path / "overrides"
    imported = CliRunner().invoke(app, ["catalog", "import-model", "moonshotai/Kimi-K3", "--config", str(K3_FILE),
                                        "--licence", "kimi-k2.5-modified-mit", "--overrides", str(overrides)])
    assert imported.exit_code == 0, imported.output
    assert "93 layers (24 with attention, 69 with a fixed state of 428.6 MiB per sequence)" in imported.output
    sized = CliRunner().invoke(app, ["size", "moonshotai/Kimi-K3", "--overrides", str(overrides), "--why-not", "--limit", "0",
                                     "--format", "json"])
    assert sized.exit_code == 0, sized.output
    infeasible = {(r["accelerator"], r["accelerators_per_node"]): r["reasons"][0] for r in json.loads(sized.output)["infeasible"]}
    for gpu in ("H200", "B200"):
        reason = infeasible[(gpu, 8)]
        assert reason.startswith(f"needs more than one node: at least 16 x {gpu} to hold it, and a node has 8")
        assert "weights 1,527.7" in reason and "the weights alone do not fit" in reason


def test_kimi_k3_pages_its_kda_state_beside_the_mla_latent_per_release_and_gpu():
    """TP 8 at the full 1,048,576 tokens, per rank: an MLA token of one layer is 1,152 bytes (576 x 2, not split); a KDA
    layer's state 6,512,640 / 8 = 814,080 bytes. v0.33.0 `_align_hybrid_block_size` with `use_mla`: block 128 x
    ceil(814,080 / (128 x 1,152)) = 128 x 6 = 768 tokens, a page of 884,736 bytes. Groups of min(24, 69) = 24 layers
    (69 >= 1.5 x 24): one MLA group and three KDA groups (3 padding layers). K3's KDA runs FlashKDA's prefill on
    Hopper and Blackwell, whose spec keeps a checkpoint page: 2 + 1 state pages in 'align' mode. A sequence takes
    ceil(1,048,576 / 768) = 1,366 blocks + 3 x 3 = 1,375 blocks of 24 x 884,736 bytes x 8 ranks =
    233,570,304,000 bytes. On an A100 (Triton prefill: no checkpoint page) 1,366 + 3 x 2 = 1,372 blocks."""
    k3 = k3_row()
    block = 24 * 884_736 * 8
    for gpu, blocks in (("H200", 1_375), ("B200", 1_375), ("A100-80GB", 1_372)):
        fit = memory_fit(k3, CAT.gpus[gpu], precision="mxfp4", tensor_parallel=8, engine_version="v0.33.0")
        assert fit.kv_per_sequence_gib * GIB == blocks * block, gpu
        assert "attention blocks of 768 tokens" in fit.kv_pages and "4 layer groups of 24" in fit.kv_pages
    off = memory_fit(k3, CAT.gpus["H200"], precision="mxfp4", tensor_parallel=8, engine_version="v0.33.0", prefix_caching=False)
    assert off.kv_per_sequence_gib * GIB == (1_366 + 3) * block and "1 state page(s) per sequence (prefix caching off)" in off.kv_pages


def test_kimi_linear_standalone_keeps_the_low_rank_gate_and_two_state_pages():
    """K3's text config as KimiLinearForCausalLM with the low-rank gate: vLLM v0.33.0 runs `KimiGatedDeltaNetAttention`
    (Triton prefill only, no checkpoint page: 2 state pages on a Hopper GPU too); its KDA weights are in_proj 7,168 x
    (3 x 12,288 + 96 + 128), g_a 7,168 x 128 and g_b 128 x 12,288 where K3's full-rank in_proj has a fourth 12,288."""
    text = standalone_kimi_linear()
    arch = read_config(text)
    k3 = read_config(K3_CONFIG)
    assert (arch.model_type, arch.text_model_type, arch.state_bytes_per_sequence, arch.multimodal) == ("kimi_linear", "kimi_linear", 449_372_160, False)
    assert (arch.q_lora_rank, arch.moe_latent_size, arch.dtype) == (None, None, "bfloat16")
    row = model_row("example/kimi-linear-from-k3", text, licence_id="mit", source="K3's text config", as_of=AS_OF)
    fit = memory_fit(row, CAT.gpus["H200"], tensor_parallel=8, max_context_tokens=8192, engine_version="v0.33.0")
    assert "2 state page(s) per sequence (prefix caching on" in fit.kv_pages
    # K3 less its vision tower (447,295,488) against its text config with the low-rank gate: 69 layers of
    # 7,168 x 12,288 (the fourth in_proj block) - 7,168 x 128 (g_a) - 128 x 12,288 (g_b) = 85,590,016 fewer each
    low_gate = copy.deepcopy(K3_CONFIG["text_config"])
    low_gate["linear_attn_config"]["use_full_rank_gate"] = False
    low_gate.pop("quantization_config")  # vLLM rewrites K3's MXFP4 scheme to its mxfp4 method for K3's classes only
    assert (k3.params_total_b - read_config(low_gate).params_total_b) * 1e9 == pytest.approx(69 * 85_590_016 + 447_295_488, abs=2e6)


def test_releases_that_cannot_load_kimi_k3_or_its_layout_are_refused_with_the_reason():
    k3 = k3_row()
    assert engine_refusal(k3, "v0.11.2") == (
        "vLLM v0.11.2 cannot load moonshotai/Kimi-K3: KimiK3ForConditionalGeneration is not in v0.11.2's model registry, and its "
        "Transformers backend cannot stand in: no transformers release read (4.57.6, 5.16.1, 5.20.2) has a kimi_k3 model, so only "
        "Moonshot's own configuration_kimi_k3.py and modeling_kimi_k3.py (the config's auto_map) could run it; vLLM serves it from v0.27.0"
    )
    assert engine_refusal(k3, "v0.26.0") is not None and engine_refusal(k3, "v0.27.0") is None and engine_refusal(k3, "v0.33.0") is None
    assert first_served(k3) == "v0.27.0"
    with_query_lora = standalone_kimi_linear() | {"q_lora_rank": 1536}
    row = model_row("example/kimi-linear-q-lora", with_query_lora, licence_id="mit", source="K3's text config", as_of=AS_OF)
    assert engine_refusal(row, "v0.11.2") == (
        "vLLM v0.11.2 cannot load example/kimi-linear-q-lora: v0.11.2 registers KimiLinearForCausalLM, but its KimiMLAAttention "
        "asserts q_lora_rank is None (the row's q_lora_rank is 1536); v0.33.0 loads it"
    )
    assert first_served(row) == "v0.33.0" and engine_refusal(row, "v0.33.0") is None
    plain = model_row("example/kimi-linear", standalone_kimi_linear(), licence_id="mit", source="K3's text config", as_of=AS_OF)
    assert engine_refusal(plain, "v0.11.2") is None


def test_neither_kimi_class_serves_lora():
    assert "KimiK3ForConditionalGeneration (the model class of moonshotai/Kimi-K3) does not implement SupportsLoRA" in lora_refusal(k3_row(), "v0.33.0")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda t: t.pop("linear_attn_config"), "linear_attn_config"),
        (lambda t: t["linear_attn_config"]["kda_layers"].append(4), "linear_attn_config.kda_layers"),
        (lambda t: t["linear_attn_config"].update(kda_layers=[]), "linear_attn_config.kda_layers"),
        (lambda t: t["linear_attn_config"].update(use_full_rank_gate=False), "linear_attn_config.use_full_rank_gate"),
        (lambda t: t["linear_attn_config"].pop("head_dim"), "linear_attn_config.head_dim"),
        (lambda t: t.update(mamba_ssm_cache_dtype="bfloat16"), "mamba_ssm_cache_dtype"),
        (lambda t: t["quantization_config"]["config_groups"]["group_0"]["weights"].update(group_size=16), "text_config.quantization_config.config_groups"),
        (lambda t: t.pop("kv_lora_rank"), "kv_lora_rank"),
    ],
)
def test_a_kimi_k3_config_the_reader_cannot_size_is_refused_naming_the_field(change, field):
    config = copy.deepcopy(K3_CONFIG)
    change(config["text_config"])
    with pytest.raises(ConfigError) as refused:
        read_config(config)
    assert refused.value.field == field


def test_a_standalone_kimi_linear_with_k3s_gate_and_a_k3_without_text_config_are_refused():
    text = standalone_kimi_linear()
    text["linear_attn_config"]["use_full_rank_gate"] = True
    with pytest.raises(ConfigError, match="import the kimi_k3 config") as refused:
        read_config(text)
    assert refused.value.field == "linear_attn_config.use_full_rank_gate"
    flat = {k: v for k, v in K3_CONFIG.items() if k != "text_config"}
    with pytest.raises(ConfigError) as missing:
        read_config(flat)
    assert missing.value.field == "text_config"
    config = copy.deepcopy(K3_CONFIG)
    config["vision_config"]["mm_projector_type"] = "patchmerger"
    with pytest.raises(ConfigError) as projector:
        read_config(config)
    assert projector.value.field == "vision_config.mm_projector_type"
