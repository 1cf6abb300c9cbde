"""A dense Mistral params.json (Ministral 3's and Devstral's: no `moe` block, no latent attention), read as vLLM adapts
it, and the dispatch between it and Mistral Large 3's (`hangar.catalog.mistral_params`).

vLLM v0.33.0's `adapt_config_dict` (vllm/transformers_utils/configs/mistral.py, PyPI wheel read 2026-12-03) gives such a
file `architectures` MistralForCausalLM and the model_type "transformer" (its default where the file has none), renames
its fields as for Mistral Large 3 (`dim` -> hidden_size, ...), turns `yarn` into yarn `rope_parameters`, keeps
`llama_4_scaling` (asserting original_max_position_embeddings and beta in it), maps `quantization`, and wraps a file with
a vision encoder as PixtralForConditionalGeneration. The text model is Mistral's layout, which the reader knows
("mistral"): q, k, v and o projections, a SwiGLU MLP, `head_dim` from the file; llama_4_scaling scales the queries and
adds no weights. A `sliding_window` (vLLM turns a list into per-layer types) is refused: no such file was read. Which vLLM
release loads a repository from its params.json is `hangar.sizing.mistral_format`'s: the row's text model type is
"transformer", the type vLLM's adapter writes, and `hangar.sizing.engine_models` refuses it before v0.12.0, the first
release that picks params.json over a config.json by default.
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError
from .mistral_params import MISTRAL_LARGE_3, adapted_config, vllm_config

MISTRAL_DENSE = "mistral_params"
"""The layout name the reader reports for a dense params.json (its row's family)."""
TEXT_TYPE = "transformer"
"""The text config's model_type vLLM's adapter writes for a params.json that states none (the row's text_model_type)."""


def is_dense(params: dict[str, Any]) -> bool:
    """Whether vLLM reads this params.json as MistralForCausalLM: no `moe` block and no latent attention."""
    return not params.get("moe") and not params.get("qk_nope_head_dim")


def params_config(params: dict[str, Any]) -> dict[str, Any]:
    """The config vLLM builds from a params.json: the dense one here, Mistral Large 3's in `hangar.catalog.mistral_params`."""
    return dense_config(params) if is_dense(params) else vllm_config(params)


def params_fields(params: dict[str, Any]) -> dict[str, str]:
    """What the reader reports for a params.json in place of what it reads through: its layout name (and text model type)."""
    return {"model_type": MISTRAL_DENSE, "text_model_type": TEXT_TYPE} if is_dense(params) else {"model_type": MISTRAL_LARGE_3}


def dense_config(params: dict[str, Any]) -> dict[str, Any]:
    """The Hugging Face config vLLM v0.33.0 builds from a dense params.json, its text model in Mistral's layout; a
    ConfigError names a field vLLM rejects or the reader does not read."""
    scaling = params.get("llama_4_scaling")
    if scaling and (not isinstance(scaling, dict) or not {"original_max_position_embeddings", "beta"} <= set(scaling)):
        raise ConfigError("llama_4_scaling", "vLLM asserts it states original_max_position_embeddings and beta")
    if params.get("sliding_window") is not None:
        raise ConfigError("sliding_window", f"{params['sliding_window']!r}: a params.json with sliding windows is not read here")
    # vLLM's wrapper model_type is pixtral, as for Mistral Large 3; named apart here so the reader reads the text as Mistral's
    return adapted_config(params, model_type="mistral", architecture="MistralForCausalLM", wrapper_type=PIXTRAL_DENSE, extra={})


PIXTRAL_DENSE = "pixtral_mistral"
"""The wrapper's model_type as the reader keys it (`hangar.catalog.family_layouts`): vLLM's pixtral around Mistral's text."""


def dense_text(config: dict[str, Any], text: dict[str, Any]) -> dict[str, Any]:
    """The text config inside the pixtral wrapper of a dense params.json: Mistral's layout only."""
    if text is config or text.get("architectures") != ["MistralForCausalLM"]:
        raise ConfigError("text_config", "the reader reads this wrapper only as it builds it from a dense params.json")
    return text
