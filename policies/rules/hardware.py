"""Hardware fit: each model workload against the accelerators of the pools it can be scheduled on.

Pools come from `hangar.policies.rules.pools`: a workload's `nodeSelector` picks the pools it can land
on. On each, vLLM must be able to start the model — weights + overhead + the KV cache of ONE
sequence of its `--max-model-len` within `--gpu-memory-utilization` of the memory, vLLM's own
start-up check (`hangar.sizing.engine` cites it) with vLLM's defaults for what the flags leave
out, plus the LoRA adapter slots `--enable-lora` reserves (`hangar.sizing.lora`; a model whose slots the
catalog cannot size goes to `hangar-cannot-judge`, one whose vLLM class takes no adapters at all is refused; a model the release
of its `vllm-openai` image cannot load is refused, `hangar.policies.rules.engine_models`) — the accelerator must support the precision (fp8 needs fp8 hardware), the tensor-parallel
degree must be valid, and a TPU workload must be on a TPU pool. A `--quantization` the image's release refuses on the
model's published checkpoint (awq or gptq of a 16-bit one, anything but fp8 of an fp8 one: `hangar.precision`) is refused
before any of that; awq or gptq of a model whose published format the catalog does not know goes to `hangar-cannot-judge`,
its fit unsized. Which GPUs run awq and gptq follows the image's release (`hangar.sizing.quant_kernels`), and so does the
context: a `--max-model-len` above the one the release derives from the model's config does not start (`hangar.sizing.context`). How many sequences the KV cache
then holds (`--max-num-seqs` or fewer) is capacity, not fit: vLLM serves with fewer.
"""

from __future__ import annotations

from hangar.policies.rules.base import CANNOT_JUDGE, HARDWARE_FIT, Finding
from hangar.policies.rules.config import CannotJudgeConfig, HardwareFitConfig
from hangar.policies.rules.engine_models import default_utilization, unloadable, unrunnable, workload_release
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.pools import PoolHardware
from hangar.policies.rules.workloads import ServingWorkload, selector_text

from hangar.catalog import Catalog, Model, load_catalog
from hangar.engine_release import VERIFIED_RELEASES
from hangar.precision import engine_precision, format_unknown, mismatch
from hangar.sizing import (
    MemoryFit,
    SizingError,
    capability_problems,
    memory_fit,
    tp_problems,
)
from hangar.sizing.context import context_problem
from hangar.sizing.lora import lora_gib
from hangar.sizing.lora_architectures import lora_refusal


def check(facts: StackFacts, config: HardwareFitConfig) -> list[Finding]:
    catalog = load_catalog(config.catalog_overrides)
    pools = facts.pools(config.catalog_overrides)
    findings = []
    for workload in facts.workloads:
        model = catalog.models.get(workload.model or "")
        refusal = _lora_refusal(workload, model)
        if refusal:
            findings.append(Finding(HARDWARE_FIT, workload.urn, f"{workload.name}: {refusal}"))
        unserved = unloadable(workload, model)
        if unserved:
            findings.append(Finding(HARDWARE_FIT, workload.urn, f"{workload.name}: {unserved}"))
        refused = refused_format(workload, model)
        if refused:
            findings.append(Finding(HARDWARE_FIT, workload.urn, f"{workload.name}: vLLM would not start: {refused}"))
        too_long = context_refusal(workload, model)
        if too_long:
            findings.append(Finding(HARDWARE_FIT, workload.urn, f"{workload.name}: vLLM would not start: {too_long}"))
        for pool in pools.candidates(workload, facts.scope_of(workload)):
            findings += [Finding(HARDWARE_FIT, workload.urn, f"{workload.name}: {problem}") for problem in fit_problems(workload, pool, catalog)]
    return findings


def unplaceable(facts: StackFacts, config: CannotJudgeConfig) -> list[Finding]:
    """Workloads that select no pool of this stack, or a pool whose hardware is unknown: their fit cannot be judged."""
    pools = facts.pools(config.catalog_overrides)
    findings = []
    for workload in facts.workloads:
        candidates = pools.candidates(workload, facts.scope_of(workload))
        if not candidates:
            selector = selector_text(workload.node_selector)
            findings.append(Finding(CANNOT_JUDGE, workload.urn, f"{workload.name}: its nodeSelector {selector} matches no node pool in this stack; its hardware fit cannot be judged"))
        findings += [
            Finding(CANNOT_JUDGE, workload.urn, f"{workload.name}: {pool.describe()} has a machine type the catalog does not know; its hardware fit cannot be judged")
            for pool in candidates
            if pool.kind == "unknown"
        ]
    return findings


def unknown_formats(facts: StackFacts, config: CannotJudgeConfig) -> list[Finding]:
    """Workloads asking awq or gptq (`--quantization`), or planned by Hangar in int8 or int4, of a catalog model whose published format the catalog does not know:
    whether vLLM serves it so depends on a checkpoint the catalog cannot vouch for, so neither it nor the fit is judged."""
    catalog = load_catalog(config.catalog_overrides)
    findings = []
    for workload in facts.workloads:
        why = _format_unknown(workload, catalog.models.get(workload.model or ""))
        if why:
            findings.append(Finding(CANNOT_JUDGE, workload.urn, f"{workload.name}: {why}"))
    return findings


FLAGGED_BY_CHECKPOINT = ("fp8", "awq", "gptq")
"""Precisions whose `--quantization` flag vLLM refuses on a checkpoint published otherwise (`hangar.precision.mismatch`);
bitsandbytes, experts_int8 and mxfp4 quantise a 16-bit checkpoint as it loads, which that table does not cover."""


def refused_format(workload: ServingWorkload, model: Model | None) -> str | None:
    """Why the release of the workload's image refuses its `--quantization` on the model's published checkpoint; None otherwise."""
    if model is None or workload.quantization is None or workload.precision not in FLAGGED_BY_CHECKPOINT:
        return None
    return mismatch(workload.precision, model.dtype, model.hf_id, workload_release(workload))


def _format_unknown(workload: ServingWorkload, model: Model | None) -> str | None:
    if workload.quantization is not None and workload.precision in ("awq", "gptq"):
        precision = workload.precision
    elif workload.quantization is None and workload.planned_precision in ("int8", "int4"):
        precision = workload.planned_precision  # Hangar's int8 and int4 pass no flag (`hangar.precision.PRECISION_ANNOTATION`)
    else:
        return None
    if model is None:
        return None
    return format_unknown(precision, model.dtype, True, model.hf_id, workload_release(workload))


def unsized_adapters(facts: StackFacts, config: CannotJudgeConfig) -> list[Finding]:
    """Workloads with `--enable-lora` whose model's LoRA slots cannot be sized: their fit leaves them out, so it cannot be judged."""
    catalog = load_catalog(config.catalog_overrides)
    findings = []
    for workload in facts.workloads:
        model = catalog.models.get(workload.model or "")
        if workload.lora is None or model is None or _lora_refusal(workload, model) or unloadable(workload, model):
            continue  # an unknown model is reported as such; a class that takes no adapters or a model not loaded, by hangar-hardware-fit
        _, why = lora_gib(model, workload.lora, workload.tensor_parallel, workload_release(workload))
        if why:
            findings.append(Finding(CANNOT_JUDGE, workload.urn, f"{workload.name}: {why}, so whether {workload.lora.describe()} still fit cannot be judged"))
    return findings


def context_refusal(workload: ServingWorkload, model: Model | None) -> str | None:
    """Why the workload's vLLM release refuses its `--max-model-len`: above the context it derives from the model's config
    (`hangar.sizing.context`, at the image's release; for an image naming none, above it at every release read)."""
    if model is None or workload.engine != "vllm" or workload.max_model_len is None or workload.allow_long_max_model_len:
        return None
    release = workload_release(workload)
    problems = [context_problem(model, workload.max_model_len, each) for each in ((release,) if release else VERIFIED_RELEASES)]
    return problems[-1] if all(problems) else None


def _lora_refusal(workload: ServingWorkload, model: Model | None) -> str | None:
    """Why the workload's vLLM release refuses its adapters on its model (`hangar.sizing.lora_architectures`)."""
    if workload.lora is None or model is None:
        return None
    return lora_refusal(model, workload_release(workload), workload.lora, workload.tensor_parallel)


def fit_problems(workload: ServingWorkload, pool: PoolHardware, catalog: Catalog) -> list[str]:
    """Why this workload cannot run on this pool, one reason each; [] if it fits."""
    if pool.kind == "unknown":
        return []  # hangar-cannot-judge reports pools of unknown hardware
    wanted = {resource: count for resource, count in workload.accelerators.items() if count > 0}
    offered = pool.resource  # amd.com/gpu for an AMD GPU pool
    if wanted and offered not in wanted:
        asked = ", ".join(f"{count} {resource}" for resource, count in wanted.items())
        return [f"requests {asked}, but {pool.describe()} offers {offered or 'none'}"]
    if pool.device is None:
        return []
    problems = [reason for reason in (unrunnable(workload, pool.device),) if reason]
    requested = wanted.get(offered, 0)
    if requested > pool.per_node:
        problems.append(f"requests {requested} {offered} per pod, but {pool.describe()} has {pool.per_node}")
    model = catalog.models.get(workload.model or "")
    if model is None or _format_unknown(workload, model) or refused_format(workload, model):
        return problems  # hangar-cannot-judge reports unknown models and formats; `check`, a refused format
    precision = engine_precision(workload.precision, workload.quantization, model.dtype)
    where = f"{workload.model} in {precision} on {pool.describe()}"
    problems += [f"{where}: {reason}" for reason in capability_problems(pool.device, precision, workload_release(workload), model=model)]
    problems += [f"{workload.model}: {reason}" for reason in tp_problems(model, workload.tensor_parallel)]
    if pool.kind == "gpu" and requested and workload.accelerators_needed > requested:
        parallel = f"tensor parallelism {workload.tensor_parallel}" + (f" x data parallelism {workload.data_parallel}" if workload.data_parallel > 1 else "")
        problems.append(f"{parallel} needs {workload.accelerators_needed} GPUs, but the pod requests {requested}")
    if workload.expert_parallel and model.num_experts is None:
        problems.append(f"{workload.model}: --enable-expert-parallel is for a mixture of experts, and the catalog's {workload.model} has no experts")
        return problems
    try:
        fit = _fit(workload, model, pool, precision)
    except SizingError as error:  # a mixture of experts whose routed experts the row cannot count
        return [*problems, f"{where}: its memory fit with data parallelism {workload.data_parallel} cannot be sized: {error}"]
    if not fit.fits:
        told = "" if workload.max_model_len else f" (no --max-model-len: vLLM takes the model's {fit.max_context_tokens:,})"
        problems.append(f"{where} does not fit{told}: {fit.reason}")
    return problems


def _fit(workload: ServingWorkload, model: Model, pool: PoolHardware, precision: str) -> MemoryFit:
    """The workload's memory fit on the pool's accelerator, with its own engine flags."""
    assert pool.device is not None
    return memory_fit(
        model,
        pool.device,
        precision=precision,
        kv_cache_dtype="fp8" if (workload.kv_cache_dtype or "").startswith("fp8") else "auto",
        max_context_tokens=workload.max_model_len,
        concurrent_sequences=workload.max_num_seqs,
        tensor_parallel=workload.tensor_parallel,
        gpu_memory_utilization=default_utilization(workload),
        lora=workload.lora,
        engine_version=workload_release(workload),
        prefix_caching=workload.prefix_caching,
        data_parallel=workload.data_parallel,
        expert_parallel=workload.expert_parallel,
    )
