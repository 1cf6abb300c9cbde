"""Which hardware can hold a model, how fast it would decode there, and the cheapest way to serve it.

Pulumi-free: pydantic-free too; it reads `hangar.catalog` rows and returns frozen dataclasses. One job
per module, all re-exported here (import from `hangar.sizing`):

* `memory`     — accelerators, weight and KV-cache bytes, `memory_fit`, vLLM's tensor-parallel rules;
* `throughput` — ESTIMATED decode/prefill speed and $ per million tokens;
* `ranking`    — the catalog's machines, feasible options, `rank_options` and `pareto_front`.

Formulas follow `/work/shared/reference/sizing.md` ("sizing.md §n" in the modules). Names imported
as `X as X` are importable from here as before the split, but stay out of `__all__`.
"""

from __future__ import annotations

from .memory import (
    BYTES_PER_PARAM,
    GIB,
    GPU_MEMORY_UTILIZATION,
    KV_BYTES_PER_ELEMENT,
    KV_CACHE_DTYPES,
    PRECISIONS,
    RUNTIME_OVERHEAD_GIB_PER_GPU,
    Accelerator,
    MemoryFit,
    SizingError,
    TpChoice,
    capability_problems,
    kv_bytes_per_token,
    kv_replication,
    memory_fit,
    min_accelerators,
    smallest_tp,
    tp_problems,
    valid_tp_degrees,
    weight_bytes,
)
from .memory import MAX_TENSOR_PARALLEL as MAX_TENSOR_PARALLEL
from .ranking import (
    Machine,
    Option,
    Ranking,
    Rejected,
    machines,
    pareto_front,
    rank_options,
)
from .ranking import SortKey as SortKey
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
    "GIB",
    "GPU_MEMORY_UTILIZATION",
    "HOURS_PER_MONTH",
    "KV_BYTES_PER_ELEMENT",
    "KV_CACHE_DTYPES",
    "PRECISIONS",
    "PREFILL_COMPUTE_EFFICIENCY",
    "RUNTIME_OVERHEAD_GIB_PER_GPU",
    "Accelerator",
    "Machine",
    "MemoryFit",
    "Option",
    "Ranking",
    "Rejected",
    "SizingError",
    "ThroughputEstimate",
    "TpChoice",
    "capability_problems",
    "estimate_throughput",
    "kv_bytes_per_token",
    "kv_replication",
    "machines",
    "memory_fit",
    "min_accelerators",
    "pareto_front",
    "rank_options",
    "smallest_tp",
    "tp_problems",
    "usd_per_million_tokens",
    "usd_per_month",
    "valid_tp_degrees",
    "weight_bytes",
]
