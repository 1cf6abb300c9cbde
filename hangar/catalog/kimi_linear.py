"""Read Moonshot AI's linear-attention hybrids: Kimi Linear (`kimi_linear`, KimiLinearForCausalLM) and Kimi K3 (`kimi_k3`,
KimiK3ForConditionalGeneration, whose `text_config` is a `kimi_linear` config beside a MoonViT vision tower).

Each layer is either Kimi Delta Attention (KDA: linear attention, one fixed state per sequence) or multi-head latent
attention (MLA: DeepSeek's latent KV cache), then a dense MLP or a routed mixture of experts. `hangar.catalog.model_config`
hands these model types here and adds the context, the weights' format and the modality itself. Sources, the PyPI wheels
vllm-0.33.0 (commit 4ba787ec9) and vllm-0.11.2 (commit 275de3417), read 2026-12-02:

* which layer is which: vllm/transformers_utils/configs/kimi_linear.py `KimiLinearConfig.is_kda_layer` (both releases):
  layer i (0-based) is KDA when i + 1 is in `linear_attn_config["kda_layers"]` (1-based), MLA otherwise; the config
  lists the rest as `full_attn_layers`. The reader asks that the two lists split 1..num_hidden_layers between them.
* the MLA layer (v0.33.0 vllm/models/kimi_k3/nvidia/mla.py `MultiHeadLatentAttention`, v0.11.2 kimi_linear.py
  `KimiMLAAttention`): its KV cache is an `MLAAttentionSpec` of one head of kv_lora_rank + qk_rope_head_dim elements a
  token (`head_size`), which every TP rank stores whole; the rope dims are cached although K3's MLA is NoPE
  (`mla_use_nope`). Weights: q_a (hidden x q_lora_rank) and q_b (q_lora_rank x heads x (nope + rope)), or without
  `q_lora_rank` (Kimi Linear) one q_proj (hidden x heads x (nope + rope)); kv_a (hidden x (kv_lora_rank + rope)),
  kv_b (kv_lora_rank x heads x (nope + v)), o_proj (heads x v x hidden), and with `mla_use_output_gate` a gate of
  hidden x heads x v (the third shard of K3's `fused_qkv_a_g_proj`).
* the KDA layer's state (vllm/model_executor/layers/mamba/mamba_utils.py `kda_state_shape`, `kda_state_dtype`, both
  releases): a conv state of (short_conv_kernel_size - 1) x 3 x num_heads x head_dim (q, k and v; v0.11.2 keeps three
  tensors, v0.33.0 one) in the model's 16-bit dtype, and a recurrent state of num_heads x head_dim x head_dim in
  float32 ("auto" `mamba_ssm_cache_dtype`), both split over the TP ranks (`divide(num_heads, tp)`).
* the KDA layer's weights (v0.33.0 vllm/model_executor/layers/mamba/gdn/kimi_gdn_linear_attn.py
  `KimiGatedDeltaNetAttention`, and K3's vllm/models/kimi_k3/nvidia/kda.py `KimiK3DeltaAttention`), P = num_heads x
  head_dim: with `use_full_rank_gate` (K3) in_proj hidden x (4P + head_dim + num_heads); else in_proj hidden x (3P +
  num_heads + head_dim) and an output gate g_a (hidden x head_dim) and g_b (head_dim x P); both f_b (head_dim x P),
  conv1d (3P x kernel) and o_proj (P x hidden).
* the MLP (v0.33.0 vllm/models/kimi_k3/nvidia/model.py `KimiDecoderLayer`, `KimiMoE`): layer i routes when
  i >= `first_k_dense_replace` and i % `moe_layer_freq` == 0, else a dense gated MLP of `intermediate_size`. A routed
  layer has a router (hidden x num_experts), `num_shared_experts` x `moe_intermediate_size` of shared gated MLP, and
  `num_experts` gated experts of `moe_intermediate_size` (top `num_experts_per_token`); with `routed_expert_hidden_size`
  (K3's latent MoE) the experts work at that width between a down projection (hidden x latent) and an up projection
  (latent x hidden): the row's `moe_latent_size`.
* K3's vision tower (v0.33.0 vllm/model_executor/models/kimi_k25_vit.py, which K3 reuses, built from vLLM's own
  `KimiK3VisionConfig` (vllm/transformers_utils/configs/kimi_k3.py), which reads the `vt_*` names and `qkv_hidden_size`,
  unlike Kimi K2.5's transformers config: `hangar.catalog.layouts_kimi_k25`): a 14 x 14 patch conv to
  `vt_hidden_size`, a learned position table of init_pos_emb_height x init_pos_emb_width x width, `vt_num_hidden_layers`
  blocks of wqkv (width x 3 `qkv_hidden_size`), wo (`qkv_hidden_size` x width) and a two-matrix MLP (`vt_intermediate_size`),
  and the `patchmergerv2` projector: merged width (width x the merge kernel's area) squared, then merged width x the
  text hidden size.

Refused, naming the field: a `linear_attn_config` that does not split the layers; a standalone `kimi_linear` config with
K3's full-rank KDA gate (vLLM v0.33.0 then runs K3's own KDA layer, whose FlashKDA prefill keeps a checkpoint page the
row cannot tell apart: import the `kimi_k3` config it belongs to); another `mamba_ssm_cache_dtype`, KV-head layout or
vision projector than the ones read.

Parameter counts are ESTIMATES from these shapes: norms, biases, A_log and dt_bias, the attention-residual projections
(`attn_res_block_size`: two hidden x 1 vectors a layer) and multi-token-prediction layers are left out.
"""

from __future__ import annotations

from typing import Any

from .config_fields import ConfigError, config_int, tied_embeddings

KIMI_LINEAR_TYPES = ("kimi_linear", "kimi_k3")
"""The model types this module reads (the text config's, or the multimodal config's)."""
CONV_BYTES = 2
"""A conv-state element: the model's 16-bit dtype (`kda_state_dtype`, "auto" `mamba_cache_dtype`)."""
RECURRENT_BYTES = 4
"""A recurrent-state element: float32 (`kda_state_dtype`, "auto" `mamba_ssm_cache_dtype`, both releases)."""
_K3_PROJECTOR = "patchmergerv2"


def kda_layer_state_bytes(num_heads: int, head_dim: int, conv_kernel: int, tensor_parallel: int = 1) -> int:
    """One KDA layer's state for one sequence on one of `tensor_parallel` ranks (`kda_state_shape` x `kda_state_dtype`)."""
    conv = (conv_kernel - 1) * 3 * num_heads * head_dim // tensor_parallel
    recurrent = num_heads // tensor_parallel * head_dim * head_dim
    return conv * CONV_BYTES + recurrent * RECURRENT_BYTES


def kimi_linear_fields(config: dict, text: dict, model_type: str) -> dict[str, Any]:
    """The `Architecture` fields of a Kimi Linear or Kimi K3 config but its context, format and modality."""
    layers, heads = config_int(text, "num_hidden_layers"), config_int(text, "num_attention_heads")
    hidden, vocab = config_int(text, "hidden_size"), config_int(text, "vocab_size")
    kinds = _layer_kinds(text, layers)
    kda = _kda(text, model_type)
    lora, rope = config_int(text, "kv_lora_rank"), config_int(text, "qk_rope_head_dim")
    nope, v_dim = config_int(text, "qk_nope_head_dim"), config_int(text, "v_head_dim")
    q_lora = config_int(text, "q_lora_rank", required=False)
    for key in ("mamba_ssm_cache_dtype", "mamba_cache_dtype"):
        if text.get(key, "auto") != "auto":
            raise ConfigError(key, f"{text[key]!r}; the KDA state is sized in vLLM's 'auto' types (16-bit conv, float32 recurrent)")
    mla_layers, kda_layers = kinds.count("mla"), kinds.count("kda")
    mlp = _mlp(text, layers)
    stated = "tie_word_embeddings" in text or "tie_word_embeddings" in config
    tied = tied_embeddings(config, text, model_type) if stated else False  # vLLM's KimiLinearConfig default (both releases)
    mla = _mla_params(text, hidden, heads, q_lora, lora, rope, nope, v_dim)
    kda_params = _kda_params(kda, hidden)
    total = float(vocab * hidden * (1 if tied else 2))
    active = float(vocab * hidden)  # the input embedding is a lookup: active parameters count the output head only
    for index, kind in enumerate(kinds):
        attention = mla if kind == "mla" else kda_params
        routed = mlp["experts"] is not None and index not in mlp["dense"]
        total += attention + (mlp["moe_total"] if routed else mlp["dense_params"])
        active += attention + (mlp["moe_active"] if routed else mlp["dense_params"])
    vision = kimi_k3_vision_params(config, hidden) if model_type == "kimi_k3" else 0
    experts = mlp["experts"]
    return {
        "layers": layers, "attention_heads": heads, "hidden_size": hidden, "vocab_size": vocab,
        "intermediate_size": config_int(text, "intermediate_size") if mlp["dense"] else None,
        "moe_intermediate_size": mlp["expert_width"], "kv_heads": None, "head_dim": None, "global_kv_heads": None,
        "global_head_dim": None, "kv_lora_rank": lora, "qk_rope_head_dim": rope, "attention_layers": mla_layers,
        "sliding_window": None, "sliding_window_layers": None,
        "state_bytes_per_sequence": kda_layers * kda_layer_state_bytes(kda["heads"], kda["head_dim"], kda["conv_kernel"]),
        "indexer_bytes_per_token": None, "num_experts": experts, "num_experts_per_tok": mlp["top_k"],
        "params_total_b": round((total + vision) / 1e9, 3), "params_active_b": round((active + vision) / 1e9, 3) if experts else None,
        "kv_bytes_per_token_bf16": mla_layers * (lora + rope) * 2, "tie_word_embeddings": tied,
        "q_lora_rank": q_lora, "qk_nope_head_dim": nope, "v_head_dim": v_dim, "index_n_heads": None, "index_head_dim": None,
        "dense_mlp_layers": (len(mlp["dense"]) or None) if experts else None,
        "shared_expert_intermediate_size": mlp["shared"] or None if experts else None,
        "linear_key_dim": None, "linear_value_dim": None, "linear_value_heads": None, "linear_conv_kernel_dim": None,
        "attn_output_gate": None, "moe_latent_size": mlp["latent"] if experts else None,
    }  # fmt: skip


def _layer_kinds(text: dict, layers: int) -> list[str]:
    """"kda" or "mla" per layer (0-based), from `linear_attn_config`'s 1-based `kda_layers` and `full_attn_layers`."""
    linear = text.get("linear_attn_config")
    if not isinstance(linear, dict):
        raise ConfigError("linear_attn_config", "missing; the reader needs its kda_layers and full_attn_layers to tell KDA from MLA layers")
    named: dict[str, set[int]] = {}
    for key in ("kda_layers", "full_attn_layers"):
        value = linear.get(key)
        if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
            raise ConfigError(f"linear_attn_config.{key}", f"{value!r} is not a list of layer numbers")
        named[key] = set(value)
    kda, full = named["kda_layers"], named["full_attn_layers"]
    expected = set(range(1, layers + 1))
    if kda & full or kda | full != expected:
        raise ConfigError("linear_attn_config.kda_layers", f"with full_attn_layers it must number each of the {layers} layers "
                                                           "(num_hidden_layers) once, from 1; vLLM reads layer i as KDA when i + 1 is listed")
    if not kda or not full:
        raise ConfigError("linear_attn_config.kda_layers", f"a hybrid needs KDA and MLA layers; this one has {len(kda)} KDA and {len(full)} MLA layers")
    return ["kda" if i + 1 in kda else "mla" for i in range(layers)]


def _kda(text: dict, model_type: str) -> dict[str, Any]:
    linear = text["linear_attn_config"]
    full_rank = linear.get("use_full_rank_gate", False)
    if not isinstance(full_rank, bool):
        raise ConfigError("linear_attn_config.use_full_rank_gate", f"{full_rank!r} is not true or false")
    if full_rank and model_type != "kimi_k3":
        raise ConfigError("linear_attn_config.use_full_rank_gate", "true: Kimi K3's KDA layer outside a kimi_k3 config, which vLLM v0.33.0 "
                                                                   "pages with FlashKDA's checkpoint and v0.11.2 cannot load; import the kimi_k3 config")
    if model_type == "kimi_k3" and not full_rank:
        raise ConfigError("linear_attn_config.use_full_rank_gate", "false in a kimi_k3 config; vLLM v0.33.0's KimiK3DeltaAttention asserts it")
    try:
        fields = {"heads": config_int(linear, "num_heads"), "head_dim": config_int(linear, "head_dim"),
                  "conv_kernel": config_int(linear, "short_conv_kernel_size")}
    except ConfigError as error:
        raise ConfigError(f"linear_attn_config.{error.field}", str(error).split(": ", 1)[1]) from None
    return {**fields, "full_rank": full_rank}


def _mla_params(text: dict, hidden: int, heads: int, q_lora: int | None, lora: int, rope: int, nope: int, v_dim: int) -> int:
    query = hidden * q_lora + q_lora * heads * (nope + rope) if q_lora else hidden * heads * (nope + rope)
    gate = hidden * heads * v_dim if text.get("mla_use_output_gate") else 0
    return query + hidden * (lora + rope) + lora * heads * (nope + v_dim) + heads * v_dim * hidden + gate


def _kda_params(kda: dict, hidden: int) -> int:
    dim, projection = kda["head_dim"], kda["heads"] * kda["head_dim"]
    if kda["full_rank"]:
        in_proj = hidden * (4 * projection + dim + kda["heads"])
    else:
        in_proj = hidden * (3 * projection + kda["heads"] + dim) + hidden * dim + dim * projection  # and g_a, g_b
    return in_proj + dim * projection + 3 * projection * kda["conv_kernel"] + projection * hidden


def _mlp(text: dict, layers: int) -> dict[str, Any]:
    """The MLP of each layer: which layers are dense, and a routed layer's total and active parameters."""
    hidden = config_int(text, "hidden_size")
    experts = config_int(text, "num_experts", required=False)
    dense_params = 3 * hidden * config_int(text, "intermediate_size")
    if experts is None:
        return {"experts": None, "top_k": None, "dense": set(range(layers)), "dense_params": dense_params, "expert_width": None, "shared": 0,
                "moe_total": 0, "moe_active": 0, "latent": None}
    first, freq = config_int(text, "first_k_dense_replace", 0, required=False) or 0, config_int(text, "moe_layer_freq", 1)
    dense = {i for i in range(layers) if i < first or i % freq}
    top_k, width = config_int(text, "num_experts_per_token"), config_int(text, "moe_intermediate_size")
    shared = (config_int(text, "num_shared_experts", 0, required=False) or 0) * width
    latent = config_int(text, "routed_expert_hidden_size", required=False)
    expert_in = latent or hidden
    expert = 3 * expert_in * width
    fixed = hidden * experts + 3 * hidden * shared + (2 * hidden * latent if latent else 0)  # router, shared MLP, latent down/up
    return {"experts": experts, "top_k": top_k, "dense": dense, "dense_params": dense_params if dense else 0, "expert_width": width,
            "shared": shared, "moe_total": experts * expert + fixed, "moe_active": top_k * expert + fixed, "latent": latent}


def kimi_k3_vision_params(config: dict, text_hidden: int) -> int:
    """K3's MoonViT tower and projector as vLLM v0.33.0 loads them (the module docstring)."""
    vision = config.get("vision_config")
    if not isinstance(vision, dict):
        raise ConfigError("vision_config", "missing; a kimi_k3 config carries its MoonViT tower there")
    if vision.get("mm_projector_type", _K3_PROJECTOR) != _K3_PROJECTOR:
        raise ConfigError("vision_config.mm_projector_type", f"{vision['mm_projector_type']!r}; the reader counts K3's {_K3_PROJECTOR} projector only")
    try:
        width, depth = config_int(vision, "vt_hidden_size"), config_int(vision, "vt_num_hidden_layers")
        inner, qkv = config_int(vision, "vt_intermediate_size"), config_int(vision, "qkv_hidden_size", vision.get("vt_hidden_size"))
        patch, pos_h, pos_w = config_int(vision, "patch_size"), config_int(vision, "init_pos_emb_height"), config_int(vision, "init_pos_emb_width")
        merge = vision.get("merge_kernel_size")
        if not isinstance(merge, list) or len(merge) != 2:
            raise ConfigError("merge_kernel_size", f"{merge!r} is not [height, width]")
        merged = config_int(vision, "mm_hidden_size", width) * config_int({"h": merge[0]}, "h") * config_int({"w": merge[1]}, "w")
    except ConfigError as error:
        raise ConfigError(f"vision_config.{error.field}", str(error).split(": ", 1)[1]) from None
    blocks = depth * (3 * width * qkv + qkv * width + 2 * width * inner)
    return 3 * patch * patch * width + pos_h * pos_w * width + blocks + merged * merged + merged * text_hidden


MXFP4_PACK = "mxfp4-pack-quantized"
"""The compressed-tensors format Kimi K3 publishes its routed experts in."""


def kimi_k3_format(quant: dict[str, Any]) -> str | None:
    """"mxfp4" for K3's compressed-tensors `quantization_config` (its text config's) whose one scheme is MXFP4 weights
    (4-bit float, groups of 32, symmetric, no activation quantisation); None for any other, left to the generic reader.

    vLLM v0.33.0 rewrites that config's `quant_method` to "mxfp4" for KimiK3ForConditionalGeneration and KimiK3MTPModel
    (vllm/model_executor/models/config.py `KimiK3ForConditionalGenerationConfig`), so `Mxfp4Config` serves it: only the
    fused-MoE experts in MXFP4, every linear layer unquantised (`hangar.sizing.mxfp4`), whatever `ignore` lists."""
    if quant.get("quant_method") != "compressed-tensors" or quant.get("format") != MXFP4_PACK:
        return None
    groups = quant.get("config_groups")
    schemes = list(groups.values()) if isinstance(groups, dict) else []
    wanted = {"num_bits": 4, "type": "float", "group_size": 32, "symmetric": True}
    for scheme in schemes:
        weights = scheme.get("weights") if isinstance(scheme, dict) else None
        if not isinstance(weights, dict) or any(weights.get(key) != value for key, value in wanted.items()) or scheme.get("input_activations"):
            raise ConfigError("text_config.quantization_config.config_groups", f"{scheme!r}: K3's {MXFP4_PACK} is read as MXFP4 weights "
                                                                               "(4-bit float, groups of 32, symmetric) with unquantised activations only")
    if not schemes:
        raise ConfigError("text_config.quantization_config.config_groups", "missing; the reader needs the scheme to size the experts")
    return "mxfp4"
