"""Will vLLM start one model replica, and how many sequences will its KV cache then hold.

Two questions, kept apart because vLLM keeps them apart (see `hangar.sizing.engine` for the source):

* fit (will the engine start): weights + runtime overhead + the KV cache of ONE sequence of
  `max_model_len` tokens within the usable memory (GPU memory x TP x gpu_memory_utilization);
* capacity (what it then serves): the memory left after weights and overhead, divided by what one
  sequence of that length needs (`hangar.sizing.kv`) = the sequences batched at full context.
  Fewer than `max_num_seqs` is not a failure: vLLM schedules what the blocks hold.

* weights   = parameters x bytes per parameter; a mixture of experts keeps ALL experts resident,
              so it is sized by its total parameters, but computes with its active ones;
* overhead  = `RUNTIME_OVERHEAD_GIB_PER_GPU` per GPU for activations, CUDA graphs and non-torch
              memory (ESTIMATE: vLLM profiles it at start-up);
* LoRA      = with `--enable-lora`, the adapter slots vLLM allocates beside the weights (`hangar.sizing.lora`);
* usable    = GPU memory x TP x gpu_memory_utilization (the release's vLLM default: `hangar.sizing.engine`).

Which tensor-parallel degree vLLM accepts, and the one Hangar picks: `hangar.sizing.tensor_parallel`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from hangar.catalog import AcceleratorPerformance, Gpu, Model, TpuMachine

from .context import unset_context
from .embeddings import quantised_weight_bytes
from .engine import EngineLimits, engine_limits, release_defaults
from .experts import ExpertsUnsized, engine_weight_bytes, expert_precision_bytes
from .kv import KvError, check_kv_dtype, kv_replication, served_kv_dtype
from .kv_blocks import DEFAULT_LAYOUT, KvLayout, kv_layout
from .kv_pool import kv_pool, max_tokens_within
from .lora import LoraSlots, lora_gib
from .mxfp4 import MXFP4_BYTES_PER_WEIGHT, PUBLISHED, Mxfp4Unsized, backend, compute_capability, expert_weights, rest_bytes, rocm_kernel
from .mxfp4 import weight_bytes as mxfp4_weight_bytes
from .quant_kernels import NVFP4_BYTES_PER_WEIGHT, SIZED_BITS, SIZED_GROUP, nvfp4_refusal
from .replicated_weights import engine_extra_bytes
from .wna16 import NOMINAL_BYTES as INT4_NOMINAL_BYTES
from .wna16 import weight_bytes as int4_weight_bytes

GIB = 2**30
"""Bytes in a GiB; memory is compared in GiB (GPU memory is quoted in GiB in the catalog)."""

PRECISIONS: tuple[str, ...] = ("bf16", "fp16", "fp8", "int8", "awq", "gptq", "mxfp4", "int4", "nvfp4")
"""Weight formats Hangar can plan (the `precision` of a deployment)."""

BYTES_PER_PARAM: dict[str, float] = {
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    # ESTIMATE (a group size of 128 assumed, the usual one; checkpoints choose): vLLM v0.11.2's AWQLinearMethod and
    # GPTQLinearMethod `create_weights` (quantization/awq.py, gptq.py; sdist commit 275de3417, read 2026-12-02) hold
    # eight 4-bit weights per int32 `qweight`, and per group of 128 inputs a 16-bit `scales` and a 4-bit packed `qzeros`
    # per output: 0.5 + 2.5/128 bytes a weight. The embedding and head stay 16-bit (`hangar.sizing.embeddings`).
    "awq": SIZED_BITS / 8 + (2 + SIZED_BITS / 8) / SIZED_GROUP,
    "gptq": SIZED_BITS / 8 + (2 + SIZED_BITS / 8) / SIZED_GROUP,
    # MXFP4 routed experts only (4-bit values + a one-byte scale per 32); the rest of the checkpoint stays bf16
    # (`hangar.sizing.mxfp4`, which `weight_bytes` uses for the whole model).
    "mxfp4": MXFP4_BYTES_PER_WEIGHT,
    # compressed-tensors W4A16: the preset's groups of 128; `weight_bytes` takes the row's own layout (`hangar.sizing.wna16`).
    "int4": INT4_NOMINAL_BYTES,
    # NVFP4: e2m1 values and an e4m3 scale per 16 (`hangar.sizing.quant_kernels`); the embedding, head and the layers the
    # checkpoint leaves unquantised stay 16-bit (`hangar.sizing.embeddings`).
    "nvfp4": NVFP4_BYTES_PER_WEIGHT,
}
"""Bytes per weight by precision."""

RUNTIME_OVERHEAD_GIB_PER_GPU = 2.0
"""ESTIMATE: activations, CUDA-graph pools and non-torch memory per GPU, inside the utilisation share
(vLLM measures them at start-up by a profiling run: `determine_available_memory`)."""

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
    peaks: tuple[tuple[str, float], ...] = ()
    """Dense peak TFLOPS per number format ('bf16', 'fp16', 'fp8', 'int8', 'fp4'), known ones only."""
    interconnect_gbps: float | None = None
    """Accelerator-to-accelerator bandwidth (both directions) from the datasheet row; None when unknown."""
    performance_source: str | None = None
    """Where bandwidth and peaks come from: a datasheet row of the catalog, or None (gpus.csv / tpus.csv figures)."""
    compute_capability: int | None = None
    """NVIDIA compute capability (90 for Hopper) where the catalog's architecture names one (vLLM's checks use it)."""
    vendor: str | None = None
    """The GPU's vendor (NVIDIA, AMD, Intel); None for a TPU."""

    @property
    def peak_tflops(self) -> dict[str, float]:
        return dict(self.peaks)

    def with_performance(self, row: AcceleratorPerformance | None) -> Accelerator:
        """This accelerator with the datasheet figures of a catalog `accelerator_performance.csv` row (unchanged without one)."""
        if row is None:
            return self
        peaks = row.peak_tflops()
        return replace(
            self,
            bandwidth_gbps=row.memory_bandwidth_gbps,
            peak_bf16_tflops=peaks.get("bf16", self.peak_bf16_tflops),
            peaks=tuple(sorted(peaks.items())),
            interconnect_gbps=row.interconnect_gbps,
            performance_source=f"{row.source} (read at {row.read_at}, {row.as_of.isoformat()})",
        )

    @classmethod
    def of(cls, device: Gpu | TpuMachine | Accelerator) -> Accelerator:
        if isinstance(device, Accelerator):
            return device
        if isinstance(device, Gpu):
            capability = compute_capability(device.architecture) if device.vendor == "NVIDIA" else None
            flags = {"bf16": device.bf16, "fp16": device.fp16, "fp8": device.fp8, "int8": device.int8, "awq": device.awq, "gptq": device.gptq}
            flags["mxfp4"] = capability is not None and backend(capability) is not None
            flags["nvfp4"] = capability is not None and nvfp4_refusal(capability) is None  # the pinned release's kernels
            return cls(
                name=device.name,
                kind="gpu",
                architecture=device.architecture,
                memory_gib=device.memory_gib,
                bandwidth_gbps=device.memory_bandwidth_gbps,
                peak_bf16_tflops=device.peak_bf16_tflops,
                formats=frozenset(p for p, ok in flags.items() if ok),
                peaks=() if device.peak_bf16_tflops is None else (("bf16", device.peak_bf16_tflops),),
                compute_capability=capability,
                vendor=device.vendor,
            )
        return cls(
            name=f"TPU {device.generation}",
            kind="tpu",
            architecture=f"TPU {device.generation}",
            memory_gib=device.hbm_per_chip_gib,
            bandwidth_gbps=device.hbm_bandwidth_gbps_per_chip,
            peak_bf16_tflops=device.peak_bf16_tflops_per_chip,
            formats=frozenset({"bf16"}),
            peaks=() if device.peak_bf16_tflops_per_chip is None else (("bf16", device.peak_bf16_tflops_per_chip),),
        )


# --- memory ---------------------------------------------------------------------------------------------


def check_precision(precision: str) -> None:
    """Raise SizingError naming the precisions Hangar sizes unless `precision` is one."""
    if precision not in BYTES_PER_PARAM:
        raise SizingError(f"unknown precision {precision!r}; allowed: {', '.join(PRECISIONS)}")


def _check_kv(kv_cache_dtype: str) -> None:
    try:
        check_kv_dtype(kv_cache_dtype)
    except KvError as error:
        raise SizingError(str(error)) from None


def weight_bytes(
    model: Model, precision: str, *, active: bool = False, accelerator: Accelerator | None = None, tensor_parallel: int = 1, lora: bool = False,
    engine_version: str | None = None,
) -> float:
    """Bytes of weights: total parameters (all experts stay resident), or the active ones per token.

    mxfp4 (a checkpoint published so, as gpt-oss) counts its experts at 4.25 bits and the rest in bf16; on an
    `accelerator`, as the kernel vLLM `engine_version` picks there pads them over `tensor_parallel` ranks (`lora`: with
    --enable-lora).
    fp8, int8, awq, gptq, int4 and nvfp4 keep the token embedding and output head in 16 bits (`hangar.sizing.embeddings`); int4
    counts the row's own W4A16 group size and zero points (`hangar.sizing.wna16`).
    """
    check_precision(precision)
    if precision == "mxfp4" and active:
        try:
            rest = model.params_total_b * 1e9 - expert_weights(model)
        except Mxfp4Unsized as error:
            raise SizingError(str(error)) from None
        active_b = model.params_active_b if model.params_active_b is not None else model.params_total_b
        return rest_bytes(model, rest, active=True) + max(active_b * 1e9 - rest, 0.0) * MXFP4_BYTES_PER_WEIGHT
    if precision == "mxfp4":
        capability = None if accelerator is None else accelerator.compute_capability
        kernel = (backend(capability, lora=lora, engine_version=engine_version) if capability is not None else rocm_kernel(accelerator)) or PUBLISHED
        try:
            return mxfp4_weight_bytes(model, tensor_parallel=tensor_parallel, kernel=kernel)
        except Mxfp4Unsized as error:
            raise SizingError(str(error)) from None
    if precision == "int4":
        return int4_weight_bytes(model, active=active)
    params_b = model.params_active_b if active and model.params_active_b is not None else model.params_total_b
    if BYTES_PER_PARAM[precision] < 2:
        return quantised_weight_bytes(model, params_b * 1e9, BYTES_PER_PARAM[precision], active=active)
    return params_b * 1e9 * BYTES_PER_PARAM[precision]


@dataclass(frozen=True)
class MemoryFit:
    """Will vLLM start one replica on `tensor_parallel` accelerators, and what its KV cache then holds (GiB)."""

    model: str
    accelerator: str
    precision: str
    kv_cache_dtype: str
    tensor_parallel: int
    max_context_tokens: int
    """vLLM's max_model_len: the deployment's, or the model's own maximum."""
    concurrent_sequences: int
    """vLLM's max_num_seqs: the deployment's, or vLLM's default for the hardware."""
    max_num_batched_tokens: int
    gpu_memory_utilization: float
    weights_gib: float
    overhead_gib: float
    usable_gib: float
    kv_per_sequence_gib: float
    """KV cache of ONE sequence of max_context_tokens (what vLLM checks at start-up)."""
    kv_budget_gib: float
    """Memory left for the KV cache: usable - weights - overhead (may be negative)."""
    headroom_gib: float
    """kv_budget - kv_per_sequence: how far from the start-up limit (negative: vLLM refuses to start)."""
    fits: bool
    reason: str | None
    capacity_sequences: int
    """Sequences of max_context_tokens the KV cache holds at once (0 when it does not fit)."""
    max_tokens_that_fit: int
    """When vLLM would refuse: the longest max_model_len whose one sequence fits (its own estimate); else max_context_tokens."""
    kv_replication: float = 1.0
    defaulted: tuple[str, ...] = ()
    """Which of max_context_tokens / concurrent_sequences / max_num_batched_tokens are vLLM's defaults."""
    lora_gib: float = 0.0
    """The LoRA slots' memory (0 without LoRA, or when `lora_unsized` says why it could not be sized)."""
    lora_unsized: str | None = None
    kv_reserved_gib: float = 0.0
    """What vLLM's start-up check holds back beside the sequence: the pool's null block at v0.33.0 (`hangar.sizing.kv_pool`)."""
    kv_pages: str | None = None
    """How a hybrid (linear-attention) model's KV cache is paged, for the user; None for other models."""
    data_parallel: int = 1
    """Engines (`--data-parallel-size`) of `tensor_parallel` GPUs each: weights, overhead, usable memory, the KV budget and
    `concurrent_sequences` are one engine's (its GPU holding the most experts, x TP); `capacity_sequences` is all engines'."""
    expert_parallel: bool = False
    """`--enable-expert-parallel`: whole routed experts spread over TP x DP GPUs (`hangar.sizing.experts`)."""

    @property
    def required_gib(self) -> float:
        """What vLLM needs to start: weights + overhead + one sequence's KV cache (+ the block the release holds back)."""
        return self.weights_gib + self.overhead_gib + self.lora_gib + self.kv_per_sequence_gib + self.kv_reserved_gib

    @property
    def batched_sequences(self) -> int:
        """Sequences of full context batched at once over all engines: max_num_seqs each, or fewer when the KV caches hold fewer."""
        return min(self.concurrent_sequences * self.data_parallel, self.capacity_sequences)

    @property
    def accelerators(self) -> int:
        """GPUs of the replica: TP x DP."""
        return self.tensor_parallel * self.data_parallel

    @property
    def weights_per_gpu_gib(self) -> float:
        """Weights on the GPU holding the most."""
        return self.weights_gib / self.tensor_parallel

    @property
    def kv_cache_gib(self) -> float:
        """KV cache in use with `batched_sequences` sequences at full context."""
        return self.kv_per_sequence_gib * self.batched_sequences

    @property
    def holds_all_sequences(self) -> bool:
        return self.capacity_sequences >= self.concurrent_sequences * self.data_parallel

    def capacity_note(self) -> str:
        """One line on capacity: how many sequences of the declared context the KV cache holds."""
        caches = "its KV cache holds" if self.data_parallel == 1 else f"its {self.data_parallel} engines' KV caches hold"
        held = f"{caches} {self.capacity_sequences:,} sequences of {self.max_context_tokens:,} tokens at once"
        asked = f"max_num_seqs {self.concurrent_sequences:,}" + ("" if self.data_parallel == 1 else f" x {self.data_parallel} engines")
        if self.holds_all_sequences:
            return f"{held} ({asked})"
        return f"{held}, fewer than {asked}: vLLM batches fewer sequences at full length (shorter ones share the blocks)"

    def to_json(self) -> dict:
        return {
            **self.__dict__,
            "defaulted": list(self.defaulted),
            "required_gib": self.required_gib,
            "kv_cache_gib": self.kv_cache_gib,
            "batched_sequences": self.batched_sequences,
        }


def memory_fit(
    model: Model,
    device: Gpu | TpuMachine | Accelerator,
    *,
    precision: str = "bf16",
    kv_cache_dtype: str = "auto",
    max_context_tokens: int | None = None,
    concurrent_sequences: int | None = None,
    tensor_parallel: int = 1,
    gpu_memory_utilization: float | None = None,
    max_num_batched_tokens: int | None = None,
    lora: LoraSlots | None = None,
    engine_version: str | None = None,
    prefix_caching: bool | None = None,
    data_parallel: int = 1,
    expert_parallel: bool = False,
) -> MemoryFit:
    """Does vLLM start one replica in `tensor_parallel` x `device`, and how many sequences does it then hold?

    With `data_parallel` D (`--data-parallel-size`) the replica is D engines of `tensor_parallel` GPUs, each with its own
    copy of the non-expert weights and its own KV cache, the routed experts spread over all of them (`expert_parallel`:
    whole experts, `--enable-expert-parallel`; `hangar.sizing.experts`): the start-up check is one engine's, on the GPU
    holding the most experts, and the capacity is D engines'.

    Arguments left out take vLLM's defaults: `max_context_tokens` (max_model_len) the context the release derives
    for the model (`hangar.sizing.context`), `concurrent_sequences` (max_num_seqs), `max_num_batched_tokens` and `gpu_memory_utilization` the engine's
    defaults for the accelerator (those of vLLM `engine_version`, the pinned release when None); `lora` the slots `--enable-lora` reserves;
    `prefix_caching` False for a server told `--no-enable-prefix-caching` (a hybrid model's state pages depend on it). Checks memory only: whether the TP degree is valid for the model
    (`tp_problems`) and the device runs the precision (`hangar.sizing.capability.capability_problems`) are separate questions.
    """
    check_precision(precision)
    _check_kv(kv_cache_dtype)
    kv_cache_dtype = served_kv_dtype(model, kv_cache_dtype, engine_version, Accelerator.of(device).compute_capability)  # fp8 at v0.33.0
    if gpu_memory_utilization is None:
        gpu_memory_utilization = release_defaults(engine_version).gpu_memory_utilization
    if not 0 < gpu_memory_utilization <= 1:
        raise SizingError(f"gpu_memory_utilization must be in (0, 1], got {gpu_memory_utilization}")
    if tensor_parallel < 1 or data_parallel < 1:
        raise SizingError(f"tensor_parallel and data_parallel must be at least 1, got {tensor_parallel} and {data_parallel}")
    if expert_parallel and model.num_experts is None:
        raise SizingError(f"{model.hf_id} has no experts: expert parallelism (--enable-expert-parallel) is for a mixture of experts")
    acc = Accelerator.of(device)
    tokens = unset_context(model, engine_version) if max_context_tokens is None else max_context_tokens
    if tokens < 1 or (concurrent_sequences is not None and concurrent_sequences < 1):
        raise SizingError("max_context_tokens and concurrent_sequences must be at least 1")
    limits = engine_limits(
        acc.name, acc.kind, acc.memory_gib, max_num_seqs=concurrent_sequences, max_num_batched_tokens=max_num_batched_tokens, max_model_len=tokens,
        engine_version=engine_version,
    )
    defaulted = (("max_context_tokens",) if max_context_tokens is None else ()) + limits.defaulted
    options = kv_options(kv_cache_dtype, tensor_parallel, limits, layout_of(model, acc, engine_version))
    pool_options = {**options, "engine_version": engine_version, "capability": acc.compute_capability, "vendor": acc.vendor, "prefix_caching": prefix_caching}
    pool = kv_pool(model, tokens, **pool_options)
    per_sequence = pool.sequence_bytes / GIB
    reserved = pool.reserved_bytes / GIB
    replication = kv_replication(model, tensor_parallel)
    weights = weight_bytes(model, precision, accelerator=acc, tensor_parallel=tensor_parallel, lora=lora is not None, engine_version=engine_version)
    whole = engine_extra_bytes(model, precision, BYTES_PER_PARAM[precision], tensor_parallel, engine_version, acc.compute_capability)
    try:  # the routed experts as DP/EP spread them, and the modules every TP rank holds whole (`hangar.sizing.replicated_weights`)
        weights = (engine_weight_bytes(model, weights, expert_precision_bytes(precision, BYTES_PER_PARAM[precision]), tensor_parallel=tensor_parallel,
                                       data_parallel=data_parallel, expert_parallel=expert_parallel) + whole) / GIB
    except ExpertsUnsized as error:
        raise SizingError(str(error)) from None
    overhead = RUNTIME_OVERHEAD_GIB_PER_GPU * tensor_parallel
    adapters, unsized = lora_gib(model, lora, tensor_parallel, engine_version)
    usable = acc.memory_gib * tensor_parallel * gpu_memory_utilization
    budget = usable - weights - overhead - adapters
    headroom = budget - reserved - per_sequence
    fits = headroom >= 0
    capacity = pool.sequences_within(budget * GIB) * data_parallel if fits else 0
    longest = tokens if fits else (max_tokens_within(model, budget * GIB, upper=tokens, **pool_options) if budget > 0 else 0)
    reason = None
    if not fits:
        group = f"{tensor_parallel} x {acc.name} give" if tensor_parallel > 1 else f"one {acc.name} gives"
        engine = ""
        if data_parallel > 1:
            experts = ", the routed experts spread over all of them" + (" whole (expert parallel)" if expert_parallel else "")
            engine = f"each of its {data_parallel} data-parallel engines{experts if model.num_experts is not None else ''}: "
        reason = (
            f"vLLM would not start: {engine}it needs {weights + overhead + adapters + per_sequence + reserved:,.1f} GiB (weights {weights:,.1f} + overhead {overhead:,.1f} "
            + (f"+ {lora.describe()} {adapters:,.1f} " if lora is not None and adapters else "")
            + f"+ KV cache of one {tokens:,}-token sequence {per_sequence:,.1f}"
            + (f" + the block vLLM holds back {reserved:,.2f}" if reserved >= 0.005 else "")
            + f") but {group} {usable:,.1f} GiB usable at "
            f"{gpu_memory_utilization:.0%}: {-headroom:,.1f} GiB short"
        )
        if weights > usable:
            reason += "; the weights alone do not fit"
        elif longest > 0:
            reason += f"; a max_model_len of at most {longest:,} tokens would fit"
        if replication > 1 and model.layer_kv_heads is not None:  # each attention layer replicated by its own KV heads
            reason += f"; TP {tensor_parallel} exceeds some layers' KV heads, replicating the KV cache x{replication:.3g} overall"
        elif replication > 1 and model.kv_heads is not None:
            reason += f"; TP {tensor_parallel} > {model.kv_heads} KV heads replicates the KV cache x{replication:g}"
    return MemoryFit(
        model=model.hf_id,
        accelerator=acc.name,
        precision=precision,
        kv_cache_dtype=kv_cache_dtype,
        tensor_parallel=tensor_parallel,
        max_context_tokens=tokens,
        concurrent_sequences=limits.max_num_seqs,
        max_num_batched_tokens=limits.max_num_batched_tokens,
        gpu_memory_utilization=gpu_memory_utilization,
        weights_gib=weights,
        overhead_gib=overhead,
        usable_gib=usable,
        kv_per_sequence_gib=per_sequence,
        kv_budget_gib=budget,
        headroom_gib=headroom,
        fits=fits,
        reason=reason,
        capacity_sequences=capacity,
        max_tokens_that_fit=longest,
        kv_replication=replication,
        defaulted=defaulted,
        lora_gib=adapters,
        lora_unsized=unsized,
        kv_reserved_gib=reserved,
        kv_pages=None if pool.pages is None else pool.pages.describe(),
        data_parallel=data_parallel,
        expert_parallel=expert_parallel,
    )


def kv_options(kv_cache_dtype: str, tensor_parallel: int, limits: EngineLimits, layout: KvLayout = DEFAULT_LAYOUT) -> dict:
    """The KV-cache arguments of `sequence_kv` for one engine configuration."""
    return {
        "kv_cache_dtype": kv_cache_dtype,
        "tensor_parallel": tensor_parallel,
        "max_num_batched_tokens": limits.max_num_batched_tokens,
        "hybrid_kv_cache": limits.hybrid_kv_cache,
        "layout": layout,
    }


def layout_of(model: Model, acc: Accelerator, engine_version: str | None) -> KvLayout:
    """How vLLM `engine_version` lays out this model's KV cache on this accelerator (`hangar.sizing.kv_blocks`)."""
    return kv_layout(engine_version, mla=model.kv_lora_rank is not None, sparse=model.indexer_bytes_per_token is not None, capability=acc.compute_capability)
