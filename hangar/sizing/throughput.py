"""How fast one replica would serve, and what that makes a token cost: ESTIMATES, never measurements.

Kept apart from the memory rules because these figures are assumptions, not limits: decode is bound
by memory bandwidth (every step reads the active weights and the batch's KV cache), prefill by compute
(2 x active parameters FLOPs per token). A figure that needs an unknown (bandwidth, peak FLOPS,
price) is None — never 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from hangar.catalog import Gpu, Model, TpuMachine

from .engine import engine_limits
from .kv import sequence_kv
from .memory import Accelerator, weight_bytes

HOURS_PER_MONTH = 720
"""A 30-day month, as the budget rule and `hangar.cost` count it."""

DECODE_BANDWIDTH_EFFICIENCY = 0.6
"""ESTIMATE (an assumption): the share of peak memory bandwidth a decode step
achieves. Decode is memory-bound; serving engines typically reach roughly half to two thirds of it."""

PREFILL_COMPUTE_EFFICIENCY = 0.5
"""ESTIMATE (an assumption): the share of dense peak FLOPS prefill achieves (MFU)."""

ESTIMATE_NOTE = (
    "throughput is an ESTIMATE from first principles (decode bound by memory bandwidth x "
    f"{DECODE_BANDWIDTH_EFFICIENCY:.0%}, prefill by compute x {PREFILL_COMPUTE_EFFICIENCY:.0%} of bf16 peak), "
    "not a benchmark; tensor-parallel communication is ignored"
)


@dataclass(frozen=True)
class ThroughputEstimate:
    """ESTIMATE of one replica's speed: decode bound by memory bandwidth, prefill by compute."""

    decode_tokens_per_s: float | None
    """Output tokens per second of the whole batch (concurrent_sequences sequences), per replica."""
    prefill_tokens_per_s: float | None
    """Prompt tokens per second per replica; None where the accelerator's peak FLOPS is not in the catalog."""
    bytes_per_decode_step: float
    flops_per_token: float
    label: str = "ESTIMATE"
    assumptions: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {**self.__dict__, "assumptions": list(self.assumptions)}


def estimate_throughput(
    model: Model,
    device: Gpu | TpuMachine | Accelerator,
    *,
    precision: str = "bf16",
    kv_cache_dtype: str = "auto",
    max_context_tokens: int = 8192,
    concurrent_sequences: int = 16,
    tensor_parallel: int = 1,
) -> ThroughputEstimate:
    """ESTIMATE decode and prefill speed of one replica from first principles.

    Decode: every step reads the active weights once plus the KV cache of every sequence in the batch
    (taken at full context: a lower bound on speed), from `tensor_parallel` accelerators at
    `DECODE_BANDWIDTH_EFFICIENCY` of their peak bandwidth; one step yields one token per sequence.
    Prefill: 2 x active parameters FLOPs per token at `PREFILL_COMPUTE_EFFICIENCY` of the dense bf16
    peak (used for every precision: conservative for fp8/int8).
    """
    acc = Accelerator.of(device)
    active = weight_bytes(model, precision, active=True)
    limits = engine_limits(acc.name, acc.kind, acc.memory_gib, max_num_seqs=concurrent_sequences, max_model_len=max_context_tokens)
    per_sequence = sequence_kv(
        model, max_context_tokens, kv_cache_dtype=kv_cache_dtype, tensor_parallel=tensor_parallel,
        max_num_batched_tokens=limits.max_num_batched_tokens, hybrid_kv_cache=limits.hybrid_kv_cache,
    )
    kv = per_sequence.total_bytes * concurrent_sequences
    step_bytes = active + kv
    active_params = (model.params_active_b or model.params_total_b) * 1e9
    flops = 2 * active_params
    decode = None
    if acc.bandwidth_gbps:
        step_s = step_bytes / (acc.bandwidth_gbps * 1e9 * tensor_parallel * DECODE_BANDWIDTH_EFFICIENCY)
        decode = concurrent_sequences / step_s
    prefill = None
    if acc.peak_bf16_tflops:
        prefill = acc.peak_bf16_tflops * 1e12 * tensor_parallel * PREFILL_COMPUTE_EFFICIENCY / flops
    notes = [ESTIMATE_NOTE, "decode reads the KV cache of every sequence at full context (worst case)"]
    if model.is_moe:
        notes.append("MoE: computed with active parameters (all experts stay resident in memory)")
    if acc.bandwidth_gbps is None:
        notes.append(f"{acc.name} memory bandwidth is not in the catalog: decode speed unknown")
    if acc.peak_bf16_tflops is None:
        notes.append(f"{acc.name} peak FLOPS is not in the catalog: prefill speed unknown")
    return ThroughputEstimate(decode, prefill, step_bytes, flops, assumptions=tuple(notes))


def usd_per_million_tokens(usd_per_hour: float | None, tokens_per_s: float | None) -> float | None:
    """$/hour / (tokens/s x 3600) x 1e6; None (unknown, never 0) when either is unknown."""
    if usd_per_hour is None or not tokens_per_s or tokens_per_s <= 0:
        return None
    return usd_per_hour / (tokens_per_s * 3600) * 1e6


def usd_per_month(usd_per_hour: float | None) -> float | None:
    return None if usd_per_hour is None else usd_per_hour * HOURS_PER_MONTH

