"""Read poolside's Laguna layout (`model_type` laguna, `LagunaForCausalLM`: Laguna XS.2, XS-2.1, S-2.1, M.1) from its
config.json, as vLLM v0.33.0 builds it.

Read in the PyPI wheel vllm-0.33.0 (commit 4ba787ec9), read 2026-12-03: registry.py maps `LagunaForCausalLM` to
vllm/model_executor/models/laguna.py, which builds from transformers' `LagunaConfig` (its `get_mlp_layer_types` raises
without `mlp_layer_types`: "Laguna requires the `LagunaConfig` from Transformers"). That class is
transformers/models/laguna/configuration_laguna.py in the PyPI wheels transformers-5.16.1 and 5.20.2 (the oldest and
newest v0.33.0's `transformers>=5.16.1,<5.21.0` admits; the same fields and defaults in both), whose defaults the reader
applies to a field the file leaves out (`LAGUNA_DEFAULTS`); without `layer_types` every layer is full attention, without
`mlp_layer_types` the first layer is dense and the others sparse, without `num_attention_heads_per_layer` every layer has
`num_attention_heads`. What laguna.py builds:

* `LagunaDecoderLayer` i: attention of `num_attention_heads_per_layer[i]` query heads (the per-layer override, e.g. 48
  on full layers and 64 on sliding ones in Laguna XS.2) over `num_key_value_heads` KV heads of `head_dim` in every
  layer (`LagunaAttention`: `QKVParallelLinear` q/k/v, `o_proj`, q/k RMS norms); a layer whose `layer_types` entry is
  "sliding_attention" gets `per_layer_sliding_window=config.sliding_window`, the others none (`LagunaModel` clears the
  model-wide `cache_config.sliding_window`, so no full layer takes the window). Every layer caches the same K and V shape,
  so the hybrid KV-cache manager pages the sliding layers' windows beside the full layers'. A `gating` of true or
  "per-head" adds `g_proj` (hidden -> query heads), "per-element" (or another string) hidden -> query heads x head_dim,
  false none; `swa_attention_sink_enabled` a per-head sink parameter (not counted). Rope settings (per layer type,
  partial rotary) change nothing cached.
* MLP: a layer whose `mlp_layer_types` entry is "sparse" (with `num_experts` > 0) is a `LagunaMoE`: a `GateLinear` router
  (hidden x experts), `num_experts` experts of `moe_intermediate_size` (top `num_experts_per_tok`) and, where
  `shared_expert_intermediate_size` > 0, one shared expert of that width; the others a dense `LagunaMLP` of
  `intermediate_size` (gate_proj and up_proj kept apart, not merged). `mlp_only_layers` and `decoder_sparse_step`, which
  Laguna S-2.1's config.json also carries, and `gating_types` are read by neither vLLM nor `LagunaConfig`.
* `hidden_act` must be silu (`LagunaMLP` raises otherwise); the output head is tied to the embedding where
  `tie_word_embeddings` says so.
* `DFlashLagunaForCausalLM` (laguna_dflash.py) is a DFlash draft in the registry's `_SPECULATIVE_DECODING_MODELS`:
  served only as another model's `--speculative-config` draft, refused here.

A catalog row keeps `num_attention_heads` (which vLLM's `verify_with_parallel_config` divides by the TP degree) as
`attention_heads` and each layer's own as `layer_attention_heads` (runs, where they differ); each `LagunaAttention`
asserts that the TP degree divides its own heads, which `hangar.sizing.tensor_parallel` checks per layer (Laguna S-2.1's
72 sliding-layer heads refuse TP 16), and the parameter ESTIMATE counts each layer's own.

poolside's FP8 releases are compressed-tensors W8A8 fp8 with an fp8 `kv_cache_scheme` (`hangar.catalog.compressed_tensors`)
whose `ignore` keeps attention (q/k/v/o/g_proj), the routers and, in S-2.1, the first layer's dense MLP and the shared
experts in 16 bits: placed by `hangar.catalog.compressed_tensors_ignore` and counted here with each layer's own shape.

Which releases serve it (`hangar.sizing.engine_models.ARRIVALS`), from the registry.py of the PyPI wheels, read
2026-12-03: not v0.11.2 (commit 275de3417), v0.20.0 (b8160878f), v0.20.1 (132765e35) or v0.20.2 (bc150f502); v0.21.0
(ad7125a43) is the first to map `LagunaForCausalLM` to laguna.py, with vLLM's own `LagunaConfig` in `_CONFIG_REGISTRY`
(vllm/transformers_utils/configs/laguna.py: it picks dense layers by `mlp_only_layers`, default [0], and
`decoder_sparse_step`, where v0.33.0 reads transformers' `mlp_layer_types`; the releases poolside published give the same
layers either way), so it loads under any transformers it admits. Before it, the Transformers backend of a release
requiring transformers<5 cannot stand in: transformers has no laguna model before 5.7.0 (the PyPI wheels 5.5.4, 5.6.0 and
5.6.2 have no models/laguna/, 5.7.0 has). At v0.33.0 the class is `SupportsPP`, `SupportsLoRA`, `SupportsEagle3`; its
LoRA slots are not sized (`hangar.sizing.lora`: a mixture of experts with a dense layer and shared experts).

Parameters are an ESTIMATE from the shapes (`hangar.catalog.model_params`' conventions: projections, experts and
routers, embedding and head; norms, sinks and biases left out).
"""

from __future__ import annotations

from typing import Any

from .compressed_tensors_ignore import ignored_modules
from .config_fields import ConfigError, config_int
from .context_length import context_fields
from .layer_runs import encode_runs
from .weight_format import declared_kv_dtype, declared_quantisation, published_format

LAGUNA = "laguna"
"""The model type of poolside's Laguna family."""
LAGUNA_ARCHITECTURE = "LagunaForCausalLM"
"""The class vLLM v0.33.0's registry serves the layout as."""

LAGUNA_DEFAULTS: dict[str, Any] = {
    "vocab_size": 100352, "hidden_size": 2048, "intermediate_size": 8192, "num_hidden_layers": 40, "num_attention_heads": 48,
    "num_key_value_heads": 8, "hidden_act": "silu", "max_position_embeddings": 131072, "tie_word_embeddings": False,
    "sliding_window": 512, "moe_intermediate_size": 512, "shared_expert_intermediate_size": 512, "num_experts_per_tok": 8,
    "num_experts": 256, "head_dim": 128, "gating": True,
}
"""transformers-5.16.1 and 5.20.2 `LagunaConfig` defaults (configuration_laguna.py; the module docstring)."""

_GATES = {True: "per-head", "per-head": "per-head", "per-element": "per-element", False: None}
"""`gating` values and the gate laguna.py builds for each (`gate_per_head = gating is True or gating == "per-head"`)."""

_NOT_IN_LAYOUT = (
    "global_kv_heads", "global_head_dim", "kv_lora_rank", "qk_rope_head_dim", "attention_layers", "state_bytes_per_sequence",
    "indexer_bytes_per_token", "q_lora_rank", "qk_nope_head_dim", "v_head_dim", "index_n_heads", "index_head_dim",
    "linear_key_dim", "linear_value_dim", "linear_value_heads", "linear_conv_kernel_dim", "attn_output_gate", "layer_kv_heads",
    "layer_mlp_widths",
)


def _per_layer(text: dict, key: str, layers: int, allowed: tuple[Any, ...] | None, default: list[Any]) -> list[Any]:
    declared = text.get(key)
    if declared is None:
        return default
    if not isinstance(declared, list) or len(declared) != layers:
        raise ConfigError(key, f"expected a list of {layers} entries (num_hidden_layers), as LagunaConfig validates it")
    unknown = sorted({repr(v) for v in declared if (v not in allowed if allowed else isinstance(v, bool) or not isinstance(v, int) or v <= 0)})
    if unknown:
        known = ", ".join(map(repr, allowed)) if allowed else "positive whole numbers"
        raise ConfigError(key, f"{', '.join(unknown)} not understood; allowed: {known}")
    return declared


def _merged(text: dict) -> dict[str, Any]:
    """The config with `LagunaConfig`'s defaults under what it states (a null counts as absent)."""
    return {**LAGUNA_DEFAULTS, **{k: v for k, v in text.items() if v is not None}}


def read_laguna(config: dict[str, Any], quant_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `Architecture` fields of a Laguna config.json; ConfigError names the field it cannot read or that vLLM v0.33.0
    would serve otherwise than Hangar sizes it."""
    names = config.get("architectures") if isinstance(config.get("architectures"), list) else []
    if any(name != LAGUNA_ARCHITECTURE for name in names):
        raise ConfigError("architectures", f"{names!r}: vLLM v0.33.0 serves the laguna layout as {LAGUNA_ARCHITECTURE} only; "
                                           "DFlashLagunaForCausalLM is a speculative-decoding draft, loaded only as another "
                                           "model's --speculative-config")
    text = _merged(config)
    if text["hidden_act"] != "silu":
        raise ConfigError("hidden_act", f"{text['hidden_act']!r}: vLLM's LagunaMLP supports silu only")
    gating = text["gating"]
    if not isinstance(gating, (bool, str)) or gating not in _GATES:
        raise ConfigError("gating", f"{gating!r} not understood; allowed: true, false, 'per-head', 'per-element'")
    tied = text["tie_word_embeddings"]
    if not isinstance(tied, bool):
        raise ConfigError("tie_word_embeddings", f"{tied!r} is not true or false")
    layers, hidden, vocab = config_int(text, "num_hidden_layers"), config_int(text, "hidden_size"), config_int(text, "vocab_size")
    heads, kv_heads, head_dim = config_int(text, "num_attention_heads"), config_int(text, "num_key_value_heads"), config_int(text, "head_dim")
    kinds = _per_layer(text, "layer_types", layers, ("full_attention", "sliding_attention"), ["full_attention"] * layers)
    mlp = _per_layer(text, "mlp_layer_types", layers, ("dense", "sparse"), ["dense"] + ["sparse"] * (layers - 1))
    query = _per_layer(text, "num_attention_heads_per_layer", layers, None, [heads] * layers)
    odd = next((q for q in query if q % kv_heads), None)
    if odd is not None:
        raise ConfigError("num_attention_heads_per_layer", f"{odd} query heads is not a multiple of num_key_value_heads {kv_heads}")
    experts_declared = text["num_experts"]
    experts = None if experts_declared == 0 else config_int(text, "num_experts")
    routed = [kind == "sparse" and experts is not None for kind in mlp]
    active = expert_width = shared = None
    if any(routed):
        active, expert_width = config_int(text, "num_experts_per_tok"), config_int(text, "moe_intermediate_size")
        shared = None if text["shared_expert_intermediate_size"] == 0 else config_int(text, "shared_expert_intermediate_size")
    else:
        experts = None
    dense_width = config_int(text, "intermediate_size") if not all(routed) else None
    sliding = kinds.count("sliding_attention")
    shape = _Shape(hidden, kv_heads, head_dim, _GATES[gating], dense_width, experts, active, expert_width, shared)
    modules = [shape.modules(q, moe) for q, moe in zip(query, routed, strict=True)]
    total = active_total = vocab * hidden
    total += 0 if tied else vocab * hidden
    for layer in modules:
        total += sum(layer["attention"].values()) + layer["mlp"] + layer["shared_experts"]
        active_total += sum(layer["attention"].values()) + layer["mlp_active"] + layer["shared_experts"]
    return {
        "model_type": LAGUNA, "text_model_type": LAGUNA, "layers": layers, "attention_heads": heads, "hidden_size": hidden,
        "vocab_size": vocab, "intermediate_size": dense_width, "moe_intermediate_size": expert_width, "kv_heads": kv_heads,
        "head_dim": head_dim, "sliding_window": config_int(text, "sliding_window") if sliding else None,
        "sliding_window_layers": sliding or None, "num_experts": experts, "num_experts_per_tok": active, **context_fields(text, LAGUNA),
        "dtype": published_format(config, config, quant_config, experts=experts is not None),
        "kv_cache_dtype": declared_kv_dtype(config, config, quant_config),
        "unquantised_params_b": _unquantised(config, quant_config, modules, routed, shared is not None),
        "params_total_b": round(total / 1e9, 3), "params_active_b": None if experts is None else round(active_total / 1e9, 3),
        "kv_bytes_per_token_bf16": 2 * layers * kv_heads * head_dim * 2, "multimodal": False, "tie_word_embeddings": tied,
        "dense_mlp_layers": (routed.count(False) or None) if experts is not None else None,
        "shared_expert_intermediate_size": shared, "layer_attention_heads": encode_runs(query) if len(set(query)) > 1 else None,
        **dict.fromkeys(_NOT_IN_LAYOUT),
    }


class _Shape:
    """The weights of one Laguna layer's modules, by the module names a compressed-tensors `ignore` list places."""

    def __init__(self, hidden: int, kv_heads: int, head_dim: int, gate: str | None, dense: int | None, experts: int | None,
                 active: int | None, expert_width: int | None, shared: int | None) -> None:
        self.hidden, self.kv_heads, self.head_dim, self.gate = hidden, kv_heads, head_dim, gate
        self.dense, self.experts, self.active, self.expert_width, self.shared = dense, experts, active, expert_width, shared

    def modules(self, query_heads: int, routed: bool) -> dict[str, Any]:
        """{"attention": {projection: weights}, "mlp": the dense MLP or the experts and router, "mlp_active": what a token
        uses of it, "shared_experts": the shared expert's weights (0 where none)}."""
        hidden, q = self.hidden, query_heads * self.head_dim
        kv = hidden * self.kv_heads * self.head_dim
        attention = {"q_proj": hidden * q, "k_proj": kv, "v_proj": kv, "o_proj": q * hidden}
        if self.gate is not None:
            attention["g_proj"] = hidden * (query_heads if self.gate == "per-head" else q)
        if not routed:
            assert self.dense is not None
            dense = 3 * hidden * self.dense
            return {"attention": attention, "mlp": dense, "mlp_active": dense, "shared_experts": 0}
        assert self.experts is not None and self.active is not None and self.expert_width is not None
        expert, router = 3 * hidden * self.expert_width, hidden * self.experts
        return {"attention": attention, "mlp": self.experts * expert + router, "mlp_active": self.active * expert + router,
                "shared_experts": 3 * hidden * self.shared if self.shared else 0}


def _unquantised(config: dict, quant_config: dict | None, modules: list[dict[str, Any]], routed: list[bool], shared: bool) -> float | None:
    """Billions of parameters a compressed-tensors checkpoint's `ignore` keeps in 16 bits besides the embedding and head
    (`hangar.catalog.compressed_tensors_ignore` places them; each layer's own shapes count them); None where none."""
    found = declared_quantisation(config, config, quant_config)
    if found is None or found[1].get("quant_method") != "compressed-tensors":
        if found is not None and any(found[1].get(k) for k in ("ignored_layers", "modules_to_not_convert", "exclude_modules")):
            raise ConfigError(found[0], "a Laguna checkpoint that keeps some modules in 16 bits other than by compressed-tensors' "
                                        "ignore list: which ones is not sized for this layout")
        return None
    key, quant = found
    ignore = quant.get("ignore") or []
    if not isinstance(ignore, list):
        raise ConfigError(f"{key}.ignore", f"{ignore!r} is not a list of layer names")
    kept = ignored_modules(ignore, key, layers=len(modules), attention={i: list(m["attention"]) for i, m in enumerate(modules)},
                           dense={i for i, moe in enumerate(routed) if not moe}, moe=any(routed),
                           shared="shared_expert" if shared else None, nested=False)
    total = 0
    for layer, names in kept.items():
        found_modules = modules[layer]
        for name in names:
            if name == "attention":
                total += sum(found_modules["attention"].values())
            elif name == "mlp":
                total += found_modules["mlp"]
            elif name == "shared_experts":
                total += found_modules["shared_experts"]
            else:
                total += found_modules["attention"][name]
    return round(total / 1e9, 3) or None
