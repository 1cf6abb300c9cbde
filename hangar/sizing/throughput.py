"""How fast one replica would serve, and what that makes a token cost: ESTIMATES, never measurements.

Kept apart from the memory rules because these figures are estimates, not limits. They come from the
calibrated roofline of `hangar.sizing.performance` (decode bound by memory bandwidth or compute, prefill
by compute), whose error on published measurements `hangar.sizing.calibration` measures. A figure that
needs an unknown (bandwidth, peak FLOPS, price) is None — never 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from hangar.catalog import Gpu, Model, TpuMachine
from hangar.engine_release import sized_release
from hangar.month import HOURS_PER_MONTH as HOURS_PER_MONTH

from .calibration import error_band
from .memory import Accelerator
from .performance import CALIBRATED, PerformanceUnknown, Replica, compute_format
from .quant_kernels import NVFP4_TENSOR_CORES, nvfp4_kernel

DECODE_BANDWIDTH_EFFICIENCY = CALIBRATED.memory
"""Share of peak memory bandwidth a decode step achieves (calibrated; `performance.CALIBRATED`)."""

PREFILL_COMPUTE_EFFICIENCY = CALIBRATED.compute
"""Share of the dense 16-bit peak FLOPS prefill achieves (calibrated; `performance.CALIBRATED`)."""

ESTIMATE_NOTE = (
    "speeds are ESTIMATES of a roofline calibrated on published serving measurements (decode bound by memory bandwidth or compute, "
    f"prefill by compute); its error there: throughput {error_band('saturated throughput')}, "
    f"time per output token {error_band('TPOT')}"
)

DATA_PARALLEL_NOTE = (
    "data-parallel mixture of experts: the engines step together and exchange every MoE layer's tokens (all-gather, "
    "reduce-scatter) over the interconnect, an ESTIMATE outside the calibration (no published data-parallel measurement "
    "in the table); equal load per engine and per expert assumed"
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
    compute_format: str = "bf16"
    """The tensor-core format the matrix products run in (`performance.compute_format`): fp4 for NVFP4 on FP4 tensor cores."""
    compute_note: str | None = None
    """For NVFP4, which kernel multiplies it and so at which peak (`nvfp4_compute_note`); None for another precision."""

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
    engine_version: str | None = None,
    data_parallel: int = 1,
    expert_parallel: bool = False,
) -> ThroughputEstimate:
    """ESTIMATE decode and prefill speed of one replica (`hangar.sizing.performance`) as vLLM `engine_version` (the
    pinned release when None) serves it: its MXFP4 kernel's padded experts are what a decode step reads.

    Decode: one step with `concurrent_sequences` sequences, each at full context (a lower bound on
    speed), yields one token per sequence. Prefill: prompt tokens/s of a 1,024-token prompt. A replica of `data_parallel`
    engines (`hangar.sizing.data_parallel`): `concurrent_sequences` over all of them, each engine prefilling at once;
    `bytes_per_decode_step` is one engine's.
    """
    acc = Accelerator.of(device)
    replica = Replica(model, acc, tensor_parallel, precision, kv_cache_dtype, engine_version=engine_version, data_parallel=data_parallel,
                      expert_parallel=expert_parallel)  # fmt: skip
    engine = concurrent_sequences / data_parallel
    step_bytes = replica.weights_read(concurrent_sequences) + engine * replica.kv_bytes(max_context_tokens)
    active_params = (model.params_active_b or model.params_total_b) * 1e9
    flops = 2 * active_params
    decode = prefill = None
    notes = [ESTIMATE_NOTE, "decode reads the KV cache of every sequence at full context (worst case)"]
    try:
        decode = concurrent_sequences / replica.decode_step(concurrent_sequences, max_context_tokens, CALIBRATED)
    except PerformanceUnknown as error:
        notes.append(str(error))
    try:
        prefill = data_parallel * 1024 / replica.prefill(1024, CALIBRATED)
    except PerformanceUnknown as error:
        notes.append(str(error))
    if model.is_moe:
        notes.append("MoE: computed with active parameters, reading the experts a batch routes to (all experts stay resident in memory)")
        if data_parallel > 1:
            notes.append(DATA_PARALLEL_NOTE)
    return ThroughputEstimate(
        decode, prefill, step_bytes, flops, assumptions=tuple(notes), compute_format=compute_format(precision, acc, engine_version),
        compute_note=nvfp4_compute_note(acc, engine_version) if precision == "nvfp4" else None,
    )


def nvfp4_compute_note(acc: Accelerator, engine_version: str | None = None) -> str:
    """How vLLM `engine_version` multiplies NVFP4 weights on `acc`, and so at which peak the estimate computes them."""
    release = sized_release(engine_version)
    kernel = nvfp4_kernel(acc.compute_capability, engine_version) if acc.compute_capability is not None else None
    if kernel is None:
        return f"nvfp4 on {acc.name}: vLLM {release} runs no NVFP4 kernel Hangar plans on it"
    if kernel != NVFP4_TENSOR_CORES:
        return f"nvfp4 on {acc.name}: vLLM {release} runs it as {kernel}: 4-bit weights read, products in 16 bits at the bf16 peak"
    peak = acc.peak_tflops.get("fp4")
    if peak is None:
        return (f"nvfp4 on {acc.name}: vLLM {release} multiplies on FP4 tensor cores, but the catalog has no FP4 peak for it: "
                "estimated at the 16-bit peak (a floor)")  # fmt: skip
    return (
        f"nvfp4 on {acc.name}: vLLM {release} multiplies on FP4 tensor cores (W4A4), so its 4-bit layers compute at the dense FP4 peak, "
        f"{peak:,.0f} TFLOPS (the head, 16-bit modules and attention at the bf16 one), taken at the share fitted on 16-bit products: "
        "no NVFP4 measurement was found to fit one"
    )


def usd_per_million_tokens(usd_per_hour: float | None, tokens_per_s: float | None) -> float | None:
    """$/hour / (tokens/s x 3600) x 1e6; None (unknown, never 0) when either is unknown."""
    if usd_per_hour is None or not tokens_per_s or tokens_per_s <= 0:
        return None
    return usd_per_hour / (tokens_per_s * 3600) * 1e6


def usd_per_month(usd_per_hour: float | None) -> float | None:
    return None if usd_per_hour is None else usd_per_hour * HOURS_PER_MONTH

