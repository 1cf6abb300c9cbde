"""The format of an NVIDIA ModelOpt checkpoint, declared in `hf_quant_config.json` beside config.json or in config.json's
own `quantization_config`, where Hangar can size and serve it; a ConfigError naming the field where it cannot.

Where vLLM reads it (the PyPI wheels vllm-0.11.2, commit 275de3417, and vllm-0.33.0, commit 4ba787ec9, per
vllm/_version.py; read 2026-12-02):

* vllm/transformers_utils/config.py `get_config`, the same at both releases: "ModelOpt 0.31.0 and after saves the
  quantization config in the model config file"; "ModelOpt 0.29.0 and before saves the quantization config in a separate
  `hf_quant_config.json` in the same directory": when config.json has no `quantization_config` and that file exists, its
  content becomes the config's `quantization_config`. config.json's own wins where both exist.
* The file's form: `{"producer": {"name": "modelopt", ...}, "quantization": {"quant_algo", "kv_cache_quant_algo",
  "group_size", "exclude_modules"}}`. v0.11.2 vllm/config/model.py `_parse_quant_hf_config` (v0.33.0:
  vllm/transformers_utils/model_arch_config_convertor.py `_normalize_quantization_config`) turns producer modelopt with
  `quant_algo` FP8 into `quant_method` "modelopt" and NVFP4 into "modelopt_fp4" and raises "Unknown ModelOpt quant algo"
  for another (v0.33.0 also takes FP8_PER_CHANNEL_PER_TOKEN, FP8_PB_WO and MIXED_PRECISION). config.json's inline form
  says `"quant_method": "modelopt"` with `quant_algo`, `ignore` (the excluded modules), and a `kv_cache_scheme`
  (v0.33.0) or `kv_cache_quant_algo`.
* layers/quantization/modelopt.py: `ModelOptFp8Config` (name "modelopt") and `ModelOptNvFp4Config` ("modelopt_fp4")
  quantise every linear layer and the MoE experts except those `exclude_modules` (`ignore`) names
  (`is_layer_excluded`: exact names, wildcards, and prefixes), which stay 16-bit (`UnquantizedLinearMethod`), as do
  layers under a `vision_tower` / `vision_model` prefix; the token embedding and output head are not linear layers
  (`hangar.sizing.embeddings`). Their `override_quantization_method` answers "modelopt" / "modelopt_fp4" for such a
  checkpoint whatever `--quantization` says, so Hangar passes none (`hangar.sizing.quant_kernels.quantization_flag`).
* NVFP4 `group_size`: "Default value" 16 in `ModelOptNvFp4Config.from_config`; a legacy file must state it,
  `kv_cache_quant_algo` and `exclude_modules` ("NVFP4 quantization requires the following fields in hf_quant_config.json").

Hangar names two formats in the catalog's `dtype`: `modelopt-fp8` (served as its fp8) and `nvfp4` (its own precision,
`hangar.sizing.quant_kernels` has its bytes and kernels). The modules a checkpoint excludes stay 16-bit: whole layers,
attention blocks or projections, MLPs and shared experts are counted (the row's `unquantised_params_b`); the output
head (16-bit already), MoE routers (a few hundredths of a percent) and multi-token-prediction layers past
`num_hidden_layers` (vLLM drops them at load) are left out; vision modules are left to the family whose tower Hangar
counts module by module (`hangar.catalog.family_layouts`: Kimi K2.5's, by `keeps_16_bit`), and left out elsewhere. It refuses another `quant_algo`, an NVFP4 group other
than 16, and an excluded module it can neither count nor leave out, naming the field. MIXED_PRECISION, a format per
module, is `hangar.catalog.modelopt_mixed`'s.
"""

from __future__ import annotations

import re
from fnmatch import fnmatch
from typing import Any

from .config_fields import ConfigError

FP8 = "modelopt-fp8"
"""The catalog `dtype` of a ModelOpt FP8 checkpoint (e4m3 weights with per-tensor scales; served as Hangar's fp8)."""
NVFP4 = "nvfp4"
"""The catalog `dtype` of a ModelOpt NVFP4 checkpoint (e2m1 weights, an e4m3 scale per 16, fp32 per-tensor scales)."""
FORMATS = (FP8, NVFP4)
"""The ModelOpt formats the catalog names: vLLM reads them from the checkpoint with no `--quantization`."""
HF_QUANT_CONFIG = "hf_quant_config.json"
"""The file older ModelOpt exports write beside config.json."""

_ALGOS = {"FP8": FP8, "NVFP4": NVFP4}
NVFP4_GROUP = 16
"""Weights per e4m3 block scale in NVFP4 (the format's block; vLLM's default `group_size`)."""

_FREE = re.compile(
    r"^(lm_head|.*\.lm_head|(.*\.)?embed_tokens|.*(vision_tower|vision_model|embed_vision|mm_projector|multi_modal_projector).*"
    r"|.*\.mlp\.gate|.*\.router\*?|.*\.block_sparse_moe\.gate|.*\.mlp\.gate\.?\*?|.*\.mlp\.shared_expert_gate|(model\.)?visual\*?|mtp(\..*)?\*?"
    r"|.*\.mixer\.(gate|conv1d)\*?)$"
)
"""Excluded modules that cost nothing Hangar counts in the format: the output head and token embedding (16-bit already: Kimi
K2.7-Code's NVFP4 repack names `language_model.model.embed_tokens`, nvidia/GLM-5.2-NVFP4's `model.embed_tokens`), vision parts
(16-bit in vLLM whatever the list), MoE routers and shared-expert gates (hidden x experts, hidden x 1: a few hundredths of a
percent of the weights), multi-token-prediction modules (`mtp`, dropped at load); a Nemotron-H router (`mixer.gate`)
and Mamba2 `mixer.conv1d`, which vLLM builds unquantised whatever the list (`hangar.catalog.nemotron_quant`)."""
_LAYER = re.compile(r"(?:^|\.)layers\.(\d+)(?:\*|\.|$)")
_PLACED = re.compile(r"^(?:model\.language_model\.|language_model\.model\.|model\.)?layers\.(\d+)(?:\.(self_attn|linear_attn|mlp)(?:\.([a-z_]+))?)?\.?\*?$")
"""An excluded module Hangar counts in 16 bits: a whole layer, its attention or one projection, its MLP or shared experts."""
MIXER = re.compile(r"^backbone\.layers\.(\d+)(?:\.mixer(?:\.([a-z0-9_]+(?:\.(?:up_proj|down_proj))?))?)?\.?\*?$")
"""A Nemotron-H exclusion, `backbone.layers.<i>[.mixer[.<module>]]` (each layer holds one mixer), which
`hangar.catalog.nemotron_quant` counts; kept here as (layer, "mixer" or "mixer.<module>")."""


def is_modelopt(quant: dict[str, Any]) -> bool:
    """Whether a `quantization_config` (or hf_quant_config.json) is ModelOpt's, as vLLM tells it."""
    producer = quant.get("producer")
    return quant.get("quant_method") == "modelopt" or (isinstance(producer, dict) and producer.get("name") == "modelopt")


def modelopt_format(quant: dict[str, Any], key: str, layers: int | None = None, *, mixed: bool = False) -> str:
    """FP8 or NVFP4 for a ModelOpt quantisation config read under `key` ("quantization_config", or "hf_quant_config.json"
    for the file beside config.json); `layers` is the model's `num_hidden_layers` (modules past it are dropped at load).
    `mixed`: the layout's reader sizes a MIXED_PRECISION checkpoint module by module (nvfp4, its main format); else refused."""
    legacy = isinstance(quant.get("quantization"), dict)
    section = quant["quantization"] if legacy else quant
    prefix = f"{key}.quantization" if legacy else key
    algo = section.get("quant_algo")
    if algo == "MIXED_PRECISION" and mixed:  # a format per module, nvfp4 the main one: hangar.catalog.modelopt_mixed counts them
        return NVFP4
    if algo == "MIXED_PRECISION":
        raise ConfigError(f"{prefix}.quant_algo", "'MIXED_PRECISION' (a format per module) is sized for the generic, MiniMax-M3 and "
                                                  "Nemotron-H layouts only, not this one")
    if algo not in _ALGOS:
        raise ConfigError(f"{prefix}.quant_algo", f"{algo!r} is not a ModelOpt format Hangar sizes; known: {', '.join(_ALGOS)}")
    if _ALGOS[algo] == NVFP4:
        group = section.get("group_size", _config_group(quant))
        if group is not None and group != NVFP4_GROUP:
            raise ConfigError(f"{prefix}.group_size", f"{group!r}; NVFP4 scales blocks of {NVFP4_GROUP} weights, the layout Hangar sizes")
    kept_modules(quant, key, layers)  # refuses what it cannot place
    return _ALGOS[algo]


def kept_modules(quant: dict[str, Any], key: str, layers: int | None) -> dict[str, tuple[int, str]]:
    """The excluded modules the checkpoint keeps in 16 bits that Hangar counts, each entry as (layer, module): "layer",
    "attention" or a projection name (`self_attn.q_a_proj`), "mlp", "shared_experts" (`hangar.catalog.model_params.
    module_parameters` counts them). A ConfigError names an entry it can neither count nor leave out."""
    legacy = isinstance(quant.get("quantization"), dict)
    section = quant["quantization"] if legacy else quant
    field = f"{key}.quantization.exclude_modules" if legacy else f"{key}.ignore"
    excluded = section.get("exclude_modules" if legacy else "ignore") or []
    if not isinstance(excluded, list):
        raise ConfigError(field, f"{excluded!r} is not a list of module names")
    kept = {}
    for entry in map(str, excluded):
        if _costs_nothing(entry, layers):
            continue
        if re.fullmatch(r"\*\.mlp\.shared_experts?\.?\*", entry):  # every layer's shared experts
            kept[entry] = (-1, "shared_experts")
            continue
        mixer = MIXER.match(entry)
        if mixer is not None:
            kept[entry] = (int(mixer.group(1)), "mixer" + (f".{mixer.group(2)}" if mixer.group(2) else ""))
            continue
        found = _PLACED.match(entry)
        part = found and found.group(3)
        if found is None or (found.group(2) == "mlp" and part not in (None, "shared_experts", "shared_expert")):
            raise ConfigError(field, f"{entry!r} keeps modules in 16 bits that Hangar cannot count; it counts whole layers, their attention "
                                     "or its projections, MLPs and shared experts, and leaves out the output head, MoE routers, vision modules and "
                                     "multi-token-prediction layers")
        module = {None: "layer", "self_attn": "attention", "linear_attn": "attention", "mlp": "mlp"}[found.group(2)] if part is None else part
        kept[entry] = (int(found.group(1)), "shared_experts" if part in ("shared_experts", "shared_expert") else module)
    return kept


VISION_PREFIXES = ("vision_tower", "vision_model", "vit_large_projector")
"""Prefixes vLLM v0.33.0's FP8 and NVFP4 ModelOpt configs keep in 16 bits whatever the exclude list says
(`ModelOptQuantConfigBase.get_quant_method`, "not needed for quantized checkpoints generated by ModelOpt >= 0.39.0")."""


def excluded(quant: dict[str, Any], prefix: str) -> bool:
    """Whether the checkpoint's exclude list (`exclude_modules`, or config.json's `ignore`) names vLLM module `prefix`, as
    vLLM v0.33.0's `ModelOptQuantConfigBase.is_layer_excluded` matches it: the name itself, an entry inside the name (or
    inside it less a leading `language_model.`), or a shell wildcard (PyPI wheel vllm-0.33.0, read 2026-12-03)."""
    section = quant["quantization"] if isinstance(quant.get("quantization"), dict) else quant
    entries = [str(e) for e in section.get("exclude_modules") or section.get("ignore") or []]
    bare = prefix.removeprefix("language_model.")
    return any(e == prefix or e in prefix or (prefix != bare and e in bare) or fnmatch(prefix, e) for e in entries)


def keeps_16_bit(quant: dict[str, Any], prefix: str) -> bool:
    """Whether vLLM v0.33.0 builds the linear layer `prefix` of an FP8 or NVFP4 ModelOpt checkpoint unquantised: excluded,
    or under a vision prefix (`VISION_PREFIXES`)."""
    return excluded(quant, prefix) or any(name in prefix for name in VISION_PREFIXES)


def kv_cache_fp8(quant: dict[str, Any]) -> bool:
    """Whether the checkpoint declares an fp8 KV cache (`kv_cache_quant_algo` FP8, or an 8-bit float `kv_cache_scheme`)."""
    section = quant["quantization"] if isinstance(quant.get("quantization"), dict) else quant
    algo = section.get("kv_cache_scheme") or quant.get("kv_cache_scheme") or section.get("kv_cache_quant_algo")
    if isinstance(algo, dict):
        return algo.get("num_bits") == 8 and algo.get("type") == "float" and algo.get("dynamic") is False
    return isinstance(algo, str) and algo.lower() == "fp8"


def _config_group(quant: dict[str, Any]) -> Any:
    """The weights' group size of config.json's inline form (`config_groups.*.weights.group_size`), if it states one."""
    for group in (quant.get("config_groups") or {}).values():
        if isinstance(group, dict) and isinstance(group.get("weights"), dict) and "group_size" in group["weights"]:
            return group["weights"]["group_size"]
    return None


def _costs_nothing(entry: str, layers: int | None) -> bool:
    if _FREE.match(entry):
        return True
    found = _LAYER.search(entry)
    return found is not None and layers is not None and int(found.group(1)) >= layers
