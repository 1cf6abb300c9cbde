"""Clusters in a cloud and what they hold: the private network, GPU node pools and TPU slices."""

from __future__ import annotations

import ipaddress
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from hangar.keda import unsupported_message
from hangar.spec.base import (
    SYSTEM_POOL,
    Capacity,
    LabelKey,
    LabelValue,
    Name,
    SpecModel,
    TpuGeneration,
    problem,
    raise_problems,
    unique_by_name,
)
from hangar.spec.metrics import Metrics, pipeline_target_problems
from hangar.spec.registry import chart_repository_field, mirror_problems, registry_mirror_field


class Network(SpecModel):
    """Where nodes and endpoints live: private subnets only, a private API endpoint unless opened."""

    existing_network_id: str | None = Field(None, description="Use this existing VPC/VNet/network instead of creating one.")
    existing_subnet_ids: list[str] = Field(default_factory=list, description="Private subnets of the existing network for the nodes.")
    cidr: ipaddress.IPv4Network = Field(ipaddress.IPv4Network("10.40.0.0/16"), description="Address range of a new network.")
    egress: Literal["nat", "none"] = Field(
        "nat", description="'nat': outbound internet through NAT; 'none': air-gapped, cloud services through private endpoints only."
    )
    public_api_endpoint: bool = Field(False, description="Expose the Kubernetes API publicly (then only to authorized_cidrs).")
    authorized_cidrs: list[ipaddress.IPv4Network] = Field(default_factory=list, description="CIDRs allowed to reach a public API endpoint.")
    load_balancers: Literal["internal", "public"] = Field("internal", description="Default scheme of load balancers in this network.")

    @model_validator(mode="after")
    def _consistent(self) -> Network:
        problems = []
        if self.existing_subnet_ids and not self.existing_network_id:
            problems.append(problem("existing_subnet_ids", "subnets of an existing network need existing_network_id", self.existing_subnet_ids))
        if self.public_api_endpoint and not self.authorized_cidrs:
            problems.append(problem("authorized_cidrs", "a public API endpoint needs at least one authorized CIDR", []))
        for index, cidr in enumerate(self.authorized_cidrs):
            if cidr.prefixlen == 0:
                problems.append(problem(f"authorized_cidrs[{index}]", "0.0.0.0/0 opens the API to everyone; name the CIDRs that need it", str(cidr)))
        if not self.existing_network_id and self.cidr.prefixlen > 20:
            problems.append(problem("cidr", "a new network needs at least a /20 to hold a subnet per zone", str(self.cidr)))
        raise_problems(problems)
        return self


class Taint(SpecModel):
    """A Kubernetes node taint."""

    key: LabelKey
    value: LabelValue = ""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] = "NoSchedule"


class GpuNodePool(SpecModel):
    """A pool of GPU nodes that scales between min_nodes and max_nodes.

    Name the GPU (`gpu`, with `gpus_per_node`) and Hangar picks the cheapest catalog instance that
    has it, or name `instance_type` yourself; if both are given they must agree.
    """

    name: Name
    gpu: str | None = Field(None, description="GPU model by catalog name, e.g. 'H100-SXM', 'L4' (see `hangar catalog gpus`).")
    gpus_per_node: int | None = Field(None, ge=1, le=16, description="GPUs per node; with `gpu`, selects the instance type.")
    instance_type: str | None = Field(None, description="Explicit instance / machine / VM size, e.g. 'p5.48xlarge', 'g2-standard-24'.")
    capacity: Capacity = Field("on-demand", description="on-demand, spot (interruptible, cheaper) or reserved (pre-paid capacity).")
    min_nodes: int = Field(0, ge=0, description="Fewest nodes the cluster autoscaler keeps.")
    max_nodes: int = Field(ge=1, le=1000, description="Most nodes the cluster autoscaler may add; budgets are judged at this size.")
    desired_nodes: int | None = Field(None, ge=0, description="Initial node count; defaults to min_nodes.")
    zones: list[str] = Field(default_factory=list, description="Zones for the pool; defaults to the cluster's zones.")
    disk_gib: int = Field(200, ge=50, le=16384, description="Node disk, sized to hold the model weights it caches.")
    labels: dict[LabelKey, LabelValue] = Field(default_factory=dict, description="Extra node labels.")
    taints: list[Taint] = Field(default_factory=list, description="Extra taints; the GPU taint nvidia.com/gpu is always added.")

    @model_validator(mode="after")
    def _consistent(self) -> GpuNodePool:
        problems = []
        if self.gpu is None and self.instance_type is None:
            problems.append(problem("gpu", "name a gpu (with gpus_per_node) or an instance_type", None))
        if self.gpu is not None and self.gpus_per_node is None and self.instance_type is None:
            problems.append(problem("gpus_per_node", "with gpu and no instance_type, say how many GPUs per node", None))
        if self.min_nodes > self.max_nodes:
            problems.append(problem("min_nodes", f"must be <= max_nodes ({self.max_nodes})", self.min_nodes))
        if self.desired_nodes is not None and not self.min_nodes <= self.desired_nodes <= self.max_nodes:
            problems.append(problem("desired_nodes", f"must be between min_nodes ({self.min_nodes}) and max_nodes ({self.max_nodes})", self.desired_nodes))
        raise_problems(problems)
        return self

    @property
    def initial_nodes(self) -> int:
        return self.min_nodes if self.desired_nodes is None else self.desired_nodes


class TpuSlice(SpecModel):
    """A GKE TPU slice node pool: `topology` fixes the chips and, for multi-host slices, the hosts."""

    name: Name
    generation: TpuGeneration = Field(description="TPU generation: v4, v5e, v5p, v6e or tpu7x.")
    topology: str = Field(pattern=r"^[1-9][0-9]*x[1-9][0-9]*(x[1-9][0-9]*)?$", description="Chip topology, e.g. '2x4' or '2x2x2'.")
    min_slices: int = Field(0, ge=0, description="Fewest slices kept.")
    max_slices: int = Field(1, ge=1, le=64, description="Most slices; each multi-host slice is provisioned as one atomic node pool.")
    capacity: Literal["on-demand", "spot", "reserved"] = "on-demand"
    zones: list[str] = Field(default_factory=list, description="Zones; defaults to the cluster's zones.")

    @model_validator(mode="after")
    def _consistent(self) -> TpuSlice:
        problems = []
        if self.min_slices > self.max_slices:
            problems.append(problem("min_slices", f"must be <= max_slices ({self.max_slices})", self.min_slices))
        raise_problems(problems)
        return self


DEFAULT_KUBERNETES_VERSIONS = {"aws": "1.35", "gcp": "1.35", "azure": "1.35", "onprem": "1.35"}
"""Each target's default Kubernetes minor: one in that cloud's standard support on 2026-12-01 per the catalog's
sourced table (hangar/catalog/data/kubernetes_versions.csv; a test holds the defaults to it). The clouds differ:
EKS 1.35 is in standard support until 2027-03-27 (1.34 only until 2026-12-02), and AKS and upstream no longer
support 1.34 (ended 2026-11-30 and 2026-10-27). GKE's end dates are not in the table; 1.35 is the version its
Extended channel made its default on 2026-07-24 (GKE release notes), so every channel offers it."""


def kubernetes_version_field(provider: str) -> Any:
    """The `kubernetes_version` field with the provider's default."""
    return Field(
        DEFAULT_KUBERNETES_VERSIONS[provider],
        pattern=r"^1\.[0-9]{2}$",
        description=(
            "Kubernetes minor version, e.g. '1.35'. Judged against the catalog's support table: past the cloud's end of "
            "standard support it is a config error in prod and a warning elsewhere."
        ),
    )


ReplicaAutoscaler = Literal["keda", "keda-existing", "hpa"]
"""What scales a cluster's model-server replicas (not its nodes: that is the cluster autoscaler)."""


class ClusterBase(SpecModel):
    """What every cluster has: a name, a Kubernetes version, GPU node pools and what scales its model servers."""

    name: Name
    kubernetes_version: str = Field(pattern=r"^1\.[0-9]{2}$", description="Kubernetes minor version, e.g. '1.35'; each target sets its default.")
    replica_autoscaler: ReplicaAutoscaler = Field(
        "keda",
        description=(
            "What scales model-server replicas: 'keda' (a KEDA ScaledObject per deployment; Hangar installs the pinned KEDA chart), "
            "'keda-existing' (ScaledObjects; the cluster already runs a KEDA that supports its Kubernetes version, 2.16 or later; Hangar installs nothing) or 'hpa' "
            "(an autoscaling/v2 HorizontalPodAutoscaler on Pods metrics, e.g. vllm_num_requests_waiting, which a custom-metrics "
            "adapter such as prometheus-adapter the cluster already runs must serve; no KEDA, so no scale to zero: batch keeps one replica)."
        ),
    )
    node_pools: list[GpuNodePool] = Field(default_factory=list, description="GPU node pools, each with a unique name.")
    metrics: Metrics = Field(default_factory=Metrics, description="Where model-server metrics are scraped and queried (hangar.spec.metrics).")

    @model_validator(mode="after")
    def _metrics_and_keda(self) -> ClusterBase:
        """The metrics pipeline fits the target, and the KEDA Hangar installs supports the cluster's Kubernetes version."""
        problems = []
        provider = getattr(self, "provider", "")
        problems += pipeline_target_problems(self) if provider else []
        if self.replica_autoscaler == "keda" and (why := unsupported_message(self.kubernetes_version)):
            problems.append(problem("kubernetes_version", why, self.kubernetes_version))
        raise_problems(problems)
        return self

    @field_validator("node_pools")
    @classmethod
    def _unique_pools(cls, pools: list[GpuNodePool]) -> list[GpuNodePool]:
        raise_problems(
            [
                problem(f"[{index}].name", f"{SYSTEM_POOL!r} is the name of the cluster's CPU system pool; name GPU pools otherwise", pool.name)
                for index, pool in enumerate(pools)
                if pool.name == SYSTEM_POOL
            ]
        )
        return unique_by_name(pools, "node pool")

    def pool_names(self) -> set[str]:
        return {pool.name for pool in self.node_pools}


class CloudCluster(ClusterBase):
    """A managed Kubernetes cluster in a cloud region, in its own private network."""

    region: str = Field(description="Cloud region, e.g. 'us-east-1', 'us-central1', 'eastus'.")
    zones: list[str] = Field(default_factory=list, description="Zones for nodes; empty means the region's first three.")
    network: Network = Field(default_factory=Network)
    chart_repository: str | None = chart_repository_field()

    @model_validator(mode="after")
    def _pool_zones_in_cluster(self) -> CloudCluster:
        if self.network.existing_network_id:
            return self  # an existing network's subnets decide where nodes go
        problems = []
        for index, pool in enumerate(self.node_pools):
            outside = [zone for zone in pool.zones if zone not in self.zones]
            if outside:
                allowed = f"zones of the cluster, {self.zones}" if self.zones else "zones listed in the cluster's zones (it lists none)"
                problems.append(problem(f"node_pools[{index}].zones", f"must be {allowed}", outside))
        raise_problems(problems)
        return self


class AwsCluster(CloudCluster):
    """An EKS cluster."""

    provider: Literal["aws"]
    kubernetes_version: str = kubernetes_version_field("aws")
    registry_mirror: str | None = registry_mirror_field()

    @model_validator(mode="after")
    def _images_without_egress(self) -> AwsCluster:
        raise_problems(mirror_problems(self))
        return self


class GcpCluster(CloudCluster):
    """A GKE cluster, which may also hold TPU slices."""

    provider: Literal["gcp"]
    kubernetes_version: str = kubernetes_version_field("gcp")
    project: str | None = Field(None, description="GCP project id; defaults to the provider's configured project.")
    tpu_slices: list[TpuSlice] = Field(default_factory=list, description="TPU slice node pools.")
    registry_mirror: str | None = registry_mirror_field()

    @model_validator(mode="after")
    def _images_without_egress(self) -> GcpCluster:
        raise_problems(mirror_problems(self))
        return self

    @field_validator("tpu_slices")
    @classmethod
    def _unique_slices(cls, slices: list[TpuSlice]) -> list[TpuSlice]:
        return unique_by_name(slices, "TPU slice")

    @model_validator(mode="after")
    def _names_disjoint(self) -> GcpCluster:
        problems = [
            problem(f"tpu_slices[{index}].name", "a TPU slice and a GPU node pool share this name", tpu_slice.name)
            for index, tpu_slice in enumerate(self.tpu_slices)
            if tpu_slice.name in {pool.name for pool in self.node_pools}
        ]
        raise_problems(problems)
        return self

    def pool_names(self) -> set[str]:
        return super().pool_names() | {tpu_slice.name for tpu_slice in self.tpu_slices}


class AzureCluster(CloudCluster):
    """An AKS cluster."""

    provider: Literal["azure"]
    kubernetes_version: str = kubernetes_version_field("azure")
    resource_group: str | None = Field(None, description="Existing resource group; by default one is created.")

    @model_validator(mode="after")
    def _charts_without_egress(self) -> AzureCluster:
        raise_problems(mirror_problems(self))
        return self


