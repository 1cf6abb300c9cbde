"""LoRA slots of latent attention (DeepSeek V3/R1, Kimi K2) and of Qwen3-Next's hybrid (hangar.sizing.lora_layouts).

The catalog rows carry the module widths LoRA needs (q_lora_rank, qk_nope_head_dim, v_head_dim, dense_mlp_layers,
shared_expert_intermediate_size, the linear-attention widths), read from config.json; the slots are written out here
layer by layer from the shapes vLLM v0.11.2's LoRA wrappers allocate, one slot on one GPU, and compared with the code
(v0.33.0's are in tests/test_lora_releases.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from hangar.catalog import load_catalog
from hangar.catalog.model_config import read_config
from hangar.catalog.model_row import Model
from hangar.sizing import LoraSizeUnknown, LoraSlots, lora_bytes, memory_fit

CONFIGS = Path(__file__).parent / "model_configs"
CAT = load_catalog()


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


# --- the columns -------------------------------------------------------------------------------------------------


def test_latent_attention_rows_carry_their_projection_widths():
    v3 = config("deepseek-v3.json")
    row = CAT.model("deepseek-ai/DeepSeek-V3")
    assert (row.q_lora_rank, row.qk_nope_head_dim, row.v_head_dim) == (v3["q_lora_rank"], v3["qk_nope_head_dim"], v3["v_head_dim"]) == (1536, 128, 128)
    # the first 3 layers keep a dense MLP; the others route, beside one shared expert as wide as a routed one
    assert (row.dense_mlp_layers, row.shared_expert_intermediate_size) == (v3["first_k_dense_replace"], v3["n_shared_experts"] * v3["moe_intermediate_size"]) == (3, 2048)
    kimi = CAT.model("moonshotai/Kimi-K2-Instruct")
    assert (kimi.q_lora_rank, kimi.dense_mlp_layers, kimi.shared_expert_intermediate_size, kimi.num_experts) == (1536, 1, 2048, 384)
    # an uncompressed query (DeepSeek-V2-Lite's "q_lora_rank": null) reads as empty
    assert read_config({**config("deepseek-v3.json"), "q_lora_rank": None}).q_lora_rank is None


def test_qwen3_next_carries_its_linear_attention_widths_and_shared_expert():
    fields = config("qwen3-next-80b-a3b-thinking.json")
    row = CAT.model("Qwen/Qwen3-Next-80B-A3B-Thinking")
    assert row.linear_key_dim == fields["linear_num_key_heads"] * fields["linear_key_head_dim"] == 2048
    assert row.linear_value_dim == fields["linear_num_value_heads"] * fields["linear_value_head_dim"] == 4096
    assert (row.linear_value_heads, row.linear_conv_kernel_dim) == (32, 4)
    assert "attn_output_gate" not in fields and row.attn_output_gate is True  # vLLM's default for Qwen3-Next
    assert (row.shared_expert_intermediate_size, row.dense_mlp_layers) == (512, None)  # every layer routes


def test_other_layouts_leave_the_columns_empty():
    for hf_id in ("Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B-Instruct"):
        row = CAT.model(hf_id)
        assert (row.q_lora_rank, row.dense_mlp_layers, row.shared_expert_intermediate_size, row.linear_key_dim, row.attn_output_gate) == (None,) * 5
    assert CAT.model("Qwen/Qwen3-30B-A3B").shared_expert_intermediate_size is None
    assert CAT.model("mistralai/Mixtral-8x7B-Instruct-v0.1").dense_mlp_layers is None


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"q_lora_rank": 1536}, "q_lora_rank", "only a latent-attention (MLA) model has it"),
        ({"dense_mlp_layers": 2}, "dense_mlp_layers", "only a mixture of experts (num_experts) has it"),
        ({"linear_key_dim": 2048}, "linear_key_dim", "give all four linear-attention widths, for a hybrid (attention_layers) only"),
    ],
)
def test_a_width_on_a_layout_without_that_module_is_refused_naming_the_column(change, column, message):
    with pytest.raises(ValidationError, match=re.escape(message)) as raised:
        Model(**{**CAT.model("Qwen/Qwen3-8B").model_dump(), **change})
    assert column in str(raised.value)


def test_more_dense_layers_than_layers_is_refused():
    with pytest.raises(ValidationError, match=r"exceeds layers \(61\)"):
        Model(**{**CAT.model("deepseek-ai/DeepSeek-V3").model_dump(), "dense_mlp_layers": 62})


# --- the slots ---------------------------------------------------------------------------------------------------


def test_deepseek_v3_slots_written_out_layer_by_layer():
    # H 7168, 128 heads, q_lora 1536, kv_lora 512, rope 64, nope 128, v 128; 61 layers, 3 dense (I 18432), 58 with
    # 256 experts of 2048 and a shared MLP of 2048; TP 8, one slot of rank 16: elements on ONE GPU
    r, tp = 16, 8
    fused_qkv_a = 2 * r * 7168 + (1536 + 512 + 64) * r  # MergedColumnParallelLinear, disable_tp: whole on every GPU
    q_b = r * 1536 + 128 * 192 // tp * r
    kv_b = r * 512 + 128 * 256 // tp * r
    o = r * 128 * 128 // tp + 7168 * r
    attention = 2 * (fused_qkv_a + q_b + kv_b + o)  # wrapped under self_attn and again under mla_attn
    dense = (2 * r * 7168 + 2 * 18432 // tp * r) + (r * 18432 // tp + 7168 * r)
    router = r * 7168 + 256 * r
    experts = 256 * (2 * (r * 7168 + 2048 // tp * r) + r * 2048 // tp + 7168 * r)
    shared = (2 * r * 7168 + 2 * 2048 // tp * r) + (r * 2048 // tp + 7168 * r)
    per_gpu = 61 * attention + 3 * dense + 58 * (router + experts + shared)
    assert per_gpu == 5_388_122_112
    assert lora_bytes(CAT.model("deepseek-ai/DeepSeek-V3"), LoraSlots(1, 16), tensor_parallel=8, engine_version="v0.11.2") == per_gpu * 2 * tp  # 2 bytes, 8 GPUs


def test_qwen3_next_slots_written_out_layer_by_layer():
    # H 2048; 36 gated-delta-net layers (keys 2048, values 4096, 32 value heads, kernel 4) and 12 gated-attention layers
    # (16 heads x 256, the query doubled by the output gate; 2 KV heads, one per GPU at TP 4); 48 MoE layers of 512
    # experts of 512 and a shared MLP of 512; TP 4, one slot of rank 16, ONE GPU
    r, tp = 16, 4
    gdn = (r * 4 + 8192 // tp * r) + (r * 2048 + 12288 // tp * r) + (r * 2048 + 64 // tp * r) + (r * 4096 // tp + 2048 * r)
    attention = (3 * r * 2048 + (2 * 16 * 256 + 2 * 256 * tp) // tp * r) + (r * 16 * 256 // tp + 2048 * r)
    moe = (r * 2048 + 512 * r) + 512 * (2 * (r * 2048 + 512 // tp * r) + r * 512 // tp + 2048 * r)
    moe += (2 * r * 2048 + 2 * 512 // tp * r) + (r * 512 // tp + 2048 * r)
    per_gpu = 36 * gdn + 12 * attention + 48 * moe
    assert per_gpu == 2_583_244_032
    assert lora_bytes(CAT.model("Qwen/Qwen3-Next-80B-A3B-Thinking"), LoraSlots(1, 16), tensor_parallel=tp, engine_version="v0.11.2") == per_gpu * 2 * tp


def test_fully_sharded_loras_split_the_ranks_but_not_the_experts_at_v0_11_2():
    v3 = CAT.model("deepseek-ai/DeepSeek-V3")
    plain, sharded = (lora_bytes(v3, LoraSlots(1, 16, fully_sharded=f), tensor_parallel=8, engine_version="v0.11.2") for f in (False, True))
    assert sharded < plain
    assert plain - sharded < 0.02 * plain  # the experts, almost all of it, are never split


def test_kimi_k2s_slots_come_out_of_the_kv_cache_and_can_stop_it_starting():
    kimi, b200 = CAT.model("moonshotai/Kimi-K2-Instruct"), CAT.gpu("B200")
    bare = memory_fit(kimi, b200, precision="fp8", tensor_parallel=8, max_context_tokens=8192)
    loaded = memory_fit(kimi, b200, precision="fp8", tensor_parallel=8, max_context_tokens=8192, lora=LoraSlots(4, 64))
    assert loaded.lora_unsized is None and loaded.lora_gib == lora_bytes(kimi, LoraSlots(4, 64), tensor_parallel=8) / 2**30
    assert bare.fits and not loaded.fits and "+ 4 LoRA slots of rank 64 " in loaded.reason


def test_deepseek_v32s_indexer_adds_three_replicated_projections_a_layer_at_v0_11_2():
    v3, v32 = CAT.model("deepseek-ai/DeepSeek-V3"), CAT.model("deepseek-ai/DeepSeek-V3.2")
    same = ("hidden_size", "attention_heads", "layers", "q_lora_rank", "kv_lora_rank", "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim",
            "num_experts", "moe_intermediate_size", "intermediate_size", "dense_mlp_layers", "shared_expert_intermediate_size")
    assert [getattr(v32, c) for c in same] == [getattr(v3, c) for c in same]
    fields = config("deepseek-v3.2.json")
    assert (v32.index_n_heads, v32.index_head_dim) == (fields["index_n_heads"], fields["index_head_dim"]) == (64, 128)
    r = 16
    indexer = (r * 1536 + 64 * 128 * r) + (r * 7168 + 128 * r) + (r * 7168 + 64 * r)  # wq_b, wk, weights_proj: whole on every GPU
    old = "v0.11.2"
    assert lora_bytes(v32, LoraSlots(1, r), 8, old) - lora_bytes(v3, LoraSlots(1, r), 8, old) == 61 * indexer * 2 * 8


def test_a_latent_attention_row_without_its_widths_says_why():
    row = Model(**{**CAT.model("deepseek-ai/DeepSeek-V3.2").model_dump(), "index_n_heads": None})
    with pytest.raises(LoraSizeUnknown, match=re.escape("DeepSeek-V3.2's sparse-attention indexer widths (index_n_heads, index_head_dim) are not in its catalog row")):
        lora_bytes(row, LoraSlots())
    bare = Model(**{**CAT.model("deepseek-ai/DeepSeek-V3").model_dump(), "qk_nope_head_dim": None, "v_head_dim": None})
    with pytest.raises(LoraSizeUnknown, match=re.escape("latent attention whose qk_nope_head_dim and v_head_dim are not in its catalog row")):
        lora_bytes(bare, LoraSlots())
