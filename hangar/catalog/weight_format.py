"""The format a checkpoint publishes its weights (and KV cache) in, from its config.json and, for an older ModelOpt export,
the `hf_quant_config.json` beside it: the catalog's `dtype` and `kv_cache_dtype` columns."""

from __future__ import annotations

from typing import Any

from .compressed_tensors import compressed_tensors_format, fp8_kv_scheme
from .compressed_tensors_ignore import ignored_modules
from .config_fields import MLA_TYPES, ConfigError, config_int, quantised_format
from .model_params import dense_layers, module_parameters, projections
from .modelopt import HF_QUANT_CONFIG, is_modelopt, kept_modules, kv_cache_fp8, modelopt_format


def declared_quantisation(config: dict, text: dict, quant_config: dict | None = None) -> tuple[str, dict[str, Any]] | None:
    """(key, quantisation config) as vLLM takes it: config.json's `quantization_config` (`compression_config` for older
    compressed-tensors checkpoints; a multimodal config's text_config's), else the `hf_quant_config.json` beside it
    (vllm/transformers_utils/config.py at v0.11.2 and v0.33.0: `hangar.catalog.modelopt`); None for a 16-bit checkpoint."""
    found = next(((key, c[key]) for c in (config, text) for key in ("quantization_config", "compression_config") if isinstance(c.get(key), dict)), None)
    if found is None and quant_config is not None:
        found = (HF_QUANT_CONFIG, quant_config)
    return found


def quantisation_method(config: dict, text: dict, quant_config: dict | None = None) -> str | None:
    """The declared quantisation's `quant_method` ("modelopt" for a ModelOpt file beside config.json); None for a 16-bit checkpoint."""
    found = declared_quantisation(config, text, quant_config)
    if found is None:
        return None
    return "modelopt" if is_modelopt(found[1]) else found[1].get("quant_method")


def published_format(config: dict, text: dict, quant_config: dict | None = None, *, experts: bool = False) -> str | None:
    """The number format the weights are published in: the quantisation's where the config declares one.

    A quantised checkpoint still names its 16-bit activation type as `torch_dtype` (DeepSeek-V3's says bfloat16), so the
    `quantization_config` decides: deepseek-ai/DeepSeek-V3 README_WEIGHTS.md at 9b4e9788e4a3a731f7567338ed15d3ec549ce03b
    (read 2026-12-01): "The FP8 weight file introduces a `quantization_config` field", `"quant_method": "fp8"`, e4m3
    with 128x128 block scales. vLLM reads the same field (`compression_config` for compressed-tensors checkpoints) to
    choose how to load the weights. `"quant_method": "mxfp4"` (gpt-oss: its MoE experts, the rest bf16 - see
    hangar/sizing/mxfp4.py) is mxfp4; awq and gptq in the 4-bit layout Hangar sizes (`config_fields.quantised_format`).
    A compressed-tensors checkpoint is W8A8 int8 or fp8, W4A16 or NVFP4 (`hangar.catalog.compressed_tensors`; `experts`:
    the model routes to experts), or refused naming the field.
    A ModelOpt checkpoint is modelopt-fp8 or nvfp4 (`hangar.catalog.modelopt`), read from config.json's
    `quantization_config` or, where it has none, from the `hf_quant_config.json` beside it, as vLLM reads them.
    Another method or layout (8-bit GPTQ ...) is not a format this column names: unknown (None), never the 16-bit type.
    """
    found = declared_quantisation(config, text, quant_config)
    if found is not None:
        key, quant = found
        if quant.get("quant_method") == "compressed-tensors":
            return compressed_tensors_format(quant, key, experts=experts)
        if is_modelopt(quant):
            return modelopt_format(quant, key, config_int(text, "num_hidden_layers", required=False))
        if key == HF_QUANT_CONFIG:
            raise ConfigError(key, "not a ModelOpt quantisation config (no producer modelopt), which is the one vLLM reads from this file")
        return quantised_format(quant)
    value = text.get("torch_dtype") or text.get("dtype") or config.get("torch_dtype") or config.get("dtype")
    return value if value in ("bfloat16", "float16", "float32") else None


def declared_kv_dtype(config: dict, text: dict, quant_config: dict | None = None) -> str | None:
    """"fp8" where a ModelOpt checkpoint declares an fp8 KV cache (`kv_cache_quant_algo` FP8), or a compressed-tensors one an
    8-bit float `kv_cache_scheme` (`compressed_tensors.fp8_kv_scheme`), which vLLM v0.33.0 then allocates for
    `--kv-cache-dtype auto` (`hangar.sizing.kv.served_kv_dtype`); else None."""
    found = declared_quantisation(config, text, quant_config)
    if found is not None and found[1].get("quant_method") == "compressed-tensors":
        return "fp8" if fp8_kv_scheme(found[1]) else None
    return "fp8" if found is not None and is_modelopt(found[1]) and kv_cache_fp8(found[1]) else None


def unquantised_parameters(config: dict, text: dict, quant_config: dict | None, model_type: str, kinds: list[str], **shape: Any) -> float | None:
    """Parameters a quantised checkpoint keeps in 16 bits besides its embedding and head, ESTIMATED from their shapes; None
    where it keeps none: a ModelOpt checkpoint's excluded layers, attention blocks or projections, MLPs and shared experts
    (`hangar.catalog.modelopt.kept_modules`), a compressed-tensors checkpoint's `ignore`d ones
    (`hangar.catalog.compressed_tensors_ignore`: Kimi K2.5's attention, shared experts and dense MLP). `shape` is
    `module_parameters`' hidden, heads, kv_heads, head_dim and experts."""
    found = declared_quantisation(config, text, quant_config)
    if found is None:
        return None
    key, quant = found
    if quant.get("quant_method") == "compressed-tensors":
        by_layer = _ignored(quant, key, text, model_type, kinds, nested=isinstance(config.get("text_config"), dict), **shape)
        return _count(by_layer, text, model_type, kinds, lambda layer, module: f"{key}.ignore", **shape)
    if not is_modelopt(quant):
        return None
    by_layer: dict[int, set[str]] = {}
    kept = kept_modules(quant, key, len(kinds))
    for layer, module in kept.values():
        for index in range(len(kinds)) if layer == -1 else (layer,):  # -1: every layer (a wildcard entry)
            if layer != -1 or module_parameters(text, model_type, kinds, index, module, **shape):
                by_layer.setdefault(index, set()).add(module)

    def blamed(layer: int, module: str) -> str:
        entry = next(e for e, placed in kept.items() if placed == (layer, module))
        raise ConfigError(key, f"excludes {entry!r}, a module the {model_type} layout does not have where Hangar can count it")

    return _count(by_layer, text, model_type, kinds, blamed, **shape)


def _ignored(quant: dict, key: str, text: dict, model_type: str, kinds: list[str], *, nested: bool, **shape: Any) -> dict[int, set[str]]:
    """The modules a compressed-tensors `ignore` keeps in 16 bits, layer by layer (`compressed_tensors_ignore`)."""
    ignore = quant.get("ignore") or []
    if not isinstance(ignore, list):
        raise ConfigError(f"{key}.ignore", f"{ignore!r} is not a list of layer names")
    experts = shape.get("experts")
    attention = {}
    for layer, kind in enumerate(kinds):
        if kind in ("full", "sliding") and model_type != "gemma4_text":
            attention[layer] = [name for name in projections(text, model_type, shape["hidden"], shape["heads"], shape["kv_heads"], shape["head_dim"])
                                if name != "indexer"]
    dense = dense_layers(text, model_type, len(kinds)) if experts is not None else set(range(len(kinds)))
    shared = None
    if experts is not None and module_parameters(text, model_type, kinds, len(kinds) - 1, "shared_experts", **shape):
        shared = "shared_experts" if model_type in (*MLA_TYPES, "glm4_moe") else "shared_expert"
    return ignored_modules(ignore, key, layers=len(kinds), attention=attention, dense=dense, moe=experts is not None, shared=shared, nested=nested)


def _count(by_layer: dict[int, set[str]], text: dict, model_type: str, kinds: list[str], blamed: Any, **shape: Any) -> float | None:
    """The parameters of the modules kept in 16 bits, in billions; None where there are none."""
    total = 0
    for layer, modules in by_layer.items():
        if "layer" in modules:
            modules = {"layer"}
        if "attention" in modules:
            modules = {m for m in modules if m in ("attention", "mlp", "shared_experts")}
        if "mlp" in modules:
            modules.discard("shared_experts")
        for module in modules:
            counted = module_parameters(text, model_type, kinds, layer, module, **shape)
            if counted is None:
                raise ConfigError(blamed(layer, module), f"keeps {module} of layer {layer} in 16 bits, which the {model_type} layout does not have where Hangar can count it")
            total += counted
    return total / 1e9 if total else None
