"""Capacity: a serving workload that declares its traffic and latency objective can carry its peak.

A workload declares its demand with the annotations of `hangar.sizing.capacity` (`hangar.dev/peak-rps`,
`hangar.dev/prompt-tokens`, `hangar.dev/output-tokens`, optional `hangar.dev/slo-ttft-ms` and
`hangar.dev/slo-tpot-ms`; Hangar's ModelServer writes them from the stack's `traffic` and `slo`). On each
pool it can land on, `plan_capacity` ESTIMATES the replicas that carry the peak within the objective
with the workload's own engine flags (tensor parallelism, precision, max-num-seqs); it is a violation
when no operating point of that replica shape meets the objective, when the workload's most replicas
(its HorizontalPodAutoscaler's `maxReplicas`, its KEDA ScaledObject's `maxReplicaCount` — KEDA's default
100 when unset, https://keda.sh/docs/2.15/reference/scaledobject-spec/ read 2026-12-01 — else its own
`spec.replicas`, which defaults to 1: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/
read 2026-12-01) are fewer than that, or when the pool's most nodes cannot hold
them. Each workload is judged alone: two workloads sharing a pool are not added up.

Mandatory in prod, advisory elsewhere (the stricter of the config's tier and the workload's
`hangar.dev/tier` label). The estimate is calibrated on published measurements, with the error
`hangar.sizing.calibration.MEASURED_ERROR` states; see `hangar.sizing.capacity`.
"""

from __future__ import annotations

from hangar.policies.rules.base import Finding
from hangar.policies.rules.config import CapacityConfig
from hangar.policies.rules.engine_models import default_utilization, workload_release
from hangar.policies.rules.facts import StackFacts
from hangar.policies.rules.readiness_pods import namespace_of
from hangar.policies.rules.tiers import effective_tier

from hangar.catalog import load_catalog
from hangar.precision import engine_precision
from hangar.records import ResourceRecord
from hangar.sizing import SizingError
from hangar.sizing.accelerators import with_performance
from hangar.sizing.capacity import Demand, demand_from_annotations, plan_capacity

CAPACITY = "hangar-capacity"
KEDA_DEFAULT_MAX_REPLICAS = 100
"""KEDA ScaledObject `maxReplicaCount` when unset (KEDA docs, ScaledObject specification, 2.15)."""
SCALERS = {
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": "maxReplicas",
    "kubernetes:autoscaling/v1:HorizontalPodAutoscaler": "maxReplicas",
    "kubernetes:keda.sh/v1alpha1:ScaledObject": "maxReplicaCount",
}


def check(facts: StackFacts, config: CapacityConfig) -> list[Finding]:
    catalog = load_catalog(config.catalog_overrides)
    pools = facts.pools(config.catalog_overrides)
    by_urn = facts.by_urn
    scalers = _scalers(facts.records, by_urn)
    findings = []
    for workload in facts.workloads:
        record = by_urn[workload.urn]
        annotations = {str(k): str(v) for k, v in ((record.inputs.get("metadata") or {}).get("annotations") or {}).items()}
        advisory = effective_tier(config.tier, record) != "prod"

        def finding(message: str, *, cap: bool = advisory, urn: str = workload.urn) -> Finding:
            return Finding(CAPACITY, urn, f"{workload.name}: {message}", cap)

        try:
            demand = demand_from_annotations(annotations)
        except ValueError as error:
            findings.append(finding(str(error)))
            continue
        model = catalog.models.get(workload.model or "")
        if demand is None or model is None:
            continue  # no declared demand; an unknown model is hangar-cannot-judge's
        kind = record.type.rsplit(":", 1)[-1]
        most, source = scalers.get((namespace_of(record, by_urn), kind, workload.name), (None, None))
        if most is None:
            most, source = _own_replicas(record), "its spec.replicas"
        for pool in pools.candidates(workload, facts.scope_of(workload)):
            if pool.device is None:
                continue
            try:
                plan = plan_capacity(
                    model, with_performance(catalog, pool.device), demand, accelerators_per_node=pool.per_node, tensor_parallel=workload.tensor_parallel,
                    precision=engine_precision(workload.precision, workload.quantization, model.dtype), kv_cache_dtype="fp8" if (workload.kv_cache_dtype or "").startswith("fp8") else "auto",
                    max_concurrent_sequences=workload.max_num_seqs, gpu_memory_utilization=default_utilization(workload),
                    lora=workload.lora, engine_version=workload_release(workload), prefix_caching=workload.prefix_caching,
                    data_parallel=workload.data_parallel, expert_parallel=workload.expert_parallel,
                )  # fmt: skip
            except SizingError as error:
                findings.append(finding(f"on {pool.describe()} its capacity cannot be estimated: {error}", cap=True))
                continue
            where = f"{pool.describe()} with tensor parallelism {workload.tensor_parallel}" + (
                f" x data parallelism {workload.data_parallel}" if workload.data_parallel > 1 else "") + (" (expert parallel)" if workload.expert_parallel else "")
            if not plan.feasible:
                unknown = "cannot be estimated" in (plan.reason or "")
                verdict = "its capacity cannot be judged" if unknown else f"{_objective(demand)} cannot be met (ESTIMATE)"
                findings.append(finding(f"on {where} {verdict}: {plan.reason}", cap=advisory or unknown))
                continue
            need = (
                f"carrying the declared peak of {demand.peak_requests_per_second:g} requests/s ({demand.prompt_tokens:,} prompt + "
                f"{demand.output_tokens:,} output tokens each){_within(demand)} needs {plan.replicas_at_peak:,} replicas on {where} "
                f"(ESTIMATE: {plan.requests_per_second_per_replica:.2f} requests/s per replica at {plan.concurrency} sequences in flight, "
                f"TTFT ~{plan.ttft_ms:,.0f} ms, TPOT ~{plan.tpot_ms:,.1f} ms)"
            )
            if plan.replicas_at_peak > most:
                findings.append(finding(f"{need}, but {source} allows at most {most:,}"))
            nodes = pool.traits.max_nodes
            if nodes is not None and plan.nodes_at_peak > nodes:
                findings.append(finding(f"{need}, that is {plan.nodes_at_peak:,} nodes, but {pool.name} grows to at most {nodes:,}"))
    return findings


def _objective(demand: Demand) -> str:
    parts = [f"p95 TTFT {demand.ttft_ms:g} ms" if demand.ttft_ms else "", f"p95 TPOT {demand.tpot_ms:g} ms" if demand.tpot_ms else ""]
    return f"its SLO ({', '.join(p for p in parts if p)})"


def _within(demand: Demand) -> str:
    return f" within {_objective(demand)}" if demand.ttft_ms or demand.tpot_ms else ""


def _scalers(records, by_urn: dict[str, ResourceRecord]) -> dict[tuple[str, str, str], tuple[int, str]]:
    """(namespace, target kind, target name) → (most replicas, which object says so)."""
    found = {}
    for record in records:
        field = SCALERS.get(record.type)
        if field is None:
            continue
        spec = record.inputs.get("spec") or {}
        target = spec.get("scaleTargetRef") or {}
        name = (record.inputs.get("metadata") or {}).get("name") or record.name
        value = spec.get(field)
        if value is None and field == "maxReplicaCount":
            value = KEDA_DEFAULT_MAX_REPLICAS
        try:
            most = int(value)
        except (TypeError, ValueError):
            continue
        kind = "HorizontalPodAutoscaler" if field == "maxReplicas" else "ScaledObject"
        found[(namespace_of(record, by_urn), str(target.get("kind") or "Deployment"), str(target.get("name")))] = (most, f"its {kind} {name} ({field})")
    return found


def _own_replicas(record: ResourceRecord) -> int:
    replicas = (record.inputs.get("spec") or {}).get("replicas")
    try:
        return 1 if replicas is None else int(replicas)
    except (TypeError, ValueError):
        return 1
