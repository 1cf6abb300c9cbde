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
  `rope_parameters`, `vllm/transformers_utils/config.py` `iter_rope_parameters`); Gemma 3 is already scaled.

So a config whose max_position_embeddings is not original x factor derives two contexts: Qwen3's with the YaRN block
its model card tells users to add (factor 4, original 32768, max_position_embeddings left at 40960) gets 131,072 at
v0.11.2 and 40,960 at v0.33.0. The catalog keeps v0.33.0's (the pinned release) as `max_context_tokens` and what a
yarn scaling implies, original x factor, as `yarn_context_tokens`; `hangar.sizing.context` picks per release.

Both releases then lower it to the tokenizer_config.json's `model_max_length` only for a pooling model with absolute
position embeddings (`ModelConfig.get_and_verify_max_len`), not for the generative models Hangar sizes. Both default
an unset max_model_len of a `longrope` model to the config's `original_max_position_embeddings` (Phi-3's "128k"
releases: 4,096), while allowing a `--max-model-len` up to the derived length: no packaged row has a longrope config,
and the reader keeps the derived length (the longest a deployment may ask).
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int

MAX_LEN_KEYS = (
    "max_position_embeddings", "n_positions", "max_seq_len", "seq_length", "model_max_length", "max_target_positions",
    "max_sequence_length", "max_seq_length", "seq_len",
)
"""The config keys vLLM v0.11.2 and v0.33.0 take the smallest of for the context (`possible_keys`)."""

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


def _kind(scaling: dict[str, Any]) -> str | None:
    kind = scaling.get("rope_type") or scaling.get("type")
    return "longrope" if kind == "su" else kind


def _factor(scaling: dict[str, Any]) -> float:
    factor = scaling.get("factor", 1.0)
    return 1.0 if factor is None else float(factor)


def derived_context(text: dict[str, Any], model_type: str) -> int:
    """The context vLLM v0.33.0 derives (the catalog's `max_context_tokens`)."""
    length = config_length(text)
    if model_type == "gemma3_text":
        return length
    factor = 1.0
    for scaling in _rope_scalings(text):
        if _kind(scaling) not in UNSCALED_V0_33:
            factor = _factor(scaling)
    return int(length * factor)


def yarn_context(text: dict[str, Any], model_type: str) -> int | None:
    """What a `yarn` rope scaling implies, original_max_position_embeddings x factor: the context vLLM v0.11.2 derives
    for such a config (the catalog's `yarn_context_tokens`); None without one (Gemma 3's scaling is never applied)."""
    scalings = _rope_scalings(text)
    if model_type == "gemma3_text" or len(scalings) != 1 or _kind(scalings[0]) != "yarn":
        return None
    return int(config_int(scalings[0], "original_max_position_embeddings") * _factor(scalings[0]))
