"""A ModelOpt `quant_algo: MIXED_PRECISION` checkpoint: a format per module, sized module by module as vLLM loads it.

What vLLM v0.33.0 does with one (PyPI wheel vllm-0.33.0, commit 4ba787ec9, read 2026-12-03):
vllm/model_executor/layers/quantization/modelopt.py `ModelOptMixedPrecisionConfig` ("modelopt_mixed", chosen by its
`override_quantization_method` for `quant_algo` MIXED_PRECISION; vllm/transformers_utils/model_arch_config_convertor.py
maps the legacy file's algo to it) reads `quantized_layers`, a map of checkpoint module name -> `{"quant_algo", ...}`
(raising "MIXED_PRECISION quant_algo requires a non-empty 'quantized_layers' mapping" where it is empty), from
config.json's `quantization_config` or the legacy `hf_quant_config.json`'s `quantization`. `get_quant_method`:
* a module the exclude list names (`is_layer_excluded`, `hangar.catalog.modelopt.excluded`) is unquantised;
* else `_resolve_quant_algo` looks the module up by name (a fused layer through its shards, `packed_modules_mapping`:
  "Mixed quant_algo within fused layer" is an error; routed experts by any listed name under their prefix, the first
  found); a linear layer or output head (`ParallelLMHead`) with no entry, or with an algo outside `LINEAR_ALGOS`,
  is built unquantised (`UnquantizedLinearMethod`): 16 bits. The token embedding is never quantised here.
* `LINEAR_ALGOS`: FP8 (e4m3, a per-tensor scale), FP8_PER_CHANNEL_PER_TOKEN, FP8_PB_WO (128 x 128 blocks), NVFP4
  (W4A4), W4A16_NVFP4 (NVFP4 weights, 16-bit activations: Marlin), MXFP8 (e4m3 with an e8m0 scale per 32: "MXFP8 weight:
  fp8-e4m3 values + per-32-block e8m0 (uint8) scale"); its routed-experts branch takes FP8, FP8_PB_WO, NVFP4,
  W4A16_NVFP4 and MXFP8. NVFP4's `group_size` is the first NVFP4-family entry's (16 by default).
* the KV cache is fp8 where `kv_cache_quant_algo` (`kv_cache_scheme` inline) says so (`hangar.catalog.modelopt.kv_cache_fp8`).

Hangar counts each listed module at its format (`FORMATS`): nvfp4 (NVFP4 and W4A16_NVFP4, the same bytes), fp8 and
mxfp8; everything not listed (the token embedding, norms, routers, convolutions, a vision tower, an unlisted head) is
16-bit. The row's `mixed_params_b` holds the listed parameters per format (`hangar.sizing.mixed` sizes them) and its
`dtype` is nvfp4, the routed experts' and most weights' format. It refuses, naming the entry: an algo vLLM does not
take or Hangar does not size (FP8_PER_CHANNEL_PER_TOKEN, FP8_PB_WO: their scales were not sized), an NVFP4 group other
than 16, a fused layer whose shards are listed apart, routed experts in two formats or in another than nvfp4, and a
module the layout does not have where Hangar can count it. Entries past `num_hidden_layers` and `mtp` ones are
multi-token-prediction weights vLLM drops at load.

vLLM v0.11.2 raises for MIXED_PRECISION (PyPI sdist, commit 275de3417): vllm/config/model.py `_parse_quant_hf_config`,
"Unknown ModelOpt quant algo", for an hf_quant_config.json; layers/quantization/modelopt.py, "ModelOpt currently only
supports: ['FP8', 'NVFP4']" (`QUANT_ALGOS`), for a config.json. `hangar.sizing.mixed` has the releases between.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .config_fields import ConfigError
from .modelopt import NVFP4, NVFP4_GROUP, excluded

MIXED = "MIXED_PRECISION"
FORMATS = {"NVFP4": NVFP4, "W4A16_NVFP4": NVFP4, "FP8": "fp8", "MXFP8": "mxfp8"}
"""The layer algos Hangar sizes, by the format it counts them in (`hangar.sizing.mixed` has the bytes)."""
VLLM_ALGOS = ("FP8", "FP8_PER_CHANNEL_PER_TOKEN", "FP8_PB_WO", "NVFP4", "W4A16_NVFP4", "MXFP8")
"""vLLM v0.33.0's `LINEAR_ALGOS`: the layer algos it builds a quantised layer for."""
FUSED = (("q_proj", "k_proj", "v_proj", "index_q_proj", "index_k_proj"), ("gate_proj", "up_proj"), ("in_proj_qkv", "in_proj_z"),
         ("in_proj_b", "in_proj_a"))
"""Shards vLLM fuses into one layer (qwen3_5.py `packed_modules_mapping`; MiniMax-M3's query, key, value and index
projections are one `MinimaxM3QKVParallelLinearWithIndexer`): listed in one format or not at all."""
_LAYER = re.compile(r"^(?:model\.language_model\.|language_model\.model\.|model\.|backbone\.)?layers\.(\d+)\.(.+)$")
_EXPERT = re.compile(r"^(.*\bexperts)\.\d+\.[a-z0-9_]+$")

Sizer = Callable[[int, str], "int | None"]
"""(layer, module name under it, e.g. `self_attn.q_proj`, `mlp.experts`) -> its parameters; None where the layout has none."""


def is_mixed(quant: dict[str, Any]) -> bool:
    """Whether a ModelOpt quantisation config says `quant_algo` MIXED_PRECISION."""
    section = quant["quantization"] if isinstance(quant.get("quantization"), dict) else quant
    return str(section.get("quant_algo", "")).upper() == MIXED


def mixed_parameters(quant: dict[str, Any], key: str, *, layers: int, size: Sizer, head: int, tied: bool) -> dict[str, int]:
    """Parameters of the modules `quantized_layers` lists, by format, as vLLM v0.33.0 builds them (the module docstring);
    `head` is the output head's (vocab x hidden). A ConfigError names the entry Hangar cannot size."""
    legacy = isinstance(quant.get("quantization"), dict)
    section = quant["quantization"] if legacy else quant
    field = f"{key}.quantization.quantized_layers" if legacy else f"{key}.quantized_layers"
    listed = section.get("quantized_layers")
    if not isinstance(listed, dict) or not listed:
        raise ConfigError(field, "missing or empty: vLLM's MIXED_PRECISION requires a non-empty mapping of module -> quant_algo")
    by_layer: dict[int, dict[str, tuple[str, str]]] = {}  # layer -> module -> (format, entry)
    totals: dict[str, int] = {}
    for entry, info in listed.items():
        algo = str(info.get("quant_algo", "") if isinstance(info, dict) else "").upper()
        where = f"{field}[{entry!r}]"
        if algo not in FORMATS:
            taken = "vLLM v0.33.0 builds it, but Hangar does not size its scales" if algo in VLLM_ALGOS else (
                "vLLM v0.33.0 builds no quantised layer for it (it would load the layer unquantised, not these weights)")
            raise ConfigError(f"{where}.quant_algo", f"{algo or None!r}: {taken}; Hangar sizes {', '.join(FORMATS)}")
        if FORMATS[algo] == NVFP4 and info.get("group_size", NVFP4_GROUP) != NVFP4_GROUP:
            raise ConfigError(f"{where}.group_size", f"{info['group_size']!r}; NVFP4 scales blocks of {NVFP4_GROUP} weights, the layout Hangar sizes")
        if excluded(quant, entry):
            continue  # vLLM checks the exclude list first: 16-bit
        if entry == "lm_head" or entry.endswith(".lm_head"):
            if tied:
                raise ConfigError(where, "quantises the output head of a model that ties it to the embedding, which Hangar does not size")
            totals[FORMATS[algo]] = totals.get(FORMATS[algo], 0) + head
            continue
        found = _LAYER.match(entry)
        if found is None:
            if entry.startswith("mtp"):
                continue  # multi-token-prediction weights, dropped at load
            raise ConfigError(where, "a module Hangar cannot place; it sizes `layers.<i>.<module>` entries and the output head")
        layer, module = int(found.group(1)), found.group(2)
        if layer >= layers:
            continue  # past num_hidden_layers: multi-token prediction
        expert = _EXPERT.match(module)
        module = expert.group(1) if expert else module
        seen = by_layer.setdefault(layer, {}).get(module)
        if seen is not None and seen[0] != FORMATS[algo]:
            raise ConfigError(where, f"lists layer {layer}'s {module} in {FORMATS[algo]} beside {seen[1]!r} in {seen[0]}: vLLM quantises them as one")
        by_layer[layer][module] = (FORMATS[algo], entry)
    for layer, modules in by_layer.items():
        _check_fused(layer, modules, size, field)
        for module, (form, entry) in modules.items():
            counted = size(layer, module)
            if counted is None:
                raise ConfigError(f"{field}[{entry!r}]", f"a module the layout does not have where Hangar can count it (layer {layer}'s {module})")
            if module.endswith("experts") and form != NVFP4:
                raise ConfigError(f"{field}[{entry!r}]", f"routed experts in {form}: Hangar sizes a mixed checkpoint's routed experts in nvfp4 only")
            totals[form] = totals.get(form, 0) + counted
    if NVFP4 not in totals:
        raise ConfigError(field, "lists no NVFP4 module: Hangar sizes a MIXED_PRECISION checkpoint whose main format is nvfp4")
    return totals


def _check_fused(layer: int, modules: dict[str, tuple[str, str]], size: Sizer, field: str) -> None:
    """A fused layer's shards must be listed together, in one format (vLLM resolves the fused layer from any one)."""
    for module, (form, entry) in modules.items():
        parent, _, name = module.rpartition(".")
        group = next((g for g in FUSED if name in g), None)
        if group is None:
            continue
        for other in group:
            sibling = f"{parent}.{other}" if parent else other
            if sibling == module or size(layer, sibling) is None:
                continue
            if modules.get(sibling, (None,))[0] != form:
                raise ConfigError(f"{field}[{entry!r}]", f"lists {module} of layer {layer} in {form} but {sibling} "
                                                         f"{'in ' + modules[sibling][0] if sibling in modules else 'not at all'}: vLLM fuses them "
                                                         "into one layer and quantises it as the listed shard says")


def mixed_column(totals: dict[str, int]) -> str:
    """The row's `mixed_params_b`: `<format>:<billions>` per format, nvfp4 first (e.g. `nvfp4:24.100 fp8:1.902`)."""
    order = [NVFP4, *sorted(f for f in totals if f != NVFP4)]
    return " ".join(f"{form}:{totals[form] / 1e9:.3f}" for form in order)
