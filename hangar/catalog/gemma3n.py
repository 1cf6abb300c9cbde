"""Read Google's Gemma 3n layout (`model_type` gemma3n with a gemma3n_text `text_config`, or a flat gemma3n_text) from its
config.json, as vLLM v0.11.2 and v0.33.0 build it.

Sources, read 2026-12-03: vLLM v0.11.2 and v0.33.0 PyPI wheels, `vllm/model_executor/models/gemma3n.py` (registry.py maps
`Gemma3nForCausalLM` to it and `Gemma3nForConditionalGeneration` to gemma3n_mm.py, whose towers are
`hangar.catalog.gemma3n_towers`) and `vllm/v1/worker/gpu_model_runner.py`; transformers 4.57.6 (the last release v0.11.2
admits) and 5.25.0 `models/gemma3n/configuration_gemma3n.py` `Gemma3nTextConfig`, whose class defaults (the same in both)
fill a key the file leaves out (`TEXT_DEFAULTS`; they describe google/gemma-3n-E4B).

* Layers: `layer_types`, else every 5th layer full attention and the others sliding over `sliding_window` tokens
  (`Gemma3nTextConfig`); one head size (`head_dim`) and `num_key_value_heads` in every layer.
* KV sharing: the last `num_kv_shared_layers` layers (`Gemma3nAttention.is_kv_shared_layer`) take a
  `kv_sharing_target_layer_name`: the layer 2 before the first shared one for a sliding layer, 1 before for a full one
  (fixed offsets, "Last full attention layer is 1 before sharing, Last sliding attention layer is 2 before sharing"), and
  `get_kv_cache_spec` allocates such a layer no KV cache: `attention_layers` counts the others. A sharing those offsets
  would point at a layer of the other kind is refused naming `num_kv_shared_layers`.
* Weights, per layer: q, k, v, o projections; v0.33.0 builds only q and o in a shared layer (`_kv_sharing_weights_mapper`
  drops the checkpoint's k/v), v0.11.2 builds and loads k and v there too: the count keeps them (the larger, what the
  default engine holds; at the class defaults 2 x 15 x 2048 x 2 x 256 = 31,457,280 weights more than v0.33.0's). A gated
  MLP of `intermediate_size[i]` (an int for every layer or one per layer, the MatFormer widths); AltUp
  (`Gemma3nAltUp`: `correction_coefs` n x n, `prediction_coefs` n x n^2, `modality_router` hidden x n, n =
  `altup_num_inputs`); LAuReL (`Gemma3nLaurelBlock`: hidden x `laurel_rank` and back); the per-layer input gate and
  projection. Model: the token embedding (the output head reads it: `compute_logits` uses `embed_tokens`, tied whatever
  `tie_word_embeddings` says, so a config asking otherwise is refused), the per-layer input embeddings
  (`embed_tokens_per_layer`, `per_layer_model_projection`: the same shapes as Gemma 4's, `hangar.catalog.gemma4_layers`),
  and `altup_projections` and `altup_unembed_projections`, (n - 1) hidden x hidden each.
* `activation_sparsity_pattern` (the first 10 layers 0.95 by default) selects `GeluAndMulSparse`: compute, not weights
  or cache. vLLM raises unless `hidden_activation` is gelu_pytorch_tanh and asserts `altup_correct_scale`: refused
  otherwise, naming the key.

Active parameters: the row leaves them empty for a dense model, as for every dense row. The per-layer embedding table is a
lookup like the token embedding, so, as for Gemma 4, it is not among the weights a token computes with
(`gemma4_layers.per_layer_input_params`). No LoRA: neither `Gemma3nForConditionalGeneration` (SupportsMultiModal,
SupportsTranscription) nor `Gemma3nForCausalLM` implements `SupportsLoRA` in either release. Both releases register both
classes and transformers 4.57.6 has the `gemma3n` config, so `hangar.sizing.engine_models` refuses neither release.
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int
from .context_length import context_fields
from .gemma3n_towers import tower_params
from .gemma4_layers import per_layer_input_params, shared_kv_layers
from .layer_runs import encode_runs
from .text_layout import layer_kinds

GEMMA3N_TYPES = ("gemma3n", "gemma3n_text")
"""Gemma 3n's multimodal model type (Gemma3nForConditionalGeneration) and its text model's (Gemma3nForCausalLM)."""

TEXT_DEFAULTS: dict[str, Any] = {
    "vocab_size": 262_400, "vocab_size_per_layer_input": 262_144, "hidden_size": 2048, "hidden_size_per_layer_input": 256,
    "intermediate_size": 16_384, "num_hidden_layers": 35, "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 256,
    "hidden_activation": "gelu_pytorch_tanh", "max_position_embeddings": 32_768, "sliding_window": 512,
    "altup_num_inputs": 4, "altup_correct_scale": True, "num_kv_shared_layers": 15, "laurel_rank": 64,
}
"""`Gemma3nTextConfig`'s class defaults (transformers 4.57.6 and 5.25.0)."""
FULL_EVERY = 5
"""Without `layer_types`, every 5th layer is full attention (`Gemma3nTextConfig`)."""

_NOT_IN_LAYOUT = (
    "moe_intermediate_size", "global_kv_heads", "global_head_dim", "kv_lora_rank", "qk_rope_head_dim", "state_bytes_per_sequence",
    "indexer_bytes_per_token", "num_experts", "num_experts_per_tok", "params_active_b", "q_lora_rank", "qk_nope_head_dim",
    "v_head_dim", "index_n_heads", "index_head_dim", "dense_mlp_layers", "shared_expert_intermediate_size", "linear_key_dim",
    "linear_value_dim", "linear_value_heads", "linear_conv_kernel_dim", "attn_output_gate",
)


def gemma3n_text(text: dict) -> dict:
    """The text config with `Gemma3nTextConfig`'s defaults and `layer_types` filled, as transformers hands it to vLLM."""
    filled = {**TEXT_DEFAULTS, **{key: value for key, value in text.items() if value is not None}}
    if text.get("layer_types") is None:
        layers = config_int(filled, "num_hidden_layers")
        filled["layer_types"] = ["full_attention" if (i + 1) % FULL_EVERY == 0 else "sliding_attention" for i in range(layers)]
    return filled


def read_gemma3n(config: dict, text: dict) -> dict[str, Any]:
    """The `Architecture` fields of a Gemma 3n config.json but its dtype (`hangar.catalog.model_config` adds it);
    ConfigError names the key it cannot read or that vLLM would build otherwise than Hangar sizes it."""
    multimodal = config.get("model_type") == "gemma3n"
    text = gemma3n_text(text)
    layers, heads, hidden = (config_int(text, key) for key in ("num_hidden_layers", "num_attention_heads", "hidden_size"))
    kv_heads, head_dim, vocab = (config_int(text, key) for key in ("num_key_value_heads", "head_dim", "vocab_size"))
    if heads % kv_heads:
        raise ConfigError("num_key_value_heads", f"{kv_heads} does not divide num_attention_heads {heads}")
    _refuse_what_vllm_refuses(config, text, layers)
    kinds = layer_kinds(text, "gemma3n_text", layers, {})
    shared = _shared_layers(text, kinds)
    cached = kinds[: layers - shared]
    widths = _mlp_widths(text, layers)
    sliding = cached.count("sliding")
    total = _text_params(text, kinds, widths, hidden=hidden, heads=heads, kv_heads=kv_heads, head_dim=head_dim, vocab=vocab)
    if multimodal:
        total += tower_params(config, hidden)
    same_width = len(set(widths)) == 1
    return {
        "model_type": "gemma3n" if multimodal else "gemma3n_text", "text_model_type": "gemma3n_text", "layers": layers,
        "attention_heads": heads, "hidden_size": hidden, "vocab_size": vocab, "kv_heads": kv_heads, "head_dim": head_dim,
        "intermediate_size": widths[0] if same_width else None, "layer_mlp_widths": None if same_width else encode_runs(widths),
        "attention_layers": len(cached) if shared else None, "sliding_window": config_int(text, "sliding_window") if sliding else None,
        "sliding_window_layers": sliding or None, "kv_bytes_per_token_bf16": 2 * len(cached) * kv_heads * head_dim * 2,
        "params_total_b": round(total / 1e9, 3), "multimodal": multimodal, "tie_word_embeddings": True,
        **context_fields(text, "gemma3n_text"), **dict.fromkeys(_NOT_IN_LAYOUT),
    }


def _refuse_what_vllm_refuses(config: dict, text: dict, layers: int) -> None:
    if text["hidden_activation"] != "gelu_pytorch_tanh":
        raise ConfigError("hidden_activation", f"{text['hidden_activation']!r}: vLLM's Gemma3nMLP raises unless it is gelu_pytorch_tanh")
    if text["altup_correct_scale"] is not True:
        raise ConfigError("altup_correct_scale", f"{text['altup_correct_scale']!r}: vLLM's Gemma3nDecoderLayer asserts it is true")
    tie = text.get("tie_word_embeddings", config.get("tie_word_embeddings"))
    if tie is not None and tie is not True:
        raise ConfigError("tie_word_embeddings", f"{tie!r}: vLLM's Gemma3nForCausalLM reads its logits from the token embedding "
                                                 "(no output head of its own); allowed: true or absent")
    sparsity = text.get("activation_sparsity_pattern")
    if sparsity is not None and (not isinstance(sparsity, list) or len(sparsity) != layers):
        raise ConfigError("activation_sparsity_pattern", f"expected one value for each of the {layers} layers (num_hidden_layers)")


def _shared_layers(text: dict, kinds: list[str]) -> int:
    """`num_kv_shared_layers`, where vLLM's fixed offsets point each shared layer at an earlier layer of its own kind."""
    shared = shared_kv_layers(text, kinds)
    first = len(kinds) - shared
    for kind in sorted(set(kinds[first:])) if shared else ():
        target = first - (2 if kind == "sliding" else 1)
        if target < 0 or kinds[target] != kind:
            found = f"layer {target} is {kinds[target]} attention" if target >= 0 else "there is no such layer"
            raise ConfigError("num_kv_shared_layers", f"{shared}: vLLM points a shared {kind}-attention layer at the layer "
                                                      f"{first - target} before the first shared one, and {found}")
    return shared


def _mlp_widths(text: dict, layers: int) -> list[int]:
    value = text["intermediate_size"]
    if isinstance(value, list):
        if len(value) != layers:
            raise ConfigError("intermediate_size", f"gives {len(value)} widths; expected one, or one for each of the {layers} layers")
        return [config_int({"intermediate_size": width}, "intermediate_size") for width in value]
    return [config_int(text, "intermediate_size")] * layers


def _text_params(text: dict, kinds: list[str], widths: list[int], *, hidden: int, heads: int, kv_heads: int, head_dim: int,
                 vocab: int) -> int:
    """Weights of the text model (module docstring): ESTIMATE, norms left out but the per-layer inputs' (as Gemma 4's)."""
    n, rank = config_int(text, "altup_num_inputs"), config_int(text, "laurel_rank")
    attention = 2 * hidden * heads * head_dim + 2 * hidden * kv_heads * head_dim  # k and v in every layer (v0.11.2)
    altup = n * n + n ** 3 + hidden * n
    per_layer = sum(attention + 3 * hidden * width + altup + 2 * hidden * rank for width in widths)
    ple, _ = per_layer_input_params(text, hidden, len(kinds))
    return vocab * hidden + per_layer + ple + 2 * (n - 1) * hidden * hidden
