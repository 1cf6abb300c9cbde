"""Read Xiaomi's MiMo-V2-Flash layout (`model_type` mimo_v2_flash, `MiMoV2FlashForCausalLM`) from its config.json.

What vLLM v0.33.0 builds from such a file, read in the PyPI wheel vllm-0.33.0 (commit 4ba787ec9), read 2026-12-02
(registry.py maps `MiMoV2FlashForCausalLM` to vllm/model_executor/models/mimo_v2.py):

* `MiMoV2FlashDecoderLayer`: layer i is sliding-window attention where `hybrid_layer_pattern[i]` is 1, full attention
  where it is 0. A sliding layer has `swa_num_attention_heads` query heads, `swa_num_key_value_heads` KV heads, K head
  size `swa_head_dim` and V head size `swa_v_head_dim` (else `swa_head_dim`), a window of `sliding_window_size` and, with
  `add_swa_attention_sink_bias`, a learned per-head sink (`make_attention_sink(num_heads)`: a parameter, nothing cached);
  a full layer has `num_attention_heads`, `num_key_value_heads`, `head_dim` and `v_head_dim` (else `head_dim`) and no
  window. `MiMoV2Attention` passes `head_size=head_dim, head_size_v=v_head_dim` to `Attention`, whose KV-cache spec
  stores K and V of their own sizes: vllm/v1/kv_cache_interface.py `AttentionSpec.state_content_size_bytes` =
  (head_size + head_size_v) x dtype bytes per KV head and token (the DiffKV backends, flash_attn_diffkv.py and
  triton_attn_diffkv.py, keep `[blocks, block, kv heads, head_size + head_size_v]`, and inherit FlashAttention's and
  Triton's kernel block sizes, so `hangar.sizing.kv_blocks`' 16-token blocks hold). KV heads per rank are
  max(1, heads // TP), per layer kind. `attention_value_scale` multiplies V before attention, `partial_rotary_factor`
  and `swa_rope_theta` set the rotary embedding: neither changes what is cached.
* The hybrid KV-cache manager, which keeps only the window of a sliding layer, is off by default for a model whose text
  config has an `attention_chunk_size` (vllm/config/vllm.py `VllmConfig.__post_init__`: "Hybrid KV cache manager is not
  yet supported with chunked local attention", unless VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE=1; ModelConfig
  reads it with `getattr(hf_text_config, "attention_chunk_size", None)`, and transformers-5.16.1's `PreTrainedConfig`
  keeps a key its class does not declare as an attribute). MiMo-V2-Flash's config.json states `attention_chunk_size`
  128, which mimo_v2.py itself never reads, so v0.33.0 turns the manager off and `unify_hybrid_kv_cache_specs`
  (vllm/v1/core/kv_cache_planning.py) caches every sliding layer as a full one: a token costs every layer's K and V. The
  reader therefore sizes every layer as full attention, each with its own KV heads (`layer_kv_heads`, as for
  Llama-Nemotron: full-attention specs that differ only in KV heads are one KV-cache group), K of `head_dim` and V of
  `v_head_dim`. A config without `attention_chunk_size` would keep the manager on and page sliding and full layers of
  different sizes, which Hangar does not size: refused, naming the field.
* MLP: layer i is a mixture of experts where `moe_layer_freq[i]` is truthy (`is_moe_layer`; a `moe_layer_freq` that is
  an int makes every layer dense, refused here), else a dense SiLU MLP of `intermediate_size`. `MiMoV2MoE`:
  `n_routed_experts` experts of `moe_intermediate_size`, `num_experts_per_tok` per token, a router of hidden x experts
  (float32 unless `moe_router_dtype`) with an `e_score_correction_bias`; no shared expert (`n_shared_experts` is null in
  the release).
* The output head is its own `ParallelLMHead` (never tied to the embedding; a config asking to tie is refused), and
  `MiMoV2Model.load_weights` skips every weight whose name contains "mtp": the multi-token-prediction layers are not
  loaded, so the parameter ESTIMATE leaves them out.
* `hidden_act` must be silu (both MLP classes raise otherwise).

vLLM v0.11.2 does not register `MiMoV2FlashForCausalLM` (registry.py of the PyPI sdist vllm-0.11.2): the sizing layer
refuses a deployment pinned to it (`hangar.sizing.engine_models`). No LoRA: v0.33.0's class is `SupportsPP`,
`MixtureOfExperts`, `SupportsEagle3`, not `SupportsLoRA`.

Parameters are an ESTIMATE from the shapes (`hangar.catalog.model_params`' conventions: projections, experts and
routers, embedding and head; norms, sinks and biases left out).
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int
from .layer_runs import encode_runs

MIMO_V2_FLASH = "mimo_v2_flash"
"""The model type of Xiaomi's MiMo-V2-Flash (and its -Base)."""

_NOT_IN_LAYOUT = (
    "global_kv_heads", "global_head_dim", "kv_lora_rank", "qk_rope_head_dim", "attention_layers", "sliding_window",
    "sliding_window_layers", "state_bytes_per_sequence", "indexer_bytes_per_token", "q_lora_rank", "qk_nope_head_dim",
    "index_n_heads", "index_head_dim", "linear_key_dim", "linear_value_dim", "linear_value_heads", "linear_conv_kernel_dim",
    "attn_output_gate", "layer_mlp_widths",
)
"""Architecture fields this layout leaves empty (the sliding layers are cached as full ones: the module docstring)."""


def _pattern(text: dict, key: str, layers: int) -> list[int]:
    declared = text.get(key)
    if not isinstance(declared, list) or len(declared) != layers or any(v not in (0, 1) or isinstance(v, float) for v in declared):
        raise ConfigError(key, f"expected a list of {layers} entries (num_hidden_layers), each 0 or 1, as vLLM v0.33.0's "
                               "mimo_v2.py indexes it per layer")
    return [int(v) for v in declared]


def _attention(text: dict, sliding: bool) -> tuple[int, int, int, int]:
    """(query heads, KV heads, K head size, V head size) of a sliding (True) or full layer, as MiMoV2FlashDecoderLayer reads them."""
    prefix = "swa_" if sliding else ""
    heads = config_int(text, f"{prefix}num_attention_heads")
    kv_heads = config_int(text, f"{prefix}num_key_value_heads")
    k_dim = config_int(text, f"{prefix}head_dim")
    v_dim = config_int(text, f"{prefix}v_head_dim", k_dim)
    if heads % kv_heads:
        raise ConfigError(f"{prefix}num_key_value_heads", f"{kv_heads} does not divide {prefix}num_attention_heads {heads}")
    return heads, kv_heads, k_dim, v_dim


def read_mimo_v2_flash(text: dict[str, Any], *, max_model_len: int, dtype: str | None) -> dict[str, Any]:
    """The `Architecture` fields of a MiMo-V2-Flash config.json (`hangar.catalog.model_config` adds its context and dtype);
    ConfigError names the field it cannot read or that vLLM v0.33.0 would serve otherwise than Hangar sizes it."""
    layers = config_int(text, "num_hidden_layers")
    hidden = config_int(text, "hidden_size")
    vocab = config_int(text, "vocab_size")
    if text.get("hidden_act", "silu") != "silu":
        raise ConfigError("hidden_act", f"{text['hidden_act']!r}: vLLM's MiMoV2FlashForCausalLM supports silu only")
    if text.get("tie_word_embeddings", False) is not False:
        raise ConfigError("tie_word_embeddings", f"{text['tie_word_embeddings']!r}: vLLM's MiMoV2FlashForCausalLM builds its own "
                                                 "output head and never ties it to the embedding; allowed: false or absent")
    sliding = _pattern(text, "hybrid_layer_pattern", layers)
    full_shape, swa_shape = _attention(text, False), _attention(text, True)
    if any(sliding):
        config_int(text, "sliding_window_size")  # vLLM reads it for every sliding layer
        if text.get("attention_chunk_size") is None:
            raise ConfigError("attention_chunk_size", "absent: vLLM v0.33.0 would keep its hybrid KV-cache manager on and page "
                                                      "the sliding layers' windows beside full layers of another page size, "
                                                      "which Hangar does not size (MiMo-V2-Flash's config.json states 128)")
    if swa_shape[0] != full_shape[0]:
        raise ConfigError("swa_num_attention_heads", f"{swa_shape[0]} differs from num_attention_heads {full_shape[0]}: "
                                                     "a catalog row holds one query-head count")
    if swa_shape[2:] != full_shape[2:]:
        field = "swa_head_dim" if swa_shape[2] != full_shape[2] else "swa_v_head_dim"
        raise ConfigError(field, f"K/V head sizes {swa_shape[2]}/{swa_shape[3]} differ from the full layers' {full_shape[2]}/"
                                 f"{full_shape[3]} (head_dim/v_head_dim): a catalog row holds one K and one V head size")
    heads, _, k_dim, v_dim = full_shape
    kv_heads = [swa_shape[1] if s else full_shape[1] for s in sliding]
    freq = text.get("moe_layer_freq")
    if not isinstance(freq, list):
        raise ConfigError("moe_layer_freq", f"{freq!r}: expected a list of {layers} entries, each 0 or 1 (vLLM v0.33.0's "
                                            "mimo_v2.py makes every layer dense unless it is a list)")
    moe = _pattern(text, "moe_layer_freq", layers)
    experts = active = expert_width = None
    if any(moe):
        experts, active = config_int(text, "n_routed_experts"), config_int(text, "num_experts_per_tok")
        expert_width = config_int(text, "moe_intermediate_size")
        if text.get("n_shared_experts") not in (None, 0):
            raise ConfigError("n_shared_experts", f"{text['n_shared_experts']!r}: vLLM's MiMoV2MoE builds no shared expert; "
                                                  "allowed: null, 0 or absent")
    dense_width = config_int(text, "intermediate_size") if not all(moe) else None
    total, active_total = _parameters(kv_heads, moe, hidden=hidden, heads=heads, k_dim=k_dim, v_dim=v_dim, vocab=vocab,
                                      dense_width=dense_width, experts=experts, active=active, expert_width=expert_width)
    return {
        "model_type": MIMO_V2_FLASH, "text_model_type": MIMO_V2_FLASH, "layers": layers, "attention_heads": heads,
        "hidden_size": hidden, "vocab_size": vocab, "intermediate_size": dense_width, "moe_intermediate_size": expert_width,
        "kv_heads": kv_heads[0], "head_dim": k_dim, "v_head_dim": v_dim, "layer_kv_heads": encode_runs(kv_heads),
        "num_experts": experts, "num_experts_per_tok": active, "max_context_tokens": max_model_len, "dtype": dtype,
        "params_total_b": round(total / 1e9, 3), "params_active_b": None if experts is None else round(active_total / 1e9, 3),
        "kv_bytes_per_token_bf16": sum(kv_heads) * (k_dim + v_dim) * 2,
        "multimodal": False, "tie_word_embeddings": False,
        "dense_mlp_layers": (moe.count(0) or None) if experts is not None else None,
        "shared_expert_intermediate_size": None,
        **dict.fromkeys(_NOT_IN_LAYOUT),
    }


def _parameters(kv_heads: list[int], moe: list[int], *, hidden: int, heads: int, k_dim: int, v_dim: int, vocab: int,
                dense_width: int | None, experts: int | None, active: int | None, expert_width: int | None) -> tuple[int, int]:
    """(total, active) weights the shapes imply (ESTIMATE): per layer q (hidden x heads x K), k and v (hidden x KV heads x
    K and V), o (heads x V x hidden); a dense MLP (3 x hidden x width) or the experts (3 x hidden x width each) and their
    router (hidden x experts); the embedding and the untied head. Active: the head, not the embedding lookup, and
    `active` experts a layer."""
    total = active_total = vocab * hidden
    total += vocab * hidden
    for kv, routed in zip(kv_heads, moe, strict=True):
        attention = hidden * heads * k_dim + hidden * kv * (k_dim + v_dim) + heads * v_dim * hidden
        if routed:
            assert experts is not None and active is not None and expert_width is not None
            expert = 3 * hidden * expert_width
            total += attention + experts * expert + hidden * experts
            active_total += attention + active * expert + hidden * experts
        else:
            assert dense_width is not None
            total += attention + 3 * hidden * dense_width
            active_total += attention + 3 * hidden * dense_width
    return total, active_total
