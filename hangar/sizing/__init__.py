"""Which hardware can hold a model, how fast it would decode there, and the cheapest way to serve it.

Pulumi-free: pydantic-free too; it reads `hangar.catalog` rows and returns frozen dataclasses. One job
per module, all re-exported here (import from `hangar.sizing`):

* `engine`     — what vLLM (the pinned release) defaults and checks at start-up, with its source;
* `kv`         — KV-cache bytes of one sequence by kind of layer (full, sliding window, MLA, state);
* `memory`     — accelerators, weights, `memory_fit` (will vLLM start; how many sequences it holds);
* `tensor_parallel` — vLLM's tensor-parallel rules and the `auto` degree;
* `lora`       — the GPU memory of the LoRA adapter slots vLLM reserves with `--enable-lora`;
* `lora_architectures` — which vLLM model class serves each catalog family, and whether it takes LoRA adapters;
* `lora_vocab` — the LoRA slots of the embedding and output head, and the extra vocabulary rows they add;
* `performance` — the calibrated roofline: TTFT, TPOT and throughput of one replica at a concurrency;
* `calibration` — that model against the catalog's published measurements, and its error;
* `accelerators` — accelerators with the catalog's datasheet peaks;
* `throughput` — ESTIMATED decode/prefill speed and $ per million tokens;
* `machines`   — the catalog's machines, and the feasible options and rejections a ranking returns;
* `ranking`    — `rank_options` (every machine x precision x TP checked and ranked) and `pareto_front`;
* `capacity`, `traffic_ranking`, `compare` — replicas, nodes and cost at a declared traffic and SLO,
                 the cheapest options for it, and candidate models side by side.

Names imported as `X as X` are importable from here as before the split, but stay out of `__all__`.
"""

from __future__ import annotations

from .capability import capability_problems
from .engine import ENGINE_VERSION, GPU_MEMORY_UTILIZATION, EngineLimits, engine_limits
from .kv import KV_BYTES_PER_ELEMENT, KV_CACHE_DTYPES, SequenceKv, kv_bytes_per_token, kv_replication, sequence_kv
from .lora import LoraSizeUnknown, LoraSlots, lora_bytes
from .machines import Machine, Option, Rejected, machines
from .memory import (
    BYTES_PER_PARAM,
    GIB,
    PRECISIONS,
    RUNTIME_OVERHEAD_GIB_PER_GPU,
    Accelerator,
    MemoryFit,
    SizingError,
    memory_fit,
    weight_bytes,
)
from .memory import MAX_TENSOR_PARALLEL as MAX_TENSOR_PARALLEL
from .ranking import (
    Ranking,
    pareto_front,
    rank_options,
)
from .ranking import SortKey as SortKey
from .tensor_parallel import TpChoice, auto_tp, min_accelerators, smallest_tp, tp_problems, valid_tp_degrees
from .throughput import (
    DECODE_BANDWIDTH_EFFICIENCY,
    HOURS_PER_MONTH,
    PREFILL_COMPUTE_EFFICIENCY,
    ThroughputEstimate,
    estimate_throughput,
    usd_per_million_tokens,
    usd_per_month,
)
from .throughput import ESTIMATE_NOTE as ESTIMATE_NOTE

__all__ = [
    "BYTES_PER_PARAM",
    "DECODE_BANDWIDTH_EFFICIENCY",
    "ENGINE_VERSION",
    "GIB",
    "GPU_MEMORY_UTILIZATION",
    "HOURS_PER_MONTH",
    "KV_BYTES_PER_ELEMENT",
    "KV_CACHE_DTYPES",
    "PRECISIONS",
    "PREFILL_COMPUTE_EFFICIENCY",
    "RUNTIME_OVERHEAD_GIB_PER_GPU",
    "Accelerator",
    "EngineLimits",
    "LoraSizeUnknown",
    "LoraSlots",
    "Machine",
    "MemoryFit",
    "Option",
    "Ranking",
    "Rejected",
    "SequenceKv",
    "SizingError",
    "ThroughputEstimate",
    "TpChoice",
    "auto_tp",
    "capability_problems",
    "engine_limits",
    "estimate_throughput",
    "kv_bytes_per_token",
    "kv_replication",
    "lora_bytes",
    "machines",
    "memory_fit",
    "min_accelerators",
    "pareto_front",
    "rank_options",
    "sequence_kv",
    "smallest_tp",
    "tp_problems",
    "usd_per_million_tokens",
    "usd_per_month",
    "valid_tp_degrees",
    "weight_bytes",
]
