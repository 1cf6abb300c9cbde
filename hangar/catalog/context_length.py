"""The context vLLM derives from a config.json when `--max-model-len` is not given, at each release Hangar read.

Both releases start from the same length (`config_length`): the smallest of the text config's `MAX_LEN_KEYS`
(max_position_embeddings among them), unless it has a `model_max_length`, which then wins outright, larger or smaller
("For Command-R / Cohere, Cohere2"). They differ on what a rope scaling does to it:

* vLLM v0.11.2 `vllm/config/model.py` `_get_and_verify_max_len` (PyPI wheel vllm-0.11.2, read 2026-12-02): a
  `rope_scaling` of type `yarn` REPLACES the length with `original_max_position_embeddings` x `factor`; any other type
  but su / longrope / llama3 multiplies it by `factor` (none for `default`); Gemma 3 is already scaled.
* vLLM v0.33.0 `vllm/config/model.py` `_get_and_verify_max_len` (PyPI wheel vllm-0.33.0, read 2026-12-02; the length
  from `vllm/transformers_utils/model_arch_config_convertor.py` `derive_max_model_len_and_key`): "YaRN variants leave
  max_position_embeddings already scaled, as Transformers' _compute_yarn_parameters assumes, so `factor` must not be
  applied to it again" - yarn (and deepseek_yarn, deepseek_llama_scaling) leave the length as the keys give it, as do
  su / longrope / llama3; another type multiplies it by its `factor` (the last such among a per-layer-type
  `rope_parameters` that states one, `vllm/transformers_utils/config.py` `iter_rope_parameters`; a type without a
  factor, `default` among them, keeps the one before); Gemma 3 is already scaled.

So a config whose max_position_embeddings is not original x factor derives two contexts: Qwen3's with the YaRN block
its model card tells users to add (factor 4, original 32768, max_position_embeddings left at 40960) gets 131,072 at
v0.11.2 and 40,960 at v0.33.0. The catalog keeps v0.33.0's (the pinned release) as `max_context_tokens` and what a
yarn scaling implies, original x factor, as `yarn_context_tokens`; `hangar.sizing.context` picks per release.

Both releases then lower it to the tokenizer_config.json's `model_max_length` only for a pooling model with absolute
position embeddings (`ModelConfig.get_and_verify_max_len`), not for the generative models Hangar sizes.

The derived length is the longest `--max-model-len` both releases start with, and what they take when none is given -
except for a `longrope` scaling (legacy `su`, renamed by `patch_rope_scaling_dict` / `patch_rope_parameters`): "For
LongRoPE, default to original_max_position_embeddings to avoid performance degradation for shorter sequences", both
releases' `_get_and_verify_max_len` set an unset max_model_len to `getattr(hf_config, "original_max_position_embeddings",
derived)` - the text config's own attribute, not the one inside the rope scaling - while a `--max-model-len` up to the
derived length still starts (v0.11.2 tests `rope_scaling["rope_type"] == "longrope"`, v0.33.0 any of the config's
`rope_parameters`). That attribute is config.json's key, else the transformers class default: `Phi3Config`'s 4,096
(`original_max_position_embeddings=4096` in transformers-4.57.6, the newest release vLLM v0.11.2's `transformers < 5`
admits, and `original_max_position_embeddings: int = 4096` in 5.20.2, the newest v0.33.0's `< 5.21.0` admits; PyPI
wheels read 2026-12-02); the other classes the reader knows have none, so the derived length stands. So Phi-3-mini-128k,
Phi-3.5-mini and Phi-4-mini (max_position_embeddings 131,072, original 4,096) start at 4,096 tokens unless told
otherwise, and the catalog keeps that as `default_context_tokens` (`unset_context`), empty where it equals the derived.
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int

MAX_LEN_KEYS = (
    "max_position_embeddings", "n_positions", "max_seq_len", "seq_length", "model_max_length", "max_target_positions",
    "max_sequence_length", "max_seq_length", "seq_len",
)
"""The config keys vLLM v0.11.2 and v0.33.0 take the smallest of for the context (`possible_keys`)."""

LONGROPE_CLASS_DEFAULTS = {"phi3": 4096}
"""`original_max_position_embeddings` of a model type's transformers config class, where config.json leaves it out
(`Phi3Config`, transformers 4.57.6 and 5.20.2; see the module docstring)."""

UNSCALED_V0_33 = ("su", "longrope", "llama3", "yarn", "deepseek_yarn", "deepseek_llama_scaling")
"""Rope types whose `factor` vLLM v0.33.0 does not apply to the keys' length (v0.11.2: su, longrope, llama3; yarn its own way)."""


def config_length(text: dict[str, Any]) -> int:
    """The keys' length: the smallest of `MAX_LEN_KEYS` present, or `model_max_length` where the config has one."""
    present = [key for key in MAX_LEN_KEYS if text.get(key) is not None]
    if not present:
        raise ConfigError("max_position_embeddings", f"missing, as are {', '.join(MAX_LEN_KEYS[1:])}; the reader needs one for the context")
    if text.get("model_max_length") is not None:  # vLLM: the config's model_max_length replaces the minimum, larger or not
        return config_int(text, "model_max_length")
    return min(config_int(text, key) for key in present)


def _rope_scalings(text: dict[str, Any]) -> list[dict[str, Any]]:
    """The config's rope scaling dicts: `rope_scaling`, or transformers 5's `rope_parameters` (one, or one per layer type)."""
    scaling = text.get("rope_scaling")
    if isinstance(scaling, dict):
        return [scaling]
    parameters = text.get("rope_parameters")
    if not isinstance(parameters, dict):
        return []
    if "rope_type" in parameters or "type" in parameters:
        return [parameters]
    return [value for value in parameters.values() if isinstance(value, dict) and value]  # per layer type (Gemma 4)


def _kind(scaling: dict[str, Any], model_type: str) -> str | None:
    """The scaling's type as vLLM sees it: `su` is longrope (vLLM's patch), and so is a Phi-3 `yarn` (transformers
    4.57.6's and 5.20.2's `Phi3Config` rename "su" and "yarn" to "longrope" on load)."""
    kind = scaling.get("rope_type") or scaling.get("type")
    return "longrope" if kind == "su" or (model_type == "phi3" and kind == "yarn") else kind


def _factor(scaling: dict[str, Any]) -> float:
    factor = scaling.get("factor", 1.0)
    return 1.0 if factor is None else float(factor)


def derived_context(text: dict[str, Any], model_type: str) -> int:
    """The context vLLM v0.33.0 derives (the catalog's `max_context_tokens`)."""
    length = config_length(text)
    if model_type == "gemma3_text":
        return length
    factor: Any = 1.0
    for scaling in _rope_scalings(text):  # v0.33.0: `scaling_factor = rp.get("factor", scaling_factor)`, a null factor 1.0
        if _kind(scaling, model_type) not in UNSCALED_V0_33:
            factor = scaling.get("factor", factor)
    return int(length * (1.0 if factor is None else float(factor)))


def yarn_context(text: dict[str, Any], model_type: str) -> int | None:
    """What a `yarn` rope scaling implies, original_max_position_embeddings x factor: the context vLLM v0.11.2 derives
    for such a config (the catalog's `yarn_context_tokens`); None without one (Gemma 3's scaling is never applied)."""
    scalings = _rope_scalings(text)
    if model_type == "gemma3_text" or len(scalings) != 1 or _kind(scalings[0], model_type) != "yarn":
        return None
    return int(config_int(scalings[0], "original_max_position_embeddings") * _factor(scalings[0]))


def unset_context(text: dict[str, Any], model_type: str) -> int | None:
    """The max_model_len vLLM v0.11.2 and v0.33.0 take when `--max-model-len` is not given, where it differs from the
    derived context (the catalog's `default_context_tokens`): a longrope config's `original_max_position_embeddings`
    (its class default where config.json has none); None otherwise."""
    if not any(_kind(scaling, model_type) == "longrope" for scaling in _rope_scalings(text)):
        return None
    if text.get("original_max_position_embeddings") is None and model_type not in LONGROPE_CLASS_DEFAULTS:
        return None  # vLLM's getattr falls back to the derived length
    original = config_int(text, "original_max_position_embeddings", LONGROPE_CLASS_DEFAULTS.get(model_type))
    return None if original == derived_context(text, model_type) else original


def context_fields(text: dict[str, Any], model_type: str) -> dict[str, int | None]:
    """The catalog's three context columns for a text config: `max_context_tokens`, `yarn_context_tokens` and
    `default_context_tokens`, as the three functions above derive them."""
    return {"max_context_tokens": derived_context(text, model_type), "yarn_context_tokens": yarn_context(text, model_type),
            "default_context_tokens": unset_context(text, model_type)}
