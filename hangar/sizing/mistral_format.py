"""The second way vLLM loads a Mistral AI model whose config.json has a `ministral3` text model (Devstral Small 2,
Ministral 3, Devstral 2 123B): from Mistral's own params.json and consolidated weights, which `hangar.sizing.engine_models`
names beside its config.json verdict, and the release from which a flat `Ministral3ForCausalLM` config.json loads
through vLLM's Transformers backend.

Read in the PyPI wheels on 2026-12-03:

* config_format "auto" (the default): vLLM v0.11.2's `get_config` (vllm/transformers_utils/config.py) takes config.json
  whenever it exists and params.json only without one, as v0.11.1's does. v0.12.0, v0.14.0, v0.15.0 and v0.15.1 take
  params.json ("mistral") first whenever it exists; from v0.16.0 (and v0.17.0, v0.33.0) only where `is_mistral_model_repo`
  (repo_utils.py) also finds `consolidated*.safetensors` in the repository. From v0.12.0 (v0.12.0, v0.15.1, v0.16.0 and
  v0.33.0 read) default_loader.py turns load_format "auto" into "mistral", loading only `consolidated*.safetensors`, where
  such files exist, and tokenizers/registry.py tokenizer_mode "auto" into "mistral" where the repository has tekken.json
  (or a tokenizer.model.v* file). So from v0.12.0 a plain `vllm serve` of a repository with params.json and consolidated
  weights is the Mistral route; v0.11.1 and v0.11.2 take it only with `--config-format mistral --load-format mistral
  --tokenizer-mode mistral` (the flags vLLM's Ministral 3 recipe passes:
  docs.vllm.ai/projects/recipes/en/latest/Mistral/Ministral-3-Instruct.html).
* On that route `adapt_config_dict` (vllm/transformers_utils/configs/mistral.py) reads a params.json without `moe` as
  `MistralForCausalLM` (wrapped as `PixtralForConditionalGeneration` when it has a vision encoder), keeping
  `llama_4_scaling`, which the attention applies to the queries: llama.py's `LlamaAttention` (`_get_llama_4_attn_scale`)
  in v0.11.1 and v0.11.2, where registry.py maps MistralForCausalLM to llama's class, and mistral.py's own attention in
  v0.16.0 and v0.33.0, whose registry maps it there. Both came in v0.11.1: v0.11.0's configs/mistral.py and llama.py
  have no llama_4_scaling. The releases between were not read for the model class. Ministral 3's
  params.json has `llama_4_scaling` (its `beta`) and `yarn`, as transformers' converter reads them
  (huggingface/transformers src/transformers/models/ministral3/convert_ministral3_weights_to_hf.py, the stored copy at
  00b364c7 read: its `convert_config` reads `llama_4_scaling.beta` and `yarn` factor, original_max_position_embeddings,
  beta and alpha).
* Whether a given Hugging Face repository ships params.json and consolidated weights was not read here: no listing of
  Devstral Small 2's or Devstral 2's files was found (see hangar/catalog/data/README.md), so the note is conditional and
  Hangar keeps its config.json verdict.
* A flat config.json (`architectures` Ministral3ForCausalLM, model_type ministral3: Devstral 2 123B's) names its class,
  so v0.19.1's gap for the nested text config (no architectures) does not apply: v0.19.1 does not register
  Ministral3ForCausalLM, and its registry's `_try_resolve_transformers` (model_executor/models/registry.py) falls back
  to transformers' class of that name, which transformers 5 (admitted from v0.19.1) has. Hangar does not refuse it
  there; that the backend runs the model well was not read.
"""

from __future__ import annotations

from hangar.catalog import Model

ROUTE_TYPES = frozenset({"ministral3"})
"""Text model types whose Mistral AI repositories may also ship params.json with consolidated weights."""
FLAGS = "--config-format mistral --load-format mistral --tokenizer-mode mistral"
FLAGGED_FROM, DEFAULT_FROM = (0, 11, 1), (0, 12, 0)
BACKEND_FROM = (0, 19, 1)
PARAMS_UNTIL = (((0, 11, 2), "{tag} reads a repository's config.json where it ships one beside params.json (config_format "
                 f"auto), and Hangar passes no {FLAGS}, with which vLLM loads the params.json from v0.11.1"),)
"""Why a release before v0.12.0 does not load a row read from a dense params.json (text model type "transformer", vLLM's
adapter's: `hangar.catalog.mistral_dense`), for `hangar.sizing.engine_models`' TEXT_ARRIVALS."""


def _tag(release: tuple[int, int, int]) -> str:
    return "v" + ".".join(str(part) for part in release)


def mistral_route(model: Model, given: tuple[int, int, int]) -> str:
    """What a config.json refusal of a `ministral3` model at release `given` adds about the params.json route; "" for
    other types."""
    if model.text_model_type not in ROUTE_TYPES:
        return ""
    tag, flagged, default = _tag(given), _tag(FLAGGED_FROM), _tag(DEFAULT_FROM)
    if given >= DEFAULT_FROM:
        how = f"{tag} loads those instead by default"
    elif given >= FLAGGED_FROM:
        how = f"{tag} loads those with {FLAGS} (flags Hangar does not pass; by default from {default})"
    else:
        how = f"vLLM loads those with {FLAGS} from {flagged} and by default from {default}, not at {tag}"
    wrapped = "PixtralForConditionalGeneration over MistralForCausalLM" if model.multimodal else "MistralForCausalLM"
    return (" when it reads the config.json. If the repository also ships Mistral's params.json and consolidated*.safetensors "
            f"(not read here), {how}, as {wrapped} with its llama_4_scaling")


def flat_first_served(model: Model) -> tuple[int, int, int] | None:
    """The first release that loads a flat `Ministral3ForCausalLM` config.json (its Transformers backend); None for other rows."""
    return BACKEND_FROM if model.text_model_type in ROUTE_TYPES and model.multimodal is False else None


def flat_refusal(model: Model, given: tuple[int, int, int]) -> str | None:
    """For a flat `Ministral3ForCausalLM` config.json (a ministral3 row without a vision tower): why release `given`
    cannot load it, or "" where it does (the Transformers backend, from v0.19.1); None for any other row, whose text
    config's reasons apply (the module docstring has the sources)."""
    if flat_first_served(model) is None:
        return None
    if given >= BACKEND_FROM:
        return ""
    tag = _tag(given)
    return (f"vLLM {tag} cannot load {model.hf_id}: its model_type ministral3 came in transformers 5.0.0, and {tag} requires "
            "transformers<5, which has no config class for it (nor has vLLM's own registry); vLLM serves it through its "
            f"Transformers backend from {_tag(BACKEND_FROM)} (its own Ministral3ForCausalLM from v0.20.0)" + mistral_route(model, given))
