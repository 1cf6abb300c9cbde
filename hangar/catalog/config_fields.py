"""Typed reads of config.json fields, shared by the architecture reader and the parameter estimate.

`hangar.catalog.model_config` reads a model's layout with these and `hangar.catalog.model_params` estimates its
parameters with them; a field that is missing or not a positive whole number is a ConfigError naming it.
"""

from __future__ import annotations

from typing import Any

MLA_TYPES = ("deepseek_v2", "deepseek_v3", "deepseek_v32")
"""Model types with multi-head latent attention (DeepSeek's layout; Kimi K2 is read as deepseek_v3)."""


TIE_DEFAULTS = {
    "llama": False, "mistral": False, "qwen2": False, "qwen3": False, "phi3": False, "gemma2": True, "gemma3_text": True, "gpt_oss": False,
    "mixtral": False, "qwen2_moe": False, "qwen3_moe": False, "deepseek_v2": False, "deepseek_v3": False, "glm4_moe": False,
    "qwen3_next": False, "llama4_text": False,
}
"""`tie_word_embeddings` where a config.json leaves it out: the default of the model type's transformers config class
(`tie_word_embeddings=` in each `src/transformers/models/<type>/configuration_<type>.py` of the PyPI wheel
transformers-4.57.1, read 2026-12-02; vLLM v0.11.2's requirements/common.txt asks transformers >= 4.56.0, < 5): True for
Gemma 2 and Gemma 3 only. Types that release has no class for (deepseek_v32, qwen3_5*, gemma4_text) must state it."""


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


def tied_embeddings(config: dict, text: dict, model_type: str) -> bool:
    """Whether the output head is the token embedding (`tie_word_embeddings`): the text config's, else the file's, else the
    transformers default of the model type (`TIE_DEFAULTS`); a ConfigError where none of these says."""
    for source in (text, config):
        value = source.get("tie_word_embeddings")
        if value is not None:
            if not isinstance(value, bool):
                raise ConfigError("tie_word_embeddings", f"{value!r} is not true or false")
            return value
    if model_type not in TIE_DEFAULTS:
        raise ConfigError("tie_word_embeddings", f"missing, and the transformers default for {model_type} was not read; the reader needs it to size the output head")
    return TIE_DEFAULTS[model_type]
