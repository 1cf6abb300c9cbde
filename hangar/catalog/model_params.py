"""ESTIMATED parameter counts of a model, from the weight shapes its config.json fields imply.

Projections, experts, embeddings and a ViT vision tower are counted; norms, biases and multi-token-prediction
layers are left out. Active parameters leave out the input embedding (a lookup) and all but the routed experts a
token uses. Tests hold both to published counts. The layouts, and the sources they were read from, are
`hangar.catalog.model_config`'s.
"""

from __future__ import annotations

from . import gemma4_layers
from .config_fields import MLA_TYPES, config_int, gemma4_global_attention, tied_embeddings
from .sparse_indexer import indexer_layers


def estimate_parameters(config: dict, text: dict, model_type: str, kinds: list[str], *, hidden: int, heads: int, kv_heads: int | None,
                        head_dim: int | None, vocab: int, experts: int | None, active: int | None) -> tuple[float, float]:
    """(total, active) parameters: ESTIMATE from projection, expert, embedding and vision-tower shapes."""
    tied = tied_embeddings(config, text, model_type)
    # the input embedding is a lookup, not computed: active parameters count the output head only
    total = float(vocab * hidden * (1 if tied else 2))
    active_total = float(vocab * hidden)
    moe = experts is not None
    dense = dense_layers(text, model_type, len(kinds)) if moe else set(range(len(kinds)))
    for index, kind in enumerate(kinds):
        attention = _layer_attention_params(text, model_type, kind, hidden, heads, kv_heads, head_dim, index)
        if model_type == "llama4_text":
            mlp, mlp_active = _llama4_mlp(text, index, hidden, experts, active)
        elif model_type == "gemma4_text":  # a dense MLP in every layer, and the experts beside it where enabled
            mlp = mlp_active = 3 * hidden * gemma4_layers.mlp_width(text, index, len(kinds))
            if moe:
                expert = 3 * hidden * config_int(text, "moe_intermediate_size")
                mlp += experts * expert + hidden * experts
                mlp_active += active * expert + hidden * experts
        elif index in dense:
            mlp = mlp_active = 3 * hidden * config_int(text, "intermediate_size")
        else:
            expert = 3 * hidden * config_int(text, "moe_intermediate_size", text.get("intermediate_size"))
            shared = _shared_expert_params(text, model_type, hidden)
            mlp = experts * expert + shared + hidden * experts
            mlp_active = active * expert + shared + hidden * experts
        total += attention + mlp
        active_total += attention + mlp_active
    if model_type == "gemma4_text":  # per-layer input embeddings (hangar.catalog.gemma4_layers)
        ple, ple_active = gemma4_layers.per_layer_input_params(text, hidden, len(kinds))
        total, active_total = total + ple, active_total + ple_active
    vision = config.get("vision_config")
    if isinstance(vision, dict):
        total += _vision_params(vision)
        active_total += _vision_params(vision)
    return total, active_total


def _layer_attention_params(text: dict, model_type: str, kind: str, hidden: int, heads: int, kv_heads: int | None, head_dim: int | None,
                            layer: int) -> int:
    """Parameters of layer `layer`'s attention (or linear-attention) block, by the layer's kind."""
    if kind == "linear":
        return _linear_params(text, hidden)
    if model_type == "gemma4_text":
        return _gemma4_attention_params(text, kind, hidden, heads, kv_heads, head_dim, shared=gemma4_layers.is_shared(text, layer, config_int(text, "num_hidden_layers")))
    return sum(_layer_projections(text, model_type, hidden, heads, kv_heads, head_dim, layer).values())


def _layer_projections(text: dict, model_type: str, hidden: int, heads: int, kv_heads: int | None, head_dim: int | None, layer: int) -> dict[str, int]:
    """`projections` of layer `layer`: a sparse-attention layer that shares another's indexer has none of its own
    (GLM-5.2's IndexShare, `hangar.catalog.sparse_indexer`)."""
    found = projections(text, model_type, hidden, heads, kv_heads, head_dim)
    if "indexer" in found and not indexer_layers(text, config_int(text, "num_hidden_layers"))[layer]:
        del found["indexer"]
    return found


def projections(text: dict, model_type: str, hidden: int, heads: int, kv_heads: int | None, head_dim: int | None) -> dict[str, int]:
    """Parameters of each attention projection of a full-attention layer, by its module name (vLLM's and the checkpoint's)."""
    if model_type in MLA_TYPES:
        nope, rope, v = config_int(text, "qk_nope_head_dim"), config_int(text, "qk_rope_head_dim"), config_int(text, "v_head_dim")
        lora, q_lora = config_int(text, "kv_lora_rank"), config_int(text, "q_lora_rank", required=False)
        query = {"q_a_proj": hidden * q_lora, "q_b_proj": q_lora * heads * (nope + rope)} if q_lora else {"q_proj": hidden * heads * (nope + rope)}
        found = {**query, "kv_a_proj_with_mqa": hidden * (lora + rope), "kv_b_proj": lora * heads * (nope + v), "o_proj": heads * v * hidden}
        # DSA's indexer (deepseek_v32, and GLM-5 read as it) where the layer keeps its own (`_layer_projections`): vLLM v0.11.2
        # Indexer and v0.33.0 DeepseekV32Indexer alike: wq_b (q_lora -> heads x dim), wk (hidden -> dim), weights_proj (hidden -> heads)
        if model_type == "deepseek_v32":
            index_heads, index_dim = config_int(text, "index_n_heads"), config_int(text, "index_head_dim")
            found["indexer"] = (q_lora or hidden) * index_heads * index_dim + hidden * index_dim + hidden * index_heads
        return found
    # Qwen3-Next's query projection also yields a sigmoid output gate unless the config turns it off: vLLM
    # `vllm/model_executor/models/qwen3_next.py` at 6365b387890f7aa74b0fe65b81705d4730fcc763 (read 2026-12-01),
    # `attn_output_gate = getattr(config, "attn_output_gate", True)`, the projection `total_num_heads * (1 + attn_output_gate)`
    gated = text.get("attn_output_gate", model_type == "qwen3_next")
    kv = hidden * kv_heads * head_dim
    return {"q_proj": hidden * heads * head_dim * (2 if gated else 1), "k_proj": kv, "v_proj": kv, "o_proj": heads * head_dim * hidden}


def module_parameters(text: dict, model_type: str, kinds: list[str], layer: int, module: str, *, hidden: int, heads: int, kv_heads: int | None,
                      head_dim: int | None, experts: int | None) -> int | None:
    """Parameters of one module of layer `layer` (0-based) that a quantised checkpoint may keep in 16 bits: "attention" (all
    its projections), a projection by name, "mlp" (the layer's whole MLP: dense, or routed experts with their router and
    shared expert), "shared_experts" or "layer" (both); None where the layout has no such module or it is not counted."""
    kind = kinds[layer]
    if module in ("attention", "layer"):
        attention = _layer_attention_params(text, model_type, kind, hidden, heads, kv_heads, head_dim, layer)
        if module == "attention":
            return attention
        mlp = module_parameters(text, model_type, kinds, layer, "mlp", hidden=hidden, heads=heads, kv_heads=kv_heads, head_dim=head_dim, experts=experts)
        return None if mlp is None else attention + mlp
    if module == "mlp":
        if model_type == "gemma4_text":  # its `mlp` is its dense MLP (double-wide in a KV-shared layer); the experts are beside it
            return 3 * hidden * gemma4_layers.mlp_width(text, layer, len(kinds))
        if experts is None or layer in dense_layers(text, model_type, len(kinds)):
            return 3 * hidden * config_int(text, "intermediate_size")
        if model_type == "llama4_text":
            return None
        expert = 3 * hidden * config_int(text, "moe_intermediate_size", text.get("intermediate_size"))
        return experts * expert + _shared_expert_params(text, model_type, hidden) + hidden * experts
    if module == "shared_experts":
        return _shared_expert_params(text, model_type, hidden) or None if experts is not None and model_type != "llama4_text" else None
    if kind == "linear" or model_type == "gemma4_text":
        return None
    return _layer_projections(text, model_type, hidden, heads, kv_heads, head_dim, layer).get(module)


def _llama4_mlp(text: dict, index: int, hidden: int, experts: int | None, active: int | None) -> tuple[int, int]:
    """(total, active) MLP parameters of Llama 4 layer `index`: routed experts plus a shared one, or a dense MLP."""
    step = config_int(text, "interleave_moe_layer_step", 1, required=False) or 0
    if experts is None or active is None or not step or (index + 1) % step:
        dense = 3 * hidden * config_int(text, "intermediate_size_mlp", text.get("intermediate_size"))
        return dense, dense
    expert = 3 * hidden * config_int(text, "intermediate_size")
    return experts * expert + expert + hidden * experts, active * expert + expert + hidden * experts


def _gemma4_attention_params(text: dict, kind: str, hidden: int, heads: int, kv_heads: int, head_dim: int, *, shared: bool = False) -> int:
    """q/k/v/o of a Gemma 4 layer by its kind; a KV-shared layer has only q_proj and o_proj (`gemma4_layers`)."""
    if kind == "sliding":
        return 2 * hidden * heads * head_dim + (0 if shared else 2 * hidden * kv_heads * head_dim)
    global_kv, global_dim = gemma4_global_attention(text, heads, kv_heads, head_dim)
    kv, dim = (global_kv, global_dim) if global_kv is not None else (kv_heads, head_dim)
    projections = 0 if shared else 1 if text.get("attention_k_eq_v") else 2  # k_eq_v: no v_proj
    return 2 * hidden * heads * dim + projections * hidden * kv * dim


def _linear_params(text: dict, hidden: int) -> int:
    k_heads, v_heads = config_int(text, "linear_num_key_heads"), config_int(text, "linear_num_value_heads")
    k_dim, v_dim = config_int(text, "linear_key_head_dim"), config_int(text, "linear_value_head_dim")
    conv_dim = 2 * k_heads * k_dim + v_heads * v_dim
    return hidden * (conv_dim + v_heads * v_dim) + hidden * 2 * v_heads + conv_dim * config_int(text, "linear_conv_kernel_dim") + v_heads * v_dim * hidden


def dense_layers(text: dict, model_type: str, layers: int) -> set[int]:
    """Layers of a mixture of experts that keep a dense MLP."""
    if model_type in (*MLA_TYPES, "glm4_moe"):
        first = text.get("first_k_dense_replace", 0)  # 0 (or absent): every layer routes
        first = 0 if first == 0 else config_int(text, "first_k_dense_replace")
        # DeepSeek's layout also routes only every `moe_layer_freq`-th layer: vLLM v0.11.2 and v0.33.0 deepseek_v2.py
        # `DeepseekV2DecoderLayer`, `layer_idx >= first_k_dense_replace and layer_idx % moe_layer_freq == 0` (default 1;
        # PyPI wheels read 2026-12-02); glm4_moe.py reads no such key
        freq = config_int(text, "moe_layer_freq", 1) if model_type in MLA_TYPES else 1
        return {i for i in range(layers) if i < first or i % freq}
    only = text.get("mlp_only_layers") or []
    step = config_int(text, "decoder_sparse_step", 1, required=False) or 1
    return {i for i in range(layers) if i in only or (i + 1) % step}


def _shared_expert_params(text: dict, model_type: str, hidden: int) -> int:
    if model_type in (*MLA_TYPES, "glm4_moe"):
        shared = 0 if text.get("n_shared_experts", 0) in (0, None) else config_int(text, "n_shared_experts")  # 0 or absent: none
        return shared * 3 * hidden * config_int(text, "moe_intermediate_size")
    if text.get("shared_expert_intermediate_size") == 0:  # Qwen3-Coder's config spells "no shared expert" as 0
        return 0
    shared = config_int(text, "shared_expert_intermediate_size", required=False)
    # Qwen's shared_expert_gate (hidden -> 1) beside it; Mixtral's layout has a shared expert only for Granite MoE Shared,
    # whose output is not gated (hangar.catalog.layouts_granite_smollm3)
    gate = 0 if model_type == "mixtral" else hidden
    return 0 if shared is None else 3 * hidden * shared + gate


def _vision_params(vision: dict) -> int:
    """A ViT tower: per block 4 h^2 (attention) + 2 h x intermediate (MLP)."""
    depth = config_int(vision, "depth", vision.get("num_hidden_layers"))
    width, inner = config_int(vision, "hidden_size"), config_int(vision, "intermediate_size")
    return depth * (4 * width * width + 2 * width * inner)
