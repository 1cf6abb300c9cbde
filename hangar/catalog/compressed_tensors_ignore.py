"""Which modules a compressed-tensors checkpoint's `ignore` list keeps in 16 bits, placed layer by layer so Hangar can
count them (`hangar.catalog.weight_format.unquantised_parameters`); a ConfigError naming `quantization_config.ignore`
where an entry keeps modules the reader cannot place.

How an entry matches, read 2026-12-02:
* compressed-tensors (the PyPI wheel compressed_tensors-0.17.0, the release vLLM v0.33.0 pins, `Requires-Dist:
  compressed-tensors==0.17.0`), compressed_tensors/utils/match.py `match_name`: "Returns true if target string begins
  with "re:" and regex matches or if target string exactly matches name" - `re.match(target.removeprefix("re:"), name)`,
  a match anchored at the name's start but not at its end, else `target == name`; `is_match` also matches a module's
  class name (`_match_class`: "Linear" for every linear layer).
* vLLM v0.33.0 (PyPI wheel, commit 4ba787ec9) applies the same rule itself:
  vllm/model_executor/layers/quantization/utils/config_utils.py `is_equal_or_regex_match` (`re.match` after "re:",
  else equality) through compressed_tensors/utils.py `should_ignore_layer`: a fused linear layer (vLLM's
  `packed_modules_mapping`: `qkv_proj` of q/k/v_proj, DeepSeek's `fused_qkv_a_proj` of q_a_proj and
  kv_a_proj_with_mqa, `gate_up_proj` of gate/up_proj) is ignored when an entry matches its own name or every shard's,
  and vLLM raises "Found different quantization schemes for the shards of ..." when only some shards match.
  compressed_tensors.py `get_quant_method` leaves an ignored linear layer to `UnquantizedLinearMethod` (16 bits);
  compressed_tensors_moe/compressed_tensors_moe.py `get_moe_method` asks about a routed-expert layer by its first
  expert's projections (`{layer}.0.gate_proj`, `.up_proj`, `.down_proj`) and gives an ignored one
  `UnquantizedFusedMoEMethod`. `apply_vllm_mapper` renames only literal dotted names by the model's weight mapper;
  patterns (`re:`) are matched against vLLM's own module names as written.
* vLLM v0.11.2 (PyPI wheel, commit 275de3417) reads the list the same way for linear layers
  (compressed_tensors/utils.py `should_ignore_layer`, `_is_equal_or_regex_match`) with two differences, both refused
  here because the pinned releases would load the checkpoint apart: it matches a fused layer by its shards only (a
  pattern naming `qkv_proj` itself keeps nothing), and its compressed_tensors_moe.py `get_moe_method` reads no ignore
  list ("TODO ... check if the layer is being ignored"): every MoE layer's routed experts are quantised.
* vLLM's names (deepseek_v2.py, qwen3_moe.py, llama.py ...): `model.layers.N.self_attn.<projection>`,
  `model.layers.N.mlp.{gate_up_proj,down_proj}` (a dense MLP), `model.layers.N.mlp.shared_experts.<...>` (DeepSeek,
  GLM; Qwen's `shared_expert`), `model.layers.N.mlp.experts` (routed), `model.layers.N.mlp.gate` (the router), and
  `lm_head`; a multimodal model nests its language model as `language_model.model.layers.N...` (kimi_k25.py,
  qwen3_vl.py) beside its vision tower and projector.

Kimi K2.5 and Kimi-K2-Thinking keep attention, shared experts and the dense MLP in 16 bits this way (`lm_head`,
`re:.*self_attn.*`, `re:.*shared_experts.*`, `re:.*mlp\\.(gate|up|gate_up|down)_proj.*`): the last pattern matches
`mlp.gate_up_proj` but not `mlp.experts.0.gate_proj`, so only the routed experts are int4.

An entry matching only the output head, a router or a vision module costs nothing Hangar counts (16 bits already, a few
hundredths of a percent, or outside the text model's count). An entry that matches none of the modules probed - another
naming (Mixtral's `block_sparse_moe`), one expert of many, a linear-attention layer, a norm - is refused, as is one that
keeps part of an MLP or of a fused projection, or routed experts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .config_fields import ConfigError

FUSED = {"qkv_proj": ("q_proj", "k_proj", "v_proj"), "fused_qkv_a_proj": ("q_a_proj", "kv_a_proj_with_mqa"), "gate_up_proj": ("gate_proj", "up_proj")}
"""vLLM's fused linear layers and their shards (the models' `packed_modules_mapping`)."""
_FREE_NAMES = ("lm_head", "vision_tower.encoder.blocks.0.wqkv", "mm_projector.linear_1", "visual.blocks.0.attn.qkv", "vision_model.encoder.layers.0.self_attn.qkv_proj",
               "multi_modal_projector.linear_1")
"""Modules whose 16-bit weights the count leaves out: the output head (16-bit already) and vision modules (a tower's own count)."""
_HF_PREFIXES = ("model.language_model.", "language_model.model.", "language_model.", "model.")
"""Checkpoint prefixes of a layer's name, stripped before a literal entry is compared (each model's weight mapper's job in vLLM)."""


@dataclass(frozen=True)
class Linear:
    """One linear layer as vLLM builds it: its name under the layer, and the checkpoint shards a fused one is made of."""

    name: str
    shards: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return tuple(self.name.rsplit(".", 1)[0] + "." + shard if "." in self.name else shard for shard in self.shards)


def _linears(projections: Iterable[str], prefix: str) -> list[Linear]:
    """vLLM's linear layers over the checkpoint's projections `projections` (fused where vLLM fuses them)."""
    left = list(projections)
    found = []
    for fused, shards in FUSED.items():
        if all(shard in left for shard in shards):
            found.append(Linear(f"{prefix}{fused}", tuple(shards)))
            left = [p for p in left if p not in shards]
    return found + [Linear(f"{prefix}{p}", (p,)) for p in left]


def _matches(entry: str, name: str) -> bool:
    """compressed-tensors' `match_name` (and vLLM's `is_equal_or_regex_match`)."""
    if entry.startswith("re:"):
        return re.match(entry[3:], name) is not None
    return _strip(entry) == _strip(name)


def _strip(name: str) -> str:
    for prefix in _HF_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def ignored_modules(
    ignore: list[str], key: str, *, layers: int, attention: dict[int, list[str]], dense: set[int], moe: bool, shared: str | None, nested: bool,
) -> dict[int, set[str]]:
    """The modules each layer keeps in 16 bits by `ignore`: "attention" (or single projections by name), "mlp" (a dense MLP)
    and "shared_experts". Routed experts left out are refused: the pinned releases disagree on them (module docstring).

    `attention`: the checkpoint's projection names of each layer with attention (others have none the reader probes);
    `dense`: the layers with a dense MLP; `moe`: the others route to experts; `shared`: the shared experts' module name
    (`shared_experts`, `shared_expert`) or None; `nested`: the language model sits under `language_model.` (multimodal).
    """
    prefix = "language_model.model.layers." if nested else "model.layers."
    used: set[str] = set()
    kept: dict[int, set[str]] = {}

    def ignored(linear: Linear, entries: list[str]) -> bool:
        direct = [e for e in entries if _matches(e, linear.name)]
        per_shard = [[e for e in entries if _matches(e, shard)] for shard in linear.names()]
        if direct and len(linear.shards) > 1 and not all(per_shard) and any(e.startswith("re:") for e in direct):
            raise ConfigError(f"{key}.ignore", f"{direct[0]!r} matches vLLM's fused {linear.name} but not each of its shards "
                                               f"({', '.join(linear.shards)}): v0.33.0 leaves it unquantised, v0.11.2 (which matches a fused "
                                               "layer by its shards) quantises it, so the pinned releases would size it apart")
        if direct:
            used.update(direct)
            return True
        if all(per_shard):
            used.update(e for found in per_shard for e in found)
            return True
        if any(per_shard):
            entry = next(e for found in per_shard for e in found)
            raise ConfigError(f"{key}.ignore", f"{entry!r} leaves some shards of {linear.name} unquantised and not others, which vLLM refuses "
                                               "('Found different quantization schemes for the shards')")
        return False

    def whole(linears: list[Linear], what: str, entries: list[str]) -> bool:
        hits = [ignored(linear, entries) for linear in linears]
        if any(hits) and not all(hits):
            entry = next(e for e in entries if any(_matches(e, linear.name) or any(_matches(e, n) for n in linear.names()) for linear in linears))
            raise ConfigError(f"{key}.ignore", f"{entry!r} keeps part of {what} in 16 bits; Hangar counts whole MLPs and shared experts only")
        return all(hits) and bool(hits)

    entries = [str(e) for e in ignore]
    for entry in entries:
        if any(_matches(entry, name) for name in (*_FREE_NAMES, f"language_model.{_FREE_NAMES[0]}")):
            used.add(entry)
    for layer in range(layers):
        base = f"{prefix}{layer}."
        modules: set[str] = set()
        names = attention.get(layer, [])
        for linear in _linears(names, f"{base}self_attn."):
            if ignored(linear, entries):
                modules.update(linear.shards)
        if names and set(names) <= modules:
            modules = (modules - set(names)) | {"attention"}
        for entry in entries:  # the router: a GateLinear / ReplicatedLinear vLLM never quantises
            if _matches(entry, f"{base}mlp.gate"):
                used.add(entry)
        if layer in dense:
            if whole(_linears(("gate_proj", "up_proj", "down_proj"), f"{base}mlp."), f"layer {layer}'s MLP", entries):
                modules.add("mlp")
        elif moe:
            experts = [Linear(f"{base}mlp.experts.0.{p}", (p,)) for p in ("gate_proj", "up_proj", "down_proj")]
            if whole(experts, f"layer {layer}'s routed experts", entries):
                entry = next(e for e in entries if any(_matches(e, x.name) for x in experts))
                raise ConfigError(f"{key}.ignore", f"{entry!r} keeps layer {layer}'s routed experts in 16 bits: vLLM v0.33.0 gives them "
                                                   "UnquantizedFusedMoEMethod, but v0.11.2's compressed-tensors MoE method reads no ignore "
                                                   "list and quantises every MoE layer, so the pinned releases would load the checkpoint apart")
            if shared and whole(_linears(("gate_proj", "up_proj", "down_proj"), f"{base}mlp.{shared}."), f"layer {layer}'s shared experts", entries):
                modules.add("shared_experts")
        if modules:
            kept[layer] = modules
    for entry in entries:
        if entry not in used:
            raise ConfigError(
                f"{key}.ignore",
                f"{entry!r} matches no module Hangar can place (as compressed-tensors and vLLM match it: 're:' a regular expression from the "
                f"name's start, else the exact name); it places {prefix}N.self_attn.*, .mlp.gate_up_proj / down_proj (dense), .mlp.experts.0.*, "
                f"the shared experts, the router (mlp.gate), lm_head and vision modules",
            )
    return kept
