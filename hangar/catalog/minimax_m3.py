"""MiniMax-M3's layout (`minimax_m3_vl`, the release's config.json: `MiniMaxM3SparseForConditionalGeneration` with the
text model in `text_config`; `minimax_m3`, the same text model's fields at the top level, `MiniMaxM3ForCausalLM`, as NVIDIA
aiconfigurator keeps them), read for the architecture reader (`hangar.catalog.model_config`).

What vLLM v0.33.0 builds from such a config, read in its PyPI wheel (vllm-0.33.0, commit 4ba787ec9) on 2026-12-02:
`vllm/models/minimax_m3/nvidia/model.py` (the `__init__` picks it on CUDA; `amd/model.py` on ROCm),
`common/indexer.py`, `common/vision_tower.py`, `vllm/model_executor/layers/linear.py`
`MinimaxM3QKVParallelLinearWithIndexer`, `vllm/transformers_utils/configs/minimax_m3.py` and `vllm/config/attention.py`:

* every one of the `num_hidden_layers` layers is attention with `num_key_value_heads` x `head_dim` K and V
  (`FullAttentionSpec`), per-head Gemma QK norms and a partial rotary (`rotary_dim`: the unrotated dims are cached
  too). A layer whose `sparse_attention_config.sparse_attention_freq` entry is not 0 is `MiniMaxM3SparseAttention`:
  its one fused projection also yields the lightning indexer's query (`sparse_num_index_heads`, which must equal the KV
  heads, of `sparse_index_dim`) and key (one head of `sparse_index_dim`, "replicated to every rank"), and the indexer
  keeps those keys in a side cache of its own, `MiniMaxM3IndexerCache`: an `MLAAttentionSpec` of one head of
  `sparse_index_dim`, key only, in bf16 unless `--attention-config` names another `indexer_kv_dtype` ("auto" resolves to
  "bf16"), whatever `--kv-cache-dtype` says. The indexer's value and output projections are never built (the config's
  `sparse_disable_index_value` 1 on every sparse layer says the checkpoint has none). At decode the indexer scores every
  128-token block from the keys of the whole context (`minimax_m3_index_decode`, common/ops/index_topk.py) and each KV
  head attends to the `sparse_topk_blocks` blocks it picks, the first `sparse_init_block` and last `sparse_local_block`
  blocks forced among them (common/sparse_attention.py, nvidia/model.py): the row's `index_topk` is
  `sparse_topk_blocks` x `sparse_block_size` tokens over `sparse_attention_layers` layers (`hangar.sizing.sparse_decode`);
* the MLP is `MiniMaxM3MoE` where `moe_layer_freq` is not 0: `num_local_experts` experts of `intermediate_size`
  (w1/w3 gate and up, w2 down; SwiGLU-OAI), top `num_experts_per_tok`, a float32 router of hidden x experts, and a
  shared expert of `intermediate_size` x `n_shared_experts`; elsewhere a dense MLP of `dense_intermediate_size`;
* the output head is its own `ParallelLMHead`; the multi-token-prediction weights (`mtp.`) are skipped at load;
* `MiniMaxM3SparseForConditionalGeneration` adds `MiniMaxVLVisionModel`: a Conv3d patch embedding (`num_channels` x
  `temporal_patch_size` x `patch_size`^2 -> `hidden_size`, no bias), `num_hidden_layers` CLIP blocks (fused qkv 3 h^2,
  `out_proj` h^2, `fc1`/`fc2` 2 h x `intermediate_size`; 3D rotary, no position table), a projector (vision width ->
  `projector_hidden_size` -> text width) and a patch merger (text width x `spatial_merge_size`^2 ->
  `projector_hidden_size` -> text width); counted here as matrices (norms and biases left out, as everywhere).

All layers' caches are full-attention specs of one block size (MLAAttentionSpec is registered with FullAttentionSpec as
its uniform type, vllm/v1/core/single_type_kv_cache_manager.py), so vLLM puts them in one KV-cache group
(`UniformTypeKVCacheSpecs`, vllm/v1/core/kv_cache_planning.py `get_kv_cache_groups`): a token costs every layer's K and V
plus every sparse layer's index key. The row keeps the K/V as `kv_bytes_per_token_bf16` and the index keys, already in
their own bf16, as `indexer_bytes_per_token` (`hangar.sizing.kv` replicates the first by KV heads, the second on every
rank). vLLM v0.11.2 registers no MiniMax-M3 class (`hangar.sizing.engine_models`).

A config vLLM would build otherwise is refused naming the field: another `hidden_act` (vLLM raises "Only swigluoai is
supported"), an output gate, a shared-expert or expert width vLLM does not use, index heads other than the KV heads (vLLM
asserts it), an index width other than the head size, tied embeddings, per-layer lists of another length than the layers.
"""

from __future__ import annotations

from typing import Any

from .config_fields import MINIMAX_M3_TYPES, ConfigError, config_int
from .context_length import context_fields
from .modelopt import is_modelopt, kept_modules
from .weight_format import declared_kv_dtype, declared_quantisation, published_format

__all__ = ["MINIMAX_M3_TYPES", "read_minimax_m3"]

SPARSE_BLOCK = 128
"""Tokens of a block the indexer scores and picks: vLLM v0.33.0's MiniMax-M3 kernels fix it (`SPARSE_BLOCK_SIZE` in
vllm/models/minimax_m3/common/ops/index_topk.py and sparse_attn.py)."""
INDEXER_BYTES = 2
"""Bytes of an index-key element: bf16, vLLM v0.33.0's `indexer_kv_dtype` "auto" for MiniMax-M3 (see the module docstring)."""


def _flags(container: dict, key: str, field: str, layers: int) -> list[bool]:
    """One flag per layer from a list of 0 / 1 (`field` names it in an error)."""
    values = container.get(key)
    if not isinstance(values, list) or len(values) != layers or any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        raise ConfigError(field, f"{values!r}: expected a list of {layers} whole numbers, one per layer (num_hidden_layers)")
    return [v != 0 for v in values]


def read_minimax_m3(config: dict[str, Any], text: dict[str, Any], model_type: str, quant_config: dict[str, Any] | None) -> dict[str, Any]:
    """The `Architecture` fields of a MiniMax-M3 config.json (see the module docstring); ConfigError names a field it refuses."""
    if model_type == "minimax_m3_vl" and text is config:
        raise ConfigError("text_config", "missing: MiniMax-M3 keeps its text model's fields there")

    def get(key: str, default: Any = None) -> int:
        return config_int(text, key, default)

    layers, heads, hidden, vocab = get("num_hidden_layers"), get("num_attention_heads"), get("hidden_size"), get("vocab_size")
    kv_heads, head_dim = get("num_key_value_heads"), get("head_dim")
    if heads % kv_heads:
        raise ConfigError("num_key_value_heads", f"{kv_heads} does not divide num_attention_heads {heads}")
    if text.get("hidden_act", "swigluoai") != "swigluoai":
        raise ConfigError("hidden_act", f"{text['hidden_act']!r}: vLLM's MiniMax-M3 MLP takes only swigluoai")
    if text.get("attention_output_gate"):
        raise ConfigError("attention_output_gate", "true: vLLM's MiniMax-M3 attention builds no output gate; allowed: false")
    if text.get("tie_word_embeddings") or config.get("tie_word_embeddings"):
        raise ConfigError("tie_word_embeddings", "true: vLLM's MiniMax-M3 loads an output head of its own; allowed: false")
    sparse_cfg = text.get("sparse_attention_config")
    if not isinstance(sparse_cfg, dict):
        raise ConfigError("sparse_attention_config", "missing: it says which layers run sparse attention with an indexer")
    sparse = _flags(sparse_cfg, "sparse_attention_freq", "sparse_attention_config.sparse_attention_freq", layers)
    routed = _flags(text, "moe_layer_freq", "moe_layer_freq", layers)
    index_dim = index_heads = topk = None
    if any(sparse):
        topk = config_int(sparse_cfg, "sparse_topk_blocks") * config_int(sparse_cfg, "sparse_block_size")
        if sparse_cfg["sparse_block_size"] != SPARSE_BLOCK:
            raise ConfigError("sparse_attention_config.sparse_block_size", f"{sparse_cfg['sparse_block_size']}: vLLM's MiniMax-M3 "
                                                                           f"kernels take {SPARSE_BLOCK}-token blocks (SPARSE_BLOCK_SIZE)")
        index_heads = config_int(sparse_cfg, "sparse_num_index_heads")
        index_dim = config_int(sparse_cfg, "sparse_index_dim")
        if index_heads != kv_heads:
            raise ConfigError("sparse_attention_config.sparse_num_index_heads", f"{index_heads}: vLLM's fused index projection needs "
                                                                               f"as many index heads as KV heads ({kv_heads})")
        if index_dim != head_dim:
            raise ConfigError("sparse_attention_config.sparse_index_dim", f"{index_dim}: vLLM's fused index projection assumes the "
                                                                          f"head size ({head_dim})")
        disabled = sparse_cfg.get("sparse_disable_index_value")
        if disabled is not None:
            flags = _flags(sparse_cfg, "sparse_disable_index_value", "sparse_attention_config.sparse_disable_index_value", layers)
            if any(s and not d for s, d in zip(sparse, flags, strict=True)):
                raise ConfigError("sparse_attention_config.sparse_disable_index_value", "0 on a sparse layer: vLLM builds no index "
                                                                                        "value or output projection; allowed: 1 there")
    experts = active = expert = shared = None
    if any(routed):
        experts, active, expert = get("num_local_experts"), get("num_experts_per_tok"), get("intermediate_size")
        shared_count = text.get("n_shared_experts")
        shared = 0 if shared_count in (0, None) else get("n_shared_experts") * expert
        for key, built in (("shared_intermediate_size", shared), ("moe_intermediate_size", expert)):
            if text.get(key) not in (None, built) and not (key == "shared_intermediate_size" and not shared):
                raise ConfigError(key, f"{text[key]!r}: vLLM builds it as {built} (intermediate_size x n_shared_experts for the "
                                       "shared expert, intermediate_size for a routed one)")
    dense_width = get("dense_intermediate_size") if not all(routed) else None
    dtype = published_format(config, text, quant_config, experts=experts is not None)
    found = declared_quantisation(config, text, quant_config)
    if found is not None and is_modelopt(found[1]) and kept_modules(found[1], found[0], layers):
        raise ConfigError(found[0], "keeps MiniMax-M3 modules in 16 bits (exclude_modules), which Hangar cannot count for this layout")
    total, active_total = _parameters(config, text, sparse, routed, hidden=hidden, heads=heads, kv_heads=kv_heads, head_dim=head_dim,
                                      vocab=vocab, index_dim=index_dim, experts=experts, active=active, expert=expert, shared=shared,
                                      dense=dense_width)
    context_type = "minimax_m3"
    return {
        "model_type": model_type, "text_model_type": text.get("model_type") or config.get("model_type"), "layers": layers,
        "attention_heads": heads, "hidden_size": hidden, "vocab_size": vocab, "intermediate_size": dense_width,
        "moe_intermediate_size": expert, "kv_heads": kv_heads, "head_dim": head_dim, "global_kv_heads": None, "global_head_dim": None,
        "kv_lora_rank": None, "qk_rope_head_dim": None, "attention_layers": None, "sliding_window": None, "sliding_window_layers": None,
        "state_bytes_per_sequence": None, "indexer_bytes_per_token": sum(sparse) * index_dim * INDEXER_BYTES if index_dim else None,
        "num_experts": experts, "num_experts_per_tok": active, **context_fields(text, context_type),
        "dtype": dtype, "kv_cache_dtype": declared_kv_dtype(config, text, quant_config),
        "params_total_b": round(total / 1e9, 3), "params_active_b": round(active_total / 1e9, 3) if experts else None,
        "kv_bytes_per_token_bf16": 2 * layers * kv_heads * head_dim * 2, "multimodal": isinstance(config.get("vision_config"), dict),
        "tie_word_embeddings": False, "q_lora_rank": None, "qk_nope_head_dim": None, "v_head_dim": None, "index_n_heads": None,
        "index_head_dim": None, "dense_mlp_layers": (layers - sum(routed)) or None if experts else None,
        "shared_expert_intermediate_size": shared or None, "linear_key_dim": None, "linear_value_dim": None,
        "linear_value_heads": None, "linear_conv_kernel_dim": None, "attn_output_gate": None,
        "index_topk": topk, "sparse_attention_layers": sum(sparse) or None,
    }


def _parameters(config: dict, text: dict, sparse: list[bool], routed: list[bool], *, hidden: int, heads: int, kv_heads: int,
                head_dim: int, vocab: int, index_dim: int | None, experts: int | None, active: int | None, expert: int | None,
                shared: int | None, dense: int | None) -> tuple[float, float]:
    """(total, active) parameters, ESTIMATED from the matrices vLLM loads (the module docstring)."""
    total = active_total = float(vocab * hidden)  # the output head; the embedding below, a lookup, is not active
    total += vocab * hidden
    attention = 2 * hidden * heads * head_dim + 2 * hidden * kv_heads * head_dim
    index = hidden * (kv_heads + 1) * index_dim if index_dim else 0  # index_q (one head per KV head) and index_k (one head)
    for is_sparse, is_routed in zip(sparse, routed, strict=True):
        layer = attention + (index if is_sparse else 0)
        if is_routed:
            assert experts is not None and active is not None and expert is not None
            gated = 3 * hidden * expert
            common = 3 * hidden * (shared or 0) + hidden * experts  # the shared expert and the router
            total += layer + experts * gated + common
            active_total += layer + active * gated + common
        else:
            assert dense is not None
            total += layer + 3 * hidden * dense
            active_total += layer + 3 * hidden * dense
    vision = config.get("vision_config")
    if isinstance(vision, dict):
        tower = _vision_params(vision, text_width=hidden, projector=config.get("projector_hidden_size"))
        total, active_total = total + tower, active_total + tower
    return total, active_total


def _vision_params(vision: dict, *, text_width: int, projector: Any) -> int:
    """`MiniMaxVLVisionModel`'s matrices: patch embedding, CLIP blocks, projector and patch merger (module docstring)."""
    width, inner, depth = config_int(vision, "hidden_size"), config_int(vision, "intermediate_size"), config_int(vision, "num_hidden_layers")
    compression = vision.get("img_token_compression_config") or {}
    if not isinstance(compression, dict):
        raise ConfigError("vision_config.img_token_compression_config", f"{compression!r} is not an object")
    temporal, merge = config_int(compression, "temporal_patch_size", 2), config_int(compression, "spatial_merge_size", 2)
    middle = text_width if projector is None else config_int({"projector_hidden_size": projector}, "projector_hidden_size")
    patch = config_int(vision, "num_channels") * temporal * config_int(vision, "patch_size") ** 2 * width
    blocks = depth * (4 * width * width + 2 * width * inner)
    projector_params = width * middle + middle * text_width
    merger = text_width * merge**2 * middle + middle * text_width
    return patch + blocks + projector_params + merger
