"""Node pools as the scheduler sees them: the labels their nodes carry and the accelerators on each node.

Built from what `hangar.cost` recognises (any program's EKS node groups, GKE node pools and TPU
slices, AKS pools, Hangar's on-prem pools); `PoolIndex` finds the pools a workload's
`nodeSelector` can land on through an index on label pairs, so the join stays linear.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hangar.policies.rules.pool_traits import PoolTraits, pool_traits
from hangar.policies.rules.workloads import ServingWorkload

from hangar.catalog import Catalog, CatalogLookupError, Gpu, TpuMachine
from hangar.cost import CostReport, PricedLine
from hangar.records import ResourceRecord
from hangar.replica import gpu_resource

RESOURCE_OF_KIND = {"gpu": "nvidia.com/gpu", "tpu": "google.com/tpu"}
"""The Kubernetes extended resource a pool's accelerators are requested as."""


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
    ancestors: frozenset[str] = frozenset()
    """URNs of the components the pool sits in (its cluster's, among them): workloads join pools of their own cluster."""
    traits: PoolTraits = PoolTraits()
    """What the scheduler and the node autoscaler see of the pool: taints, zones, sizes, who provides its devices."""

    @property
    def resource(self) -> str | None:
        """The extended resource its accelerators are requested as (`amd.com/gpu` for AMD GPUs)."""
        if self.kind == "gpu" and isinstance(self.device, Gpu):
            return gpu_resource(self.device.vendor)
        return RESOURCE_OF_KIND.get(self.kind)

    def describe(self) -> str:
        if self.device is None:
            return f"pool {self.name} ({'hardware unknown' if self.kind == 'unknown' else 'no accelerators'})"
        device = self.device.name if isinstance(self.device, Gpu) else f"TPU {self.device.generation} chip"
        return f"pool {self.name} ({self.per_node} x {device} per node)"


class PoolIndex:
    """Pools indexed by (scope, node-label pair), so a workload finds its candidate pools without scanning them all.

    The scope is the component that holds the workload's Kubernetes provider — its cluster — so a
    workload is judged against the pools of its own cluster even when two clusters name a pool
    alike; a workload whose provider sits in no component (a raw program) sees every pool.
    """

    def __init__(self, pools: list[PoolHardware]):
        self.by_label: dict[tuple[str | None, str, str], list[PoolHardware]] = {}
        self.by_scope: dict[str | None, list[PoolHardware]] = {}
        for pool in pools:
            for scope in (None, *pool.ancestors):
                self.by_scope.setdefault(scope, []).append(pool)
                for key, value in pool.labels.items():
                    self.by_label.setdefault((scope, key, value), []).append(pool)

    def candidates(self, workload: ServingWorkload, scope: str | None = None) -> list[PoolHardware]:
        """Pools in `scope` whose nodes carry every label the workload selects (all accelerator pools when it selects none)."""
        if scope not in self.by_scope:
            scope = None
        if not workload.node_selector:
            return [pool for pool in self.by_scope.get(scope, []) if pool.kind != "cpu"]
        (key, value), *rest = workload.node_selector.items()
        return [pool for pool in self.by_label.get((scope, key, value), []) if all(pool.labels.get(k) == v for k, v in rest)]


def node_pools(report: CostReport, by_urn: dict[str, ResourceRecord], catalog: Catalog) -> list[PoolHardware]:
    """Every priced pool of the plan with its node labels, accelerators and enclosing components."""
    return [
        dataclasses.replace(
            _pool(line, by_urn[line.urn], catalog), ancestors=ancestors(by_urn[line.urn], by_urn), traits=pool_traits(line, by_urn[line.urn], by_urn)
        )
        for line in report.lines
        if line.urn in by_urn
    ]


def ancestors(record: ResourceRecord, by_urn: dict[str, ResourceRecord]) -> frozenset[str]:
    """URNs of every recorded parent above a resource."""
    found = []
    parent = record.parent
    while parent in by_urn and parent not in found:
        found.append(parent)
        parent = by_urn[parent].parent
    return frozenset(found)


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
