"""The per-module widths of a config.json that LoRA's slots are sized from (`hangar.sizing.lora_layouts`), beyond the
attention and MLP widths the reader already keeps.

* latent attention (DeepSeek V2/V3/V3.2, Kimi K2): `q_lora_rank` (empty where the query is not compressed, as in
  DeepSeek-V2-Lite), `qk_nope_head_dim`, `v_head_dim`; DeepSeek-V3.2's sparse-attention indexer `index_n_heads` and
  `index_head_dim`;
* a mixture of experts: `dense_mlp_layers`, how many layers keep a dense MLP of `intermediate_size` (DeepSeek's
  `first_k_dense_replace`, Qwen's `mlp_only_layers` and `decoder_sparse_step`, Llama 4's interleave, Gemma 4's every layer),
  empty when every layer routes; `shared_expert_intermediate_size`, the width of the shared-expert MLP beside the routed
  experts of a layer (DeepSeek and GLM: `n_shared_experts` x `moe_intermediate_size`, as vLLM v0.11.2's `DeepseekV2MoE`
  builds it; Qwen: `shared_expert_intermediate_size`; Llama 4: one shared expert as wide as a routed one), empty when none;
* linear attention (Qwen3-Next's gated delta net): `linear_key_dim` (key heads x key head size), `linear_value_dim`,
  `linear_value_heads`, `linear_conv_kernel_dim`, and `attn_output_gate`, whether its full-attention layers' query
  projection also yields an output gate (vLLM v0.11.2 qwen3_next.py `getattr(config, "attn_output_gate", True)`).
"""

from __future__ import annotations

from typing import Any

from .config_fields import MLA_TYPES, config_int

LAYER_SHAPE_COLUMNS = (
    "q_lora_rank", "qk_nope_head_dim", "v_head_dim", "index_n_heads", "index_head_dim", "dense_mlp_layers", "shared_expert_intermediate_size",
    "linear_key_dim", "linear_value_dim", "linear_value_heads", "linear_conv_kernel_dim", "attn_output_gate",
)  # fmt: skip
"""The model-row columns this module fills, in the order they are added to models.csv."""


def layer_shapes(text: dict, model_type: str, kinds: list[str], experts: int | None, dense: set[int]) -> dict[str, Any]:
    """The columns above for one config (`kinds` the layer kinds, `dense` the MoE layers keeping a dense MLP)."""
    fields: dict[str, Any] = dict.fromkeys(LAYER_SHAPE_COLUMNS)
    if model_type in MLA_TYPES:
        fields.update(q_lora_rank=config_int(text, "q_lora_rank", required=False), qk_nope_head_dim=config_int(text, "qk_nope_head_dim"),
                      v_head_dim=config_int(text, "v_head_dim"))  # fmt: skip
    if model_type == "deepseek_v32":
        fields.update(index_n_heads=config_int(text, "index_n_heads"), index_head_dim=config_int(text, "index_head_dim"))
    if experts is not None:
        fields["dense_mlp_layers"] = len(dense) or None
        fields["shared_expert_intermediate_size"] = _shared_width(text, model_type)
    if "linear" in kinds:
        key_heads, value_heads = config_int(text, "linear_num_key_heads"), config_int(text, "linear_num_value_heads")
        fields.update(
            linear_key_dim=key_heads * config_int(text, "linear_key_head_dim"),
            linear_value_dim=value_heads * config_int(text, "linear_value_head_dim"),
            linear_value_heads=value_heads,
            linear_conv_kernel_dim=config_int(text, "linear_conv_kernel_dim"),
            attn_output_gate=bool(text.get("attn_output_gate", model_type == "qwen3_next")),
        )
    return fields


def _shared_width(text: dict, model_type: str) -> int | None:
    if model_type in (*MLA_TYPES, "glm4_moe"):
        shared = text.get("n_shared_experts")
        return None if shared in (0, None) else config_int(text, "n_shared_experts") * config_int(text, "moe_intermediate_size")
    if model_type == "llama4_text":
        return config_int(text, "intermediate_size")  # one shared expert of a routed expert's width
    if text.get("shared_expert_intermediate_size") in (0, None):
        return None
    return config_int(text, "shared_expert_intermediate_size")
