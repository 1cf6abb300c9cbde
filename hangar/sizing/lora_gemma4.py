"""The LoRA slots of Gemma 4 (`Gemma4ForConditionalGeneration`, `gemma4_text`): elements per slot on each GPU over every
decoder layer, as vLLM v0.33.0 builds them. vLLM v0.11.2 has no Gemma 4 class (`hangar.sizing.engine_models` refuses it).

Read from the PyPI wheel vllm-0.33.0 (commit 4ba787ec9 per its vllm/_version.py), 2026-12-02:

* vllm/model_executor/models/gemma4_mm.py `Gemma4ForConditionalGeneration` implements `SupportsLoRA` with
  `packed_modules_mapping` qkv_proj = [q_proj, k_proj, v_proj] and gate_up_proj = [gate_proj, up_proj], declares no
  `embedding_modules` (the vocabulary is not adapted: `SupportsLoRA`'s empty default, vllm/model_executor/models/
  interfaces.py; nor is its language model's, gemma4.py `Gemma4ForCausalLM`), and its vision tower and embedder get no
  slots unless `--enable-tower-connector-lora` (vllm/lora/model_manager.py `_get_punica_wrapper`; default false).
* vllm/model_executor/models/gemma4.py `Gemma4DecoderLayer`: every layer has `self_attn` (`Gemma4Attention`: a
  `QKVParallelLinear` qkv_proj of `num_attention_heads` query heads and the layer's KV heads, each of the layer's head
  size, and a `RowParallelLinear` o_proj of heads x head size -> hidden), a dense `Gemma4MLP` (gate_up_proj, down_proj of
  `intermediate_size`), and with `num_experts` a `Gemma4Router` whose `proj` is a `GateLinear` (a `ReplicatedLinear`:
  hidden -> experts, wrapped as one) and `experts`, a FusedMoE of `moe_intermediate_size` with a gated activation
  (gelu_tanh: w1 and w3, vllm/lora/layers/fused_moe.py `FusedMoEWithLoRA`; the class sets no `is_3d_moe_weight`).
  A full-attention layer whose checkpoint has no v_proj (`attention_k_eq_v`) still builds q, k and v in its qkv_proj
  (the K weights are loaded into both: `_gemma4_layer_weights_mapper`), so it has three slices like the others.
* The layer's head size and KV heads come from the text config's `per_layer_config` (gemma4.py `config.
  per_layer_config[layer_idx]`), which transformers 5.16.1 to 5.20.2 (the range vllm-0.33.0 requires) build in
  configuration_gemma4.py `Gemma4TextConfig.__post_init__`: a full-attention layer takes `global_head_dim` and, with
  `attention_k_eq_v`, `num_global_key_value_heads`; a sliding layer `head_dim` and `num_key_value_heads`. The catalog
  row keeps the full-attention shape as `global_kv_heads` x `global_head_dim` (2 x 512 for gemma-4-26B-A4B, where its
  25 sliding layers have 8 x 256 and every layer 16 query heads), as the KV cache does.
* Not here: layers past `num_kv_shared_layers` (only q_proj), their double-wide MLPs (`use_double_wide_mlp`) and the
  per-layer input projections (`hidden_size_per_layer_input`): the config reader refuses a config that has them
  (`hangar.catalog.config_fields.gemma4_global_attention`), so no row read from a config.json has them.
"""

from __future__ import annotations

from hangar.catalog import Model

from .lora_layouts import Shapes

GEMMA4 = "Gemma4ForConditionalGeneration"


def gemma4_unsized(model: Model) -> str | None:
    """Why a Gemma 4 row cannot be sized from its columns; None when it can."""
    if model.hidden_size is None or model.intermediate_size is None or model.kv_heads is None or model.head_dim is None:
        return "its catalog row has no hidden_size/intermediate_size (no config.json read)"
    if model.attention_layers is not None and model.attention_layers < model.layers:  # hangar.catalog.gemma4_layers
        return (f"its last {model.layers - model.attention_layers} layers reuse an earlier layer's KV (q and o projections only, "
                "and per-layer input embeddings beside them), which LoRA's slot sizing does not read")
    if model.num_experts is not None:
        if model.moe_intermediate_size is None:
            return "its catalog row has no moe_intermediate_size (no config.json read)"
        if model.dense_mlp_layers != model.layers:
            return f"vLLM's Gemma 4 keeps a dense MLP in every layer beside its experts, and its catalog row says {model.dense_mlp_layers} of {model.layers}"
    return None


def gemma4_elements(model: Model, shapes: Shapes) -> float:
    """Elements of one slot on one GPU over every decoder layer: sliding and full-attention layers at their own widths,
    the dense MLP in each, and, in a mixture of experts, the router and the experts beside it."""
    assert model.hidden_size and model.intermediate_size and model.kv_heads and model.head_dim
    hidden = model.hidden_size

    def attention(kv_heads: int, head_dim: int) -> float:
        query = model.attention_heads * head_dim
        kv = max(1, kv_heads // shapes.tp) * head_dim * shapes.tp  # QKVParallelLinear keeps at least one KV head per GPU
        return shapes.column(hidden, query + 2 * kv, slices=3) + shapes.row(query, hidden)

    full = model.layers - (model.sliding_window_layers or 0) if model.global_kv_heads is not None else 0
    assert model.global_head_dim or not full
    layers = (model.layers - full) * attention(model.kv_heads, model.head_dim)
    if full:
        layers += full * attention(model.global_kv_heads, model.global_head_dim)  # type: ignore[arg-type]
    mlp = shapes.mlp(hidden, model.intermediate_size)
    if model.num_experts is not None:
        assert model.moe_intermediate_size
        mlp += shapes.replicated(hidden, model.num_experts)  # router.proj, a GateLinear
        mlp += shapes.experts(model.num_experts, hidden, model.moe_intermediate_size)
    return layers + model.layers * mlp
