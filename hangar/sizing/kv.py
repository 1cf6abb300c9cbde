"""KV-cache bytes of one sequence, layer kind by layer kind, as vLLM allocates them.

The per-layer rules follow `vllm/v1/kv_cache_interface.py` of vLLM v0.11.2 (PyPI sdist, commit
275de3417, read 2026-12-01), each spec's `max_memory_usage_bytes` for one request of `tokens`, and hold at
v0.33.0 (PyPI sdist, commit 4ba787ec9, read 2026-12-02: `AttentionSpec.page_size_bytes` is KV heads x block x
(head size + V head size) x element bytes, an MLA spec's V head size 0) except where the release's
`hangar.sizing.kv_blocks.KvLayout` says otherwise (tokens per block, the sliding window's admission, the sparse
latent's fp8 format):

* full attention (`FullAttentionSpec`): ceil(tokens / block) blocks of
  2 (K,V) x block x KV heads per rank x head size x element bytes;
* sliding window (`SlidingWindowSpec`, used while the hybrid KV-cache manager is on):
  ceil(min(window - 1 + in-flight tokens, tokens) / block) + 1 blocks, the in-flight tokens being
  max_num_batched_tokens at v0.11.2 and twice that at v0.33.0; with the manager off
  (`unify_hybrid_kv_cache_specs`) a sliding layer is cached like a full one;
* multi-head latent attention (`MLAAttentionSpec`): one "head" of kv_lora_rank + qk_rope_head_dim
  elements, no separate K and V, which every TP rank stores whole; DeepSeek-V3.2's indexer keeps a
  second such cache per layer (`DeepseekV32IndexerCache`), and so does each sparse layer of MiniMax-M3 beside its
  grouped-query K/V (`MiniMaxM3IndexerCache`: one head of bf16 keys, whole on every rank, v0.33.0);
* DeepSeek-V4 (v0.33.0 only): its window, compressed-latent, indexer and compressor-state caches packed into one pool,
  as `hangar.sizing.kv_deepseek_v4` reads them; `kv_bytes_per_token` is there the compressed caches a token adds;
* state-space layers (`MambaSpec`): one fixed state per sequence, split across TP ranks; how vLLM pages it beside the
  attention layers (whole pages, several per sequence at v0.33.0, layer groups) is `hangar.sizing.kv_pool`, which sizes a
  hybrid model's fit and capacity from its pages instead of this sum.

Every figure is summed over the tensor-parallel group: vLLM keeps `max(1, kv_heads // TP)` KV heads
per rank (`ModelConfig.get_num_kv_heads`), so TP above the KV-head count replicates heads.

Layers whose KV heads differ (Llama-Nemotron, `nemotron-nas`: the row's `layer_kv_heads`): each attention layer builds
its own KV cache spec from its own heads, `max(1, heads // TP)` on a rank (nemotron_nas.py `DeciLMAttention` is Llama's
attention, llama.py `LlamaAttention`), whatever `ModelConfig.get_num_kv_heads` reports (the first attention layer's).
Full-attention specs that differ only in KV heads are one KV-cache group in both releases read:
`get_kv_cache_groups` takes `is_kv_cache_spec_uniform` (all specs equal) or else `UniformTypeKVCacheSpecs.from_specs`
(all full attention, one block size), whose page is the sum of the layers' pages and whose one block holds every
layer's page (vLLM v0.11.2 vllm/v1/core/kv_cache_utils.py and vllm/v1/kv_cache_interface.py; v0.33.0
vllm/v1/core/kv_cache_planning.py `get_kv_cache_groups`, `get_kv_cache_config_from_groups`, wheels read 2026-12-02). No
uniform page size is asked of them (that is `_get_kv_cache_groups_uniform_page_size`, for specs of different types), so
neither release pads or refuses such a model: a token costs the sum of the layers' K and V, each layer replicated by its
own head count, and the pool's null block at v0.33.0 is one such block (`hangar.sizing.kv_pool`). Not modelled: a
replica split into pipeline stages (across nodes) gets its layers by count (vLLM's `get_pp_indices`), so one stage may
hold more attention layers and wider MLPs than another; Hangar sizes the stages as if they were equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from hangar.catalog import Model
from hangar.catalog.deepseek_v4 import is_deepseek_v4
from hangar.catalog.layer_runs import kv_head_counts
from hangar.engine_release import sized_release

from .kv_blocks import DEFAULT_LAYOUT, KvLayout

GLM_MOE_DSA = "glm_moe_dsa"
"""GLM-5's model type, whose KV cache vLLM v0.33.0 keeps in fp8 by default on compute capability 10.x (`served_kv_dtype`)."""
KV_CACHE_DTYPES: tuple[str, ...] = ("auto", "fp8")
"""KV-cache element types: vLLM's `--kv-cache-dtype` ("auto" = the model's 16-bit activation type)."""

KV_BYTES_PER_ELEMENT: dict[str, int] = {"auto": 2, "bf16": 2, "fp16": 2, "fp8": 1}
"""Bytes per KV-cache element: "auto" keeps the model's 16-bit activation type even when the
weights are quantized; fp8 halves the KV cache."""


class KvError(ValueError):
    """A KV-cache question that cannot be answered as asked."""


def check_kv_dtype(kv_cache_dtype: str) -> None:
    if kv_cache_dtype not in KV_BYTES_PER_ELEMENT:
        raise KvError(f"unknown kv_cache_dtype {kv_cache_dtype!r}; allowed: {', '.join(KV_CACHE_DTYPES)}")


def served_kv_dtype(model: Model, kv_cache_dtype: str, engine_version: str | None = None, capability: int | None = None) -> str:
    """The KV-cache type vLLM `engine_version` allocates for `--kv-cache-dtype kv_cache_dtype` on a GPU of compute
    `capability` (90 for 9.0; None where not known): at v0.33.0 "auto" becomes the type a ModelOpt checkpoint declares
    (the row's `kv_cache_dtype`, fp8): vllm/engine/arg_utils.py `create_engine_config` passes the flag through
    vllm/utils/torch_utils.py `resolve_kv_cache_dtype_string`, which maps `kv_cache_quant_algo` FP8 (or an 8-bit float
    `kv_cache_scheme`) to "fp8_e4m3" (vllm-0.33.0 wheel, read 2026-12-02). And for GLM-5 (`glm_moe_dsa`) on compute
    capability 10.x "auto" becomes fp8_e4m3 (vllm/model_executor/models/config.py `GlmMoeDsaForCausalLM.verify_and_update_config`,
    `is_device_capability_family(100)`: any 10.x; same wheel). v0.11.2 has no such step (vllm/attention/layer.py
    `_init_kv_cache_quant` loads the checkpoint's k/v scales, its TODO "kv cache dtype should be specified in the FP8
    checkpoint config and become the 'auto' behavior"): "auto" stays the 16-bit model type there. DeepSeek-V4's FlashMLA
    layout turns "auto" into fp8 (`hangar.sizing.kv_deepseek_v4`)."""
    if kv_cache_dtype != "auto":
        return kv_cache_dtype
    if is_deepseek_v4(model):  # fp8_ds_mla (`hangar.sizing.kv_deepseek_v4`)
        return "fp8"
    if sized_release(engine_version) != "v0.33.0":
        return kv_cache_dtype
    if model.kv_cache_dtype == "fp8" or (model.text_model_type == GLM_MOE_DSA and capability is not None and capability // 10 == 10):
        return "fp8"
    return kv_cache_dtype


def kv_replication(model: Model, tensor_parallel: int, kv_heads: int | None = None) -> float:
    """How many times the KV cache is stored across the TP group, relative to one copy.

    TP above the KV-head count replicates heads; an MLA latent is one head every rank stores whole.
    `kv_heads` names another head count than the model's (Gemma 4's full-attention layers).
    """
    if tensor_parallel < 1:
        raise KvError(f"tensor_parallel must be at least 1, got {tensor_parallel}")
    if kv_heads is None and model.layer_kv_heads is not None:  # each layer replicated by its own head count
        counts = kv_head_counts(model)
        stored = sum(max(1, heads // tensor_parallel) * tensor_parallel * layers for heads, layers in counts.items())
        return stored / sum(heads * layers for heads, layers in counts.items())
    heads = kv_heads or model.kv_heads
    if heads is None:
        return float(tensor_parallel)
    per_gpu = max(1, heads // tensor_parallel)
    return per_gpu * tensor_parallel / heads


FP8_DS_MLA_BYTES = 656
"""Bytes per token and layer of DeepSeek-V3.2's latent in an fp8 KV cache: vLLM v0.11.2 turns `--kv-cache-dtype fp8`
into its "fp8_ds_mla" format for DeepseekV32ForCausalLM (`vllm/model_executor/models/config.py`), whose page is
block_size x 656 bytes (`MLAAttentionSpec.page_size_bytes` in `vllm/v1/kv_cache_interface.py`); v0.33.0 keeps
656 bytes (vllm/model_executor/layers/attention/mla_attention.py) on the backends that use the format
(`KvLayout.fp8_ds_mla`)."""


def kv_bytes_per_token(model: Model, kv_cache_dtype: str = "auto", tensor_parallel: int = 1, *, fp8_ds_mla: bool = True) -> float:
    """KV bytes one token costs if every attention layer cached it, summed over the TP group.

    A sparse-attention model (DeepSeek-V3.2) adds its indexer's key cache, kept in its own fp8 format whatever the
    dtype, and in fp8 stores the latent in vLLM's 656-byte "fp8_ds_mla" layout where `fp8_ds_mla` (else one byte an
    element, as any fp8 latent). MiniMax-M3's sparse layers add theirs beside grouped-query K/V: the K/V replicated by
    KV heads, the index keys (one head, bf16 whatever the dtype) whole on every rank (`hangar.catalog.minimax_m3`).
    """
    check_kv_dtype(kv_cache_dtype)
    if is_deepseek_v4(model):  # compressed latents and indexer keys, amortised, on every rank
        from .kv_deepseek_v4 import kv_dtype, token_bytes

        kv_dtype(kv_cache_dtype)
        return token_bytes(model) * tensor_parallel
    if model.global_kv_heads is not None:
        full, sliding = layer_token_bytes(model, kv_cache_dtype, tensor_parallel)
        sliding_layers = model.sliding_window_layers or 0
        return full * (model.kv_layers - sliding_layers) + sliding * sliding_layers
    element = KV_BYTES_PER_ELEMENT[kv_cache_dtype] / 2
    latent = model.kv_bytes_per_token_bf16 * element
    if model.indexer_bytes_per_token is not None and model.kv_lora_rank is None:  # MiniMax-M3: K/V by heads, index keys whole per rank
        return latent * kv_replication(model, tensor_parallel) + model.indexer_bytes_per_token * tensor_parallel
    if model.indexer_bytes_per_token is not None:
        if kv_cache_dtype == "fp8" and fp8_ds_mla:
            latent = model.kv_layers * FP8_DS_MLA_BYTES
        latent += model.indexer_bytes_per_token
    return latent * kv_replication(model, tensor_parallel)


def layer_token_bytes(model: Model, kv_cache_dtype: str = "auto", tensor_parallel: int = 1, *, fp8_ds_mla: bool = True) -> tuple[float, float]:
    """(full-attention, sliding-window) bytes one token costs in one layer, over the TP group.

    Equal unless the full layers cache another shape (Gemma 4: `global_kv_heads` x `global_head_dim`), each kind
    then replicated by its own KV-head count.
    """
    if model.global_kv_heads is None or model.global_head_dim is None or model.kv_heads is None or model.head_dim is None:
        per_layer = kv_bytes_per_token(model, kv_cache_dtype, tensor_parallel, fp8_ds_mla=fp8_ds_mla) / model.kv_layers
        return per_layer, per_layer
    check_kv_dtype(kv_cache_dtype)
    element = KV_BYTES_PER_ELEMENT[kv_cache_dtype]
    full = 2 * model.global_kv_heads * model.global_head_dim * element * kv_replication(model, tensor_parallel, model.global_kv_heads)
    sliding = 2 * model.kv_heads * model.head_dim * element * kv_replication(model, tensor_parallel)
    return full, sliding


def ceil_div(amount: int, size: int) -> int:
    """Whole `size`s that hold `amount` (blocks for tokens, pages for bytes)."""
    return -(-amount // size)


def round_up(value: int, multiple: int) -> int:
    """`value` rounded up to a whole number of `multiple`s (a kernel's padded width, a padded vocabulary)."""
    return ceil_div(value, multiple) * multiple


@dataclass(frozen=True)
class SequenceKv:
    """Bytes one sequence of `tokens` holds in the KV cache, by kind of layer, over the TP group."""

    tokens: int
    full_attention_bytes: float
    sliding_window_bytes: float
    state_bytes: float
    sliding_tokens: int
    """Tokens a sliding-window layer keeps (its window plus the tokens in flight), or 0 without such layers."""

    @property
    def total_bytes(self) -> float:
        return self.full_attention_bytes + self.sliding_window_bytes + self.state_bytes


def sequence_kv(
    model: Model,
    tokens: int,
    *,
    kv_cache_dtype: str = "auto",
    tensor_parallel: int = 1,
    max_num_batched_tokens: int = 2048,
    hybrid_kv_cache: bool = True,
    layout: KvLayout = DEFAULT_LAYOUT,
) -> SequenceKv:
    """What one sequence of `tokens` costs in the KV cache (vLLM's `max_memory_usage_bytes`, summed), laid out as
    `layout` says (a release's blocks and admission: `hangar.sizing.kv_blocks.kv_layout`)."""
    if tokens < 1:
        raise KvError(f"tokens must be at least 1, got {tokens}")
    if is_deepseek_v4(model):  # its caches packed as vLLM v0.33.0 packs them (`hangar.sizing.kv_deepseek_v4`)
        from .kv_deepseek_v4 import kv_dtype, packing

        kv_dtype(kv_cache_dtype)
        pack = packing(model)
        held = pack.blocks(tokens, layout.in_flight_batches * max_num_batched_tokens) * pack.block_bytes * tensor_parallel
        return SequenceKv(tokens=tokens, full_attention_bytes=float(held), sliding_window_bytes=0.0, state_bytes=0.0, sliding_tokens=0)
    full_layer_token, sliding_layer_token = layer_token_bytes(model, kv_cache_dtype, tensor_parallel, fp8_ds_mla=layout.fp8_ds_mla)
    sliding_layers = model.sliding_window_layers or 0
    full_layers = model.kv_layers - sliding_layers
    block = layout.block_size
    full_tokens = ceil_div(tokens, block) * block
    sliding_tokens = 0
    if sliding_layers:
        if hybrid_kv_cache:
            kept = min(model.sliding_window - 1 + layout.in_flight_batches * max_num_batched_tokens, tokens)
            sliding_tokens = (ceil_div(kept, block) + 1) * block
        else:
            sliding_tokens = full_tokens
    return SequenceKv(
        tokens=tokens,
        full_attention_bytes=full_layer_token * full_layers * full_tokens,
        sliding_window_bytes=sliding_layer_token * sliding_layers * sliding_tokens,
        state_bytes=float(model.state_bytes_per_sequence or 0),
        sliding_tokens=sliding_tokens,
    )

