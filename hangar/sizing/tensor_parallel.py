"""vLLM's tensor-parallel rules and the degree Hangar picks for `tensor_parallel: auto`.

Tensor-parallel degrees follow vLLM's rules: a power of two that divides the attention heads and
either divides the KV heads or is a multiple of them, within one node; the fit of each degree is
`hangar.sizing.memory.memory_fit`.
"""

from __future__ import annotations

from dataclasses import dataclass

from hangar.catalog import Gpu, Model, TpuMachine
from hangar.catalog.layer_runs import kv_head_counts, query_head_counts

from .context import unset_context
from .engine import engine_limits, release_defaults
from .kv import sequence_kv, served_kv_dtype
from .lora import LoraSlots, lora_gib
from .memory import (
    GIB,
    MAX_TENSOR_PARALLEL,
    RUNTIME_OVERHEAD_GIB_PER_GPU,
    Accelerator,
    MemoryFit,
    kv_options,
    memory_fit,
    weight_bytes,
)
from .wna16 import tp_problems as int4_tp_problems


def tp_problems(model: Model, tensor_parallel: int) -> list[str]:
    """Why vLLM would refuse `tensor_parallel` for this model; [] if it is valid.

    vLLM v0.11.2: `ModelConfig.verify_with_parallel_config` (attention heads divisible by TP) and the
    attention layers (e.g. `models/llama.py`: KV heads divisible by TP, or TP a multiple of them; v0.33.0's laguna.py
    `LagunaAttention` asserts each layer's own query heads divisible: `layer_attention_heads`); the same two rules
    at v0.33.0 (its PyPI sdist, commit 4ba787ec9: `verify_with_parallel_config`, llama.py `LlamaAttention`). Where layers
    differ (`layer_kv_heads`, nemotron-nas: each `DeciLMAttention` is a `LlamaAttention` of its own KV heads), every
    attention layer's count must pass. A compressed-tensors W4A16 row's shards must also hold whole groups
    (`hangar.sizing.wna16.tp_problems`).
    A Mamba2 mixer (both releases' vllm/model_executor/layers/mamba/mamba_mixer2.py `MambaMixer2.__init__`) asserts
    "Tensor parallel world size must divide num heads" and, unless there is one group, that it divides `n_groups`.
    """
    tp = tensor_parallel
    if tp < 1 or tp & (tp - 1):
        return [f"TP {tp} is not a power of two"]
    problems = []
    if model.attention_heads % tp:
        problems.append(f"TP {tp} does not divide the {model.attention_heads} attention heads")
    for heads, layers in sorted(query_head_counts(model).items()):  # Laguna's `LagunaAttention` asserts it layer by layer
        if heads != model.attention_heads and heads % tp:
            problems.append(f"TP {tp} does not divide the {heads} query heads of {layers} layers (layer_attention_heads)")
    counts = kv_head_counts(model) if model.layer_kv_heads is not None else {}
    per_layer = [(kv, f" of {layers} attention layers") for kv, layers in sorted(counts.items())]
    for kv, which in per_layer or ((model.kv_heads, ""), (model.global_kv_heads, " of the full-attention layers")):
        if kv is None:
            continue
        if kv >= tp and kv % tp:
            problems.append(f"TP {tp} does not divide the {kv} KV heads{which}")
        elif kv < tp and tp % kv:
            problems.append(f"TP {tp} is not a multiple of the {kv} KV heads{which}")
    if model.mamba_heads is not None and model.mamba_heads % tp:
        problems.append(f"TP {tp} does not divide the {model.mamba_heads} Mamba2 heads")
    if model.mamba_groups is not None and model.mamba_groups % tp and model.mamba_groups != 1:
        problems.append(f"TP {tp} does not divide the {model.mamba_groups} Mamba2 groups (vLLM replicates a single group only)")
    return problems + int4_tp_problems(model, tp)


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
    """A tensor-parallel degree within one node, or why there is none."""

    tensor_parallel: int | None
    fit: MemoryFit | None
    reason: str | None
    needs_multiple_nodes: bool
    min_accelerators: int | None
    """Fewest accelerators (a power of two) whose memory would let vLLM start, ignoring TP rules; None if over MAX_TENSOR_PARALLEL."""
    note: str | None = None
    """Why this degree was chosen when it is not the comfortable choice (auto TP)."""


def min_accelerators(
    model: Model,
    device: Gpu | TpuMachine | Accelerator,
    *,
    precision: str = "bf16",
    kv_cache_dtype: str = "auto",
    max_context_tokens: int | None = None,
    concurrent_sequences: int | None = None,
    gpu_memory_utilization: float | None = None,
    max_num_batched_tokens: int | None = None,
    lora: LoraSlots | None = None,
    engine_version: str | None = None,
    data_parallel: int = 1,
    expert_parallel: bool = False,
) -> int | None:
    """Fewest accelerators (a power of two) on which vLLM `engine_version` (the pinned release when None) would start, TP rules aside.

    One engine's: `data_parallel` and `expert_parallel` (`memory_fit`'s keywords) are taken and left out, the model counted once.

    Counted as pipeline parallelism would split it: one copy of one sequence's KV cache (no TP
    replication), `RUNTIME_OVERHEAD_GIB_PER_GPU` on each accelerator. None when more than MAX_TENSOR_PARALLEL.
    """
    acc = Accelerator.of(device)
    tokens = unset_context(model, engine_version) if max_context_tokens is None else max_context_tokens
    limits = engine_limits(
        acc.name, acc.kind, acc.memory_gib, max_num_seqs=concurrent_sequences, max_num_batched_tokens=max_num_batched_tokens, max_model_len=tokens,
        engine_version=engine_version,
    )
    kv = sequence_kv(model, tokens, **kv_options(served_kv_dtype(model, kv_cache_dtype, engine_version, acc.compute_capability), 1, limits)).total_bytes
    need = (weight_bytes(model, precision, accelerator=acc, lora=lora is not None, engine_version=engine_version) + kv) / GIB + lora_gib(
        model, lora, engine_version=engine_version
    )[0]
    if gpu_memory_utilization is None:  # unset: the release's own default, as `memory_fit` takes it
        gpu_memory_utilization = release_defaults(engine_version).gpu_memory_utilization
    per_device = acc.memory_gib * gpu_memory_utilization - RUNTIME_OVERHEAD_GIB_PER_GPU
    n = 1
    while n <= MAX_TENSOR_PARALLEL:
        if per_device > 0 and n * per_device >= need:
            return n
        n *= 2
    return None


def smallest_tp(model: Model, device: Gpu | TpuMachine | Accelerator, accelerators_per_node: int, **workload) -> TpChoice:
    """The smallest valid TP degree <= `accelerators_per_node` at which vLLM starts one replica.

    `workload` takes `memory_fit`'s keywords (precision, kv_cache_dtype, max_context_tokens,
    concurrent_sequences, gpu_memory_utilization, max_num_batched_tokens, lora, engine_version, data_parallel, expert_parallel;
    with data parallelism `accelerators_per_node` is what one engine may take). When nothing fits in one
    node, the reason says how many accelerators it would take and that this means more than one node.
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
    # `need` counts one copy of the KV cache; a valid degree may still fall short because TP replicates it (latent
    # attention, or fewer KV heads than the degree): that degree's own reason says by how much.
    details = list(dict.fromkeys(rejected))
    if last_fit is not None and last_fit.reason:
        copies = (
            f" (TP {last_fit.tensor_parallel} keeps {last_fit.kv_replication:g} copies of this model's KV cache; the {need} x {acc.name} "
            "counted above hold one)"
        ) if last_fit.kv_replication > 1 else ""
        details.append(f"at TP {last_fit.tensor_parallel}: {last_fit.reason}{copies}")
    reason = f"fits on {need} x {acc.name} but no valid TP degree <= {accelerators_per_node} holds it: " + "; ".join(details or ["none was tried"])
    return TpChoice(None, last_fit, reason, False, need)


def auto_tp(model: Model, device: Gpu | TpuMachine | Accelerator, accelerators_per_node: int, **workload) -> TpChoice:
    """`tensor_parallel: auto`: the smallest valid degree whose KV cache holds every declared sequence at full context.

    Failing that, the largest valid degree at which vLLM starts (the most capacity one node gives),
    with a note; failing that too, `smallest_tp`'s answer (nothing starts within one node).
    """
    started = smallest_tp(model, device, accelerators_per_node, **workload)
    if started.tensor_parallel is None:
        return started
    acc = Accelerator.of(device)
    fits = [started.fit]
    for tp in valid_tp_degrees(model, accelerators_per_node):
        if tp <= started.tensor_parallel:
            continue
        fits.append(memory_fit(model, acc, tensor_parallel=tp, **workload))
    for fit in fits:
        if fit.fits and fit.holds_all_sequences:
            return TpChoice(fit.tensor_parallel, fit, None, False, started.min_accelerators)
    best = [fit for fit in fits if fit.fits][-1]
    room = f"one node of {accelerators_per_node} x {acc.name}" if best.data_parallel == 1 else (
        f"an engine's {accelerators_per_node} x {acc.name} ({best.data_parallel} engines a node)"
    )
    note = (
        f"no TP degree within {room} holds all {best.concurrent_sequences * best.data_parallel:,} sequences "
        f"of {best.max_context_tokens:,} tokens; at TP {best.tensor_parallel} {best.capacity_note()}"
    )
    return TpChoice(best.tensor_parallel, best, None, False, started.min_accelerators, note)
