"""Capacity at a declared traffic and SLO: replicas, nodes and money at peak and on average — an ESTIMATE.

Every speed comes from `hangar.sizing.performance` (a roofline calibrated on published measurements;
`hangar.sizing.calibration.MEASURED_ERROR` is its error on them):

* A request has `prompt_tokens` of prompt and produces `output_tokens`.
* One replica with `c` requests in flight: each decode step reads the weights and the KV cache of the
  `c` sequences (at their mean length) or computes their tokens, whichever takes longer; every request
  is prefilled once while the others wait. That gives the replica's requests/s at `c` and the pace a
  user sees (time per output token), both growing with `c`. The largest `c` whose pace meets the SLO,
  and that the KV cache and `max_num_seqs` allow, gives the most requests/s.
* Time to first token: the prompt's prefill on an idle replica (queueing is not modelled).
* Replicas at peak: `ceil(peak / r)`; nodes from the accelerators each replica takes; monthly cost
  at peak: those nodes for a 30-day month at the pool's instance price; on average: the replicas the
  average rate needs (at least `min_replicas`), as if the autoscaler followed the load exactly.
  $/1M tokens: the average month's cost over the prompt + output tokens it serves.

Not modelled: queueing (requests arrive in bursts; a p95 is read as the estimate itself, so the SLO
check is optimistic near saturation), prefix-cache hits, speculative decoding, the spread of prompt
and output lengths (only their means).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from hangar.catalog import Gpu, Model, TpuMachine

from .calibration import error_band
from .engine import release_defaults
from .lora import LoraSlots
from .memory import Accelerator, memory_fit
from .performance import CALIBRATED, PerformanceUnknown, Replica, operating_point
from .throughput import DATA_PARALLEL_NOTE, ESTIMATE_NOTE, HOURS_PER_MONTH

CAPACITY_NOTE = (
    "capacity is an ESTIMATE: no queueing (p95 read as the estimate), no prefix-cache hits, mean prompt/output lengths only; "
    f"the performance model's error on published measurements: throughput {error_band('saturated throughput')}, "
    f"time per output token {error_band('TPOT')}"
)


@dataclass(frozen=True)
class Demand:
    """Declared traffic and latency objective, in plain numbers."""

    peak_requests_per_second: float
    prompt_tokens: int
    output_tokens: int
    average_requests_per_second: float | None = None
    """None when the traffic gives only a peak (the average is then unknown)."""
    ttft_ms: float | None = None
    """p95 time to first token objective; None: no objective."""
    tpot_ms: float | None = None
    """p95 time per output token objective; None: no objective."""

    @classmethod
    def declared(cls, traffic: Any, slo: Any) -> Demand | None:
        """The demand of a deployment's `traffic` and `slo` (`hangar.spec.traffic`); None without traffic."""
        if traffic is None:
            return None
        return cls(
            peak_requests_per_second=traffic.peak_rps,
            prompt_tokens=traffic.prompt_tokens,
            output_tokens=traffic.output_tokens,
            average_requests_per_second=traffic.average_requests_per_second,
            ttft_ms=None if slo is None else slo.ttft_ms,
            tpot_ms=None if slo is None else slo.tpot_ms,
        )


@dataclass(frozen=True)
class CapacityPlan:
    """ESTIMATE of what one replica shape needs to carry a `Demand`. `feasible` False: see `reason`."""

    feasible: bool
    reason: str | None
    tensor_parallel: int
    accelerators_per_node: int
    concurrency: int
    """Sequences in flight per replica at the chosen operating point (0 when infeasible)."""
    ttft_ms: float | None
    tpot_ms: float | None
    """Decode pace a user sees at `concurrency`, prefill interruptions included."""
    requests_per_second_per_replica: float | None
    output_tokens_per_second_per_replica: float | None
    replicas_at_peak: int | None
    nodes_at_peak: int | None
    replicas_at_average: int | None
    nodes_at_average: int | None
    usd_per_hour_per_node: float | None
    usd_per_month_at_peak: float | None
    usd_per_month_average: float | None
    usd_per_million_tokens: float | None
    label: str = "ESTIMATE"
    assumptions: tuple[str, ...] = field(default=())
    kv_concurrency: int | None = None
    """Sequences in flight per replica that the KV cache (at the requests' mean length) and max_num_seqs allow; None when infeasible."""
    data_parallel: int = 1
    """Engines per replica (each of `tensor_parallel` accelerators); a replica takes tensor_parallel x data_parallel."""
    expert_parallel: bool = False

    def to_json(self) -> dict:
        return {**self.__dict__, "assumptions": list(self.assumptions)}


def nodes_for(replicas: int, tensor_parallel: int, accelerators_per_node: int) -> int:
    """Nodes that hold `replicas` replicas of `tensor_parallel` accelerators each (TP x DP for a data-parallel replica)."""
    if tensor_parallel <= accelerators_per_node:
        return math.ceil(replicas / (accelerators_per_node // tensor_parallel))
    return replicas * math.ceil(tensor_parallel / accelerators_per_node)


def plan_capacity(
    model: Model,
    device: Gpu | TpuMachine | Accelerator,
    demand: Demand,
    *,
    accelerators_per_node: int,
    tensor_parallel: int = 1,
    precision: str = "bf16",
    kv_cache_dtype: str = "auto",
    max_concurrent_sequences: int | None = None,
    gpu_memory_utilization: float | None = None,
    usd_per_hour_per_node: float | None = None,
    min_replicas: int = 0,
    lora: LoraSlots | None = None,
    engine_version: str | None = None,
    prefix_caching: bool | None = None,
    data_parallel: int = 1,
    expert_parallel: bool = False,
) -> CapacityPlan:
    """ESTIMATE the operating point, replicas, nodes and cost of serving `demand` on this replica shape (`prefix_caching`
    False for a server told `--no-enable-prefix-caching`: a hybrid model's state pages depend on it). A replica of
    `data_parallel` engines (`expert_parallel`: whole experts over all its GPUs) is timed as
    `hangar.sizing.data_parallel` says; `max_concurrent_sequences` holds per engine, as vLLM's --max-num-seqs does."""
    acc = Accelerator.of(device)
    sequence = demand.prompt_tokens + demand.output_tokens
    notes = (ESTIMATE_NOTE, CAPACITY_NOTE)
    if gpu_memory_utilization is None:  # unset: the default of vLLM `engine_version` (the pinned release when None)
        gpu_memory_utilization = release_defaults(engine_version).gpu_memory_utilization

    def infeasible(reason: str, **known) -> CapacityPlan:
        empty = dict.fromkeys(
            ("ttft_ms", "tpot_ms", "requests_per_second_per_replica", "output_tokens_per_second_per_replica", "replicas_at_peak", "nodes_at_peak",
             "replicas_at_average", "nodes_at_average", "usd_per_month_at_peak", "usd_per_month_average", "usd_per_million_tokens"),
        )  # fmt: skip
        return CapacityPlan(False, reason, tensor_parallel, accelerators_per_node, 0, **{**empty, **known}, usd_per_hour_per_node=usd_per_hour_per_node,
                            assumptions=notes, data_parallel=data_parallel, expert_parallel=expert_parallel)  # fmt: skip

    fit = memory_fit(
        model, acc, precision=precision, kv_cache_dtype=kv_cache_dtype, max_context_tokens=sequence,
        concurrent_sequences=max_concurrent_sequences, tensor_parallel=tensor_parallel, gpu_memory_utilization=gpu_memory_utilization, lora=lora,
        engine_version=engine_version, prefix_caching=prefix_caching, data_parallel=data_parallel, expert_parallel=expert_parallel,
    )  # fmt: skip
    if not fit.fits:
        return infeasible(f"one {sequence:,}-token sequence does not fit: {fit.reason}")
    replica = Replica(model, acc, tensor_parallel, precision, kv_cache_dtype, lora, engine_version, prefix_caching, data_parallel, expert_parallel)
    prompt, output = demand.prompt_tokens, demand.output_tokens
    held = replica.max_concurrency(prompt, output, gpu_memory_utilization=gpu_memory_utilization, max_num_seqs=None)
    most = max(1, min(fit.concurrent_sequences * data_parallel, held))
    shape = f"{tensor_parallel} x {acc.name}" if data_parallel == 1 else (
        f"{data_parallel} engines of {tensor_parallel} x {acc.name}" + (" (expert parallel)" if expert_parallel else "")
    )
    if data_parallel > 1 and model.is_moe:
        notes = (*notes, DATA_PARALLEL_NOTE)
    try:
        ttft = replica.ttft(prompt, CALIBRATED)

        def point(c: int) -> tuple[float, float]:
            """(requests/s, time per output token in seconds) of one replica with c requests in flight."""
            found = operating_point(replica, prompt, output, c, CALIBRATED)
            return found.requests_per_s, found.tpot_s

        point(1)
    except PerformanceUnknown as error:
        return infeasible(f"{error}")

    if demand.ttft_ms is not None and ttft * 1000 > demand.ttft_ms:
        return infeasible(
            f"prefilling a {prompt:,}-token prompt takes about {ttft * 1000:,.0f} ms on {shape}, "
            f"over the {demand.ttft_ms:,.0f} ms time-to-first-token objective even with no other load",
            ttft_ms=ttft * 1000,
        )
    if demand.tpot_ms is not None and point(1)[1] * 1000 > demand.tpot_ms:
        return infeasible(
            f"one sequence alone decodes at about {point(1)[1] * 1000:,.1f} ms per token on {shape}, "
            f"over the {demand.tpot_ms:,.1f} ms time-per-output-token objective",
            ttft_ms=ttft * 1000, tpot_ms=point(1)[1] * 1000,
        )  # fmt: skip
    low, high = 1, most  # largest c whose pace meets the objective (the pace grows with c)
    while low < high:
        mid = (low + high + 1) // 2
        if demand.tpot_ms is None or point(mid)[1] * 1000 <= demand.tpot_ms:
            low = mid
        else:
            high = mid - 1
    rate, pace = point(low)
    replicas = math.ceil(demand.peak_requests_per_second / rate)
    nodes = nodes_for(replicas, replica.accelerators, accelerators_per_node)
    month = None if usd_per_hour_per_node is None else nodes * usd_per_hour_per_node * HOURS_PER_MONTH
    avg_replicas = avg_nodes = avg_month = per_million = None
    if demand.average_requests_per_second is not None:
        avg_replicas = max(min_replicas, math.ceil(demand.average_requests_per_second / rate))
        avg_nodes = nodes_for(avg_replicas, replica.accelerators, accelerators_per_node)
        if usd_per_hour_per_node is not None:
            avg_month = avg_nodes * usd_per_hour_per_node * HOURS_PER_MONTH
            tokens = demand.average_requests_per_second * sequence * HOURS_PER_MONTH * 3600
            per_million = avg_month / tokens * 1e6 if tokens > 0 else None
    return CapacityPlan(
        feasible=True,
        reason=None,
        tensor_parallel=tensor_parallel,
        accelerators_per_node=accelerators_per_node,
        concurrency=low,
        kv_concurrency=most,
        ttft_ms=ttft * 1000,
        tpot_ms=pace * 1000,
        requests_per_second_per_replica=rate,
        output_tokens_per_second_per_replica=rate * output,
        replicas_at_peak=replicas,
        nodes_at_peak=nodes,
        replicas_at_average=avg_replicas,
        nodes_at_average=avg_nodes,
        usd_per_hour_per_node=usd_per_hour_per_node,
        usd_per_month_at_peak=month,
        usd_per_month_average=avg_month,
        usd_per_million_tokens=per_million,
        assumptions=notes,
        data_parallel=data_parallel,
        expert_parallel=expert_parallel,
    )


# --- declared demand on a workload (what the hangar-capacity rule reads) ----------------------------------

PEAK_RPS = "hangar.dev/peak-rps"
AVERAGE_RPS = "hangar.dev/average-rps"
PROMPT_TOKENS = "hangar.dev/prompt-tokens"
OUTPUT_TOKENS = "hangar.dev/output-tokens"
SLO_TTFT_MS = "hangar.dev/slo-ttft-ms"
SLO_TPOT_MS = "hangar.dev/slo-tpot-ms"
DEMAND_ANNOTATIONS = (PEAK_RPS, AVERAGE_RPS, PROMPT_TOKENS, OUTPUT_TOKENS, SLO_TTFT_MS, SLO_TPOT_MS)
"""Annotations that carry a deployment's declared traffic and SLO on its workload, so a policy judging the
plain plan (`pulumi preview --policy-pack`) sees them. Anyone's workload may carry them, not only Hangar's."""


def demand_annotations(demand: Demand) -> dict[str, str]:
    """The workload annotations that declare `demand` (unknown parts left out)."""
    values = {
        PEAK_RPS: demand.peak_requests_per_second, AVERAGE_RPS: demand.average_requests_per_second,
        PROMPT_TOKENS: demand.prompt_tokens, OUTPUT_TOKENS: demand.output_tokens, SLO_TTFT_MS: demand.ttft_ms, SLO_TPOT_MS: demand.tpot_ms,
    }  # fmt: skip
    return {key: f"{value:g}" for key, value in values.items() if value is not None}


def demand_from_annotations(annotations: dict[str, str]) -> Demand | None:
    """The demand a workload declares; None when it declares no peak. ValueError naming the annotation when one is malformed."""
    if PEAK_RPS not in annotations:
        return None
    numbers: dict[str, float] = {}
    for key in DEMAND_ANNOTATIONS:
        if key not in annotations:
            continue
        try:
            value = float(annotations[key])
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"annotation {key}: must be a positive number; got {annotations[key]!r}")
        numbers[key] = value
    for key in (PROMPT_TOKENS, OUTPUT_TOKENS):
        if key not in numbers:
            raise ValueError(f"annotation {key}: required with {PEAK_RPS} (the mean tokens per request)")
        if numbers[key] != int(numbers[key]):
            raise ValueError(f"annotation {key}: must be a whole number of tokens; got {annotations[key]!r}")
    return Demand(
        peak_requests_per_second=numbers[PEAK_RPS],
        prompt_tokens=int(numbers[PROMPT_TOKENS]),
        output_tokens=int(numbers[OUTPUT_TOKENS]),
        average_requests_per_second=numbers.get(AVERAGE_RPS),
        ttft_ms=numbers.get(SLO_TTFT_MS),
        tpot_ms=numbers.get(SLO_TPOT_MS),
    )
