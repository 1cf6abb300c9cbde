"""The typed stack config: one `Environment` per Pulumi stack, validated before any resource exists.

Everything a user writes under `hangar:environment` in `stacks/Pulumi.<env>.yaml` is described
here. Models are frozen and forbid unknown keys; cross-field rules (min <= max, a deployment
names a pool that exists, scale to zero only for batch, ...) live beside the fields they join,
and rules that need hardware facts consult `hangar.catalog`.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from hangar.hardware import hardware_problems

DNS_LABEL = r"^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$"
"""A name that is valid as a Kubernetes object name, a cloud resource name and a Pulumi name."""



def _dns_label(value: str) -> str:
    if not re.fullmatch(DNS_LABEL, value):
        raise PydanticCustomError("hangar_name", "must be lower-case letters, digits and '-', 1-40 characters, starting with a letter", {})
    return value


Name = Annotated[
    str,
    AfterValidator(_dns_label),
    Field(description="Lower-case letters, digits and '-', 1-40 chars, starting with a letter.", json_schema_extra={"pattern": DNS_LABEL}),
]
LabelValue = Annotated[str, Field(pattern=r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$", max_length=63)]
LabelKey = Annotated[str, Field(pattern=r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", max_length=253)]

Tier = Literal["dev", "staging", "prod"]
Capacity = Literal["on-demand", "spot", "reserved"]
Precision = Literal["bf16", "fp16", "fp8", "int8", "awq", "gptq"]
LatencyClass = Literal["realtime", "interactive", "batch"]
ScalingMetric = Literal["requests_waiting", "requests_running", "kv_cache_usage", "queue_depth"]
TpuGeneration = Literal["v4", "v5e", "v5p", "v6e", "tpu7x"]
SYSTEM_POOL = "system"
"""Every cloud cluster has a small CPU node pool of this name, so GPU nodes hold only GPU work."""


class SpecModel(BaseModel):
    """Base of every config model: immutable, and an unknown key is an error, not a silent no-op."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def problem(path: str, message: str, given: Any) -> dict[str, Any]:
    """One cross-field problem, reported at `path` relative to the model that found it."""
    return {"path": path, "message": message, "given": given}


def raise_problems(problems: list[dict[str, Any]]) -> None:
    """Raise the cross-field problems a model found as one error that the reporter splits into lines."""
    if problems:
        raise PydanticCustomError("hangar_cross_field", "{summary}", {"summary": problems[0]["message"], "problems": problems})


class Budget(SpecModel):
    """What the environment may cost per 30-day month, judged at every pool's maximum size."""

    monthly_ceiling_usd: float = Field(gt=0, description="Worst-case monthly cost ceiling in US dollars.")
    max_spot_share: float = Field(1.0, ge=0, le=1, description="Largest share of the worst-case cost that may run on spot capacity.")


class LicenceContext(SpecModel):
    """How the models will be used, so that licence terms can be judged against it."""

    commercial_use: bool = Field(True, description="The service is part of a commercial offering (internal business use counts).")
    monthly_active_users: int = Field(0, ge=0, description="Expected monthly active users of the product (licence MAU caps).")
    hosted_service: bool = Field(True, description="The model is offered to others as a hosted service or API.")
    eu_established: bool = Field(False, description="The operator is domiciled in the EU (some multimodal licences exclude it).")


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


class ClusterBase(SpecModel):
    """What every cluster has: a name, a Kubernetes version and GPU node pools."""

    name: Name
    kubernetes_version: str = Field("1.33", pattern=r"^1\.[0-9]{2}$", description="Kubernetes minor version, e.g. '1.33'.")
    node_pools: list[GpuNodePool] = Field(default_factory=list, description="GPU node pools, each with a unique name.")

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


def unique_by_name(items: list[Any], what: str) -> list[Any]:
    """Reject two items of one list with the same name, naming the second one's position."""
    seen: set[str] = set()
    problems = []
    for index, item in enumerate(items):
        if item.name in seen:
            problems.append(problem(f"[{index}].name", f"two {what}s are named {item.name!r}; names must be unique", item.name))
        seen.add(item.name)
    raise_problems(problems)
    return items


class CloudCluster(ClusterBase):
    """A managed Kubernetes cluster in a cloud region, in its own private network."""

    region: str = Field(description="Cloud region, e.g. 'us-east-1', 'us-central1', 'eastus'.")
    zones: list[str] = Field(default_factory=list, description="Zones for nodes; empty means the region's first three.")
    network: Network = Field(default_factory=Network)

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


class GcpCluster(CloudCluster):
    """A GKE cluster, which may also hold TPU slices."""

    provider: Literal["gcp"]
    project: str | None = Field(None, description="GCP project id; defaults to the provider's configured project.")
    tpu_slices: list[TpuSlice] = Field(default_factory=list, description="TPU slice node pools.")

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
    resource_group: str | None = Field(None, description="Existing resource group; by default one is created.")


class OnPremGpuNodes(GpuNodePool):
    """GPU nodes that already exist in an on-prem cluster, found by a node label."""

    node_selector: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, description="Labels that pick these nodes, e.g. {'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB'}."
    )
    usd_per_gpu_hour: float | None = Field(None, gt=0, description="Amortised cost of one GPU-hour, so budgets work on-prem.")
    capacity: Capacity = "reserved"

    @model_validator(mode="after")
    def _gpu_named(self) -> OnPremGpuNodes:
        problems = []
        if self.instance_type is not None:
            problems.append(problem("instance_type", "on-prem nodes have no instance type; name gpu and gpus_per_node", self.instance_type))
        raise_problems(problems)
        return self


class OnPremCluster(ClusterBase):
    """An existing Kubernetes cluster (a data centre or a k3s edge site) reached through a kubeconfig secret."""

    provider: Literal["onprem"]
    kubeconfig_secret: str = Field("kubeconfig", description="Name of the secret stack config key (hangar:<name>) holding the kubeconfig.")
    context: str | None = Field(None, description="kubeconfig context to use; default is the current context.")
    distribution: Literal["kubernetes", "k3s"] = "kubernetes"
    node_pools: list[OnPremGpuNodes] = Field(default_factory=list, description="The GPU nodes, by label.")


Cluster = Annotated[Union[AwsCluster, GcpCluster, AzureCluster, OnPremCluster], Field(discriminator="provider")]


class Autoscaling(SpecModel):
    """How replicas of a model server scale. Unset fields take the latency class's defaults."""

    min_replicas: int | None = Field(None, ge=0, description="Fewest replicas; 0 means scale to zero (batch only).")
    max_replicas: int = Field(1, ge=1, le=1000, description="Most replicas.")
    metric: ScalingMetric | None = Field(None, description="vLLM metric to scale on.")
    target: float | None = Field(None, gt=0, description="Target value of the metric per replica.")
    scale_up_stabilization_seconds: int | None = Field(None, ge=0, le=3600)
    scale_down_stabilization_seconds: int | None = Field(None, ge=0, le=86400)

    @model_validator(mode="after")
    def _consistent(self) -> Autoscaling:
        problems = []
        if self.min_replicas is not None and self.min_replicas > self.max_replicas:
            problems.append(problem("min_replicas", f"must be <= max_replicas ({self.max_replicas})", self.min_replicas))
        raise_problems(problems)
        return self


class Exposure(SpecModel):
    """Who can reach the model server."""

    scope: Literal["internal", "public"] = Field("internal", description="internal: cluster or internal load balancer; public: internet-facing.")
    auth: Literal["none", "api-key", "oidc"] = Field("none", description="Authentication in front of the server; required for public in prod.")
    allowed_namespaces: list[Name] = Field(default_factory=list, description="Namespaces whose pods may call the server.")
    allowed_cidrs: list[ipaddress.IPv4Network] = Field(default_factory=list, description="CIDRs that may call the server.")


class Caching(SpecModel):
    """Inference caches: the prefix (KV) cache and the model-weight cache."""

    prefix_caching: bool = Field(True, description="Reuse the KV cache of shared prompt prefixes (vLLM --enable-prefix-caching).")
    weight_cache: Literal["pvc", "node-local", "none"] = Field("pvc", description="Where downloaded weights are kept across restarts.")
    weight_cache_gib: int | None = Field(None, ge=1, description="Size of the weight cache; default from the model's size.")


class ModelDeployment(SpecModel):
    """A model served on one pool of one cluster."""

    name: Name
    model: str = Field(pattern=r"^[A-Za-z0-9][-A-Za-z0-9_.]*/[A-Za-z0-9][-A-Za-z0-9_.]*$", description="Hugging Face model id, 'org/name'.")
    engine: Literal["vllm"] = Field("vllm", description="Serving engine.")
    engine_version: str = Field("v0.11.2", pattern=r"^v?[0-9]+\.[0-9]+\.[0-9]+$", description="Pinned engine image version.")
    cluster: Name | None = Field(None, description="Cluster to run on; may be omitted when the environment has one cluster.")
    pool: Name = Field(description="GPU node pool or TPU slice to run on.")
    precision: Precision = Field("bf16", description="Weight precision / quantisation.")
    kv_cache_dtype: Literal["auto", "fp8"] = Field("auto", description="KV-cache element type; fp8 halves KV memory.")
    max_context_tokens: int = Field(8192, ge=256, le=10_485_760, description="Longest sequence (prompt + output) served.")
    max_concurrent_sequences: int = Field(16, ge=1, le=4096, description="Sequences batched at once per replica.")
    tensor_parallel: int | Literal["auto"] = Field("auto", description="GPUs per replica; 'auto' picks the smallest that fits.")
    gpu_memory_utilization: float = Field(0.90, ge=0.5, le=0.98, description="Share of GPU memory the engine may use (vLLM default 0.90).")
    latency_class: LatencyClass = Field("interactive", description="realtime, interactive or batch; sets autoscaling defaults.")
    autoscaling: Autoscaling = Field(default_factory=Autoscaling)
    exposure: Exposure = Field(default_factory=Exposure)
    caching: Caching = Field(default_factory=Caching)
    prompt_templates_dir: Path | None = Field(None, description="Directory of prompt templates mounted into the server.")

    @field_validator("tensor_parallel")
    @classmethod
    def _power_of_two(cls, value: int | str) -> int | str:
        if isinstance(value, int) and (value < 1 or value & (value - 1)):
            raise PydanticCustomError("hangar_tp", "tensor_parallel must be 'auto' or a power of two (1, 2, 4, 8, 16)", {})
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ModelDeployment:
        problems = []
        if self.autoscaling.min_replicas == 0 and self.latency_class != "batch":
            problems.append(
                problem("autoscaling.min_replicas", f"scale to zero is only for latency_class batch (this is {self.latency_class})", 0)
            )
        raise_problems(problems)
        return self


class Environment(SpecModel):
    """One deployable environment (a Pulumi stack): its clusters, its models, its budget and licence context."""

    name: Name
    tier: Tier = Field(description="dev, staging or prod; prod makes policies mandatory.")
    owner: str = Field(min_length=1, description="Team or person accountable; tagged on every resource.")
    cost_centre: str = Field(min_length=1, description="Cost centre tagged on every resource.")
    tags: dict[LabelKey, LabelValue] = Field(default_factory=dict, description="Extra tags/labels for every resource.")
    budget: Budget
    licence: LicenceContext = Field(default_factory=LicenceContext)
    catalog_overrides: Path | None = Field(None, description="Directory of catalog CSVs that add or replace rows (your prices, models).")
    clusters: list[Cluster] = Field(min_length=1, description="Clusters of this environment.")
    deployments: list[ModelDeployment] = Field(default_factory=list, description="Models served.")

    @field_validator("clusters")
    @classmethod
    def _unique_clusters(cls, clusters: list[Any]) -> list[Any]:
        return unique_by_name(clusters, "cluster")

    @field_validator("deployments")
    @classmethod
    def _unique_deployments(cls, deployments: list[ModelDeployment]) -> list[ModelDeployment]:
        return unique_by_name(deployments, "deployment")

    @model_validator(mode="after")
    def _consistent(self) -> Environment:
        problems = self._deployment_problems()
        if not problems:
            problems = hardware_problems(self)
        raise_problems(problems)
        return self

    def _deployment_problems(self) -> list[dict[str, Any]]:
        problems = []
        clusters = {cluster.name: cluster for cluster in self.clusters}
        for index, deployment in enumerate(self.deployments):
            here = f"deployments[{index}]"
            if deployment.cluster is None and len(clusters) > 1:
                problems.append(problem(f"{here}.cluster", f"name the cluster, one of {sorted(clusters)}", None))
                continue
            cluster = clusters.get(deployment.cluster) if deployment.cluster else self.clusters[0]
            if cluster is None:
                problems.append(problem(f"{here}.cluster", f"no such cluster; clusters are {sorted(clusters)}", deployment.cluster))
                continue
            if deployment.pool not in cluster.pool_names():
                problems.append(
                    problem(f"{here}.pool", f"no such pool in cluster {cluster.name!r}; pools are {sorted(cluster.pool_names())}", deployment.pool)
                )
            if self.tier == "prod" and deployment.exposure.scope == "public" and deployment.exposure.auth == "none":
                problems.append(problem(f"{here}.exposure.auth", "a public endpoint in prod needs auth: api-key or oidc", "none"))
        return problems

    def cluster_of(self, deployment: ModelDeployment) -> ClusterBase:
        """The cluster a deployment runs on (validation guarantees it exists)."""
        return next(c for c in self.clusters if c.name == deployment.cluster) if deployment.cluster else self.clusters[0]


def stack_file_schema() -> dict[str, Any]:
    """JSON Schema of a whole `Pulumi.<env>.yaml` stack file, for editors (yaml-language-server)."""
    environment = Environment.model_json_schema()
    definitions = environment.pop("$defs", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Hangar stack file (Pulumi.<env>.yaml)",
        "type": "object",
        "properties": {
            "config": {
                "type": "object",
                "properties": {"hangar:environment": {"$ref": "#/$defs/Environment"}},
                "required": ["hangar:environment"],
                "additionalProperties": True,
            },
            "encryptionsalt": {"type": "string"},
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
        },
        "required": ["config"],
        "$defs": {**definitions, "Environment": environment},
    }

