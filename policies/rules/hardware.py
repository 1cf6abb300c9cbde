"""Hardware fit: each model workload against the accelerators of the pools it can be scheduled on.

Pools are what `hangar.cost` recognises (any program's EKS node groups, GKE node pools and TPU
slices, AKS pools, Hangar's on-prem pools), with the node labels they give their nodes; a
workload's `nodeSelector` picks the pools it can land on (an index on label pairs keeps the join
linear). On each, the model must fit in memory at the workload's precision, context and
concurrency, the accelerator must support the precision (fp8 needs fp8 hardware), the
tensor-parallel degree must be valid, and a TPU workload must be on a TPU pool.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from hangar.catalog import Catalog, CatalogLookupError, Gpu, TpuMachine, load_catalog
from hangar.cost import PricedLine, price_records
from hangar.records import ResourceRecord
from hangar.sizing import GPU_MEMORY_UTILIZATION, capability_problems, memory_fit, tp_problems
from policies.rules.base import CANNOT_JUDGE, HARDWARE_FIT, Finding
from policies.rules.config import CannotJudgeConfig, HardwareFitConfig
from policies.rules.workloads import ServingWorkload, serving_workloads

VLLM_DEFAULT_MAX_NUM_SEQS = 256
"""vLLM's default `max_num_seqs` (sizing.md §4, `EngineArgs`), used when a workload does not set it."""

RESOURCE_OF_KIND = {"gpu": "nvidia.com/gpu", "tpu": "google.com/tpu"}


@dataclasses.dataclass(frozen=True)
class PoolHardware:
    """A node pool as the scheduler sees it: its node labels and the accelerators on each node."""

    urn: str
    name: str
    labels: dict[str, str]
    kind: str
    """"gpu", "tpu", "cpu", or "unknown" when its machine type is not in the catalog."""
    device: Gpu | TpuMachine | None
    per_node: int

    def describe(self) -> str:
        if self.device is None:
            return f"pool {self.name} ({'hardware unknown' if self.kind == 'unknown' else 'no accelerators'})"
        device = self.device.name if isinstance(self.device, Gpu) else f"TPU {self.device.generation} chip"
        return f"pool {self.name} ({self.per_node} x {device} per node)"


def check(records: Sequence[ResourceRecord], config: HardwareFitConfig) -> list[Finding]:
    catalog = load_catalog(config.catalog_overrides)
    pools = PoolIndex(node_pools(records, catalog))
    findings = []
    for workload in serving_workloads(records):
        for pool in pools.candidates(workload):
            findings += [Finding(HARDWARE_FIT, workload.urn, f"{workload.name}: {problem}") for problem in fit_problems(workload, pool, catalog)]
    return findings


def unplaceable(records: Sequence[ResourceRecord], config: CannotJudgeConfig) -> list[Finding]:
    """Workloads that select no pool of this stack, or a pool whose hardware is unknown: their fit cannot be judged."""
    pools = PoolIndex(node_pools(records, load_catalog(config.catalog_overrides)))
    findings = []
    for workload in serving_workloads(records):
        candidates = pools.candidates(workload)
        if not candidates:
            selector = workload.node_selector or "{}"
            findings.append(Finding(CANNOT_JUDGE, workload.urn, f"{workload.name}: its nodeSelector {selector} matches no node pool in this stack; its hardware fit cannot be judged"))
        findings += [
            Finding(CANNOT_JUDGE, workload.urn, f"{workload.name}: {pool.describe()} has a machine type the catalog does not know; its hardware fit cannot be judged")
            for pool in candidates
            if pool.kind == "unknown"
        ]
    return findings


def fit_problems(workload: ServingWorkload, pool: PoolHardware, catalog: Catalog) -> list[str]:
    """Why this workload cannot run on this pool, one reason each; [] if it fits."""
    if pool.kind == "unknown":
        return []  # hangar-cannot-judge reports pools of unknown hardware
    wanted = {resource: count for resource, count in workload.accelerators.items() if count > 0}
    offered = RESOURCE_OF_KIND.get(pool.kind)
    if wanted and offered not in wanted:
        asked = ", ".join(f"{count} {resource}" for resource, count in wanted.items())
        return [f"requests {asked}, but {pool.describe()} offers {offered or 'none'}"]
    if pool.device is None:
        return []
    problems = []
    requested = wanted.get(offered, 0)
    if requested > pool.per_node:
        problems.append(f"requests {requested} {offered} per pod, but {pool.describe()} has {pool.per_node}")
    model = catalog.models.get(workload.model or "")
    if model is None:
        return problems  # hangar-cannot-judge reports unknown models
    where = f"{workload.model} in {workload.precision} on {pool.describe()}"
    problems += [f"{where}: {reason}" for reason in capability_problems(pool.device, workload.precision)]
    problems += [f"{workload.model}: {reason}" for reason in tp_problems(model, workload.tensor_parallel)]
    if pool.kind == "gpu" and requested and workload.tensor_parallel > requested:
        problems.append(f"tensor parallelism {workload.tensor_parallel} needs {workload.tensor_parallel} GPUs, but the pod requests {requested}")
    fit = memory_fit(
        model,
        pool.device,
        precision=workload.precision,
        kv_cache_dtype="fp8" if (workload.kv_cache_dtype or "").startswith("fp8") else "auto",
        max_context_tokens=workload.max_model_len or model.max_context_tokens,
        concurrent_sequences=workload.max_num_seqs or VLLM_DEFAULT_MAX_NUM_SEQS,
        tensor_parallel=workload.tensor_parallel,
        gpu_memory_utilization=workload.gpu_memory_utilization or GPU_MEMORY_UTILIZATION,
    )
    if not fit.fits:
        problems.append(f"{where} does not fit: {fit.reason}")
    return problems


class PoolIndex:
    """Pools indexed by node-label pair, so a workload finds its candidate pools without scanning them all."""

    def __init__(self, pools: list[PoolHardware]):
        self.pools = pools
        self.by_label: dict[tuple[str, str], list[PoolHardware]] = {}
        for pool in pools:
            for item in pool.labels.items():
                self.by_label.setdefault(item, []).append(pool)

    def candidates(self, workload: ServingWorkload) -> list[PoolHardware]:
        """Pools whose nodes carry every label the workload selects (all pools when it selects none)."""
        if not workload.node_selector:
            return [pool for pool in self.pools if pool.kind != "cpu"]
        first, *rest = workload.node_selector.items()
        return [pool for pool in self.by_label.get(first, []) if all(pool.labels.get(k) == v for k, v in rest)]


def node_pools(records: Sequence[ResourceRecord], catalog: Catalog) -> list[PoolHardware]:
    """Every priced pool of the plan with its node labels and accelerators."""
    by_urn = {record.urn: record for record in records}
    return [_pool(line, by_urn[line.urn], catalog) for line in price_records(records, catalog).lines if line.urn in by_urn]


def _pool(line: PricedLine, record: ResourceRecord, catalog: Catalog) -> PoolHardware:
    inputs = record.inputs
    labels: dict[str, Any] = {}
    if line.machine_type:
        labels["node.kubernetes.io/instance-type"] = line.machine_type
    if record.type == "aws:eks/nodeGroup:NodeGroup":
        labels |= inputs.get("labels") or {}
        labels["eks.amazonaws.com/nodegroup"] = inputs.get("nodeGroupName") or record.name
    elif record.type == "gcp:container/nodePool:NodePool":
        node_config = inputs.get("nodeConfig") or {}
        labels |= node_config.get("labels") or {}
        labels["cloud.google.com/gke-nodepool"] = inputs.get("name") or record.name
        accelerators = node_config.get("guestAccelerators") or []
        if accelerators and isinstance(accelerators[0], dict) and accelerators[0].get("type"):
            labels["cloud.google.com/gke-accelerator"] = accelerators[0]["type"]
    elif record.type == "azure-native:containerservice:AgentPool":
        labels |= inputs.get("nodeLabels") or {}
        labels["kubernetes.azure.com/agentpool"] = inputs.get("agentPoolName") or record.name
    elif record.type == "azure-native:containerservice:ManagedCluster":
        profile = next((p for p in inputs.get("agentPoolProfiles") or [] if isinstance(p, dict) and p.get("name") == line.pool), {})
        labels |= profile.get("nodeLabels") or {}
        labels["kubernetes.azure.com/agentpool"] = line.pool
    elif record.type == "hangar:onprem:GpuNodePool":
        labels |= inputs.get("nodeSelector") or {}
    kind, device, per_node = _accelerators(line, record, catalog)
    if isinstance(device, TpuMachine):
        # GKE labels TPU nodes with their accelerator and slice topology; a single-host machine has one topology.
        labels["cloud.google.com/gke-tpu-accelerator"] = device.gke_accelerator
        topology = _tpu_topology(record) or (device.topologies[0] if device.single_host and len(device.topologies) == 1 else None)
        if topology:
            labels["cloud.google.com/gke-tpu-topology"] = topology
    return PoolHardware(line.urn, line.pool, {str(k): str(v) for k, v in labels.items()}, kind, device, per_node)


def _accelerators(line: PricedLine, record: ResourceRecord, catalog: Catalog) -> tuple[str, Gpu | TpuMachine | None, int]:
    if record.type == "hangar:onprem:GpuNodePool":
        try:
            return "gpu", catalog.gpu(str(record.inputs.get("gpu"))), int(record.inputs.get("gpusPerNode") or 0)
        except CatalogLookupError:
            return "unknown", None, 0
    multi_host = _tpu_topology(record) is not None
    machines = [t for t in catalog.tpus if t.machine_type == line.machine_type]
    tpu = next((t for t in machines if t.single_host != multi_host), machines[0] if machines else None)
    if tpu is not None:
        return "tpu", tpu, tpu.chips_per_host
    try:
        instance = catalog.instance(line.cloud, line.machine_type or "")
    except (CatalogLookupError, ValueError):
        return "unknown", None, 0
    if not instance.gpu:
        return "cpu", None, 0
    return "gpu", catalog.gpu(instance.gpu), instance.gpu_count


def _tpu_topology(record: ResourceRecord) -> str | None:
    """The slice topology a multi-host GKE TPU pool declares in its placement policy."""
    return (record.inputs.get("placementPolicy") or {}).get("tpuTopology") or None
