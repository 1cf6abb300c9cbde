"""Typed reads of config.json fields, shared by the architecture reader and the parameter estimate.

`hangar.catalog.model_config` reads a model's layout with these and `hangar.catalog.model_params` estimates its
parameters with them; a field that is missing or not a positive whole number is a ConfigError naming it.
"""

from __future__ import annotations

from typing import Any

MLA_TYPES = ("deepseek_v2", "deepseek_v3", "deepseek_v32")
"""Model types with multi-head latent attention (DeepSeek's layout; Kimi K2 is read as deepseek_v3)."""


class ConfigError(ValueError):
    """A config.json the reader cannot interpret: `field` names the key at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def config_int(cfg: dict, key: str, default: Any = None, *, required: bool = True) -> int | None:
    value = cfg.get(key, default)
    if value is None:
        if required:
            raise ConfigError(key, "missing; the reader needs it to size the model")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value <= 0:
        raise ConfigError(key, f"{value!r} is not a positive whole number")
    return int(value)


def gemma4_global_attention(text: dict, heads: int, kv_heads: int, head_dim: int) -> tuple[int | None, int | None]:
    """(KV heads, head size) of Gemma 4's full-attention layers, or (None, None) when they equal the sliding ones."""
    if text.get("num_kv_shared_layers"):
        raise ConfigError("num_kv_shared_layers", "layers that reuse another layer's KV cache are not sized yet")
    if text.get("hidden_size_per_layer_input"):
        raise ConfigError("hidden_size_per_layer_input", "per-layer input embeddings are not counted yet")
    dim = config_int(text, "global_head_dim", required=False) or head_dim
    kv = config_int(text, "num_global_key_value_heads") if text.get("attention_k_eq_v") else kv_heads
    if heads % kv:
        raise ConfigError("num_global_key_value_heads", f"{kv} does not divide num_attention_heads {heads}")
    return (None, None) if (kv, dim) == (kv_heads, head_dim) else (kv, dim)
