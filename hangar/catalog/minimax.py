"""MiniMax-M2's layout (`model_type` minimax_m2: MiniMax-M2, M2.1, M2.5, M2.7, `MiniMaxM2ForCausalLM`), checked for the
architecture reader (`hangar.catalog.model_config`).

What vLLM builds from such a config.json, read in `vllm/model_executor/models/minimax_m2.py` of the PyPI wheels
vllm-0.11.2 (commit 275de3417) and vllm-0.33.0 (commit 4ba787ec9), read 2026-12-02; both registries map
`MiniMaxM2ForCausalLM` to it:

* every one of the `num_hidden_layers` decoder layers is full attention: `MiniMaxM2DecoderLayer` passes no
  `attn_window_size`, so `Attention(..., per_layer_sliding_window=None)`, whatever the config's `sliding_window` or
  `attn_type_list` say. The cache holds `num_key_value_heads` x `head_dim` for K and V (`Attention(num_kv_heads=...,
  head_size=head_dim)`); `head_dim` is the config's, else hidden_size / num_attention_heads;
* `rotary_dim` (64 of the 128 head dims in the released configs) only sets the rotary embedding (`get_rope`; v0.33.0
  passes it as `partial_rotary_factor` = rotary_dim / head_dim): the rotated and the unrotated dims are both cached,
  so a partial rotary leaves the KV size as it is;
* the query and key are RMS-normed across all heads (`MiniMaxText01RMSNormTP` of num_heads x head_dim and
  num_kv_heads x head_dim): norm weights, which parameter estimates leave out;
* every layer is a mixture of `num_local_experts` experts of width `intermediate_size` (w1/w3 gate and up, w2 down),
  `num_experts_per_tok` of them per token, routed by a float32 gate of hidden_size x num_local_experts with a
  per-expert `e_score_correction_bias` where `use_routing_bias`; there is no shared expert and no dense MLP;
* the output head is its own `ParallelLMHead` (never tied to the embedding);
* the `num_mtp_modules` multi-token-prediction layers stored after the decoder layers are dropped at load (v0.11.2
  `get_spec_layer_idx_from_weight_name` skips their weights; v0.33.0 maps their `layers.{num_hidden_layers + i}.`
  prefix to None), so neither the weights nor the parameter estimate count them;
* LoRA: v0.33.0's class declares `SupportsLoRA` (packed `qkv_proj` from q/k/v_proj); v0.11.2's is `SupportsPP` only.

A MiniMax config.json with a lightning (linear) attention layer (`attn_type_list` naming one other than 1, as
MiniMax-Text-01's do) or a shared expert (`shared_intermediate_size` above 0) holds weights this class does not build,
so the reader refuses it, naming the field. vLLM v0.11.2 also needs `--trust-remote-code` to read such a config:
transformers < 5 (which that release requires) has no `minimax_m2` config class, and the release's
`vllm/transformers_utils/config.py` registers none, so it runs the repository's own `configuration_minimax_m2.py`
(`auto_map`); transformers 5.16.1, the oldest vLLM v0.33.0 admits, has `MiniMaxM2Config` (tie_word_embeddings False).
"""

from __future__ import annotations

from .config_fields import ConfigError, config_int

MINIMAX_M2 = "minimax_m2"
"""The model type of MiniMax-M2 and its successors M2.1, M2.5 and M2.7."""

SOFTMAX_ATTENTION = 1
"""The `attn_type_list` entry of a full (softmax) attention layer; MiniMax-Text-01 writes 0 for a lightning layer."""


def minimax_m2_layer_kinds(text: dict, layers: int) -> list[str]:
    """Every layer full attention, as vLLM builds MiniMax-M2; ConfigError where the config describes weights it does not
    build (a lightning-attention layer in `attn_type_list`, a shared expert in `shared_intermediate_size`) or leaves out
    the experts every layer routes to (`num_local_experts`, `num_experts_per_tok`)."""
    declared = text.get("attn_type_list")
    if declared is not None:
        if not isinstance(declared, list) or len(declared) != layers:
            raise ConfigError("attn_type_list", f"expected a list of {layers} attention types (num_hidden_layers)")
        other = sorted({kind for kind in declared if kind != SOFTMAX_ATTENTION}, key=repr)
        if other:
            raise ConfigError("attn_type_list", f"{', '.join(map(repr, other))}: not full (softmax) attention, which vLLM's "
                                                f"MiniMaxM2ForCausalLM builds in every layer; allowed: {SOFTMAX_ATTENTION}")
    config_int(text, "num_local_experts")  # every layer routes: a config without experts is not this layout
    config_int(text, "num_experts_per_tok")
    shared = text.get("shared_intermediate_size")
    if shared not in (None, 0):
        raise ConfigError("shared_intermediate_size", f"{shared!r}: vLLM's MiniMaxM2ForCausalLM builds no shared expert; "
                                                      "allowed: 0 or absent")
    return ["full"] * layers
