"""What vLLM does with the arguments a deployment leaves out, and how it decides it can start.

Facts read in vLLM v0.11.2 (the engine version Hangar pins), from the PyPI sdist
`vllm-0.11.2.tar.gz` (its `vllm/_version.py` names commit 275de3417), read 2026-12-01:

* `vllm/v1/core/kv_cache_utils.py` `check_enough_kv_cache_memory`: the engine refuses to start when
  the memory left for the KV cache cannot hold ONE request of `max_model_len` tokens ("To serve at
  least one request with the models's max seq len ..."); it is called once per worker (each TP rank)
  with that worker's memory. Otherwise the cache gets every block the memory holds, and the scheduler
  batches as many sequences as those blocks carry (`get_max_concurrency_for_kv_cache_config`), up to
  `max_num_seqs`.
* `vllm/v1/worker/gpu_worker.py` `determine_available_memory`: memory for the KV cache =
  total GPU memory x `gpu_memory_utilization` - (weights + peak activations + non-torch memory).
* `vllm/config/cache.py` `CacheConfig.gpu_memory_utilization` default 0.9; `vllm/platforms/cuda.py`
  sets `block_size` 16 when unset.
* `vllm/engine/arg_utils.py` `EngineArgs.get_batch_defaults` / `_set_default_args` (OpenAI API server):
  `max_num_seqs` 1024 and `max_num_batched_tokens` 8192 on a GPU of >= 70 GiB that is not an A100,
  else 256 and 2048; chunked prefill is on for generative models, so `max_num_batched_tokens` keeps
  that default (capped at max_num_seqs x max_model_len).
* `vllm/config/model.py` `_get_and_verify_max_len`: an unset `max_model_len` is the model's own
  maximum from its config.json (`max_position_embeddings` and the like, scaled by rope scaling).
* `vllm/config/vllm.py` `VllmConfig.__post_init__`: the hybrid KV-cache manager (which keeps only the
  window of a sliding-window layer) is on by default, off on platforms without it (TPU) and for
  models with chunked local attention (Llama 4) unless VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE.
"""

from __future__ import annotations

from dataclasses import dataclass

ENGINE_VERSION = "v0.11.2"
"""The vLLM release these rules were read from (`ModelDeployment.engine_version`'s default)."""

GPU_MEMORY_UTILIZATION = 0.90
"""`CacheConfig.gpu_memory_utilization` default."""

BLOCK_SIZE = 16
"""Tokens per KV-cache block on CUDA when unset (`vllm/platforms/cuda.py`)."""

LARGE_GPU_GIB = 70
"""`get_batch_defaults`: GPUs with at least this much memory (and not an A100) get the larger batch defaults."""


@dataclass(frozen=True)
class EngineLimits:
    """The scheduler limits vLLM runs with: given by the deployment, or vLLM's defaults for the hardware."""

    max_num_seqs: int
    max_num_batched_tokens: int
    hybrid_kv_cache: bool
    """Whether sliding-window layers keep only their window (vLLM's hybrid KV-cache manager)."""
    defaulted: tuple[str, ...] = ()
    """Names of the limits that are vLLM's defaults rather than the deployment's own."""


def engine_limits(
    accelerator_name: str,
    accelerator_kind: str,
    memory_gib: float,
    *,
    max_num_seqs: int | None = None,
    max_num_batched_tokens: int | None = None,
    max_model_len: int,
) -> EngineLimits:
    """vLLM v0.11.2's `max_num_seqs` / `max_num_batched_tokens` for this accelerator where not given."""
    large = memory_gib >= LARGE_GPU_GIB and "a100" not in accelerator_name.lower()
    defaulted = []
    seqs = max_num_seqs
    if seqs is None:
        seqs = 1024 if large else 256
        defaulted.append("max_num_seqs")
    batched = max_num_batched_tokens
    if batched is None:
        # TPU generations have their own defaults (V6E 1024, V5E 512, V5P 256); CUDA GPUs as above.
        batched = {"TPU v6e": 1024, "TPU v5e": 512, "TPU v5p": 256}.get(accelerator_name, 8192 if large else 2048)
        batched = min(batched, seqs * max_model_len)
        defaulted.append("max_num_batched_tokens")
        if max_num_seqs is None:
            seqs = min(seqs, batched)
    return EngineLimits(seqs, batched, hybrid_kv_cache=accelerator_kind == "gpu", defaulted=tuple(defaulted))
