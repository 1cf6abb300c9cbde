"""What a text config says layer by layer: each layer's attention kind, the fixed state of a linear-attention layer, the
routed experts and the MLP widths - the parts of `hangar.catalog.model_config`'s reading that depend on the family's
field names and layer patterns (its module docstring has the sources)."""

from __future__ import annotations

from .config_fields import ConfigError, config_int
from .minimax import MINIMAX_M2, minimax_m2_layer_kinds
from .model_params import dense_layers

_LAYER_TYPES = {"full_attention": "full", "sliding_attention": "sliding", "linear_attention": "linear"}


def layer_kinds(text: dict, model_type: str, layers: int, defaults: dict) -> list[str]:
    """One of full / sliding / linear per layer, from `layer_types` or the family's documented pattern."""
    declared = text.get("layer_types")
    if declared is not None:
        if not isinstance(declared, list) or len(declared) != layers:
            raise ConfigError("layer_types", f"expected a list of {layers} layer types (num_hidden_layers)")
        unknown = sorted({t for t in declared if t not in _LAYER_TYPES})
        if unknown:
            raise ConfigError("layer_types", f"{', '.join(map(repr, unknown))} not understood; known: {', '.join(_LAYER_TYPES)}")
        return [_LAYER_TYPES[t] for t in declared]
    if model_type == MINIMAX_M2:  # full attention in every layer (hangar.catalog.minimax has vLLM's reading)
        return minimax_m2_layer_kinds(text, layers)
    if model_type in ("qwen3_next", "qwen3_5_text", "qwen3_5_moe_text"):
        interval = config_int(text, "full_attention_interval")
        return ["full" if (i + 1) % interval == 0 else "linear" for i in range(layers)]
    window = text.get("sliding_window", defaults.get("sliding_window"))
    if model_type == "cohere":
        return ["full"] * layers  # Command R slides on no layer, whatever sliding_window says
    if model_type == "cohere2":
        pattern = config_int(text, "sliding_window_pattern", 4)
        return ["sliding" if (i + 1) % pattern else "full" for i in range(layers)]
    if model_type == "gemma2":
        config_int(text, "sliding_window")
        return ["sliding" if i % 2 == 0 else "full" for i in range(layers)]
    if model_type == "gemma3_text":
        pattern = config_int(text, "sliding_window_pattern", defaults["sliding_window_pattern"])
        return ["sliding" if (i + 1) % pattern else "full" for i in range(layers)]
    if model_type in ("qwen2", "qwen3", "qwen2_moe", "qwen3_moe"):
        if not text.get("use_sliding_window"):
            return ["full"] * layers  # the window in these configs applies only with use_sliding_window
        first = config_int(text, "max_window_layers")
        return ["full" if i < first else "sliding" for i in range(layers)]
    if window is None:
        return ["full"] * layers
    return ["sliding"] * layers


_SSM_DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}
"""Bytes of a recurrent-state element by Qwen3.5's `mamba_ssm_dtype` (vLLM's `STR_DTYPE_TO_TORCH_DTYPE` names)."""


def linear_state_bytes(text: dict, model_type: str) -> int:
    """Fixed state of one gated-delta-net layer per sequence: the conv state in the model's 16-bit dtype, the recurrent
    state in it too, or in the `mamba_ssm_dtype` a Qwen3.5 config names (vLLM v0.33.0 `Qwen3_5ForConditionalGenerationConfig`
    sets `mamba_ssm_cache_dtype` from it, and `MambaStateDtypeCalculator._mamba_state_dtype` keeps the recurrent state in it;
    vllm/model_executor/models/config.py and vllm/model_executor/layers/mamba/mamba_utils.py, wheel commit 4ba787ec9, read
    2026-12-02). Qwen3-Next's class reads no such field."""
    kernel = config_int(text, "linear_conv_kernel_dim")
    k_heads, v_heads = config_int(text, "linear_num_key_heads"), config_int(text, "linear_num_value_heads")
    k_dim, v_dim = config_int(text, "linear_key_head_dim"), config_int(text, "linear_value_head_dim")
    conv = (kernel - 1) * (2 * k_heads * k_dim + v_heads * v_dim)
    recurrent = v_heads * k_dim * v_dim
    ssm_bytes = 2
    declared = text.get("mamba_ssm_dtype")
    if model_type in ("qwen3_5_text", "qwen3_5_moe_text") and declared is not None:
        if declared not in _SSM_DTYPE_BYTES:
            raise ConfigError("mamba_ssm_dtype", f"{declared!r} is not a state type Hangar can size; known: {', '.join(_SSM_DTYPE_BYTES)}")
        ssm_bytes = _SSM_DTYPE_BYTES[declared]
    return conv * 2 + recurrent * ssm_bytes


def routed_experts(text: dict, model_type: str) -> tuple[int | None, int | None]:
    key = {"deepseek_v2": "n_routed_experts", "deepseek_v3": "n_routed_experts", "deepseek_v32": "n_routed_experts", "glm4_moe": "n_routed_experts", "mixtral": "num_local_experts",
           "gpt_oss": "num_local_experts", "llama4_text": "num_local_experts", MINIMAX_M2: "num_local_experts"}.get(model_type, "num_experts")
    if model_type == "gemma4_text" and not text.get("enable_moe_block"):
        return None, None
    experts = config_int(text, key, required=False)
    if experts is None:
        return None, None
    return experts, config_int(text, "num_experts_per_tok", text.get("experts_per_token", text.get("top_k_experts")))


def mlp_widths(text: dict, model_type: str, layers: int, experts: int | None) -> tuple[int | None, int | None]:
    """(dense MLP width, one routed expert's width): the first None when no layer has a dense MLP, the second for a dense model.

    The same fields `estimate_parameters` sizes the MLPs from: a mixture of experts whose every layer routes (Mixtral, gpt-oss, Qwen3
    MoE, Llama 4 Scout) has no dense width even where its config carries an `intermediate_size`, and Mixtral's, gpt-oss's and
    Llama 4's `intermediate_size` is the expert's width (Llama 4's dense layers use `intermediate_size_mlp`).
    """
    if experts is None:
        return config_int(text, "intermediate_size"), None
    if model_type == "llama4_text":
        step = config_int(text, "interleave_moe_layer_step", 1, required=False) or 0
        dense = any(not step or (i + 1) % step for i in range(layers))
        return (config_int(text, "intermediate_size_mlp", text.get("intermediate_size")) if dense else None), config_int(text, "intermediate_size")
    if model_type == "gemma4_text":  # a dense MLP in every layer beside the experts
        return config_int(text, "intermediate_size"), config_int(text, "moe_intermediate_size")
    expert = config_int(text, "moe_intermediate_size", text.get("intermediate_size"))
    return (config_int(text, "intermediate_size") if dense_layers(text, model_type, layers) else None), expert


def layers_with_dense_mlp(text: dict, model_type: str, layers: int) -> set[int]:
    """The layers of a mixture of experts that keep a dense MLP (as `mlp_widths` and `estimate_parameters` count them)."""
    if model_type == "llama4_text":
        step = config_int(text, "interleave_moe_layer_step", 1, required=False) or 0
        return {i for i in range(layers) if not step or (i + 1) % step}
    if model_type == "gemma4_text":
        return set(range(layers))
    return dense_layers(text, model_type, layers)
