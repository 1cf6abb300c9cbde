"""Gemma 4's KV-sharing layers, double-wide MLPs and per-layer input embeddings (PLE), as vLLM v0.33.0 builds them.

Sources (read 2026-12-02): vLLM v0.33.0 PyPI wheel, `vllm/model_executor/models/gemma4.py` - `Gemma4Attention`: the last
`num_kv_shared_layers` layers project only `q_proj` (and `o_proj`), with no k/v projection or k-norm, and pass
`kv_sharing_target_layer_name` = the last non-shared layer of the same `layer_types` kind to `Attention`;
`Gemma4DecoderLayer`: `use_double_wide_mlp` doubles `intermediate_size` in those shared layers, and each layer has a
`per_layer_input_gate` (hidden -> `hidden_size_per_layer_input`), a `per_layer_projection` (back to hidden) and a
`post_per_layer_input_norm` (hidden) where `hidden_size_per_layer_input` > 0; `Gemma4Model`: `embed_tokens_per_layer`
(`vocab_size_per_layer_input` x `num_hidden_layers * hidden_size_per_layer_input`), `per_layer_model_projection`
(hidden -> that width) and `per_layer_projection_norm` (`hidden_size_per_layer_input`). `vllm/v1/worker/gpu_model_runner.py`
`get_kv_cache_spec` skips every attention layer with a `kv_sharing_target_layer_name`: it allocates no KV cache.
transformers 5.16.1 `models/gemma4/configuration_gemma4.py` `Gemma4TextConfig` class defaults (what vLLM sees where the
file leaves a key out): `num_kv_shared_layers` 0, `use_double_wide_mlp` False, `hidden_size_per_layer_input` 256,
`vocab_size_per_layer_input` 262144.
"""

from __future__ import annotations

from .config_fields import ConfigError, config_int

PLE_WIDTH_DEFAULT = 256
PLE_VOCAB_DEFAULT = 262_144


def shared_kv_layers(text: dict, kinds: list[str]) -> int:
    """How many of the last layers reuse an earlier layer's KV cache (`num_kv_shared_layers`); a ConfigError where vLLM
    would find no earlier non-shared layer of a shared layer's kind, or the count leaves no layer its own cache."""
    value = text.get("num_kv_shared_layers", 0)
    if value in (0, None):
        return 0
    shared = config_int(text, "num_kv_shared_layers")
    if shared >= len(kinds):
        raise ConfigError("num_kv_shared_layers", f"{shared} leaves none of the {len(kinds)} layers a KV cache of its own to share")
    own = set(kinds[: len(kinds) - shared])
    missing = sorted({kind for kind in kinds[len(kinds) - shared:] if kind not in own})
    if missing:
        raise ConfigError("num_kv_shared_layers", f"{shared}: no earlier layer of kind {', '.join(missing)} caches the KV these layers would reuse")
    return shared


def is_shared(text: dict, layer: int, layers: int) -> bool:
    """Whether layer `layer` reuses another's KV (vLLM: `layer_idx >= num_hidden_layers - num_kv_shared_layers`)."""
    shared = text.get("num_kv_shared_layers") or 0
    return bool(shared) and layer >= layers - shared


def mlp_width(text: dict, layer: int, layers: int) -> int:
    """The dense MLP width of layer `layer`: `intermediate_size`, doubled in a KV-shared layer with `use_double_wide_mlp`."""
    wide = text.get("use_double_wide_mlp", False)
    if not isinstance(wide, bool):
        raise ConfigError("use_double_wide_mlp", f"{wide!r} is not true or false")
    return config_int(text, "intermediate_size") * (2 if wide and is_shared(text, layer, layers) else 1)


def per_layer_input_params(text: dict, hidden: int, layers: int) -> tuple[int, int]:
    """(total, active) parameters of the per-layer input embeddings: the table (a lookup, so not active), its projection
    and norm, and each layer's gate, projection and norm. 0 where `hidden_size_per_layer_input` is 0 or null."""
    width = text.get("hidden_size_per_layer_input", PLE_WIDTH_DEFAULT)
    if width in (0, None):
        return 0, 0
    width = config_int(text, "hidden_size_per_layer_input", PLE_WIDTH_DEFAULT)
    vocab = config_int(text, "vocab_size_per_layer_input", PLE_VOCAB_DEFAULT)
    table = vocab * layers * width
    computed = hidden * layers * width + width + layers * (2 * hidden * width + hidden)
    return table + computed, computed
