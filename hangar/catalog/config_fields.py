"""Typed reads of config.json fields, shared by the architecture reader and the parameter estimate.

`hangar.catalog.model_config` reads a model's layout with these and `hangar.catalog.model_params` estimates its
parameters with them; a field that is missing or not a positive whole number is a ConfigError naming it.
"""

from __future__ import annotations

from typing import Any

MLA_TYPES = ("deepseek_v2", "deepseek_v3", "deepseek_v32")
"""Model types with multi-head latent attention (DeepSeek's layout; Kimi K2 is read as deepseek_v3)."""
MAMBA2_TYPES = ("granitemoehybrid", "nemotron_h")
"""Hybrids of Mamba2 and attention layers (IBM Granite 4.0, NVIDIA Nemotron-H), read by `hangar.catalog.mamba_layout`."""
MINIMAX_M3_TYPES = ("minimax_m3", "minimax_m3_vl")
"""MiniMax-M3: the release's config.json (`minimax_m3_vl`, with a text_config) and aiconfigurator's flat text form
(`minimax_m3`), read by `hangar.catalog.minimax_m3`."""


TIE_DEFAULTS = {
    "llama": False, "mistral": False, "qwen2": False, "qwen3": False, "phi3": False, "gemma2": True, "gemma3_text": True, "gpt_oss": False,
    "mixtral": False, "qwen2_moe": False, "qwen3_moe": False, "deepseek_v2": False, "deepseek_v3": False, "glm4_moe": False,
    "qwen3_next": False, "llama4_text": False, "cohere": True, "cohere2": True, "granitemoehybrid": False, "nemotron_h": False,
    "minimax_m2": False,
}
"""`tie_word_embeddings` where a config.json leaves it out: the default of the model type's transformers config class
(`tie_word_embeddings=` in each `src/transformers/models/<type>/configuration_<type>.py` of the PyPI wheel
transformers-4.57.1, read 2026-12-02; vLLM v0.11.2's requirements/common.txt asks transformers >= 4.56.0, < 5): True for
Gemma 2, Gemma 3 and Cohere's `cohere` (Command R) and `cohere2` (Command R7B) only - the two Cohere classes keep
`tie_word_embeddings: bool = True` in transformers-5.16.1, the oldest release vLLM v0.33.0 admits. Granite 4.0's
`granitemoehybrid` is False in both wheels' `GraniteMoeHybridConfig`; Nemotron-H's `nemotron_h` is False in vLLM v0.11.2's own
`NemotronHConfig` (vllm/transformers_utils/configs/nemotron_h.py) and in transformers-5.16.1's; MiniMax-M2's `minimax_m2` is
False in transformers-5.16.1's `MiniMaxM2Config` (4.57.1 has no minimax_m2 class). Types that release has no
class for (deepseek_v32, qwen3_5*, gemma4_text) must state it."""


QUANT_BITS = 4
"""Bits a weight of the awq / gptq checkpoints the catalog names (`hangar.sizing.memory` sizes them)."""
QUANT_GROUP = 128
"""Weights per scale (and zero point) in them: AutoAWQ's and GPTQ's usual group size, one Marlin takes."""


def quantised_format(quant: dict) -> str | None:
    """The format a config's `quantization_config` publishes the weights in, where the catalog names it; else None.

    fp8 and mxfp4 by their `quant_method`. awq and gptq only in the layout Hangar sizes and vLLM v0.11.2 runs with its
    Marlin kernels (quantization/awq_marlin.py `is_awq_marlin_compatible`, gptq_marlin.py `is_gptq_marlin_compatible`,
    the PyPI sdist vllm-0.11.2, read 2026-12-02): `bits` (AWQ also `w_bit`) 4, `group_size` (AWQ also `q_group_size`)
    128, AWQ with `zero_point` true, GPTQ with `sym` true and `desc_act` stated - the keys `AWQConfig.from_config` and
    `GPTQMarlinConfig.from_config` read - and no `"lm_head": true` (a quantised output head is not sized). Another
    layout (3- or 8-bit, other groups, asymmetric GPTQ) or method is not one this column names. vLLM v0.33.0 (the PyPI
    sdist vllm-0.33.0, read 2026-12-02) reads the same keys (quantization/auto_awq.py `AutoAWQConfig.from_config`,
    auto_gptq.py `AutoGPTQConfig.from_config`) and runs this layout on Marlin too (`hangar.sizing.quant_kernels`).
    """
    method = quant.get("quant_method")
    if method in ("fp8", "mxfp4"):
        return method
    if quant.get("lm_head") is True:
        return None
    bits = quant.get("bits", quant.get("w_bit"))
    group = quant.get("group_size", quant.get("q_group_size"))
    if method == "awq" and (bits, group, quant.get("zero_point")) == (QUANT_BITS, QUANT_GROUP, True):
        return "awq"
    if method == "gptq" and (bits, group, quant.get("sym")) == (QUANT_BITS, QUANT_GROUP, True) and isinstance(quant.get("desc_act"), bool):
        return "gptq"
    return None


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


GEMMA4_GLOBAL_HEAD_DIM = 512
"""The head size of Gemma 4's full-attention layers where the text config names no `global_head_dim`: transformers
5.16.1 and 5.20.2 (the oldest and newest releases vLLM v0.33.0's `transformers >= 5.16.1, < 5.21.0` admits; PyPI wheels read
2026-12-02) `models/gemma4/configuration_gemma4.py` `Gemma4TextConfig.__post_init__` take `kwargs.pop("global_head_dim",
512)` into the `per_layer_config` override of every full-attention layer, and vLLM v0.33.0 `models/gemma4.py`
`Gemma4DecoderLayer` builds each layer's attention from `config.per_layer_config[layer_idx].head_dim` (and its KV cache with
it). Not the sliding layers' `head_dim`."""

_GEMMA4_LAYER_KEYS = ("head_dim", "num_key_value_heads")


def gemma4_global_attention(text: dict, heads: int, kv_heads: int, head_dim: int) -> tuple[int | None, int | None]:
    """(KV heads, head size) of Gemma 4's full-attention layers, or (None, None) when they equal the sliding ones.

    As transformers 5.16.1-5.20.2 `Gemma4TextConfig.__post_init__` builds them for vLLM v0.33.0 (`GEMMA4_GLOBAL_HEAD_DIM`):
    `global_head_dim` (default 512), and `num_global_key_value_heads` where `attention_k_eq_v` is true and it is given
    (else `num_key_value_heads`); a config that states `per_layer_config` (as transformers 5's `save_pretrained` writes
    one) gives them there instead, and transformers then ignores `global_head_dim` (`_gemma4_per_layer`)."""
    if text.get("per_layer_config") is not None:
        kv, dim = _gemma4_per_layer(text, kv_heads, head_dim)
    else:
        dim = config_int(text, "global_head_dim", GEMMA4_GLOBAL_HEAD_DIM)
        k_eq_v = text.get("attention_k_eq_v", False)
        if not isinstance(k_eq_v, bool):
            raise ConfigError("attention_k_eq_v", f"{k_eq_v!r} is not true or false")
        given = text.get("num_global_key_value_heads") is not None
        kv = config_int(text, "num_global_key_value_heads") if k_eq_v and given else kv_heads
    if heads % kv:
        raise ConfigError("num_global_key_value_heads", f"{kv} does not divide num_attention_heads {heads}")
    return (None, None) if (kv, dim) == (kv_heads, head_dim) else (kv, dim)


def gemma4_bidirectional_window(window: int) -> int:
    """The window vLLM v0.33.0's Gemma 4 layers slide over when the text config says `use_bidirectional_attention: "all"`:
    transformers 5.16.1-5.20.2 `Gemma4TextConfig.__post_init__` set `sliding_window = (sliding_window // 2) + 1` ("due to
    fa we set exclusive bounds"), and vLLM's gemma4.py reads `config.sliding_window`. ("vision", the released models'
    setting, keeps it.)"""
    return window // 2 + 1


def _gemma4_per_layer(text: dict, kv_heads: int, head_dim: int) -> tuple[int, int]:
    """The full-attention layers' (KV heads, head size) from a `per_layer_config` of layer index -> overrides: only
    `head_dim` and `num_key_value_heads`, the same for every full-attention layer of `layer_types`, none on a sliding one
    (a shape that varies otherwise is not one the catalog row can hold)."""
    overrides, kinds = text["per_layer_config"], text.get("layer_types")
    if not isinstance(overrides, dict):
        raise ConfigError("per_layer_config", f"{overrides!r} is not a mapping of layer index to overrides")
    if not isinstance(kinds, list):
        raise ConfigError("layer_types", "missing; the reader needs it to tell which layers per_layer_config overrides")
    shapes = set()
    for index, kind in enumerate(kinds):
        layer = next((value for key, value in overrides.items() if str(key).isdigit() and int(key) == index), {})
        if not isinstance(layer, dict) or set(layer) - set(_GEMMA4_LAYER_KEYS):
            raise ConfigError("per_layer_config", f"layer {index}: {layer!r}; only {' and '.join(_GEMMA4_LAYER_KEYS)} overrides are read")
        shape = (config_int(layer, "num_key_value_heads", kv_heads), config_int(layer, "head_dim", head_dim))
        if kind != "full_attention" and shape != (kv_heads, head_dim):
            raise ConfigError("per_layer_config", f"layer {index} ({kind}) overrides {layer!r}; only full-attention layers' are read")
        if kind == "full_attention":
            shapes.add(shape)
    unknown = [key for key in overrides if not (str(key).isdigit() and int(key) < len(kinds))]
    if unknown or len(shapes) != 1:
        problem = f"keys {unknown!r} are not layer indices below {len(kinds)}" if unknown else f"full-attention layers differ: {sorted(shapes)}"
        raise ConfigError("per_layer_config", f"{problem}; the reader reads one shape for every full-attention layer")
    return shapes.pop()


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
