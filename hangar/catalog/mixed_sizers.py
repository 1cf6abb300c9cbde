"""The parameters of one module a ModelOpt MIXED_PRECISION checkpoint lists (`hangar.catalog.modelopt_mixed`), per layout:
`(layer, module under it)` -> weights, None where the layout has no such module there (the entry is then refused).

The module names are the checkpoint's, as NVIDIA's repacks list them (ai-dynamo/aiconfigurator `aic-core/src/
aiconfigurator_core/model_configs/` at 095f58a5, read 2026-12-03: nvidia--Qwen3.6-27B-NVFP4, nvidia--Qwen3.6-35B-A3B-NVFP4,
nvidia--MiniMax-M3-NVFP4, nvidia--NVIDIA-Nemotron-3.5-Lightning-30B-A3B-NVFP4), and their shapes those vLLM v0.33.0
builds (PyPI wheel, commit 4ba787ec9): vllm/model_executor/models/qwen3_5.py's GatedDeltaNet (`in_proj_qkv` hidden ->
2 x key heads x key dim + value heads x value dim, `in_proj_z` hidden -> value heads x value dim, `in_proj_b` and
`in_proj_a` hidden -> value heads, `out_proj` back; fused as `in_proj_qkvz` and `in_proj_ba`, the names Qwen3-Next's
checkpoints use), its attention (`hangar.catalog.model_params.projections`) and MLP or experts; MiniMax-M3's
(`hangar.catalog.minimax_m3`); Nemotron-H's mixers (`hangar.catalog.nemotron_quant.module_sizes`). Routed experts are
one module per layer (`mlp.experts`, `block_sparse_moe.experts`, `mixer.experts`: every expert's matrices).
"""

from __future__ import annotations

from typing import Any

from .config_fields import MLA_TYPES, config_int
from .model_params import dense_layers, projections
from .modelopt_mixed import Sizer
from .nemotron_quant import module_sizes

_MLP = ("gate_proj", "up_proj", "down_proj")


def _linear_attention(text: dict, hidden: int) -> dict[str, int]:
    """A Qwen3.5 / Qwen3-Next linear-attention block's projections by checkpoint name."""
    k_heads, v_heads = config_int(text, "linear_num_key_heads"), config_int(text, "linear_num_value_heads")
    values = v_heads * config_int(text, "linear_value_head_dim")
    qkv = 2 * k_heads * config_int(text, "linear_key_head_dim") + values
    return {"in_proj_qkv": hidden * qkv, "in_proj_z": hidden * values, "in_proj_b": hidden * v_heads, "in_proj_a": hidden * v_heads,
            "in_proj_qkvz": hidden * (qkv + values), "in_proj_ba": hidden * 2 * v_heads, "out_proj": values * hidden}


def generic_sizer(text: dict, model_type: str, kinds: list[str], *, hidden: int, heads: int, kv_heads: int | None, head_dim: int | None,
                  experts: int | None) -> Sizer:
    """Sizes `self_attn.<projection>` of an attention layer, `linear_attn.<projection>` of a linear-attention one, a dense
    layer's `mlp.<gate|up|down>_proj`, a MoE layer's `mlp.experts` and its shared expert's projections."""
    dense = dense_layers(text, model_type, len(kinds)) if experts is not None else set(range(len(kinds)))

    def size(layer: int, module: str) -> int | None:
        parent, _, name = module.rpartition(".")
        if model_type in ("gemma4_text", "llama4_text"):
            return None  # per-layer shapes these sizers do not read
        if parent == "self_attn" and kinds[layer] in ("full", "sliding"):
            return projections(text, model_type, hidden, heads, kv_heads, head_dim).get(name)
        if parent == "linear_attn" and kinds[layer] == "linear":
            return _linear_attention(text, hidden).get(name)
        if parent == "mlp" and name in _MLP and layer in dense:
            return hidden * config_int(text, "intermediate_size")
        if module == "mlp.experts" and experts is not None and layer not in dense:
            return experts * 3 * hidden * config_int(text, "moe_intermediate_size")
        if parent in ("mlp.shared_expert", "mlp.shared_experts") and name in _MLP and experts is not None and layer not in dense:
            if model_type in (*MLA_TYPES, "glm4_moe"):
                return hidden * config_int(text, "n_shared_experts") * config_int(text, "moe_intermediate_size")
            return hidden * config_int(text, "shared_expert_intermediate_size")
        return None

    return size


def minimax_m3_sizer(sparse: list[bool], routed: list[bool], *, hidden: int, heads: int, kv_heads: int, head_dim: int,
                     index_dim: int | None, experts: int | None, expert: int | None, shared: int | None, dense: int | None) -> Sizer:
    """MiniMax-M3's `self_attn.<q|k|v|o>_proj`, a sparse layer's `self_attn.index_<q|k>_proj`, a MoE layer's
    `block_sparse_moe.experts` (w1, w2, w3) and `block_sparse_moe.shared_experts.<projection>`, a dense layer's `mlp.<projection>`."""

    def size(layer: int, module: str) -> int | None:
        attention = {"q_proj": hidden * heads * head_dim, "k_proj": hidden * kv_heads * head_dim, "v_proj": hidden * kv_heads * head_dim,
                     "o_proj": heads * head_dim * hidden}
        if sparse[layer] and index_dim:
            attention |= {"index_q_proj": hidden * kv_heads * index_dim, "index_k_proj": hidden * index_dim}
        parent, _, name = module.rpartition(".")
        if parent == "self_attn":
            return attention.get(name)
        if routed[layer] and experts and expert:
            if module == "block_sparse_moe.experts":
                return experts * 3 * hidden * expert
            if parent == "block_sparse_moe.shared_experts" and name in _MLP and shared:
                return hidden * shared
        if not routed[layer] and parent == "mlp" and name in _MLP and dense:
            return hidden * dense
        return None

    return size


def nemotron_sizer(kinds: list[str], model_type: str, **shape: Any) -> Sizer:
    """A Nemotron-H layer's `mixer.<module>` (`module_sizes`; `mixer.experts`: all the layer's routed experts)."""

    def size(layer: int, module: str) -> int | None:
        if model_type != "nemotron_h" or not module.startswith("mixer."):
            return None
        return module_sizes(kinds[layer], **shape).get(module.removeprefix("mixer."))

    return size
