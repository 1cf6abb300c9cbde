"""The context a vLLM release derives for a catalog model when `--max-model-len` is not given, and the longest it allows.

The rule changed between the releases Hangar read (`hangar.catalog.context_length` cites both): vLLM v0.11.2 takes a
yarn rope scaling's original_max_position_embeddings x factor (the row's `yarn_context_tokens`), v0.33.0 the length the
config's keys give (`max_context_tokens`). The two agree for every packaged row (their yarn configs state
max_position_embeddings = original x factor: DeepSeek V3/R1/V3.2, Kimi K2, gpt-oss, Devstral Small 2, OLMo 3.1) and differ
for a config where they do not, such as Qwen3's with the YaRN block its model card describes: 131,072 at v0.11.2,
40,960 at v0.33.0.

It is the longest `--max-model-len` the release starts with, and what it takes without one but for a longrope config
(Phi-3-mini-128k, Phi-3.5-mini, Phi-4-mini), which both releases start at its original_max_position_embeddings (4,096)
unless told otherwise (`unset_context`). The longest: vLLM v0.11.2 and v0.33.0 `vllm/config/model.py`
`_get_and_verify_max_len` raise "User-specified max_model_len (...) is greater than the derived max_model_len ..."
above it unless the config's own `model_max_length` allows it (the catalog's length already is that key where the
config has it) or the environment sets VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 (PyPI wheels vllm-0.11.2 and vllm-0.33.0,
read 2026-12-02).
"""

from __future__ import annotations

from hangar.catalog import Model
from hangar.engine_release import sized_release

LONG_MAX_MODEL_LEN_ENV = "VLLM_ALLOW_LONG_MAX_MODEL_LEN"
"""The environment variable that lets vLLM v0.11.2 and v0.33.0 start above the derived context (vllm/envs.py)."""


def model_context(model: Model, engine_version: str | None = None) -> int:
    """The context vLLM `engine_version` (the pinned release when None; an unread release sized as the pinned one)
    derives for `model`: the longest `--max-model-len` it starts with (`unset_context` is what it takes without one)."""
    if sized_release(engine_version) == "v0.11.2" and model.yarn_context_tokens is not None:
        return model.yarn_context_tokens
    return model.max_context_tokens


def unset_context(model: Model, engine_version: str | None = None) -> int:
    """The max_model_len vLLM `engine_version` takes when `--max-model-len` is not given: the derived context
    (`model_context`), except for a longrope model, which v0.11.2 and v0.33.0 both start at its
    `original_max_position_embeddings` (the row's `default_context_tokens`; `hangar.catalog.context_length` cites them)."""
    if model.default_context_tokens is not None:
        return model.default_context_tokens
    return model_context(model, engine_version)


def context_problem(model: Model, max_model_len: int, engine_version: str | None = None) -> str | None:
    """Why vLLM `engine_version` refuses to start `model` with `max_model_len`; None when it allows it."""
    derived = model_context(model, engine_version)
    if max_model_len <= derived:
        return None
    release = sized_release(engine_version)
    return (
        f"max_model_len {max_model_len:,} is greater than the {derived:,} tokens vLLM {release} derives from "
        f"{model.hf_id}'s config (it refuses to start unless {LONG_MAX_MODEL_LEN_ENV}=1)"
    )
