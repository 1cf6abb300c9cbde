"""What vLLM does with the arguments a deployment leaves out, and how it decides it can start.

Hangar pins vLLM v0.33.0 (`ENGINE_VERSION`, a deployment's `engine_version` default) and keeps v0.11.2's rules for
deployments that name it. Facts read in vLLM v0.11.2, from the PyPI sdist `vllm-0.11.2.tar.gz` (its
`vllm/_version.py` names commit 275de3417), read 2026-12-01:

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

The same defaults re-read in vLLM v0.33.0 (the PyPI sdist `vllm-0.33.0.tar.gz`, commit 4ba787ec9 per its
`vllm/_version.py`, read 2026-12-02), where two differ (`RELEASE_DEFAULTS`); `vllm/v1/worker/gpu_worker.py`
`determine_available_memory` still gives the KV cache total memory x `gpu_memory_utilization` (vllm/v1/worker/utils.py
`request_memory`) less the profiled non-KV memory, now also less the CUDA graphs' estimate (which Hangar's overhead
ESTIMATE stands for):

* `vllm/config/cache.py` `CacheConfig.gpu_memory_utilization` default 0.92 ("If unspecified, will use the default
  value of 0.92").
* `vllm/engine/arg_utils.py` `EngineArgs.get_batch_defaults`: a third tier, GPUs of >= 160 GiB (B200/B300) get
  `max_num_batched_tokens` 16384 for the OpenAI API server (`max_num_seqs` 1024); >= 70 GiB and not an A100 keep
  1024/8192, the rest 256/2048, TPU generations as before; `_set_default_max_num_seqs_and_batched_tokens_args` caps
  them as v0.11.2 does (tokens at max_num_seqs x max_model_len, then seqs at the tokens).
* `vllm/v1/core/kv_cache_planning.py` `check_enough_kv_cache_memory` keeps the one-request rule ("To serve at least
  one request with the model's max seq len"), now less the one block the block pool holds back (`hangar.sizing.kv_pool`).
* The KV-cache block size is no longer a fixed 16 on CUDA: `vllm/platforms/cuda.py` leaves it to the attention
  backend chosen (`hangar.sizing.kv_blocks`, which also has each release's sliding-window admission).

A release not read here (`RELEASE_DEFAULTS`) is sized with the pinned release's defaults. Hybrid KV-cache manager at
v0.33.0: still on by default (vllm/config/vllm.py `VllmConfig.__post_init__`), still off for chunked local attention
unless VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE.
"""

from __future__ import annotations

from dataclasses import dataclass

# The pinned release and the per-release defaults live in a light module the spec reads too; named here as before.
from hangar.engine_release import ENGINE_VERSION as ENGINE_VERSION
from hangar.engine_release import GPU_MEMORY_UTILIZATION as GPU_MEMORY_UTILIZATION
from hangar.engine_release import RELEASE_DEFAULTS as RELEASE_DEFAULTS
from hangar.engine_release import VERIFIED_RELEASES as VERIFIED_RELEASES
from hangar.engine_release import ReleaseDefaults as ReleaseDefaults
from hangar.engine_release import release_defaults as release_defaults
from hangar.engine_release import sized_release as sized_release

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
    engine_version: str | None = None,
) -> EngineLimits:
    """The `max_num_seqs` / `max_num_batched_tokens` vLLM `engine_version` (the pinned one when None) takes for this
    accelerator where not given."""
    largest = release_defaults(engine_version).largest_gpu_gib
    large = memory_gib >= LARGE_GPU_GIB and "a100" not in accelerator_name.lower() or (largest is not None and memory_gib >= largest)
    defaulted = []
    seqs = max_num_seqs
    if seqs is None:
        seqs = 1024 if large else 256
        defaulted.append("max_num_seqs")
    batched = max_num_batched_tokens
    if batched is None:
        # TPU generations have their own defaults (V6E 1024, V5E 512, V5P 256); CUDA GPUs as above.
        gpu = 16384 if largest is not None and memory_gib >= largest else 8192 if large else 2048
        batched = {"TPU v6e": 1024, "TPU v5e": 512, "TPU v5p": 256}.get(accelerator_name, gpu)
        batched = min(batched, seqs * max_model_len)
        defaulted.append("max_num_batched_tokens")
        if max_num_seqs is None:
            seqs = min(seqs, batched)
    return EngineLimits(seqs, batched, hybrid_kv_cache=accelerator_kind == "gpu", defaulted=tuple(defaulted))
