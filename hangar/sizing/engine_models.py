"""Which vLLM releases can serve each catalog architecture, so a deployment its pinned engine cannot load is refused.

vLLM picks a model class by the `architectures` of the model's config.json from its registry
(vllm/model_executor/models/registry.py); an architecture missing there may still load through vLLM's Transformers
backend, but only after `AutoConfig` has read the config.json, so transformers (or vLLM's own
vllm/transformers_utils/config.py `_CONFIG_REGISTRY`) must know its `model_type`.

Read, each release's registry and its `Requires-Dist: transformers`: vLLM v0.11.2 from the PyPI sdist
vllm-0.11.2.tar.gz (commit 275de3417), the later releases from their PyPI wheels (commit per vllm/_version.py):
v0.12.0 (4fd9d6a85), v0.13.0 (72506c983), v0.14.0 (b17039bcc), v0.14.1 (d7de043d5), v0.15.0 (f17644344), v0.15.1
(1892993bc), v0.16.0 (89a77b108), v0.17.0 (b31e9326a), v0.18.0 (bcf2be961), v0.18.1 (a26e8dc7f), v0.19.0
(2a69949bd), v0.19.1 (b1388b1fb), v0.20.0 (b8160878f), v0.25.0 (dd10e03f9), v0.33.0 (4ba787ec9); read 2026-12-02.

* Every catalog family's architecture (`hangar.sizing.lora_architectures`) is in v0.11.2's registry except Qwen3.5's
  `Qwen3_5ForConditionalGeneration` / `Qwen3_5MoeForConditionalGeneration`, Gemma 4's `Gemma4ForConditionalGeneration` and Kimi K2.5's
  `KimiK25ForConditionalGeneration`.
* v0.11.2 cannot stand in with its Transformers backend: it requires transformers >=4.56.0,<5 (requirements/common.txt,
  which its docker/Dockerfile installs into the vllm/vllm-openai image), its `_CONFIG_REGISTRY` has neither model type,
  and transformers has no `qwen3_5` / `qwen3_5_moe` model before 5.2.0 nor `gemma4` before 5.5.0 (the
  transformers/models/ folders of the PyPI wheels 4.57.6, the last 4.x, and 5.0.0 to 5.5.0). Every release up to
  v0.19.0 requires transformers <5.
* Qwen3.5: first registered in v0.17.0 (not in v0.16.0), with its own config classes (`qwen3_5`, `qwen3_5_moe` in
  `_CONFIG_REGISTRY`; qwen3_5.py imports them from vllm.transformers_utils.configs), so it loads under transformers <5.
* Gemma 4: first registered in v0.19.0 (not in v0.18.1), but v0.19.0's gemma4_mm.py imports `transformers.models.gemma4`
  while v0.19.0 requires transformers <5 (its own tests/models/registry.py asks `min_transformers_version="5.5.0"` for
  it); v0.19.1 is the first release whose requirements admit such a transformers
  (`>=4.56.0, !=5.0.*, ..., !=5.4.*, !=5.5.0`, its docker/Dockerfile installing requirements/common.txt).
* All three are still registered in v0.20.0, v0.25.0 and v0.33.0.
* Z.ai's GLM-5 family (`GlmMoeDsaForCausalLM`, model_type `glm_moe_dsa`): not in the registry of v0.11.2 to v0.15.1, first
  registered in v0.16.0 (deepseek_v2.py's class) and kept through v0.19.1 and in v0.33.0 (`vllm.models.deepseek_v32`);
  no release read has a `glm_moe_dsa` config class of its own (vllm/transformers_utils/), and transformers has none
  before 5.2.0 (the PyPI wheels 5.0.0 and 5.1.0 lack models/glm_moe_dsa/, 5.2.0 has it; read 2026-12-02), so v0.16.0 to
  v0.19.0, requiring transformers <5, cannot read the config; v0.19.1 admits transformers >= 5.5.1.
* Kimi K2.5's `KimiK25ForConditionalGeneration` (kimi_k25.py): first registered in v0.15.0 (the PyPI wheel, commit
  f17644344; not in v0.14.1, d7de043d5), with vLLM's own `KimiK25Config` in `_CONFIG_REGISTRY`, so it loads under the
  transformers<5 that release requires; still in v0.15.1, v0.16.0 and v0.33.0 (which reads transformers' own
  `Kimi_K25Config`). transformers has no kimi_k25 model before 5.13.0 (the PyPI wheels 4.57.6, 5.0.0, 5.5.0, 5.10.0 and
  5.12.0 have no models/kimi_k25/; 5.13.0 has). At v0.11.2 only the repository's own code (`auto_map`,
  configuration_kimi_k25.py and modeling_kimi_k25.py, run with `--trust-remote-code`) could stand in, through the
  Transformers backend's remote-code path, which Hangar does not plan.
* Kimi K3 (`KimiK3ForConditionalGeneration`, model_type `kimi_k3`): not in the registry of v0.11.2, v0.25.0 or v0.26.0
  (PyPI wheels, v0.26.0 commit ffd46bfab), registered from v0.27.0 (commit 4bdc8a788; v0.28.0, 2cf0a6915, and v0.33.0
  keep it, its classes in vllm/models/kimi_k3/), with vLLM's own `KimiK3Config` (vllm/transformers_utils/config.py
  `_CONFIG_REGISTRY`: kimi_k3). Its Transformers backend cannot stand in before: no transformers release read has a
  kimi_k3 model (4.57.6, 5.16.1 and 5.20.2: transformers/models/auto/), so the file's `auto_map` would have to run
  Moonshot's own configuration_kimi_k3.py and modeling_kimi_k3.py. Kimi Linear's `KimiLinearForCausalLM` is registered
  in every release read (v0.11.2's kimi_linear.py; v0.33.0 serves it from vllm/models/kimi_k3/), with vLLM's own
  `KimiLinearConfig` in both `_CONFIG_REGISTRY`s. But v0.11.2's KimiLinearForCausalLM reads only Kimi Linear's own
  layout: `KimiMLAAttention.__init__` asserts `q_lora_rank is None`, and its `KimiMoE` has no latent projections
  (the row's `moe_latent_size`), so a kimi_linear text model with either (Kimi K3's) does not load there
  (`LAYOUT_UNTIL`); v0.33.0's class builds both. The releases between were not read for it.
* A text model type inside a registered architecture (`text_model_type`, the text_config's `model_type`): Devstral Small 2
  is `Mistral3ForConditionalGeneration`, registered in every release read, as Mistral Small 3.1 is, but its text config
  is `ministral3` (Mistral Small 3.1's is `mistral`). transformers has no `ministral3` before 5.0.0 (its wheels 4.57.6 and
  5.0.0), no release read has a `ministral3` config of its own (vllm/transformers_utils/config.py `_CONFIG_REGISTRY`), and
  transformers 4.57.1's `Mistral3Config` builds its text config with `CONFIG_MAPPING[text_config["model_type"]]`, so no
  release up to v0.19.0 reads the config. v0.19.1 admits transformers 5 but its `VllmConfig.with_hf_config` (vllm/config/
  vllm.py) leaves a text config without `architectures` as it is, and mistral3.py fills them only for a `mistral` text
  config, so the registry's `resolve_model_cls` raises "No model architectures are specified". v0.20.0 (its wheel,
  commit b8160878f) takes them from transformers' `MODEL_FOR_CAUSAL_LM_MAPPING_NAMES` (`ministral3` ->
  `Ministral3ForCausalLM` in transformers 5.0.0 and 5.5.0) and registers `Ministral3ForCausalLM` as Mistral's class
  (model_executor/models/registry.py); v0.25.0 and v0.33.0 keep both.

* A config.json whose `model_type` neither vLLM's `_CONFIG_REGISTRY` nor transformers knows is read through the model
  repository's own configuration class (its `auto_map`), which vLLM's `get_config` loads only with
  `--trust-remote-code`; without it, it raises "Failed to load the model config. If the model is a custom model not yet
  available in the HuggingFace transformers library, consider setting `trust_remote_code=True` in LLM or using the
  `--trust-remote-code` flag in the CLI." (vllm/transformers_utils/config.py in the wheels vllm-0.11.2 and vllm-0.33.0).
  Llama-Nemotron's `nemotron-nas` is such a type (`REMOTE_CODE_TYPES`): no config class for it in either release's
  registry nor in transformers 4.57.1 or 5.16.1 (transformers/models/auto/configuration_auto.py), though both releases
  register its `DeciLMForCausalLM`.
* Nemotron-H (`nemotron_h`, `NemotronHForCausalLM`, registered in v0.11.2 and v0.33.0) needs it at v0.11.2 only
  (`REMOTE_CODE_UNTIL`): transformers 4.57.1 and 4.57.6 (the PyPI wheels) have no nemotron_h model, and v0.11.2's
  `_CONFIG_REGISTRY` has no `nemotron_h` (vLLM's own NemotronHConfig class is not registered there), so the repository's
  configuration_nemotron_h.py runs; transformers 5.16.1, the oldest v0.33.0 admits, has `NemotronHConfig`
  (models/nemotron_h/, reading `hybrid_override_pattern` for back-compatibility); 5.0.0 has not. The releases between
  were not read for it. Granite 4.0's `granitemoehybrid` is in transformers 4.57.1. MiniMax-M2's `minimax_m2` likewise:
  transformers 4.57.6 maps no minimax_m2 config (transformers/models/auto/configuration_auto.py) and v0.11.2 registers
  none, so configuration_minimax_m2.py runs; transformers 5.16.1 maps it to `MiniMaxM2Config` (auto_mappings.py).

* MiMo-V2-Flash's `MiMoV2FlashForCausalLM` (`mimo_v2_flash`, `hangar.catalog.mimo`) is not in v0.11.2's registry, and
  transformers <5, which v0.11.2 requires, has no mimo_v2_flash model for its Transformers backend (the 4.57.6 wheel's
  transformers/models/); the registries of the PyPI wheels vllm-0.23.0, vllm-0.24.0 and vllm-0.33.0 map it to mimo_v2.py
  (transformers-5.16.1 has `MiMoV2FlashConfig`). The releases between v0.11.2 and v0.23.0 were not read for it, so only
  v0.11.2 and older are refused (`UNREGISTERED`), and the release advised is v0.33.0, the one Hangar sizes it for.
  StepFun's Step-3.7-Flash (`Step3p7ForConditionalGeneration`, `hangar.catalog.step`) likewise: not in v0.11.2's
  registry, no step3p7 model in transformers 4.57.6; registered in the v0.23.0, v0.24.0 and v0.33.0 wheels. At v0.33.0
  its config is read only with `--trust-remote-code` (`REMOTE_CODE_ARCHITECTURES`): step3p7.py's vision tower
  (step_vl.py `PerceptionEncoder`) reads `vision_config.width`, `.layers` and `.heads`, which transformers-5.16.1's own
  `Step3p7VisionConfig.__post_init__` pops into hidden_size / num_hidden_layers / num_attention_heads, so only the
  repository's configuration class keeps them (vLLM's recipe for the release passes --trust-remote-code).
* Mistral Large 3's `MistralLarge3ForCausalLM`: first registered in v0.12.0, v0.11.2 reads its params.json as Mixtral's
  (`hangar.catalog.mistral_params` has the sources).
* MiniMax-M3 (`MiniMaxM3SparseForConditionalGeneration`, its config.json's `minimax_m3_vl`): first registered in v0.24.0
  (the wheels vllm-0.23.0, commit 0fc695fc6, and vllm-0.24.0, commit ee0da84ab, read 2026-12-02: 0.23.0's registry has no
  MiniMaxM3 class, 0.24.0's maps it and `MiniMaxM3SparseForCausalLM` to vllm/models/minimax_m3, with its own
  `minimax_m3_vl` config class in `_CONFIG_REGISTRY`), still in v0.33.0. transformers 4.57.6, the last 4.x, has no
  minimax_m3_vl model (5.16.1 and 5.20.2 have one). Between v0.19.1 and v0.23.0 a release admits transformers 5, so whether
  its Transformers backend could stand in was not read: those releases are not judged for it.
* NVIDIA aiconfigurator's flat form of its text model (`minimax_m3`, `MiniMaxM3ForCausalLM`) loads in no release read:
  none registers `MiniMaxM3ForCausalLM` (v0.11.2, v0.24.0, v0.33.0), none has a `minimax_m3` config class (their
  `_CONFIG_REGISTRY` has minimax_m3_vl and minimax_m3_mtp only), nor has transformers 4.57.6, 5.16.1 or 5.20.2
  (configuration_auto.py / auto_mappings.py: minimax_m3_vl and its _text and _vision parts only), so `AutoConfig` raises
  (`NEVER_LOADED`).
* DeepSeek-V4's `DeepseekV4ForCausalLM` (`deepseek_v4`) is not in v0.11.2's registry (vllm/model_executor/models/
  registry.py of the wheel vllm-0.11.2 names no DeepseekV4 class and its `_CONFIG_REGISTRY` no deepseek_v4), and its
  Transformers backend cannot stand in: transformers 4.57.6, the last release v0.11.2's transformers<5 admits, has no
  deepseek_v4 model (its PyPI wheel's transformers/models/), which 5.16.1 has (models/deepseek_v4/). v0.33.0 reads the
  config through that `DeepseekV4Config` (it requires transformers>=5.16.1,<5.21.0) and registers the class as
  `vllm.models.deepseek_v4` (wheel vllm-0.33.0; all read 2026-12-02). The releases between were not read for it (`UNREGISTERED`): a deployment pinned
  to v0.11.2 (or older) is refused, one pinned between is not judged.
* A Nemotron-H latent MoE (Nemotron 3 Super and Ultra: the row's `moe_latent_size`, `hangar.catalog.mamba_layout`)
  is served by v0.33.0 (nemotron_h.py `NemotronHMoE`: `fc1_latent_proj`, `fc2_latent_proj` and experts in the latent
  width) but not by v0.11.2: its nemotron_h.py builds the experts in the hidden width and has no latent projection, so
  `load_weights` finds no parameter for the checkpoint's `fc1_latent_proj` (`params_dict[name]`) and the expert
  weights' shapes differ (`LATENT_MOE_UNTIL`). The releases between were not read for it: v0.33.0 is the first release
  read that loads it.

Releases older than v0.11.2 were not read. Hangar's generated vLLM arguments are verified for v0.11.2 and v0.33.0
(`hangar.sizing.engine.VERIFIED_RELEASES`): another `engine_version` is the image Hangar runs, not a release its flags were read from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hangar.catalog import Model

from .engine_granite import GRANITE_SWA_ARRIVALS
from .lora_architectures import architecture
from .mistral_format import PARAMS_UNTIL, flat_first_served, flat_refusal, mistral_route

FIRST_READ = (0, 11, 2)
"""The oldest vLLM release whose registry was read (older ones are not judged by what they lack)."""


@dataclass(frozen=True)
class Arrival:
    """When an architecture the pinned vLLM lacks became servable: the release that registered its class, the
    release that can load it as installed, its config.json `model_type`, and the transformers release that added it."""

    registered: tuple[int, int, int]
    served: tuple[int, int, int]
    model_type: str
    transformers: str
    between: str = ""
    """Why a release from `registered` up to `served` still cannot load it (empty when the two are one release)."""
    backend: str = ""
    """Why a release before `registered` cannot stand in with its Transformers backend, where the standard reason (the
    model type came in transformers 5, the release requires <5) is not the whole story; `{tag}` for the release."""


ARRIVALS: dict[str, Arrival] = {
    "Qwen3_5ForConditionalGeneration": Arrival((0, 17, 0), (0, 17, 0), "qwen3_5", "5.2.0"),
    "Qwen3_5MoeForConditionalGeneration": Arrival((0, 17, 0), (0, 17, 0), "qwen3_5_moe", "5.2.0"),
    "Gemma4ForConditionalGeneration": Arrival(
        (0, 19, 0), (0, 19, 1), "gemma4", "5.5.0",
        between="its Gemma 4 class imports transformers' gemma4 model, while the release requires transformers<5",
    ),
    "GlmMoeDsaForCausalLM": Arrival(
        (0, 16, 0), (0, 19, 1), "glm_moe_dsa", "5.2.0",
        between="it has no glm_moe_dsa config class of its own and requires transformers<5, which cannot read the config",
    ),
    "KimiK25ForConditionalGeneration": Arrival(
        (0, 15, 0), (0, 15, 0), "kimi_k25", "5.13.0",
        backend="transformers has no kimi_k25 model before 5.13.0 and {tag} requires transformers>=4.56.0,<5, so only the "
        "repository's own code (--trust-remote-code) could stand in, through the Transformers backend, which Hangar does not plan",
    ),
    "MiniMaxM3SparseForConditionalGeneration": Arrival((0, 24, 0), (0, 24, 0), "minimax_m3_vl", "5 (4.57.6, the last 4.x, has none)"),
    "LagunaForCausalLM": Arrival((0, 21, 0), (0, 21, 0), "laguna", "5.7.0"),  # sources: hangar.catalog.layouts_laguna
    "MistralLarge3ForCausalLM": Arrival((0, 12, 0), (0, 12, 0), "deepseek_v3", "", backend="{tag}'s Mistral-format adapter reads its "
                                        "params.json's moe block as MixtralForCausalLM (no latent attention, no shared expert): the weights do not load"),
    "KimiK3ForConditionalGeneration": Arrival(
        (0, 27, 0), (0, 27, 0), "kimi_k3", "",
        backend="its Transformers backend cannot stand in: no transformers release read (4.57.6, 5.16.1, 5.20.2) has a "
        "kimi_k3 model, so only Moonshot's own configuration_kimi_k3.py and modeling_kimi_k3.py (the config's auto_map) could run it",
    ),
    **{name: Arrival(*fields) for name, fields in GRANITE_SWA_ARRIVALS.items()},  # Granite SWA: hangar.sizing.engine_granite
}
"""The catalog's architectures missing from vLLM v0.11.2's registry (the module docstring has the sources)."""

UNREGISTERED: dict[str, tuple[str, tuple[int, int, int]]] = {
    "DeepseekV4ForCausalLM": ("deepseek_v4", (0, 33, 0)),
    "MiMoV2FlashForCausalLM": ("mimo_v2_flash", (0, 33, 0)),
    "Step3p7ForConditionalGeneration": ("step3p7", (0, 33, 0)),
}
"""Architectures v0.11.2 (`FIRST_READ`) does not register, whose first release was not read: (model_type, the release
read that serves it and Hangar sizes it for). Only v0.11.2 and older are refused; the releases between are not judged
and no `first_served` is claimed (the module docstring has the sources)."""

TRANSFORMERS_BEFORE = "transformers>=4.56.0,<5"
"""What every vLLM release from v0.11.2 to v0.19.0 requires of transformers (each release's `Requires-Dist`)."""
LAST_BEFORE_TRANSFORMERS_5 = (0, 19, 0)
"""The last release that requires transformers<5: a later one lacking an architecture may serve it through its
Transformers backend, which was not read (such a release is not judged, unless the arrival says why its backend cannot
stand in: `Arrival.backend`)."""

NEVER_LOADED: dict[str, str] = {
    "minimax_m3": (
        "no release read (v0.11.2, v0.24.0, v0.33.0) registers MiniMaxM3ForCausalLM or has a config class for the model_type "
        "minimax_m3, nor does transformers (4.57.6, 5.16.1, 5.20.2), so the server cannot read the config; MiniMax-M3's own "
        "config.json is minimax_m3_vl (MiniMaxM3SparseForConditionalGeneration), which vLLM serves from v0.24.0"
    ),
}
"""Text model types no read release loads, with the reason (the module docstring has the sources)."""


@dataclass(frozen=True)
class TextArrival:
    """When a text model type (`text_model_type`) inside an architecture every release read registers became servable:
    the release that serves it, and why each earlier stretch of releases cannot (the last release of each stretch, and
    the reason, with `{tag}` for the release asked)."""

    served: tuple[int, int, int]
    until: tuple[tuple[tuple[int, int, int], str], ...]


TEXT_ARRIVALS: dict[str, TextArrival] = {
    "ministral3": TextArrival(
        (0, 20, 0),
        (
            ((0, 19, 0), "its text config's model_type ministral3 came in transformers 5.0.0, and {tag} requires "
             f"{TRANSFORMERS_BEFORE}, whose Mistral3Config cannot build that text config"),
            ((0, 19, 1), "{tag} admits transformers 5 but gives the ministral3 text config no architectures, so its model "
             "registry raises 'No model architectures are specified'"),
        ),
    ),
    "transformer": TextArrival((0, 12, 0), PARAMS_UNTIL),  # a dense params.json's (hangar.sizing.mistral_format)
}
"""Text model types a release cannot load although it registers their architecture (the module docstring has the sources)."""


LAYOUT_UNTIL: dict[str, tuple[tuple[int, int, int], tuple[tuple[str, str], ...]]] = {
    "KimiLinearForCausalLM": ((0, 11, 2), (
        ("q_lora_rank", "its KimiMLAAttention asserts q_lora_rank is None"),
        ("moe_latent_size", "its KimiMoE has no latent expert projections"),
    )),
}
"""Architectures a release registers but loads only in their first layout: up to the release named, a row with one of
the columns set cannot load, for the reason given (the module docstring has the sources)."""


def _layout_refusal(model: Model, given: tuple[int, int, int]) -> str | None:
    """Why release `given` cannot load this row's layout of an architecture it registers (`LAYOUT_UNTIL`); None where it can."""
    name = architecture(model)
    until = LAYOUT_UNTIL.get(name or "")
    if until is None or not FIRST_READ <= given <= until[0]:
        return None
    found = [(column, reason) for column, reason in until[1] if getattr(model, column) is not None]
    if not found:
        return None
    column, reason = found[0]
    return (f"vLLM {named(given)} cannot load {model.hf_id}: {named(given)} registers {name}, but {reason} "
            f"(the row's {column} is {getattr(model, column)}); v0.33.0 loads it")


REMOTE_CODE_TYPES: dict[str, str] = {"nemotron-nas": "configuration_decilm.py"}
"""Text model types whose config vLLM v0.11.2 and v0.33.0 read only with `--trust-remote-code`, with the repository file
that then runs (its config.json's `auto_map`)."""


REMOTE_CODE_ARCHITECTURES: dict[str, str] = {"Step3p7ForConditionalGeneration": "configuration class (its config.json's auto_map)"}
"""Architectures whose config vLLM v0.33.0 reads only with `--trust-remote-code` although transformers has a class for
its model type (the module docstring has why), with what then runs."""


REMOTE_CODE_UNTIL: dict[str, tuple[tuple[int, int, int], str]] = {
    "nemotron_h": ((0, 11, 2), "configuration_nemotron_h.py"),
    "minimax_m2": ((0, 11, 2), "configuration_minimax_m2.py"),
}
"""Text model types whose config the releases up to the one named read only with `--trust-remote-code` (the later
releases read, v0.33.0, have its config class), with the repository file that then runs."""


LATENT_MOE_UNTIL = (0, 11, 2)
"""The last release read whose nemotron_h.py has no latent MoE (`moe_latent_size`); `LATENT_MOE_SERVED` the first that has."""
LATENT_MOE_SERVED = (0, 33, 0)


def _latent_refusal(model: Model, given: tuple[int, int, int]) -> str | None:
    """Why release `given` cannot load a Nemotron-H latent MoE; None where it can, the model has none, or not read."""
    if model.moe_latent_size is None or model.text_model_type != "nemotron_h" or given > LATENT_MOE_UNTIL:
        return None
    tag = named(given)
    return (f"vLLM {tag} cannot load {model.hf_id}: its nemotron_h.py has no latent MoE (moe_latent_size "
            f"{model.moe_latent_size}): it builds the routed experts {model.hidden_size} wide and no fc1_latent_proj or "
            f"fc2_latent_proj for the checkpoint's weights; vLLM {named(LATENT_MOE_SERVED)} serves it (the releases between were not read)")


def remote_code(model: Model, engine_version: str | None = None) -> str | None:
    """Why vLLM release `engine_version` (None: either pinned release) reads this catalog model's config only with
    `--trust-remote-code` (the module docstring has the sources); None for a model whose config class vLLM or
    transformers has there, or where that release was not read for it."""
    until = REMOTE_CODE_UNTIL.get(model.text_model_type or "")
    if until is not None:
        last, code = until
        if engine_version is not None and release(engine_version) > last:
            return None
        return (f"vLLM {named(last)} reads {model.hf_id}'s config ({model.text_model_type}) only with --trust-remote-code, which "
                f"runs the model repository's own {code} in the server: neither it nor transformers 4.57 has its config class "
                "(v0.33.0 reads it with transformers' own)")
    by_class = REMOTE_CODE_ARCHITECTURES.get(architecture(model) or "")
    if by_class is not None:
        if engine_version is not None and release(engine_version) < (0, 33, 0):
            return None  # v0.11.2 cannot load it at all (engine_refusal); the releases between were not read for it
        return (f"vLLM v0.33.0 reads {model.hf_id}'s config only with --trust-remote-code, which runs the model repository's own "
                f"{by_class} in the server: transformers' own class drops the vision_config fields vLLM's model reads")
    code = REMOTE_CODE_TYPES.get(model.text_model_type or "")
    if code is None:
        return None
    return (f"vLLM v0.11.2 and v0.33.0 read {model.hf_id}'s config ({model.text_model_type}) only with --trust-remote-code, "
            f"which runs the model repository's own {code} in the server: neither they nor transformers have its config class")


def release(version: str) -> tuple[int, int, int]:
    """`v0.17.0` or `0.17.0` as a comparable tuple (the spec's `engine_version` pattern guarantees three numbers)."""
    found = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)", version)
    if found is None:
        raise ValueError(f"not a vLLM release: {version!r}")
    major, minor, patch = (int(part) for part in found.groups())
    return major, minor, patch


def named(version: tuple[int, int, int]) -> str:
    """A release tuple as its tag, `v0.17.0`."""
    return "v" + ".".join(str(part) for part in version)


def first_served(model: Model) -> str | None:
    """The first vLLM release that can load this catalog model, where the pinned one cannot (for a latent MoE, the first
    release read that can); else None."""
    if model.moe_latent_size is not None and model.text_model_type == "nemotron_h":
        return named(LATENT_MOE_SERVED)
    arrival = ARRIVALS.get(architecture(model) or "")
    if arrival is not None:
        return named(arrival.served)
    text = TEXT_ARRIVALS.get(model.text_model_type or "")
    if text is not None:
        return named(flat_first_served(model) or text.served)
    until = LAYOUT_UNTIL.get(architecture(model) or "")
    if until is not None and any(getattr(model, column) is not None for column, _ in until[1]):
        return "v0.33.0"  # the first release read after the last that refuses the layout
    return None


def release_advice(model: Model) -> str:
    """Which release to pin instead, for a model the pinned one cannot load: the first that serves it "or later", or where
    that was not read (`UNREGISTERED`) the release read that serves it."""
    first = first_served(model)
    if first is not None:
        return f"{first} or later"
    name = architecture(model) or ""
    if name in UNREGISTERED:
        return f"{named(UNREGISTERED[name][1])} (the releases between {named(FIRST_READ)} and it were not read for it)"
    return "a release that serves it"


def _text_refusal(model: Model, given: tuple[int, int, int]) -> str | None:
    """Why release `given` cannot load the model's text model type; None where it can or the type is not one of these."""
    text = TEXT_ARRIVALS.get(model.text_model_type or "")
    if text is None or given >= text.served:
        return None
    if (flat := flat_refusal(model, given)) is not None:  # a flat Ministral3ForCausalLM config.json: its own reasons
        return flat or None
    tag = named(given)
    if given < FIRST_READ:
        why = f"{tag} is older than {named(FIRST_READ)}, where " + text.until[0][1].format(tag=named(FIRST_READ))
    else:
        why = next(reason for last, reason in text.until if given <= last).format(tag=tag)
    return f"vLLM {tag} cannot load {model.hf_id}: {why}; vLLM serves it from {named(text.served)}{mistral_route(model, given)}"


def engine_refusal(model: Model, engine_version: str) -> str | None:
    """Why vLLM `engine_version` cannot load this catalog model; None where it can, or where that was not read."""
    name = architecture(model)
    arrival = ARRIVALS.get(name or "")
    given = release(engine_version)
    tag = named(given)
    never = NEVER_LOADED.get(model.text_model_type or "")
    if never is not None:
        return f"vLLM {tag} cannot load {model.hf_id}: {never}"
    if name in UNREGISTERED and given <= FIRST_READ:
        model_type, served = UNREGISTERED[name]
        scope = f"{tag}'s" if given == FIRST_READ else f"{named(FIRST_READ)}'s (and {tag} is older)"
        return (f"vLLM {tag} cannot load {model.hf_id}: {name} is not in {scope} model registry, and its Transformers backend "
                f"cannot stand in: transformers 4.57.6, the last release {named(FIRST_READ)}'s transformers<5 admits, has no {model_type} model; vLLM {named(served)} serves it")
    latent = _latent_refusal(model, given)
    if latent is not None:
        return latent
    if arrival is None:
        return _text_refusal(model, given) or _layout_refusal(model, given)
    if given >= arrival.served or (not arrival.backend and LAST_BEFORE_TRANSFORMERS_5 < given < arrival.registered):
        return None
    if given < FIRST_READ:
        why = f"{tag} is older than {named(FIRST_READ)}, which already lacks {name} in its model registry"
    elif given >= arrival.registered:
        why = f"{tag} registers {name}, but {arrival.between} (the model_type {arrival.model_type} came in transformers {arrival.transformers})"
    elif arrival.backend:
        why = f"{name} is not in {tag}'s model registry, and " + arrival.backend.format(tag=tag)
    else:
        why = (
            f"{name} is not in {tag}'s model registry, and its Transformers backend cannot stand in: the model_type "
            f"{arrival.model_type} came in transformers {arrival.transformers}, and {tag} requires {TRANSFORMERS_BEFORE}"
        )
    return f"vLLM {tag} cannot load {model.hf_id}: {why}; vLLM serves it from {named(arrival.served)}"
