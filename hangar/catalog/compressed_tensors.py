"""The format of a compressed-tensors checkpoint (`quantization_config.quant_method: compressed-tensors`), where Hangar can
size and serve it; a ConfigError naming the field and the scheme where it cannot.

Sources (read 2026-12-02):
* the schema: the PyPI wheel compressed_tensors-0.20.1, compressed_tensors/quantization/quant_config.py
  (`QuantizationConfig`: `config_groups` of `QuantizationScheme`s, each `targets`, `weights`, `input_activations`,
  `output_activations`, `format`; `ignore`; `kv_cache_scheme`; `format`; `sparsity_config` and `transform_config` beside
  it) and quant_scheme.py's presets: `W8A8` (int8 weights per channel, symmetric, static; int8 activations per token,
  dynamic), `FP8` (fp8 weights and activations per tensor, static), `FP8_DYNAMIC` (fp8 weights per channel; activations
  per token, dynamic), `W4A16` (int4 weights per group of 128, no activation quantisation);
* how vLLM v0.33.0 picks the kernel: the PyPI wheel vllm-0.33.0 (commit 4ba787ec9 per vllm/_version.py),
  vllm/model_executor/layers/quantization/compressed_tensors/compressed_tensors.py `_get_scheme_from_parts`: with an
  activation-quantisation `format` (naive-, int- or float-quantized: utils.py `is_activation_quantization_format`),
  `_is_fp8_w8a8` (float 8-bit weights, symmetric, static, per tensor/channel/block; dynamic activations, or static
  symmetric per tensor) gives `CompressedTensorsW8A8Fp8` (schemes/compressed_tensors_w8a8_fp8.py, `get_min_capability`
  89) and, below 8.9, the weight-only `CompressedTensorsW8A16Fp8` (min 75); `_is_static_tensor_w8a8` (8-bit, weights
  per tensor/channel and symmetric, activations static per tensor) and `_is_dynamic_token_w8a8` (activations dynamic per
  token) give `CompressedTensorsW8A8Int8` (schemes/compressed_tensors_w8a8_int8.py, min 75). `get_scheme` leaves a
  layer `ignore` names, or no group targets, unquantised (16-bit).
* no `--quantization` is needed, and none but `compressed-tensors` is accepted: vllm/config/model.py
  `_verify_quantization` takes the config's `quant_method` and raises "Quantization method specified in the model
  config (compressed-tensors) does not match the quantization method specified in the `quantization` argument"
  otherwise (no method overrides compressed-tensors).

Hangar sizes the two 8-bit schemes as its int8 and fp8 (one byte a weight, the token embedding and output head in 16
bits: `hangar.sizing.embeddings`).

Weight-only int4 (the `W4A16` preset: `format` pack-quantized, int weights of 4 bits per group, no input activations) is
the catalog `dtype` w4a16-g<group>, with `-asym` where the weights carry zero points (`symmetric` false), served as Hangar's
int4 with no `--quantization` (`hangar.sizing.wna16` has its bytes and kernels). Read in both pinned releases (the PyPI
wheels vllm-0.11.2, commit 275de3417, and vllm-0.33.0, commit 4ba787ec9; read 2026-12-02): compressed_tensors.py
`_is_wNa16_group_channel` (weights per group or channel, static, no input activations) with `format` pack-quantized
gives `CompressedTensorsWNA16` (schemes/compressed_tensors_wNa16.py), 4 bits as uint4b8 (symmetric) or uint4 (zero
points). What Hangar does not size is refused naming the field: other bit widths (v0.11.2 takes 4 and 8, v0.33.0 2 to
8), weights per channel, group sizes other than 32, 64 and 128 (the ones vLLM's Marlin kernel takes at both releases,
utils/marlin_utils.py `MARLIN_SUPPORTED_GROUP_SIZES`), `actorder` group or dynamic (v0.11.2 then allocates and reads a
`weight_g_idx` and repeats the scales on every rank; v0.33.0's scheme no longer reads it), dynamic weights, float
weights (nvfp4 and mxfp4 schemes), and zero points on a mixture of experts (v0.11.2's compressed_tensors_moe.py
`CompressedTensorsWNA16MarlinMoEMethod` and `CompressedTensorsWNA16MoEMethod` both assert "Only symmetric quantization
is supported for MoE").
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError

INT8 = "w8a8-int8"
"""The catalog `dtype` of a compressed-tensors W8A8 int8 checkpoint (served as Hangar's int8)."""
FP8 = "w8a8-fp8"
"""The catalog `dtype` of a compressed-tensors W8A8 fp8 checkpoint, static or dynamic activations (served as fp8)."""
NVFP4 = "nvfp4"
"""The catalog `dtype` of a compressed-tensors NVFP4 W4A4 checkpoint (`nvfp4-pack-quantized`, RedHatAI's NVFP4 repacks):
vLLM's `CompressedTensorsW4A4Fp4` (v0.33.0 schemes/compressed_tensors_w4a4_nvfp4.py, taken by `_get_scheme_from_parts`
where `_is_nvfp4_format` holds for weights and activations: 4-bit float, `tensor_group` strategy, group 16, symmetric)
registers uint8 `weight_packed` [out, in / 2], an e4m3 `weight_scale` per 16 and an fp32 `weight_global_scale`: ModelOpt
NVFP4's bytes, so the same `dtype` and precision (`get_min_capability` 100 at v0.11.2, 75 at v0.33.0, as
`hangar.sizing.quant_kernels.NVFP4_MARLIN` plans them)."""
W4A16_GROUPS = (32, 64, 128)
"""Weights per scale of the int4 checkpoints Hangar sizes (Marlin's group sizes at both releases, less per channel)."""
W4A16_FORMATS = tuple(f"w4a16-g{group}{suffix}" for group in W4A16_GROUPS for suffix in ("", "-asym"))
"""The catalog `dtype`s of a compressed-tensors W4A16 checkpoint: its group size, and `-asym` with zero points."""
FORMATS = (INT8, FP8, NVFP4, *W4A16_FORMATS)
"""The compressed-tensors formats the catalog names: vLLM reads them from the checkpoint with no `--quantization`."""


def w4a16_layout(dtype: str) -> tuple[int, bool]:
    """(group size, zero points) of a W4A16 `dtype` (w4a16-g128, w4a16-g32-asym ...)."""
    group, _, asym = dtype.removeprefix("w4a16-g").partition("-")
    return int(group), asym == "asym"

_ACTIVATION_FORMATS = ("naive-quantized", "int-quantized", "float-quantized")
"""`format`s vLLM v0.33.0 runs W8A8 from (utils.py `is_activation_quantization_format`, less nvfp4's)."""


def compressed_tensors_format(quant: dict[str, Any], key: str = "quantization_config", *, experts: bool = False) -> str:
    """INT8, FP8 or a W4A16 format for a compressed-tensors `quantization_config` (read under `key`: older checkpoints say
    `compression_config`) every targeted linear layer of which is in that scheme; `experts`: the model routes to experts."""
    if quant.get("sparsity_config"):
        raise ConfigError(f"{key}.sparsity_config", "a compressed-tensors checkpoint with it is not sized (it changes the weights' layout)")
    if quant.get("kv_cache_scheme") and not fp8_kv_scheme(quant):
        raise ConfigError(f"{key}.kv_cache_scheme", f"{quant['kv_cache_scheme']!r}: Hangar sizes an 8-bit float KV cache only")
    _check_transforms(quant.get("transform_config"), f"{key}.transform_config")
    _check_ignore(quant.get("ignore") or [], key)
    groups = quant.get("config_groups")
    if not isinstance(groups, dict) or not groups:
        raise ConfigError(f"{key}.config_groups", "missing; a compressed-tensors checkpoint names its schemes there")
    schemes = {name: _scheme(f"{key}.config_groups.{name}", group, quant.get("format"), experts) for name, group in groups.items()}
    if len(set(schemes.values())) > 1:
        listed = ", ".join(f"{name}: {scheme}" for name, scheme in schemes.items())
        raise ConfigError(f"{key}.config_groups", f"mixes schemes ({listed}); Hangar sizes one scheme for every linear layer")
    return next(iter(schemes.values()))


def fp8_kv_scheme(quant: dict[str, Any]) -> bool:
    """Whether a compressed-tensors config declares an 8-bit float KV cache (`kv_cache_scheme`), which vLLM v0.33.0 allocates
    for `--kv-cache-dtype auto`: vllm/model_executor/layers/attention/attention.py `Attention.__init__` turns "auto" into
    "fp8" where the quantisation config has a `kv_cache_scheme` (wheel vllm-0.33.0, read 2026-12-03)."""
    scheme = quant.get("kv_cache_scheme")
    return isinstance(scheme, dict) and (scheme.get("type"), scheme.get("num_bits")) == ("float", 8)


def _check_transforms(transforms: Any, field: str) -> None:
    """A `transform_config` whose every transform is folded into the weights (locations weight_input / weight_output,
    which compressed-tensors 0.17.0's `TransformLocation.is_online` calls offline; vLLM v0.11.2 and v0.33.0 apply only the
    online ones at run time, compressed_tensors/transform/linear.py `get_linear_transform_schemes`): nothing to size."""
    if not transforms:
        return
    groups = transforms.get("config_groups") if isinstance(transforms, dict) else None
    if not isinstance(groups, dict):
        raise ConfigError(field, f"{transforms!r} has no config_groups of transforms")
    for name, group in groups.items():
        applied = group.get("apply") if isinstance(group, dict) else None
        if not isinstance(applied, list):
            raise ConfigError(f"{field}.config_groups.{name}.apply", "missing; each transform names where it applies")
        online = [a.get("location") for a in applied if not isinstance(a, dict) or a.get("location") not in ("weight_input", "weight_output")]
        if online:
            raise ConfigError(f"{field}.config_groups.{name}", f"applies at {online[0]!r}, at run time: transforms the server applies "
                                                               "are not sized; allowed: weight_input, weight_output (folded into the weights)")


def _check_ignore(ignore: Any, key: str) -> None:
    """The `ignore` list's form; which modules it keeps in 16 bits is placed and counted from the model's layout
    (`hangar.catalog.compressed_tensors_ignore`, the row's `unquantised_params_b`)."""
    if not isinstance(ignore, list):
        raise ConfigError(f"{key}.ignore", f"{ignore!r} is not a list of layer names")


def _scheme(field: str, group: Any, default_format: Any, experts: bool = False) -> str:
    if not isinstance(group, dict):
        raise ConfigError(field, f"{group!r} is not a quantisation scheme")
    if group.get("targets") != ["Linear"]:
        raise ConfigError(f"{field}.targets", f"{group.get('targets')!r}: Hangar sizes a scheme that targets every linear layer (['Linear']) only")
    weights, activations = group.get("weights"), group.get("input_activations")
    if not isinstance(weights, dict):
        raise ConfigError(f"{field}.weights", "missing; the scheme's weights say how the checkpoint is stored")
    if group.get("output_activations"):
        raise ConfigError(f"{field}.output_activations", f"{_describe(weights, activations)} with quantised outputs is not sized")
    described = _describe(weights, activations)
    if _is_nvfp4(weights) and _is_nvfp4(activations):
        return NVFP4
    layout = group.get("format") or default_format
    if activations is None:
        return _weight_only(field, weights, layout, described, experts)
    if layout not in _ACTIVATION_FORMATS:
        raise ConfigError(f"{field}.format", f"{layout!r} for {described}; vLLM v0.33.0 runs W8A8 from {', '.join(_ACTIVATION_FORMATS)}")
    bits = (weights.get("num_bits"), activations.get("num_bits"))
    static_weights = weights.get("symmetric") is True and not weights.get("dynamic")
    kinds = (weights.get("type"), activations.get("type"))
    if bits == (8, 8) and kinds == ("float", "float") and static_weights and weights.get("strategy") in ("tensor", "channel", "block"):
        if activations.get("dynamic") or (activations.get("symmetric") is True and activations.get("strategy") == "tensor"):
            return FP8  # _is_fp8_w8a8
    if bits == (8, 8) and kinds == ("int", "int") and static_weights and weights.get("strategy") in ("tensor", "channel"):
        strategy, dynamic = activations.get("strategy"), bool(activations.get("dynamic"))
        if (strategy, dynamic) in (("tensor", False), ("token", True)):
            return INT8  # _is_static_tensor_w8a8, _is_dynamic_token_w8a8
    raise ConfigError(f"{field}.weights", f"{described} is not a scheme Hangar sizes; known: {KNOWN}")


KNOWN = "W8A8 int8, W8A8 fp8 (static or dynamic activations), W4A16 int (groups of 32, 64 or 128)"


def _weight_only(field: str, weights: dict, layout: Any, described: str, experts: bool) -> str:
    """The W4A16 format of a weight-only scheme (`_is_wNa16_group_channel` in pack-quantized), or the field refused."""
    if (weights.get("num_bits"), weights.get("type")) != (4, "int"):
        raise ConfigError(f"{field}.weights", f"{described} (weight-only) is not a scheme Hangar sizes; known: {KNOWN}")
    if layout != "pack-quantized":
        raise ConfigError(f"{field}.format", f"{layout!r} for {described}; vLLM runs weight-only int from pack-quantized (CompressedTensorsWNA16)")
    if weights.get("dynamic"):
        raise ConfigError(f"{field}.weights.dynamic", f"{weights.get('dynamic')!r}: vLLM's CompressedTensorsWNA16 takes static weights only")
    if weights.get("strategy") != "group" or weights.get("group_size") not in W4A16_GROUPS:
        raise ConfigError(
            f"{field}.weights.group_size" if weights.get("strategy") == "group" else f"{field}.weights.strategy",
            f"{described}: Hangar sizes int4 weights per group of {', '.join(map(str, W4A16_GROUPS))} (vLLM's Marlin group sizes) only",
        )
    if weights.get("actorder") not in (None, "weight"):
        raise ConfigError(f"{field}.weights.actorder", f"{weights.get('actorder')!r}: activation reordering by group (g_idx) is not sized; allowed: null, 'weight'")
    symmetric = weights.get("symmetric")
    if not isinstance(symmetric, bool):
        raise ConfigError(f"{field}.weights.symmetric", f"{symmetric!r} is not true or false")
    if experts and not symmetric:
        raise ConfigError(
            f"{field}.weights.symmetric",
            "false (zero points) on a mixture of experts: vLLM v0.11.2's compressed-tensors MoE methods assert "
            "'Only symmetric quantization is supported for MoE' (compressed_tensors_moe.py), so Hangar does not plan it",
        )
    return f"w4a16-g{weights['group_size']}{'' if symmetric else '-asym'}"


def _is_nvfp4(args: Any) -> bool:
    """vLLM's `_is_nvfp4_format`: 4-bit float, `tensor_group` strategy, groups of 16, symmetric."""
    return isinstance(args, dict) and (args.get("num_bits"), args.get("type"), args.get("strategy"), args.get("group_size"), args.get("symmetric")) == (
        4, "float", "tensor_group", 16, True)


def _describe(weights: dict, activations: Any) -> str:
    """The scheme as a user would name it: W<bits>A<bits or 16> <type>, and the weights' strategy (and group size)."""
    act_bits = activations.get("num_bits") if isinstance(activations, dict) else 16
    strategy = weights.get("strategy")
    if strategy == "group":
        strategy = f"group {weights.get('group_size')}"
    return f"compressed-tensors W{weights.get('num_bits')}A{act_bits} {weights.get('type')} (weights per {strategy})"
