"""Will one model replica fit: accelerators, weight and KV-cache bytes, the memory budget, and vLLM's TP rules.

The memory side of sizing, kept apart from speed and price so each formula has one home. Every
formula follows `/work/shared/reference/sizing.md` (cited below as "sizing.md §n"):

* weights   = parameters x bytes per parameter (sizing.md §1); a mixture-of-experts model keeps ALL
              experts resident, so it is sized by its total parameters (§3), but computes with its
              active ones;
* KV cache  = 2 (K, V) x layers x KV heads x head dim x bytes x tokens in flight (§2), i.e. the
              catalog's `kv_bytes_per_token_bf16` scaled by the KV element size, times
              max_context_tokens x concurrent sequences (the worst case: every sequence at full length);
              under tensor parallelism vLLM keeps `max(1, kv_heads // TP)` KV heads per GPU, so the KV
              cache is replicated when TP > kv_heads (§2);
* overhead  = `RUNTIME_OVERHEAD_GIB_PER_GPU` per GPU for activations and CUDA graphs (§4, ESTIMATE);
* usable    = GPU memory x TP x gpu_memory_utilization (vLLM default 0.90, §4).

Tensor-parallel degrees follow vLLM's rules (§5): a power of two that divides the attention heads and
either divides the KV heads or is a multiple of them, within one node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hangar.catalog import Gpu, Model, TpuMachine

GIB = 2**30
"""Bytes in a GiB; memory is compared in GiB (GPU memory is quoted in GiB in the catalog)."""

PRECISIONS: tuple[str, ...] = ("bf16", "fp16", "fp8", "int8", "awq", "gptq")
"""Weight formats Hangar can plan (the `precision` of a deployment)."""

KV_CACHE_DTYPES: tuple[str, ...] = ("auto", "fp8")
"""KV-cache element types: vLLM's `--kv-cache-dtype` ("auto" = the model's 16-bit activation type)."""

BYTES_PER_PARAM: dict[str, float] = {
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    # ESTIMATE (sizing.md §1, §3): 4-bit weights + group-128 scales/zeros + unquantized embeddings
    # ~ 4.5 bits per parameter.
    "awq": 0.5625,
    "gptq": 0.5625,
}
"""Bytes per weight by precision (sizing.md §1)."""

KV_BYTES_PER_ELEMENT: dict[str, int] = {"auto": 2, "bf16": 2, "fp16": 2, "fp8": 1}
"""Bytes per KV-cache element: "auto" keeps the model's 16-bit activation type even when the
weights are quantized; fp8 halves the KV cache (sizing.md §2)."""

GPU_MEMORY_UTILIZATION = 0.90
"""vLLM's default share of each GPU's memory it may use (sizing.md §4: `EngineArgs.gpu_memory_utilization`)."""

RUNTIME_OVERHEAD_GIB_PER_GPU = 2.0
"""ESTIMATE (sizing.md §4): activations and CUDA-graph pools per GPU, inside the utilisation share
(the reference gives 1-4 GiB, ~2 GiB in its planning inequality)."""

MAX_TENSOR_PARALLEL = 4096
"""Largest power of two tried when working out how many accelerators a model would need at all."""


class SizingError(ValueError):
    """The question cannot be answered as asked (unknown precision, context longer than the model's)."""


# --- accelerators ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accelerator:
    """What sizing needs of a GPU or a TPU chip: memory, bandwidth, peak FLOPS and number formats."""

    name: str
    kind: Literal["gpu", "tpu"]
    architecture: str
    memory_gib: float
    bandwidth_gbps: float | None
    peak_bf16_tflops: float | None
    formats: frozenset[str]

    @classmethod
    def of(cls, device: Gpu | TpuMachine | Accelerator) -> Accelerator:
        if isinstance(device, Accelerator):
            return device
        if isinstance(device, Gpu):
            flags = {"bf16": device.bf16, "fp16": device.fp16, "fp8": device.fp8, "int8": device.int8, "awq": device.awq, "gptq": device.gptq}
            return cls(
                name=device.name,
                kind="gpu",
                architecture=device.architecture,
                memory_gib=device.memory_gib,
                bandwidth_gbps=device.memory_bandwidth_gbps,
                peak_bf16_tflops=device.peak_bf16_tflops,
                formats=frozenset(p for p, ok in flags.items() if ok),
            )
        return cls(
            name=f"TPU {device.generation}",
            kind="tpu",
            architecture=f"TPU {device.generation}",
            memory_gib=device.hbm_per_chip_gib,
            bandwidth_gbps=device.hbm_bandwidth_gbps_per_chip,
            peak_bf16_tflops=device.peak_bf16_tflops_per_chip,
            formats=frozenset({"bf16"}),
        )


def capability_problems(device: Gpu | TpuMachine | Accelerator, precision: str) -> list[str]:
    """Why `device` cannot serve weights in `precision` with vLLM, as a user would read it; [] if it can."""
    _check_precision(precision)
    acc = Accelerator.of(device)
    if precision in acc.formats:
        return []
    who = f"{acc.name} ({acc.architecture})"
    if acc.kind == "tpu":
        if precision == "fp16":
            return [f"{acc.name} computes in bf16, not fp16: serve bf16 (same memory)"]
        return [f"{precision} on {acc.name} is not in the catalog; Hangar plans only bf16 on TPUs"]
    if precision == "bf16":
        if "fp16" in acc.formats:
            return [f"{who} has no bf16: serve fp16 instead (same memory)"]
        return [f"{who} has no bf16"]
    if precision == "fp16":
        return [f"{who} has no fp16"]
    if precision == "fp8":
        return [
            (
                f"{who} has no native fp8: vLLM's fp8 W8A8 needs compute capability >= 8.9 (Ada, Hopper, Blackwell); "
                "an fp8 checkpoint would run weight-only (W8A16, Marlin), which Hangar does not plan"
            )
        ]
    if precision == "int8":
        return [f"vLLM has no int8 W8A8 kernels for {who}"]
    return [f"vLLM has no {precision.upper()} kernels for {who}"]


# --- memory ---------------------------------------------------------------------------------------------


def _check_precision(precision: str) -> None:
    if precision not in BYTES_PER_PARAM:
        raise SizingError(f"unknown precision {precision!r}; allowed: {', '.join(PRECISIONS)}")


def _check_kv(kv_cache_dtype: str) -> None:
    if kv_cache_dtype not in KV_BYTES_PER_ELEMENT:
        raise SizingError(f"unknown kv_cache_dtype {kv_cache_dtype!r}; allowed: {', '.join(KV_CACHE_DTYPES)}")


def weight_bytes(model: Model, precision: str, *, active: bool = False) -> float:
    """Bytes of weights: total parameters (all experts stay resident), or the active ones per token."""
    _check_precision(precision)
    params_b = model.params_active_b if active and model.params_active_b is not None else model.params_total_b
    return params_b * 1e9 * BYTES_PER_PARAM[precision]


def kv_replication(model: Model, tensor_parallel: int) -> float:
    """How many times the KV cache is stored across the TP group, relative to one copy.

    vLLM keeps `max(1, kv_heads // TP)` KV heads per GPU (sizing.md §2), so TP above the KV-head
    count replicates heads. MLA models (DeepSeek-V3/R1) keep one latent "head" that every TP rank
    stores whole (vLLM `get_num_kv_heads` returns 1 for MLA; from knowledge), so their cache is
    replicated TP times.
    """
    if tensor_parallel < 1:
        raise SizingError(f"tensor_parallel must be at least 1, got {tensor_parallel}")
    if model.kv_heads is None:
        return float(tensor_parallel)
    per_gpu = max(1, model.kv_heads // tensor_parallel)
    return per_gpu * tensor_parallel / model.kv_heads


def kv_bytes_per_token(model: Model, kv_cache_dtype: str = "auto", tensor_parallel: int = 1) -> float:
    """KV-cache bytes per token in flight, summed over the TP group (replication included)."""
    _check_kv(kv_cache_dtype)
    element = KV_BYTES_PER_ELEMENT[kv_cache_dtype] / 2
    return model.kv_bytes_per_token_bf16 * element * kv_replication(model, tensor_parallel)


@dataclass(frozen=True)
class MemoryFit:
    """The memory budget of one model replica on `tensor_parallel` accelerators (GiB throughout)."""

    model: str
    accelerator: str
    precision: str
    kv_cache_dtype: str
    tensor_parallel: int
    max_context_tokens: int
    concurrent_sequences: int
    gpu_memory_utilization: float
    weights_gib: float
    kv_cache_gib: float
    overhead_gib: float
    usable_gib: float
    headroom_gib: float
    fits: bool
    reason: str | None
    kv_replication: float = 1.0

    @property
    def required_gib(self) -> float:
        return self.weights_gib + self.kv_cache_gib + self.overhead_gib

    def to_json(self) -> dict:
        return {**self.__dict__, "required_gib": self.required_gib}


def memory_fit(
    model: Model,
    device: Gpu | TpuMachine | Accelerator,
    *,
    precision: str = "bf16",
    kv_cache_dtype: str = "auto",
    max_context_tokens: int = 8192,
    concurrent_sequences: int = 16,
    tensor_parallel: int = 1,
    gpu_memory_utilization: float = GPU_MEMORY_UTILIZATION,
) -> MemoryFit:
    """Does one replica fit in `tensor_parallel` x `device`? A breakdown, with the reason when it does not.

    This checks memory only: whether the TP degree is valid for the model (`tp_problems`) and whether
    the device can run the precision (`capability_problems`) are separate questions.
    """
    _check_precision(precision)
    _check_kv(kv_cache_dtype)
    if max_context_tokens < 1 or concurrent_sequences < 1:
        raise SizingError("max_context_tokens and concurrent_sequences must be at least 1")
    if not 0 < gpu_memory_utilization <= 1:
        raise SizingError(f"gpu_memory_utilization must be in (0, 1], got {gpu_memory_utilization}")
    acc = Accelerator.of(device)
    replication = kv_replication(model, tensor_parallel)
    weights = weight_bytes(model, precision) / GIB
    kv = kv_bytes_per_token(model, kv_cache_dtype, tensor_parallel) * max_context_tokens * concurrent_sequences / GIB
    overhead = RUNTIME_OVERHEAD_GIB_PER_GPU * tensor_parallel
    usable = acc.memory_gib * tensor_parallel * gpu_memory_utilization
    headroom = usable - (weights + kv + overhead)
    fits = headroom >= 0
    reason = None
    if not fits:
        group = f"{tensor_parallel} x {acc.name} give" if tensor_parallel > 1 else f"one {acc.name} gives"
        reason = (
            f"needs {weights + kv + overhead:,.1f} GiB (weights {weights:,.1f} + KV cache {kv:,.1f} + overhead {overhead:,.1f}) "
            f"but {group} {usable:,.1f} GiB usable at {gpu_memory_utilization:.0%}: {-headroom:,.1f} GiB short"
        )
        if weights > usable:
            reason += "; the weights alone do not fit"
        if replication > 1 and model.kv_heads is not None:
            reason += f"; TP {tensor_parallel} > {model.kv_heads} KV heads replicates the KV cache x{replication:g}"
    return MemoryFit(
        model=model.hf_id,
        accelerator=acc.name,
        precision=precision,
        kv_cache_dtype=kv_cache_dtype,
        tensor_parallel=tensor_parallel,
        max_context_tokens=max_context_tokens,
        concurrent_sequences=concurrent_sequences,
        gpu_memory_utilization=gpu_memory_utilization,
        weights_gib=weights,
        kv_cache_gib=kv,
        overhead_gib=overhead,
        usable_gib=usable,
        headroom_gib=headroom,
        fits=fits,
        reason=reason,
        kv_replication=replication,
    )


# --- tensor parallelism ---------------------------------------------------------------------------------


def tp_problems(model: Model, tensor_parallel: int) -> list[str]:
    """Why vLLM would refuse `tensor_parallel` for this model (sizing.md §5); [] if it is valid."""
    tp = tensor_parallel
    if tp < 1 or tp & (tp - 1):
        return [f"TP {tp} is not a power of two"]
    problems = []
    if model.attention_heads % tp:
        problems.append(f"TP {tp} does not divide the {model.attention_heads} attention heads")
    kv = model.kv_heads
    if kv is not None:
        if kv >= tp and kv % tp:
            problems.append(f"TP {tp} does not divide the {kv} KV heads")
        elif kv < tp and tp % kv:
            problems.append(f"TP {tp} is not a multiple of the {kv} KV heads")
    return problems


def valid_tp_degrees(model: Model, max_tp: int) -> list[int]:
    """Powers of two up to `max_tp` that vLLM accepts for this model."""
    degrees, tp = [], 1
    while tp <= max_tp:
        if not tp_problems(model, tp):
            degrees.append(tp)
        tp *= 2
    return degrees


@dataclass(frozen=True)
class TpChoice:
    """The smallest valid tensor-parallel degree within one node, or why there is none."""

    tensor_parallel: int | None
    fit: MemoryFit | None
    reason: str | None
    needs_multiple_nodes: bool
    min_accelerators: int | None
    """Fewest accelerators (a power of two) whose memory would hold one replica, ignoring TP rules; None if over MAX_TENSOR_PARALLEL."""


def min_accelerators(
    model: Model,
    device: Gpu | TpuMachine | Accelerator,
    *,
    precision: str = "bf16",
    kv_cache_dtype: str = "auto",
    max_context_tokens: int = 8192,
    concurrent_sequences: int = 16,
    gpu_memory_utilization: float = GPU_MEMORY_UTILIZATION,
) -> int | None:
    """Fewest accelerators (a power of two) whose memory would hold one replica, TP rules aside.

    Counted as pipeline parallelism would split it: one copy of the KV cache (no TP replication),
    `RUNTIME_OVERHEAD_GIB_PER_GPU` on each accelerator. None when more than MAX_TENSOR_PARALLEL.
    """
    acc = Accelerator.of(device)
    need = (weight_bytes(model, precision) + kv_bytes_per_token(model, kv_cache_dtype) * max_context_tokens * concurrent_sequences) / GIB
    per_device = acc.memory_gib * gpu_memory_utilization - RUNTIME_OVERHEAD_GIB_PER_GPU
    n = 1
    while n <= MAX_TENSOR_PARALLEL:
        if per_device > 0 and n * per_device >= need:
            return n
        n *= 2
    return None


def smallest_tp(model: Model, device: Gpu | TpuMachine | Accelerator, accelerators_per_node: int, **workload) -> TpChoice:
    """The smallest valid TP degree <= `accelerators_per_node` at which one replica fits in memory.

    `workload` takes `memory_fit`'s keywords (precision, kv_cache_dtype, max_context_tokens,
    concurrent_sequences, gpu_memory_utilization). When nothing fits in one node, the reason says
    how many accelerators it would take and that this means more than one node.
    """
    acc = Accelerator.of(device)
    last_fit = None
    rejected = []
    tp = 1
    while tp <= accelerators_per_node:
        problems = tp_problems(model, tp)
        if problems:
            rejected.extend(problems)
        else:
            last_fit = memory_fit(model, acc, tensor_parallel=tp, **workload)
            if last_fit.fits:
                return TpChoice(tp, last_fit, None, False, tp)
        tp *= 2
    need = min_accelerators(model, acc, **workload)
    if need is None or need > accelerators_per_node:
        count = f"at least {need}" if need else f"more than {MAX_TENSOR_PARALLEL}"
        reason = (
            f"needs more than one node: {count} x {acc.name} to hold it, and a node has {accelerators_per_node}; "
            "multi-node serving (pipeline parallelism across nodes) is not planned by Hangar"
        )
        if last_fit is not None and last_fit.reason:
            reason += f" (at TP {last_fit.tensor_parallel}: {last_fit.reason})"
        return TpChoice(None, last_fit, reason, True, need)
    reason = f"fits on {need} x {acc.name} but no valid TP degree <= {accelerators_per_node} holds it: " + "; ".join(dict.fromkeys(rejected))
    return TpChoice(None, last_fit, reason, False, need)
