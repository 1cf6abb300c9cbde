"""How each vLLM release lays out a sequence's KV cache on a GPU: tokens per block, how much of a sliding window it
admits, and the fp8 format of a sparse latent.

vLLM v0.11.2 (PyPI sdist vllm-0.11.2.tar.gz, commit 275de3417 per vllm/_version.py, read 2026-12-02):

* vllm/platforms/cuda.py `check_and_update_config`: `block_size` 16 when unset; for latent attention (MLA) with no
  `VLLM_ATTENTION_BACKEND` set (Hangar sets none), CUTLASS_MLA on compute capability 10.0 (`is_device_capability(100)`)
  forces 128, FlashMLA forces 64 where vllm/attention/ops/flashmla.py `is_flashmla_dense_supported` holds (major 9,
  Hopper, only), and a sparse model (`index_topk` in its config, DeepSeek-V3.2) forces 64 on every GPU.
* vllm/v1/kv_cache_interface.py `SlidingWindowSpec.max_memory_usage_bytes`: a sliding layer keeps
  min(window - 1 + max_num_batched_tokens, max_model_len) tokens, in whole blocks, plus one block.
* vllm/model_executor/models/config.py `DeepseekV32ForCausalLM`: `--kv-cache-dtype fp8` becomes "fp8_ds_mla", 656 bytes
  a token and layer.

vLLM v0.33.0 (PyPI sdist vllm-0.33.0.tar.gz, commit 4ba787ec9 per vllm/_version.py, read 2026-12-02):

* The block size is the attention backends' (vllm/platforms/interface.py `update_block_size_for_backend` ->
  `_preferred_block_size_for_backends`): the one backend's `get_preferred_block_size(16)` (16 where it takes 16, else
  the smallest of its `get_supported_kernel_block_sizes`), or for several backends the smallest size all of them take.
  Which backend, by vllm/platforms/cuda.py `_get_backend_priorities`:
  - standard attention: FLASH_ATTN (`MultipleOf(16)`), on major 10 FLASHINFER first (16, 32, 64, ...), TRITON_ATTN
    (`MultipleOf(16)`) below compute capability 8.0: 16 tokens. Not modelled: FA4's 128-token pages for head size
    256 on majors 10/11 and its 64-token pages for an fp8 cache of head size 512 on major 9
    (vllm/v1/attention/backends/flash_attn.py), used only where FlashAttention is the backend chosen.
  - dense MLA: FLASH_ATTN_MLA on major 9 (`MultipleOf(16)`: 16), FLASHINFER_MLA on major 10 (32 or 64: 32),
    TRITON_MLA elsewhere (`MultipleOf(16)`: 16) (vllm/v1/attention/backends/mla/).
  - sparse MLA (DeepSeek-V3.2): its indexer's cache is a layer of its own whose backend takes 64-token blocks only on
    CUDA (vllm/v1/attention/backends/mla/indexer.py), and the sparse backends take 64: 64.
  - MiniMax-M3 (sparse grouped-query attention): its sparse layers' `MiniMaxM3SparseBackend` and its indexer caches'
    `MiniMaxM3IndexerBackend` take 128 only (`get_supported_kernel_block_sizes`, vllm/models/minimax_m3/common/
    sparse_attention.py and indexer.py), its first layers' standard backend `MultipleOf(16)`: 128. v0.11.2 does not
    serve it.
* `SlidingWindowSpec.max_admission_blocks_per_request`: min(window - 1 + `max_in_flight_tokens`, max_model_len) tokens
  in whole blocks, plus one; vllm/config/vllm.py `max_in_flight_tokens` = `max_concurrent_batches` x
  max_num_batched_tokens, and `max_concurrent_batches` is 2 with async scheduling, which `VllmConfig.__post_init__`
  turns on by default for the executors Hangar runs (uniproc, multiproc and Ray, whose `RayExecutorV2` extends the
  multiproc one) with no speculative decoding, and pipeline stages + 1 under the V2 model runner (the default where
  Triton is installed). Hangar sizes one pipeline stage: 2.
* vllm/model_executor/layers/attention/mla_attention.py `_canonicalize_sparse_mla_kv_cache_dtype`: an fp8 cache is
  "fp8_ds_mla" (656 bytes) only on the FLASHMLA_SPARSE backend: on major 9 FLASH_ATTN_MLA_SPARSE takes no fp8 cache,
  so FLASHMLA_SPARSE serves it (656 bytes); on major 10 FLASHINFER_MLA_SPARSE comes first and takes plain fp8 (one
  byte an element: kv_lora_rank + qk_rope_head_dim bytes).

A hybrid attention/state-space model (Qwen3-Next, Qwen3.5) gets attention blocks large enough that one page holds a
layer's state (`_align_hybrid_block_size`): `hangar.sizing.kv_pool` raises the block above for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .engine import BLOCK_SIZE, sized_release

SPARSE_MLA_BLOCK = 64
"""Tokens per block of a sparse latent-attention model (DeepSeek-V3.2) in both releases."""
SPARSE_GQA_BLOCK = 128
"""Tokens per block of MiniMax-M3 (sparse grouped-query attention with an indexer) at v0.33.0: its sparse and indexer
backends take 128-token blocks only (the module docstring)."""


@dataclass(frozen=True)
class KvLayout:
    """What one release does with a sequence's KV cache on one GPU (the module docstring has the sources)."""

    block_size: int
    """Tokens per KV-cache block."""
    in_flight_batches: int
    """How many `max_num_batched_tokens` a sliding-window layer keeps beyond its window."""
    fp8_ds_mla: bool
    """Whether an fp8 cache of a sparse latent model takes DeepSeek's 656-byte "fp8_ds_mla" layout."""


DEFAULT_LAYOUT = KvLayout(BLOCK_SIZE, 1, True)
"""vLLM v0.11.2 for standard attention."""


def kv_layout(engine_version: str | None, *, mla: bool = False, sparse: bool = False, capability: int | None = None) -> KvLayout:
    """The KV layout of release `engine_version` (`v0.33.0` or `0.33.0`; the pinned release's where None or not read)
    for a model with latent attention (`mla`), a sparse one (`sparse`: DeepSeek-V3.2, or without `mla` MiniMax-M3), on a GPU of compute `capability` (90 for 9.0;
    None where not known: 16-token blocks for a dense model)."""
    newer = sized_release(engine_version) == "v0.33.0"
    major = capability // 10 if capability is not None else None
    if not mla:
        return KvLayout(SPARSE_GQA_BLOCK if sparse and newer else BLOCK_SIZE, 2 if newer else 1, True)
    if sparse:
        return KvLayout(SPARSE_MLA_BLOCK, 2 if newer else 1, not (newer and major == 10))
    if newer:
        return KvLayout(32 if major == 10 else BLOCK_SIZE, 2, True)
    return KvLayout(128 if capability == 100 else 64 if major == 9 else BLOCK_SIZE, 1, True)
