"""Baidu's ERNIE 4.5 text models: dense `ernie4_5` read as Llama's layout, mixture-of-experts `ernie4_5_moe` as GLM-4.5's
(grouped-query attention; routed experts beside shared ones; the first layers dense).

What vLLM does with them, read 2026-12-02 in the PyPI wheels vllm-0.11.2 (commit 275de3417) and vllm-0.33.0 (commit
4ba787ec9), both registries mapping `Ernie4_5ForCausalLM` to ernie45.py and `Ernie4_5_MoeForCausalLM` to ernie45_moe.py
(`SupportsLoRA`):
* ernie45.py's `Ernie4_5ForCausalLM` is `LlamaForCausalLM` with the rotary embedding made non-neox and no o_proj bias:
  Llama's projections and cache;
* ernie45_moe.py: attention of `head_dim` (else hidden_size / num_attention_heads) over `num_key_value_heads`; layer i
  routes when `use_moe` (default: `moe_num_experts` > 0), (i + 1) % `moe_layer_interval` == 0 and `moe_layer_start_index`
  <= i <= `moe_layer_end_index` (default the last layer), to `moe_k` of `moe_num_experts` experts of
  `moe_intermediate_size`, beside one shared MLP `moe_num_shared_experts` x `moe_intermediate_size` wide (no gate);
  the other layers keep a dense MLP of `intermediate_size`. The two releases choose the layers alike (they differ in
  how they read the rope settings only);
* the multi-token-prediction layers a config counts in `num_nextn_predict_layers` (stored under `mtp_*` names beside
  the decoder) are not loaded for serving: v0.11.2's `Ernie4_5_MoeForCausalLM.load_weights` skips every weight whose
  name holds "mtp" ("MTP will be supported soon."), v0.33.0's `Ernie4_5_MoeModel.hf_to_vllm_mapper` maps "mtp" to None;
  only a separate speculative-decoding draft (`ernie_mtp.py` `ErnieMTP`, v0.33.0 `--speculative-config` method
  "ernie_mtp") builds them, and Hangar plans no speculative decoding. So the layer count, the weights and the
  parameter ESTIMATE leave them out, as for DeepSeek's and MiniMax's.
GLM-4.5's vocabulary (`n_routed_experts`, `n_shared_experts`, `first_k_dense_replace`) says the same where the routed
layers are all layers from the start index on: an interval other than 1, or an end before the last layer, is refused
naming the field. transformers' `Ernie4_5Config` / `Ernie4_5_MoeConfig` (transformers-4.57.1 wheel, read 2026-12-02)
default `tie_word_embeddings` to true and `moe_layer_end_index` -1 to the last layer; those defaults are applied.
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int


def ernie_text(config: dict[str, Any], text: dict[str, Any]) -> dict[str, Any]:
    """ERNIE 4.5 dense: Llama's fields, the head tied unless the file says otherwise."""
    return {**text, "tie_word_embeddings": _tied(text)}


def ernie_moe_text(config: dict[str, Any], text: dict[str, Any]) -> dict[str, Any]:
    """ERNIE 4.5 MoE in GLM-4.5's field names (see the module docstring); a ConfigError names a layout they cannot say."""
    layers = config_int(text, "num_hidden_layers")
    experts = config_int(text, "moe_num_experts")
    if text.get("use_moe") is False:
        raise ConfigError("use_moe", "false: an ERNIE 4.5 MoE config that routes no layer is not a layout Hangar reads")
    interval = config_int(text, "moe_layer_interval", 1)
    if interval != 1:
        raise ConfigError("moe_layer_interval", f"{interval}: only every layer from moe_layer_start_index on routing (interval 1) is read")
    start = text.get("moe_layer_start_index", 0)
    if not isinstance(start, int) or isinstance(start, bool) or not 0 <= start < layers:
        raise ConfigError("moe_layer_start_index", f"{start!r} is not a layer index below num_hidden_layers {layers}")
    end = text.get("moe_layer_end_index", -1)
    if end not in (-1, layers - 1):
        raise ConfigError("moe_layer_end_index", f"{end!r}: only routing up to the last layer ({layers - 1}, or -1) is read")
    shared = text.get("moe_num_shared_experts", 0)
    if shared not in (0, None):
        shared = config_int(text, "moe_num_shared_experts")
    return {
        **text,
        "n_routed_experts": experts,
        "num_experts_per_tok": config_int(text, "moe_k"),
        "moe_intermediate_size": config_int(text, "moe_intermediate_size"),
        "n_shared_experts": shared or 0,
        "first_k_dense_replace": start,
        "tie_word_embeddings": _tied(text),
    }


def _tied(text: dict[str, Any]) -> bool:
    value = text.get("tie_word_embeddings", True)
    if not isinstance(value, bool):
        raise ConfigError("tie_word_embeddings", f"{value!r} is not true or false")
    return value
