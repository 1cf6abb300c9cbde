"""IBM Granite's sliding-window checkpoints: `granite_swa` (`GraniteSWAForCausalLM`, read as Llama's layout) and
`granitemoe_swa` (`GraniteMoeSWAForCausalLM`, as Mixtral's with Granite MoE Shared's optional shared expert).

What vLLM v0.33.0 (PyPI wheel vllm-0.33.0, commit 4ba787ec9, read 2026-12-03) does with them: its registry maps
`GraniteSWAForCausalLM` to granite.py's `GraniteForCausalLM` and `GraniteMoeSWAForCausalLM` to granitemoeshared.py's
`GraniteMoeSharedForCausalLM`; both attention classes (`GraniteAttention`, `GraniteMoeAttention`) take their window from
`granite_layer_attn_params`: a layer whose `layer_types` entry is "sliding_attention" gets the config's `sliding_window`
(`Attention(per_layer_sliding_window=...)`, the window itself, no token more), every other layer full attention.
`layer_rope_theta` only sets each layer's RoPE base (0: none) and `attention_sinks` (default: true where `layer_types`
is set) a learned sink per head, a parameter of `num_attention_heads` values a layer like a norm's, left out of the
parameter ESTIMATE: neither changes a cached byte. The rest is Granite's and Granite MoE Shared's
(`hangar.catalog.layouts_granite_smollm3`): `head_dim` read by `GraniteAttention`, refused by `GraniteMoeAttention` where
it differs from hidden_size / num_attention_heads.

Their config classes (transformers-5.16.1 `GraniteSWAConfig` and `GraniteMoeSWAConfig`, models/granite_swa/ and
models/granitemoe_swa/; the oldest transformers vLLM v0.33.0 admits, read 2026-12-03) default `sliding_window` to 128 and,
without `layer_types`, make every fourth layer full attention (`i % 4 == 0`) and the others sliding; `GraniteSWAConfig`
defaults `num_key_value_heads` to 4 (None: `num_attention_heads`), `tie_word_embeddings` true and
`max_position_embeddings` 8192; `GraniteMoeSWAConfig` defaults as `GraniteMoeSharedConfig` (8 experts, 2 a token,
`shared_intermediate_size` 0, an untied head, 2,048 positions; KV heads `num_attention_heads`). vLLM v0.11.2 serves
neither (`hangar.sizing.engine_granite`).
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int
from .layouts_granite_smollm3 import GRANITEMOESHARED_DEFAULTS, granite_fields

SWA_WINDOW = 128
"""`sliding_window`'s default in both classes."""
FULL_EVERY = 4
"""Without `layer_types`, layer i is full attention where i % 4 == 0 (both classes' `__post_init__`)."""
GRANITE_SWA_DEFAULTS = {"tie_word_embeddings": True, "max_position_embeddings": 8192, "num_key_value_heads": 4, "sliding_window": SWA_WINDOW}
"""transformers-5.16.1 `GraniteSWAConfig` defaults the reader needs."""
GRANITEMOE_SWA_DEFAULTS = {**GRANITEMOESHARED_DEFAULTS, "sliding_window": SWA_WINDOW}
"""transformers-5.16.1 `GraniteMoeSWAConfig` defaults the reader needs."""
_KINDS = ("full_attention", "sliding_attention")


def granite_swa_text(config: dict[str, Any], text: dict[str, Any]) -> dict[str, Any]:
    """The Granite SWA config in Llama's (`granite_swa`) or Mixtral's (`granitemoe_swa`) field names, its class's defaults
    and layer pattern applied; a ConfigError names a field vLLM v0.33.0 would read otherwise."""
    moe = text.get("model_type") == "granitemoe_swa"
    read = granite_fields(text, GRANITEMOE_SWA_DEFAULTS if moe else GRANITE_SWA_DEFAULTS, moe=moe)
    if "num_key_value_heads" in text and text["num_key_value_heads"] is None:  # the class's __post_init__
        read["num_key_value_heads"] = config_int(read, "num_attention_heads")
    layers = config_int(read, "num_hidden_layers")
    kinds = read.get("layer_types")
    if kinds is None:
        kinds = read["layer_types"] = ["full_attention" if i % FULL_EVERY == 0 else "sliding_attention" for i in range(layers)]
    if not isinstance(kinds, list) or len(kinds) != layers or any(kind not in _KINDS for kind in kinds):
        raise ConfigError("layer_types", f"{kinds!r} is not a list of {layers} layer types (num_hidden_layers), each "
                                         "full_attention or sliding_attention")
    if "sliding_attention" in kinds and "sliding_window" in text and text["sliding_window"] is None:
        raise ConfigError("sliding_window", "null, while layer_types names sliding_attention layers: vLLM v0.33.0 would give "
                                            "them a window of None, full attention")
    return read
