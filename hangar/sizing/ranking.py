"""The cheapest way to serve a model: every catalog machine x precision x TP degree, checked and ranked.

Combines the memory rules (`hangar.sizing.memory`) and the estimates (`hangar.sizing.throughput`) over
the catalog's machines, so `hangar size` and its JSON answer from one ranking. Unknown prices rank
last, never as free.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from hangar.catalog import Catalog, InstanceType, Model
from hangar.engine_release import ENGINE_VERSION, release_defaults, sized_release, unread_note
from hangar.precision import AS_PUBLISHED

from .accelerators import with_performance
from .capability import capability_problems
from .context import model_context
from .engine_images import gpu_refusal
from .kv_deepseek_v4 import is_deepseek_v4, v4_gpu_refusal
from .memory import (
    RUNTIME_OVERHEAD_GIB_PER_GPU,
    Accelerator,
    MemoryFit,
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
    ThroughputEstimate,
    estimate_throughput,
    usd_per_million_tokens,
    usd_per_month,
)


@dataclass(frozen=True)
class Machine:
    """One purchasable node: a cloud instance type or a single-host TPU slice machine."""

    cloud: str
    instance_type: str
    region: str
    accelerator: Accelerator
    accelerators: int
    price_ondemand_usd_hr: float | None
    price_spot_usd_hr: float | None
    price_source: str | None
    as_of: datetime.date
    flags: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return self.accelerator.kind

    def price(self, spot: bool) -> float | None:
        return self.price_spot_usd_hr if spot else self.price_ondemand_usd_hr


def machines(catalog: Catalog, clouds: Iterable[str] | None = None, *, include_tpus: bool = True) -> list[Machine]:
    """Every GPU instance row (reference regions) and every single-host GKE TPU machine of the catalog.

    Multi-host TPU slices are not offered: serving one replica across hosts is multi-node serving.
    """
    wanted = set(clouds) if clouds else None
    found: list[Machine] = []
    for row in catalog.instances:
        if not row.has_gpu or (wanted is not None and row.cloud not in wanted):
            continue
        found.append(_machine_of_instance(catalog, row))
    if include_tpus and (wanted is None or "gcp" in wanted):
        for tpu in catalog.tpus:
            if not tpu.single_host:
                continue
            chips = tpu.chips_per_host
            found.append(
                Machine(
                    cloud="gcp",
                    instance_type=tpu.machine_type,
                    region=tpu.price_region or "unknown",
                    accelerator=with_performance(catalog, tpu),
                    accelerators=chips,
                    price_ondemand_usd_hr=None if tpu.price_ondemand_usd_per_chip_hr is None else tpu.price_ondemand_usd_per_chip_hr * chips,
                    price_spot_usd_hr=None if tpu.price_spot_usd_per_chip_hr is None else tpu.price_spot_usd_per_chip_hr * chips,
                    price_source=tpu.price_source,
                    as_of=tpu.as_of,
                    flags=("TPU", f"TOPOLOGY_{tpu.topologies[0]}"),
                )
            )
    return found


def _machine_of_instance(catalog: Catalog, row: InstanceType) -> Machine:
    return Machine(
        cloud=row.cloud,
        instance_type=row.instance_type,
        region=row.region,
        accelerator=with_performance(catalog, catalog.gpu(row.gpu)),
        accelerators=row.gpu_count,
        price_ondemand_usd_hr=row.price_ondemand_usd_hr,
        price_spot_usd_hr=row.price_spot_usd_hr,
        price_source=row.price_source,
        as_of=row.as_of,
        flags=row.flags,
    )


@dataclass(frozen=True)
class Option:
    """A feasible way to serve the model: a node of `machine`, `replicas_per_node` replicas of TP `tensor_parallel`."""

    machine: Machine
    precision: str
    kv_cache_dtype: str
    tensor_parallel: int
    replicas_per_node: int
    spot: bool
    fit: MemoryFit
    throughput: ThroughputEstimate
    data_parallel: int = 1
    """Engines per replica (`--data-parallel-size`), each of `tensor_parallel` accelerators."""
    expert_parallel: bool = False

    @property
    def cloud(self) -> str:
        return self.machine.cloud

    @property
    def instance_type(self) -> str:
        return self.machine.instance_type

    @property
    def usd_per_hour(self) -> float | None:
        return self.machine.price(self.spot)

    @property
    def usd_per_month(self) -> float | None:
        return usd_per_month(self.usd_per_hour)

    @property
    def node_decode_tokens_per_s(self) -> float | None:
        """ESTIMATE: output tokens/s of the whole node (every replica it holds)."""
        tps = self.throughput.decode_tokens_per_s
        return None if tps is None else tps * self.replicas_per_node

    @property
    def usd_per_million_tokens(self) -> float | None:
        """ESTIMATE: $ per million output tokens with the node fully busy; None when price or speed is unknown."""
        return usd_per_million_tokens(self.usd_per_hour, self.node_decode_tokens_per_s)

    def to_json(self) -> dict:
        m = self.machine
        return {
            "cloud": m.cloud,
            "instance_type": m.instance_type,
            "region": m.region,
            "accelerator": m.accelerator.name,
            "accelerators_per_node": m.accelerators,
            "precision": self.precision,
            "kv_cache_dtype": self.kv_cache_dtype,
            "tensor_parallel": self.tensor_parallel,
            "data_parallel": self.data_parallel,
            "expert_parallel": self.expert_parallel,
            "replicas_per_node": self.replicas_per_node,
            "capacity": "spot" if self.spot else "on-demand",
            "usd_per_hour": self.usd_per_hour,
            "usd_per_month": self.usd_per_month,
            "node_decode_tokens_per_s_estimate": self.node_decode_tokens_per_s,
            "usd_per_million_output_tokens_estimate": self.usd_per_million_tokens,
            "price_source": m.price_source,
            "as_of": m.as_of.isoformat(),
            "flags": list(m.flags),
            "memory": self.fit.to_json(),
            "throughput": self.throughput.to_json(),
        }


@dataclass(frozen=True)
class Rejected:
    """A (machine, precision) that cannot serve the model, and why."""

    machine: Machine
    precision: str
    reasons: tuple[str, ...]
    needs_multiple_nodes: bool = False

    def to_json(self) -> dict:
        m = self.machine
        return {
            "cloud": m.cloud,
            "instance_type": m.instance_type,
            "accelerator": m.accelerator.name,
            "accelerators_per_node": m.accelerators,
            "precision": self.precision,
            "reasons": list(self.reasons),
            "needs_multiple_nodes": self.needs_multiple_nodes,
        }


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
    longest = model_context(model, engine_version)
    if max_context_tokens is None:
        max_context_tokens = min(8192, longest)
    if max_context_tokens > longest:
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
            if precision in refused:
                infeasible.append(Rejected(machine, precision, (refused[precision],)))
                continue
            problems = capability_problems(acc, precision, engine_version, model=model)
            if (no_kernels := gpu_refusal(engine_version or ENGINE_VERSION, acc.name, acc.compute_capability)) is not None:
                problems.append(no_kernels)  # the image has no kernels for the GPU at all, whatever the precision
            if is_deepseek_v4(model) and (dsv4 := v4_gpu_refusal(acc.compute_capability, engine_version)) is not None:
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
    )


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
