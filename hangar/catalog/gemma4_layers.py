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

The layer kinds (`as_transformers_builds`): transformers 5.25.0 (the newest on PyPI, read 2026-12-03; the same lines in 5.16.1
and 5.20.2, the range vLLM v0.33.0 requires) `models/gemma4/configuration_gemma4.py` `Gemma4TextConfig.__post_init__`:
where `layer_types` is absent, layer i slides unless (i + 1) % 6 == 0 (a local `sliding_window_pattern = 6`; a
`sliding_window_pattern` key in the file is not read), and the last layer is then forced to "full_attention" whatever
`layer_types` says; vLLM v0.33.0 `models/gemma4.py` reads `config.layer_types[layer_idx]`.
"""

from __future__ import annotations

from .config_fields import ConfigError, config_int

PLE_WIDTH_DEFAULT = 256
PLE_VOCAB_DEFAULT = 262_144
FULL_EVERY = 6
"""Every 6th layer is full attention where a Gemma 4 config states no `layer_types` (transformers' local pattern)."""
SLIDING_WINDOW_DEFAULT = 512
"""`Gemma4TextConfig.sliding_window`'s class default (transformers 5.16.1-5.25.0)."""


def as_transformers_builds(text: dict) -> dict:
    """A Gemma 4 text config with the `layer_types` and `sliding_window` transformers' `Gemma4TextConfig` hands vLLM:
    five sliding layers to one full where the file states none, the last layer full either way, the window 512 where
    the file leaves it out. Other keys are untouched (a ConfigError reading `num_hidden_layers` names it)."""
    declared = text.get("layer_types")
    if declared is None:
        layers = config_int(text, "num_hidden_layers")
        declared = ["full_attention" if (i + 1) % FULL_EVERY == 0 else "sliding_attention" for i in range(layers)]
    elif isinstance(declared, list) and declared and declared[-1] != "full_attention":
        declared = [*declared[:-1], "full_attention"]
    return {**text, "layer_types": declared, "sliding_window": text.get("sliding_window", SLIDING_WINDOW_DEFAULT)}


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
