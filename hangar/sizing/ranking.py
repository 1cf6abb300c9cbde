"""The cheapest way to serve a model: every catalog machine x precision x TP degree, checked and ranked.

Combines the memory rules (`hangar.sizing.memory`) and the estimates (`hangar.sizing.throughput`) over
the catalog's machines (`hangar.sizing.machines`, which also holds the options and rejections it returns), so `hangar size` and its JSON answer from one ranking. Unknown prices rank
last, never as free.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from hangar.catalog import Catalog, Model
from hangar.catalog.deepseek_v4 import is_deepseek_v4
from hangar.engine_release import ENGINE_VERSION, release_defaults, sized_release, unread_note
from hangar.precision import AS_PUBLISHED

from .capability import capability_problems
from .context import model_context
from .engine_images import gpu_refusal
from .engine_models import engine_refusal, release_advice, remote_code
from .kv_deepseek_v4 import v4_gpu_refusal
from .machines import Machine, Option, Rejected, machines
from .memory import (
    RUNTIME_OVERHEAD_GIB_PER_GPU,
    SizingError,
    _check_kv,
    check_precision,
    memory_fit,
)
from .published import refusal_note, unservable
from .tensor_parallel import smallest_tp, valid_tp_degrees
from .throughput import (
    DATA_PARALLEL_NOTE,
    ESTIMATE_NOTE,
    estimate_throughput,
)

__all__ = ["Machine", "Option", "Ranking", "Rejected", "SortKey", "machines", "pareto_front", "rank_options"]


SortKey = Literal["month", "tokens"]


def _option_order(sort: str):
    def by_month(o: Option) -> tuple:
        month, per_m = o.usd_per_month, o.usd_per_million_tokens
        return (month is None, month or 0.0, per_m is None, per_m or 0.0, o.tensor_parallel, o.instance_type, o.precision)

    def by_tokens(o: Option) -> tuple:
        month, per_m = o.usd_per_month, o.usd_per_million_tokens
        return (per_m is None, per_m or 0.0, month is None, month or 0.0, o.tensor_parallel, o.instance_type, o.precision)

    if sort not in ("month", "tokens"):
        raise SizingError(f"unknown sort {sort!r}; allowed: month, tokens")
    return by_month if sort == "month" else by_tokens


@dataclass(frozen=True)
class Ranking:
    """Every feasible option ranked (cheapest first), and every infeasible (machine, precision) with reasons."""

    model: Model
    precisions: tuple[str, ...]
    kv_cache_dtype: str
    max_context_tokens: int
    concurrent_sequences: int
    gpu_memory_utilization: float
    spot: bool
    sort: str
    feasible: tuple[Option, ...]
    infeasible: tuple[Rejected, ...]
    notes: tuple[str, ...] = field(default=())
    model_context: int | None = None
    """The context the release derives for the model (`hangar.sizing.context`): the longest `max_context_tokens` allowed."""
    data_parallel: int = 1
    expert_parallel: bool = False
    refusal: str | None = None
    """Why the vLLM release cannot load the model at all, as a deployment pinned to it is refused
    (`hangar.sizing.engine_models.engine_refusal`); then every machine is rejected with it and nothing is feasible."""

    @property
    def best(self) -> Option | None:
        """The first-ranked option whose price is known, else the first option, else None."""
        priced = [o for o in self.feasible if o.usd_per_hour is not None]
        return priced[0] if priced else (self.feasible[0] if self.feasible else None)

    def to_json(self) -> dict:
        best = self.best
        return {
            "model": self.model.hf_id,
            "precisions": list(self.precisions),
            "kv_cache_dtype": self.kv_cache_dtype,
            "max_context_tokens": self.max_context_tokens,
            "concurrent_sequences": self.concurrent_sequences,
            "gpu_memory_utilization": self.gpu_memory_utilization,
            "data_parallel": self.data_parallel,
            "expert_parallel": self.expert_parallel,
            "capacity": "spot" if self.spot else "on-demand",
            "sort": self.sort,
            "best": best.to_json() if best else None,
            "feasible": [o.to_json() for o in self.feasible],
            "infeasible": [r.to_json() for r in self.infeasible],
            "notes": list(self.notes),
            "refusal": self.refusal,
        }


def rank_options(
    model: Model | str,
    catalog: Catalog,
    *,
    precisions: Sequence[str] | None = None,
    kv_cache_dtype: str = "auto",
    max_context_tokens: int | None = None,
    concurrent_sequences: int = 16,
    clouds: Iterable[str] | None = None,
    spot: bool = False,
    include_tpus: bool = True,
    gpu_memory_utilization: float | None = None,
    sort: str = "month",
    engine_version: str | None = None,
    data_parallel: int = 1,
    expert_parallel: bool = False,
) -> Ranking:
    """Rank every feasible (machine, precision, TP) for `model` by $/month (or $/1M output tokens).

    For each catalog machine and precision: the precision must run on the accelerator, the TP
    degree must be valid for the model and at most the node's accelerator count, and vLLM must
    start one replica (weights + overhead + ONE sequence of `max_context_tokens`). Every TP degree
    that starts is an option (a node holds accelerators // TP replicas), with its capacity: the
    sequences of full context its KV cache holds, which bounds the batch its throughput assumes. Without `precisions`, every precision is tried, with 16-bit meaning bf16 where the
    accelerator has it and fp16 where it does not. Unknown prices rank last, never as free.
    `max_context_tokens` defaults to 8192 (capped at the context the release derives for the model, `hangar.sizing.context`). Everything is judged as vLLM `engine_version`
    does (the pinned release when None; a release not read as the pinned one, which a note says): which precisions each
    GPU runs, the KV layout, and `gpu_memory_utilization`'s default. With `data_parallel` D a replica is D engines of TP
    GPUs on one GPU node (`expert_parallel`: whole experts over them all); `concurrent_sequences` holds per engine.
    """
    if isinstance(model, str):
        model = catalog.model(model)
    _check_kv(kv_cache_dtype)
    for precision in precisions or ():
        check_precision(precision)
    # the deployment path's refusal (hangar.spec.engine_models): a model the release cannot load is served on no machine
    unloadable = engine_refusal(model, engine_version or ENGINE_VERSION)
    longest = model_context(model, engine_version)
    if max_context_tokens is None:
        max_context_tokens = min(8192, longest)
    if max_context_tokens > longest and unloadable is None:  # as the deployment path, which judges no context of a model it refuses
        raise SizingError(f"max_context_tokens {max_context_tokens:,} exceeds {model.hf_id}'s maximum context of {longest:,} tokens at vLLM {sized_release(engine_version)}")
    if max_context_tokens < 1 or concurrent_sequences < 1:
        raise SizingError("max_context_tokens and concurrent_sequences must be at least 1")
    if data_parallel < 1:
        raise SizingError(f"data_parallel must be at least 1 (engines per replica), got {data_parallel}")
    if expert_parallel and model.num_experts is None:
        raise SizingError(f"expert_parallel: {model.hf_id} is a dense model (no experts in the catalog); expert parallelism is only for a mixture of experts")
    order = _option_order(sort)
    if gpu_memory_utilization is None:
        gpu_memory_utilization = release_defaults(engine_version).gpu_memory_utilization
    workload = {
        "kv_cache_dtype": kv_cache_dtype,
        "max_context_tokens": max_context_tokens,
        "concurrent_sequences": concurrent_sequences,
        "gpu_memory_utilization": gpu_memory_utilization,
        "engine_version": engine_version,
        "data_parallel": data_parallel,
        "expert_parallel": expert_parallel,
    }
    feasible: list[Option] = []
    infeasible: list[Rejected] = []
    # what the published checkpoint cannot be served in is not offered (hangar.sizing.published), or, asked for, refused
    asked = list(dict.fromkeys(precisions)) if precisions else ["bf16", "fp16", "fp8", "int8", "awq", "gptq", "int4", "mxfp4", "nvfp4"]
    refused = unservable(model, asked, engine_version)
    for planned in ("mxfp4", "nvfp4"):
        if not precisions and model.dtype != planned:
            refused.pop(planned, None)  # never a default candidate: planned only for a checkpoint published in it
    if not precisions and AS_PUBLISHED.get(model.dtype or "") != "int4":
        refused.pop("int4", None)  # likewise: a compressed-tensors W4A16 checkpoint's only
    for machine in machines(catalog, clouds, include_tpus=include_tpus):
        acc = machine.accelerator
        if precisions:
            candidates = list(dict.fromkeys(precisions))
        else:
            sixteen = "bf16" if "bf16" in acc.formats or "fp16" not in acc.formats else "fp16"
            candidates = [
                p for p in (sixteen, "fp8", "int8", "awq", "gptq", "int4", "mxfp4", "nvfp4")
                if p not in refused and (p not in ("mxfp4", "nvfp4") or model.dtype == p) and (p != "int4" or AS_PUBLISHED.get(model.dtype or "") == "int4")
            ]
        for precision in candidates:
            if unloadable is not None:
                infeasible.append(Rejected(machine, precision, (unloadable,)))
                continue
            if precision in refused:
                infeasible.append(Rejected(machine, precision, (refused[precision],)))
                continue
            problems = capability_problems(acc, precision, engine_version, model=model)
            if (no_kernels := gpu_refusal(engine_version or ENGINE_VERSION, acc.name, acc.compute_capability)) is not None:
                problems.append(no_kernels)  # the image has no kernels for the GPU at all, whatever the precision
            if is_deepseek_v4(model) and (dsv4 := v4_gpu_refusal(acc.compute_capability, engine_version, acc.vendor)) is not None:
                problems.append(f"{acc.name} ({acc.architecture}): {dsv4}")  # hangar.sizing.kv_deepseek_v4
            problems += _parallel_problems(machine, data_parallel, expert_parallel)
            if problems:
                infeasible.append(Rejected(machine, precision, tuple(problems)))
                continue
            per_engine = machine.accelerators // data_parallel
            degrees = valid_tp_degrees(model, per_engine)
            fitting = []
            for tp in degrees:
                fit = memory_fit(model, acc, precision=precision, tensor_parallel=tp, **workload)
                if fit.fits:
                    fitting.append((tp, fit))
            if not fitting:
                choice = smallest_tp(model, acc, per_engine, precision=precision, **workload)
                infeasible.append(Rejected(machine, precision, (choice.reason or "does not fit",), choice.needs_multiple_nodes))
                continue
            for tp, fit in fitting:
                throughput = estimate_throughput(
                    model, acc, precision=precision, kv_cache_dtype=kv_cache_dtype, max_context_tokens=max_context_tokens,
                    concurrent_sequences=fit.batched_sequences, tensor_parallel=tp, engine_version=engine_version, data_parallel=data_parallel,
                    expert_parallel=expert_parallel,
                )
                replicas = machine.accelerators // (tp * data_parallel)
                feasible.append(Option(machine, precision, fit.kv_cache_dtype, tp, replicas, spot, fit, throughput, data_parallel, expert_parallel))
    feasible.sort(key=order)
    infeasible.sort(key=lambda r: (r.machine.cloud, r.machine.accelerator.name, r.machine.accelerators, r.machine.instance_type, r.precision))
    notes = [
        ESTIMATE_NOTE,
        (
            f"fit as vLLM {sized_release(engine_version)} judges it: weights + {RUNTIME_OVERHEAD_GIB_PER_GPU:g} GiB/GPU overhead (ESTIMATE) + the KV cache of ONE "
            f"{max_context_tokens:,}-token sequence within {gpu_memory_utilization:.0%} of accelerator memory; capacity: the sequences of "
            f"{max_context_tokens:,} tokens the rest of the KV cache holds (throughput assumes min(that, {concurrent_sequences}) batched)"
        ),
        "prices are list prices of one reference region per cloud, from the catalog (source and as_of per row)",
    ]
    if (unread := unread_note(engine_version)) is not None:
        notes.insert(1, unread)
    if (refusal := refusal_note(model, catalog, refused, engine_version)) is not None:
        notes.append(refusal)
    if (needs_code := remote_code(model, engine_version or ENGINE_VERSION)) is not None:  # hangar.spec.engine_models refuses it without
        notes.append(f"{needs_code}: a deployment of it must set trust_remote_code: true, or its stack is refused")
    if unloadable is not None:
        notes = [release_advice_note(model, unloadable), *filter(None, [unread_note(engine_version)])]
    if model.is_moe:
        notes.append(f"{model.hf_id} is a mixture of experts: sized by its {model.params_total_b:g}B total parameters, computed by its {model.params_active_b:g}B active ones")
    if data_parallel > 1 or expert_parallel:
        engines = f"{data_parallel} data-parallel engines" if data_parallel > 1 else "one engine"
        notes.append(f"a replica is {engines} of TP GPUs each" + (", the routed experts whole on each GPU (expert parallel)" if expert_parallel else "")
                     + f"; each engine has its own KV cache and max_num_seqs {concurrent_sequences}")  # fmt: skip
        if data_parallel > 1 and model.is_moe:
            notes.append(DATA_PARALLEL_NOTE)
    if any(o.usd_per_hour is None for o in feasible):
        notes.append("options with an unknown price are ranked last: unknown is not free")
    return Ranking(
        model=model,
        precisions=tuple(precisions) if precisions else (),
        kv_cache_dtype=kv_cache_dtype,
        max_context_tokens=max_context_tokens,
        concurrent_sequences=concurrent_sequences,
        gpu_memory_utilization=gpu_memory_utilization,
        spot=spot,
        sort=sort,
        feasible=tuple(feasible),
        infeasible=tuple(infeasible),
        notes=tuple(notes),
        model_context=longest,
        data_parallel=data_parallel,
        expert_parallel=expert_parallel,
        refusal=unloadable,
    )


def release_advice_note(model: Model, refusal: str) -> str:
    """The engine's refusal of the model, and which release to size at instead, as the deployment path advises it."""
    return f"{refusal}: set --engine-version to {release_advice(model)}, or size another model"


def _parallel_problems(machine: Machine, data_parallel: int, expert_parallel: bool) -> list[str]:
    """Why a machine cannot hold a replica of `data_parallel` engines (`expert_parallel`), as `hangar.replica` refuses a pool."""
    if machine.kind == "tpu" and (data_parallel > 1 or expert_parallel):
        return [f"Hangar plans data and expert parallelism on GPU nodes only; a {machine.instance_type} replica owns its TPU slice"]
    if data_parallel > machine.accelerators:
        return [f"data parallelism {data_parallel} needs at least {data_parallel} x {machine.accelerator.name} in one node (one engine a GPU); "
                f"{machine.instance_type} has {machine.accelerators}"]  # fmt: skip
    return []


def pareto_front(options: Iterable[Option]) -> list[Option]:
    """Options no other option beats on both cost ($/hour, lower) and node throughput (higher).

    Only options whose price and throughput are known take part; sorted by price.
    """
    known = [o for o in options if o.usd_per_hour is not None and o.node_decode_tokens_per_s is not None]
    front = []
    for o in known:
        dominated = any(
            p.usd_per_hour <= o.usd_per_hour
            and p.node_decode_tokens_per_s >= o.node_decode_tokens_per_s
            and (p.usd_per_hour < o.usd_per_hour or p.node_decode_tokens_per_s > o.node_decode_tokens_per_s)
            for p in known
        )
        if not dominated:
            front.append(o)
    return sorted(front, key=lambda o: (o.usd_per_hour, -o.node_decode_tokens_per_s))
