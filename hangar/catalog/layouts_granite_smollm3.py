"""IBM Granite 3.x (`granite`, read as Llama's layout; `granitemoe` and `granitemoeshared`, as Mixtral's) and Hugging Face SmolLM3 (`smollm3`, as Llama's).

What vLLM does with them, read 2026-12-02:
* Granite: v0.11.2 (PyPI wheel vllm-0.11.2, commit 275de3417) and v0.33.0 (wheel vllm-0.33.0, commit 4ba787ec9) map
  `GraniteForCausalLM` to granite.py: grouped-query attention over `num_key_value_heads` (default `num_attention_heads`)
  heads of `head_dim` where the config states one, else hidden_size / num_attention_heads, a dense SwiGLU MLP of
  `intermediate_size`, the head tied to the embedding where `tie_word_embeddings`. `embedding_multiplier`,
  `residual_multiplier`, `attention_multiplier` (the attention scale) and `logits_scaling` scale activations and
  logits only: no weight and no cache byte changes. v0.11.2's GraniteAttention gives no layer a window; v0.33.0's
  `granite_layer_attn_params` slides a layer whose `layer_types` entry is "sliding_attention" (for GraniteSWA). A
  Granite config with such a layer would be cached differently by the two releases, so it is refused (`layer_types`);
  a bare `sliding_window` is read by neither and is dropped.
  transformers-5.16.1 `GraniteConfig` defaults: `tie_word_embeddings` false, `max_position_embeddings` 2048.
* Granite MoE: both releases map `GraniteMoeForCausalLM` to granitemoe.py: the same attention but with a head size of
  hidden_size / num_attention_heads whatever the config says (a differing `head_dim` is refused), and in every layer
  `num_local_experts` experts of `intermediate_size` of which `num_experts_per_tok` route, no dense MLP and no shared
  expert - Mixtral's layout. v0.33.0 slides `layer_types` layers here too, v0.11.2 does not: refused as for Granite.
  transformers-5.16.1 `GraniteMoeConfig` adds `num_local_experts` 8 and `num_experts_per_tok` 2 to Granite's defaults.
* Granite MoE Shared: both releases map `GraniteMoeSharedForCausalLM` to granitemoeshared.py, whose layers are Granite
  MoE's (`GraniteMoeAttention`, `GraniteMoeMoE`) plus, where `shared_intermediate_size` is not 0, a `shared_mlp`
  (`GraniteMoeSharedMLP`: `input_linear` hidden -> 2 x shared_intermediate_size, merged column-parallel, and
  `output_linear` back, row-parallel; SiLU-gated, no gate on its output) added to the experts' output in every layer.
  It is read as Mixtral's layout with that shared expert (`shared_expert_intermediate_size`); the head size and the
  sliding-layer refusals are Granite MoE's. `GraniteMoeSharedConfig` (transformers-4.57.6 `__init__` and 5.16.1's
  fields) defaults as `GraniteMoeConfig` and `shared_intermediate_size` 0 (its docstring says 1024; the field is 0).
* SmolLM3: both releases' registries map `SmolLM3ForCausalLM` to their Transformers backend (`TransformersForCausalLM`),
  which builds transformers' `SmolLM3Config` and gives a layer whose `layer_types` entry is "sliding_attention" the
  config's `sliding_window` (vllm/model_executor/models/transformers/base.py `_create_attention_instances`), the others
  full attention. `no_rope_layers` (by default every fourth layer, `no_rope_layer_interval` 4, skips RoPE) only says
  which layers rotate positions: every layer caches the same K and V. transformers-5.16.1 `SmolLM3Config.__post_init__`
  defaults: `num_key_value_heads` 4 where the file leaves it out (None: `num_attention_heads`), `tie_word_embeddings`
  true, `max_position_embeddings` 32768, and without `layer_types` a layer slides only where `use_sliding_window` and a
  `sliding_window` are set and the layer has no RoPE (`no_rope_layers[i] == 0`); those are applied here.
transformers-4.57.6 (the 4.x vLLM v0.11.2 installs) has the same defaults and rules for all three classes (SmolLM3's
tied head from `PretrainedConfig`'s `tie_word_embeddings=True`).
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int

GRANITE_DEFAULTS = {"tie_word_embeddings": False, "max_position_embeddings": 2048}
"""transformers-5.16.1 `GraniteConfig` defaults the reader needs."""
GRANITEMOE_DEFAULTS = {**GRANITE_DEFAULTS, "num_local_experts": 8, "num_experts_per_tok": 2}
"""transformers-5.16.1 `GraniteMoeConfig` defaults the reader needs."""
GRANITEMOESHARED_DEFAULTS = {**GRANITEMOE_DEFAULTS, "shared_intermediate_size": 0}
"""transformers-5.16.1 (and 4.57.6) `GraniteMoeSharedConfig` defaults the reader needs."""
GRANITE_MOE_TYPES = ("granitemoe", "granitemoeshared")
"""Granite's mixtures of experts, whose attention is vLLM's `GraniteMoeAttention` (head size hidden / heads)."""
SMOLLM3_DEFAULTS = {"num_key_value_heads": 4, "tie_word_embeddings": True, "max_position_embeddings": 32768}
"""transformers-5.16.1 `SmolLM3Config` defaults the reader needs."""
SMOLLM3_NO_ROPE_INTERVAL = 4
"""`SmolLM3Config.no_rope_layer_interval`'s default: each fourth layer skips RoPE."""


def _stated(text: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in text.items() if value is not None}


def granite_fields(text: dict[str, Any], defaults: dict[str, Any], *, moe: bool) -> dict[str, Any]:
    """`text` over its class's `defaults`, the shared expert of a class that has one (`shared_intermediate_size` among its
    defaults) in Mixtral's name, and for Granite's mixtures of experts (`moe`) a head size vLLM would not use refused."""
    read = {**defaults, **_stated(text)}
    if "shared_intermediate_size" in defaults:
        shared = read.pop("shared_intermediate_size")
        if shared != 0:  # granitemoeshared.py builds no shared_mlp where it is 0
            read["shared_expert_intermediate_size"] = config_int({"shared_intermediate_size": shared}, "shared_intermediate_size")
    if moe:
        hidden, heads = config_int(read, "hidden_size"), config_int(read, "num_attention_heads")
        stated = read.get("head_dim")
        if stated is not None and stated != hidden // heads:
            raise ConfigError("head_dim", f"{stated!r} differs from hidden_size / num_attention_heads = {hidden // heads}, the head "
                                          "size vLLM's GraniteMoeAttention uses whatever the config says")
    return read


def granite_text(config: dict[str, Any], text: dict[str, Any]) -> dict[str, Any]:
    """The Granite 3.x config in Llama's (or, for `granitemoe` and `granitemoeshared`, Mixtral's) field names, with its
    class's defaults; a sliding layer is refused, and for Granite MoE a head size vLLM would not use."""
    model_type = text.get("model_type")
    moe = model_type in GRANITE_MOE_TYPES
    defaults = GRANITEMOESHARED_DEFAULTS if model_type == "granitemoeshared" else GRANITEMOE_DEFAULTS if moe else GRANITE_DEFAULTS
    read = granite_fields(text, defaults, moe=moe)
    kinds = read.get("layer_types")
    if isinstance(kinds, list) and "sliding_attention" in kinds:
        raise ConfigError("layer_types", "names sliding_attention layers: vLLM v0.33.0 gives them a sliding_window, v0.11.2's "
                                         "GraniteAttention none, so the two releases cache this Granite differently (a Granite "
                                         "SWA checkpoint's model_type is granite_swa or granitemoe_swa)")
    read.pop("sliding_window", None)
    return read


def smollm3_text(config: dict[str, Any], text: dict[str, Any]) -> dict[str, Any]:
    """The SmolLM3 config in Llama's field names, with `SmolLM3Config`'s defaults and its layer pattern."""
    read = {**SMOLLM3_DEFAULTS, **_stated(text)}
    if "num_key_value_heads" in text and text["num_key_value_heads"] is None:
        read["num_key_value_heads"] = config_int(read, "num_attention_heads")
    if read.get("layer_types") is None:
        layers = config_int(read, "num_hidden_layers")
        interval = config_int(read, "no_rope_layer_interval", SMOLLM3_NO_ROPE_INTERVAL)
        no_rope = read.get("no_rope_layers")
        if no_rope is None:
            no_rope = [int((i + 1) % interval != 0) for i in range(layers)]
        if not isinstance(no_rope, list) or len(no_rope) != layers:
            raise ConfigError("no_rope_layers", f"{no_rope!r} is not a list of {layers} flags (num_hidden_layers)")
        slides = bool(read.get("use_sliding_window")) and read.get("sliding_window") is not None
        read["layer_types"] = ["sliding_attention" if slides and not has_rope else "full_attention" for has_rope in no_rope]
    if "sliding_attention" not in read["layer_types"]:
        read.pop("sliding_window", None)  # no layer slides: Llama's reading must not slide every layer on a bare window
    return read
