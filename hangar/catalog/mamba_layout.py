"""Read the layout of a Mamba2 + attention hybrid: IBM Granite 4.0 (`granitemoehybrid`) and NVIDIA Nemotron-H (`nemotron_h`).

Both stack Mamba2 mixers and a few grouped-query attention layers; only the attention layers cache K/V, every Mamba2
layer keeps one fixed state per sequence. `hangar.catalog.model_config` hands these model types here and adds the
context and the weights' format itself. Sources (read 2026-12-02):

* vLLM v0.11.2 and v0.33.0 (the PyPI wheels vllm-0.11.2, commit 275de3417, and vllm-0.33.0, commit 4ba787ec9):
  vllm/model_executor/models/granitemoehybrid.py - every layer is a Mamba2 mixer or an attention layer by
  `layer_types` ("mamba" / "attention"), then a routed MoE of `num_local_experts` gated experts of `intermediate_size`
  (top `num_experts_per_tok`; none when 0) and a gated shared MLP of `shared_intermediate_size` (none when 0);
  attention heads of hidden_size / num_attention_heads; the mixer's width `mamba_expand` x hidden_size, with
  `mamba_n_heads`, `mamba_d_head`, `mamba_n_groups`, `mamba_d_state`, `mamba_d_conv`. A Granite whose layers all attend
  (ibm-granite/granite-4.0-micro) is no hybrid to either release: vllm/config/model.py `ModelConfig.is_hybrid` is False
  when every `layer_types` entry is "attention" (v0.11.2) or "attention" / "full_attention" (v0.33.0, where transformers'
  GraniteMoeHybridConfig renames the legacy names), so no Mamba2 state is allocated and the model builds only attention
  layers with the MLPs above: its row is a plain attention model (no `state_layers`, no Mamba2 widths).
  vllm/model_executor/models/nemotron_h.py - one block per character of `hybrid_override_pattern`: "M" a Mamba2 mixer
  (width `mamba_num_heads` x `mamba_head_dim`, `n_groups`, `ssm_state_size`, `conv_kernel`), "*" attention
  (`num_key_value_heads`, `head_dim`), "-" a non-gated MLP (up and down, relu2) of `intermediate_size`, "E" a non-gated
  MoE of `n_routed_experts` experts of `moe_intermediate_size` (top `num_experts_per_tok`) beside
  `n_shared_experts` x `moe_shared_expert_intermediate_size` of shared expert. A latent MoE (Nemotron 3 Super and
  Ultra: `moe_latent_size` set, not null; v0.33.0 only) runs its routed experts in that smaller width:
  `NemotronHMoE` builds `fc1_latent_proj` (hidden -> latent) and `fc2_latent_proj` (latent -> hidden), two
  `ReplicatedLinear`s, and a FusedMoE of hidden_size `moe_latent_size`, so an expert is up latent x width and down
  width x latent; the router (`gate`) and the shared expert stay in the hidden width. Its attention takes the config's
  `head_dim`, which both config classes default to 128 (vLLM v0.11.2's own vllm/transformers_utils/configs/nemotron_h.py,
  transformers-5.16.1's NemotronHConfig); a file's older `attention_head_dim` is not read by either.
  The layer kinds may come as a list, `layers_block_type` ("mamba", "attention", "moe", "mlp"; transformers 5.16.1's
  NemotronHConfig also takes "linear_attention" and "full_attention", `remap_legacy_layer_types`): that class makes
  `hybrid_override_pattern` a property spelling the list in characters, which vLLM v0.33.0's nemotron_h.py reads, and
  `num_hidden_layers` the list's length (Nemotron 3 Ultra's file names no num_hidden_layers). Weights under `mtp.` (the
  `num_nextn_predict_layers` multi-token-prediction layers, `mtp_hybrid_override_pattern`) are dropped at load
  (`NemotronHForCausalLM.hf_to_vllm_mapper`, `"mtp": None`): only a speculative-decoding draft (nemotron_h_mtp.py)
  loads them, which Hangar does not plan, so they are not counted. Per-layer `block_configs` (a heterogeneous
  Nemotron-H, `get_nemotron_h_config_for_layer`) are not read: refused by name.
  vLLM v0.11.2's nemotron_h.py has no latent MoE: it builds the experts in the hidden width and has no parameter for
  `fc1_latent_proj`, so loading such a checkpoint fails (`hangar.sizing.engine_models`).
* the state, vllm/model_executor/layers/mamba/mamba_utils.py (both releases): `MambaStateShapeCalculator.mamba2_state_shape`
  - conv state (conv_kernel - 1) x (width + 2 x n_groups x state_size), temporal state heads x head_dim x state_size;
  `MambaStateDtypeCalculator.mamba2_state_dtype` - conv state in the model's dtype, temporal state in
  `mamba_ssm_cache_dtype` unless "auto" (the model's dtype). vLLM v0.33.0's `NemotronHForCausalLMConfig`
  (vllm/model_executor/models/config.py) sets it for Nemotron-H from the config's `mamba_ssm_cache_dtype`, else
  "float32"; v0.11.2 has no such rule, and Granite has none in either. The row keeps v0.33.0's choice as
  `mamba_ssm_dtype` and `state_bytes_per_sequence` (one sequence, unsplit); `hangar.sizing.mamba_state` splits it per
  rank and release.

Parameter counts are ESTIMATES from weight shapes (norms, biases and Mamba2's per-head A, D and dt_bias left out): a
Mamba2 mixer is in_proj hidden x (2 x width + 2 x n_groups x state_size + heads), conv1d (width + 2 x n_groups x
state_size) x conv_kernel, and out_proj width x hidden. A Nemotron-H MoE layer is its routed experts (each 2 x
(latent or hidden) x `moe_intermediate_size`), the latent projections (2 x hidden x latent), the router (hidden x
experts) and the shared expert (2 x hidden x its width); the active count takes `num_experts_per_tok` experts and all the
rest. The latent projections and the router are whole on every tensor-parallel rank (`ReplicatedLinear`s: Super's
40 x 2 x 4,096 x 1,024 = 0.336B latent weights, Ultra's 1.611B), which `hangar.sizing.replicated_weights` counts per GPU.
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int, tied_embeddings
from .nemotron_quant import kept_parameters

_PATTERN = {"M": "mamba", "*": "attention", "-": "mlp", "E": "moe"}
"""Nemotron-H's `hybrid_override_pattern` characters (vLLM nemotron_h.py `ALL_DECODER_LAYER_TYPES`)."""
_CHARACTER = {kind: char for char, kind in _PATTERN.items()}
_BLOCK_TYPES = {"mamba": "mamba", "linear_attention": "mamba", "attention": "attention", "full_attention": "attention",
                "moe": "moe", "mlp": "mlp"}
"""`layers_block_type` names, old and new, as transformers 5.16.1's NemotronHConfig reads them (`_list_to_pattern`)."""
_SSM_DTYPES = {"float32": 4, "bfloat16": 2, "float16": 2}
"""Bytes of a temporal-state element by `mamba_ssm_cache_dtype` (vLLM's `STR_DTYPE_TO_TORCH_DTYPE` names)."""
NEMOTRON_HEAD_DIM = 128
"""`head_dim` where a Nemotron-H config leaves it out: both config classes' default (see the module docstring)."""
NEMOTRON_SSM_DTYPE = "float32"
"""vLLM v0.33.0 `NemotronHForCausalLMConfig.DEFAULT_MAMBA_SSM_CACHE_DTYPE`."""


def mamba2_fields(config: dict, text: dict, model_type: str, quant_config: dict | None = None) -> dict[str, Any]:
    """The `Architecture` fields of a Granite 4.0 or Nemotron-H config but its context, format and modality, with the
    modules a ModelOpt checkpoint keeps in 16 bits (`quant_config`: the hf_quant_config.json beside it, if any)."""
    if model_type == "granitemoehybrid":
        layers = config_int(text, "num_hidden_layers")
        kinds = _granite_kinds(text, layers)
    else:
        kinds = _nemotron_kinds(text)
        layers = len(kinds)
    heads, hidden, vocab = config_int(text, "num_attention_heads"), config_int(text, "hidden_size"), config_int(text, "vocab_size")
    kv_heads = config_int(text, "num_key_value_heads", heads)
    if heads % kv_heads:
        raise ConfigError("num_key_value_heads", f"{kv_heads} does not divide num_attention_heads {heads}")
    attention, state_layers = kinds.count("attention"), kinds.count("mamba")
    # granite-4.0-micro: a Granite whose layers all attend is no hybrid to vLLM (`ModelConfig.is_hybrid`), which builds no mixer
    attention_only = model_type == "granitemoehybrid" and attention == layers
    if not attention or not (state_layers or attention_only):
        field = "layer_types" if model_type == "granitemoehybrid" else "hybrid_override_pattern"
        raise ConfigError(field, "a hybrid needs both Mamba2 and attention layers; this one has "
                                 f"{state_layers} Mamba2 and {attention} attention layers")
    mamba = None if attention_only else _granite_mamba(text, hidden) if model_type == "granitemoehybrid" else _nemotron_mamba(text)
    head_dim = _head_dim(text, model_type, hidden, heads)
    mlp = _granite_mlp(text) if model_type == "granitemoehybrid" else _nemotron_mlp(text, kinds)
    tied = tied_embeddings(config, text, model_type)
    total, active = _parameters(kinds, mlp, mamba, hidden=hidden, heads=heads, kv_heads=kv_heads, head_dim=head_dim, vocab=vocab, tied=tied)
    experts = mlp["experts"]
    kept = kept_parameters(config, text, quant_config, kinds, model_type, hidden=hidden, heads=heads, kv_heads=kv_heads,
                           head_dim=head_dim, mamba=mamba, mlp=mlp)
    return {
        "layers": layers, "attention_heads": heads, "hidden_size": hidden, "vocab_size": vocab,
        "intermediate_size": mlp["dense"], "moe_intermediate_size": mlp["expert"] if experts else None, "moe_latent_size": mlp["latent"],
        "kv_heads": kv_heads, "head_dim": head_dim, "global_kv_heads": None, "global_head_dim": None,
        "kv_lora_rank": None, "qk_rope_head_dim": None, "attention_layers": None if mamba is None else attention, "sliding_window": None,
        "sliding_window_layers": None, "state_bytes_per_sequence": None if mamba is None else state_layers * mamba2_state_bytes(**mamba),
        "indexer_bytes_per_token": None, "num_experts": experts, "num_experts_per_tok": mlp["top_k"] if experts else None,
        "params_total_b": round(total / 1e9, 3), "params_active_b": round(active / 1e9, 3) if experts else None,
        "kv_bytes_per_token_bf16": 2 * attention * kv_heads * head_dim * 2, "tie_word_embeddings": tied,
        "q_lora_rank": None, "qk_nope_head_dim": None, "v_head_dim": None, "index_n_heads": None, "index_head_dim": None,
        "dense_mlp_layers": (mlp["dense_layers"] or None) if experts else None,
        "shared_expert_intermediate_size": (mlp["shared"] or None) if experts else None,
        "linear_key_dim": None, "linear_value_dim": None, "linear_value_heads": None, "linear_conv_kernel_dim": None,
        "attn_output_gate": None, "state_layers": state_layers or None, **_mamba_columns(mamba), "unquantised_params_b": kept,
    }  # fmt: skip


def _mamba_columns(mamba: dict[str, Any] | None) -> dict[str, Any]:
    """The row's Mamba2 widths, all None for an attention-only Granite."""
    names = {"mamba_heads": "heads", "mamba_head_dim": "head_dim", "mamba_state_size": "state_size", "mamba_groups": "groups",
             "mamba_conv_kernel": "conv_kernel", "mamba_ssm_dtype": "ssm_dtype"}
    return {column: None if mamba is None else mamba[key] for column, key in names.items()}


def mamba2_state_bytes(*, heads: int, head_dim: int, state_size: int, groups: int, conv_kernel: int, ssm_dtype: str | None,
                       tensor_parallel: int = 1, conv_bytes: int = 2) -> int:
    """One Mamba2 layer's state for one sequence on one of `tensor_parallel` ranks, as vLLM's `mamba2_state_shape` shapes
    it: groups that TP does not divide are replicated up to TP (`extra_groups_for_head_shards`), then the conv channels
    and the heads are split; the temporal state in `ssm_dtype` (None: the model's 16-bit dtype, `conv_bytes`)."""
    tp = tensor_parallel
    shards = groups if groups % tp == 0 else groups + (tp - groups)
    conv = (conv_kernel - 1) * ((heads * head_dim + 2 * shards * state_size) // tp)
    temporal = (heads // tp) * head_dim * state_size
    return conv * conv_bytes + temporal * (_SSM_DTYPES[ssm_dtype] if ssm_dtype else conv_bytes)


def _granite_kinds(text: dict, layers: int) -> list[str]:
    declared = text.get("layer_types")
    if not isinstance(declared, list) or len(declared) != layers:
        raise ConfigError("layer_types", f"expected a list of {layers} layer types (num_hidden_layers), \"mamba\" or \"attention\"")
    unknown = sorted({str(kind) for kind in declared if kind not in ("mamba", "attention")})
    if unknown:
        raise ConfigError("layer_types", f"{', '.join(map(repr, unknown))} not understood; known: mamba, attention")
    return list(declared)


def _nemotron_kinds(text: dict) -> list[str]:
    """Each layer's kind, from `layers_block_type` (a list) or `hybrid_override_pattern` (a string of characters)."""
    if text.get("block_configs") is not None:
        raise ConfigError("block_configs", "per-layer blocks (a heterogeneous Nemotron-H) are not read; Hangar sizes one "
                                           "layout for every layer of a kind")
    declared, pattern = text.get("layers_block_type"), text.get("hybrid_override_pattern")
    if declared is not None:
        if not isinstance(declared, list) or not declared:
            raise ConfigError("layers_block_type", f"{declared!r} is not a list of layer types: mamba, attention, moe, mlp")
        unknown = sorted({str(kind) for kind in declared if kind not in _BLOCK_TYPES})
        if unknown:
            raise ConfigError("layers_block_type", f"{', '.join(map(repr, unknown))} not understood; known: {', '.join(_BLOCK_TYPES)}")
        kinds = [_BLOCK_TYPES[kind] for kind in declared]
        if pattern is not None and pattern != "".join(_CHARACTER[kind] for kind in kinds):
            raise ConfigError("hybrid_override_pattern", f"{pattern!r} differs from layers_block_type, which transformers' "
                                                         "NemotronHConfig takes in its place")
        field = "layers_block_type"
    else:
        if not isinstance(pattern, str) or not pattern:
            raise ConfigError("hybrid_override_pattern", "missing; expected a string of layer characters: M (Mamba2), "
                                                         "* (attention), - (MLP), E (MoE), or a layers_block_type list")
        unknown = sorted(set(pattern) - set(_PATTERN))
        if unknown:
            raise ConfigError("hybrid_override_pattern", f"{', '.join(map(repr, unknown))} not understood; known: M, *, -, E")
        kinds, field = [_PATTERN[char] for char in pattern], "hybrid_override_pattern"
    declared_layers = text.get("num_hidden_layers")
    if declared_layers is not None and declared_layers != len(kinds):
        raise ConfigError(field, f"names {len(kinds)} layers, num_hidden_layers {declared_layers!r}; vLLM builds one layer "
                                 "per entry, and the file disagrees with itself")
    return kinds


def _granite_mamba(text: dict, hidden: int) -> dict[str, Any]:
    heads = config_int(text, "mamba_n_heads")
    width = config_int(text, "mamba_expand") * hidden
    head_dim = width // heads if text.get("mamba_d_head") == "auto" else config_int(text, "mamba_d_head")
    if heads * head_dim != width:
        raise ConfigError("mamba_d_head", f"{head_dim} x mamba_n_heads {heads} is not mamba_expand x hidden_size = {width}, "
                                          "the mixer width vLLM's granitemoehybrid.py builds")
    return {"heads": heads, "head_dim": head_dim, "state_size": config_int(text, "mamba_d_state"),
            "groups": config_int(text, "mamba_n_groups"), "conv_kernel": config_int(text, "mamba_d_conv"), "ssm_dtype": None}


def _nemotron_mamba(text: dict) -> dict[str, Any]:
    groups = config_int(text, "n_groups", text.get("mamba_n_groups"))
    kernel = config_int(text, "conv_kernel", text.get("mamba_d_conv"))
    declared = text.get("mamba_ssm_cache_dtype", NEMOTRON_SSM_DTYPE)
    if declared not in _SSM_DTYPES:
        raise ConfigError("mamba_ssm_cache_dtype", f"{declared!r} is not a state type Hangar can size; known: {', '.join(_SSM_DTYPES)}")
    return {"heads": config_int(text, "mamba_num_heads"), "head_dim": config_int(text, "mamba_head_dim"),
            "state_size": config_int(text, "ssm_state_size"), "groups": groups, "conv_kernel": kernel, "ssm_dtype": declared}


def _head_dim(text: dict, model_type: str, hidden: int, heads: int) -> int:
    if model_type == "granitemoehybrid":  # GraniteMoeHybridAttention: hidden_size // num_attention_heads
        if hidden % heads:
            raise ConfigError("num_attention_heads", f"{heads} does not divide hidden_size {hidden}")
        return hidden // heads
    head_dim = config_int(text, "head_dim", NEMOTRON_HEAD_DIM)
    older = text.get("attention_head_dim")
    if older is not None and "head_dim" not in text and older != head_dim:
        raise ConfigError("attention_head_dim", f"{older!r}, but vLLM reads head_dim, which this config leaves at its default {head_dim}")
    return head_dim


def _granite_mlp(text: dict) -> dict[str, Any]:
    experts = text.get("num_local_experts", 0)
    experts = None if experts == 0 else config_int(text, "num_local_experts")
    shared = text.get("shared_intermediate_size", 0)
    shared = 0 if shared == 0 else config_int(text, "shared_intermediate_size")
    if experts is None and not shared:
        raise ConfigError("shared_intermediate_size", "0 with no num_local_experts: the layers would have no MLP")
    return {"experts": experts, "top_k": config_int(text, "num_experts_per_tok") if experts else None,
            "expert": config_int(text, "intermediate_size") if experts else None, "gated": True, "shared": shared,
            "dense": None if experts else shared, "dense_layers": 0, "latent": None}


def _nemotron_mlp(text: dict, kinds: list[str]) -> dict[str, Any]:
    dense = None
    if "mlp" in kinds:
        width = text.get("intermediate_size")
        if isinstance(width, list):
            if len(width) != 1:
                raise ConfigError("intermediate_size", "a width per MLP layer is not one intermediate_size")
            width = width[0]
        dense = config_int({"intermediate_size": width}, "intermediate_size")
    experts = config_int(text, "n_routed_experts") if "moe" in kinds else None
    latent = config_int(text, "moe_latent_size") if experts and text.get("moe_latent_size") is not None else None
    shared = 0
    if experts and text.get("n_shared_experts") not in (0, None):
        shared = config_int(text, "n_shared_experts") * config_int(text, "moe_shared_expert_intermediate_size")
    return {"experts": experts, "top_k": config_int(text, "num_experts_per_tok") if experts else None,
            "expert": config_int(text, "moe_intermediate_size") if experts else None, "gated": False, "shared": shared,
            "dense": dense, "dense_layers": kinds.count("mlp"), "latent": latent}


def _parameters(kinds: list[str], mlp: dict, mamba: dict | None, *, hidden: int, heads: int, kv_heads: int, head_dim: int,
                vocab: int, tied: bool) -> tuple[float, float]:
    """(total, active) parameters, ESTIMATED from the weight shapes (the module docstring)."""
    mixer = 0
    if mamba is not None:
        width = mamba["heads"] * mamba["head_dim"]
        conv = width + 2 * mamba["groups"] * mamba["state_size"]
        mixer = hidden * (width + conv + mamba["heads"]) + conv * mamba["conv_kernel"] + width * hidden
    attention = 2 * hidden * heads * head_dim + 2 * hidden * kv_heads * head_dim
    matrices = 3 if mlp["gated"] else 2
    shared = matrices * hidden * mlp["shared"]
    routed = total_routed = 0
    if mlp["experts"]:
        latent = mlp["latent"]
        expert = matrices * (latent or hidden) * mlp["expert"]  # a latent MoE's experts work in the latent width
        beside = hidden * mlp["experts"] + (2 * hidden * latent if latent else 0)  # the router, fc1/fc2_latent_proj
        total_routed = mlp["experts"] * expert + beside
        routed = mlp["top_k"] * expert + beside
    total = float(vocab * hidden * (1 if tied else 2))
    active = float(vocab * hidden)  # the input embedding is a lookup: active parameters count the output head only
    for kind in kinds:
        layer = mixer if kind == "mamba" else attention if kind == "attention" else 0
        if kind == "mlp":
            layer = 2 * hidden * mlp["dense"]
        if kind == "moe" or (mlp["gated"] and mlp["experts"]):  # Granite: experts and shared MLP in every layer
            total += layer + total_routed + shared
            active += layer + routed + shared
            continue
        layer += shared if mlp["gated"] else 0  # a dense Granite (h-micro): the shared MLP is its only MLP
        total += layer
        active += layer
    return total, active
