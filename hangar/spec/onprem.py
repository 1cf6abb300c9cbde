"""An existing Kubernetes cluster (a data centre or a k3s edge site): its GPU nodes by label, its GPU stack and registries."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from hangar.spec.base import Capacity, LabelKey, LabelValue, problem, raise_problems
from hangar.spec.clusters import ClusterBase, GpuNodePool, kubernetes_version_field
from hangar.spec.registry import PUBLIC_REGISTRIES, REGISTRY, public_registry  # noqa: F401 (PUBLIC_REGISTRIES: spelt here before)


class OnPremGpuNodes(GpuNodePool):
    """GPU nodes that already exist in an on-prem cluster, found by a node label.

    Hangar neither creates nor labels these nodes: `node_selector` must name labels they already
    carry — `nvidia.com/gpu.product` as GPU Feature Discovery sets it (both NVIDIA GPU stacks Hangar can
    install run GFD), or a label the cluster's operator put there (the AMD device plugin labels no node).
    An AMD `gpu` (MI300X) is served with vLLM's ROCm image where the release publishes one
    (`hangar.sizing.rocm_images`), and refused at the deployment otherwise. `gpu` and `gpus_per_node` state
    what the nodes hold, so sizing, fit and budget work as in the cloud; `max_nodes` is how many of
    them this environment may use (its GPU quota), `min_nodes` how many it keeps busy.
    """

    node_selector: dict[LabelKey, LabelValue] = Field(
        default_factory=dict,
        description="Labels the nodes already carry that pick them (required), e.g. {'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB'}.",
    )
    max_nodes: int = Field(
        ge=1,
        le=1000,
        description=(
            "How many of the existing GPU nodes this environment may use. Nodes are fixed on-prem (nothing adds any): "
            "the deployments on this pool, at their max_replicas together, must fit in them."
        ),
    )
    usd_per_gpu_hour: float | None = Field(
        None, gt=0, description="Amortised cost of one GPU-hour (hardware, power, space, support), so budgets work on-prem; unset means unknown."
    )
    capacity: Capacity = Field("reserved", description="On-prem GPUs are owned: reserved (or on-demand); never spot.")

    @model_validator(mode="after")
    def _gpu_named(self) -> OnPremGpuNodes:
        problems = []
        if self.instance_type is not None:
            problems.append(problem("instance_type", "on-prem nodes have no instance type; name gpu and gpus_per_node", self.instance_type))
        if not self.node_selector:
            problems.append(
                problem(
                    "node_selector",
                    "on-prem GPU nodes are found by label: name labels they carry, e.g. {'nvidia.com/gpu.product': 'NVIDIA-L4'}",
                    {},
                )
            )
        if self.labels:
            problems.append(problem("labels", "Hangar does not create or label on-prem nodes; put labels the nodes carry in node_selector", self.labels))
        if self.zones:
            problems.append(problem("zones", "on-prem nodes have no cloud zones; pick them with node_selector", self.zones))
        if self.capacity == "spot":
            problems.append(problem("capacity", "on-prem GPUs are owned, not spot: use reserved or on-demand", self.capacity))
        raise_problems(problems)
        return self


GpuStack = Literal["operator", "device-plugin", "none"]

class OnPremCluster(ClusterBase):
    """An existing Kubernetes cluster (a data centre or a k3s edge site) reached through a kubeconfig secret.

    What the cloud gives a GPU cluster for free, Hangar installs here as pinned Helm charts:
    `gpu_operator` picks the NVIDIA GPU Operator (drivers, container toolkit, device plugin, GPU
    Feature Discovery; DCGM exporter when `dcgm_exporter`), the device plugin alone (with GPU
    Feature Discovery, for nodes whose drivers and container toolkit are already installed) or
    nothing (the cluster's GPU stack is managed elsewhere — the choice when several Hangar
    environments share one cluster, since only one may own the cluster-wide GPU stack).

    AMD GPU pools get the AMD GPU device plugin instead (chart `amd-gpu`, unless `gpu_operator` is `none`;
    the amdgpu driver must be on the nodes already), and the NVIDIA stack goes only to NVIDIA pools.

    An edge site is this same target with `distribution: k3s`: there the defaults become the light
    profile — `gpu_operator: device-plugin`, `dcgm_exporter: false` — and pods get the `nvidia`
    runtime class k3s registers. With `air_gapped`, every image comes from `registry_mirror` and
    every chart from `chart_repository`, and neither may name a public registry.
    """

    provider: Literal["onprem"]
    kubernetes_version: str = kubernetes_version_field("onprem")
    kubeconfig_secret: str = Field(
        "kubeconfig",
        pattern=r"^[A-Za-z][-A-Za-z0-9_.]*$",
        description="Name of the secret stack config key (hangar:<name>) holding the kubeconfig; set it with `pulumi config set --secret <name> ...`.",
    )
    context: str | None = Field(None, description="kubeconfig context to use; default is the current context.")
    distribution: Literal["kubernetes", "k3s"] = Field(
        "kubernetes", description="kubernetes (a data-centre cluster) or k3s (an edge site: lighter defaults, the k3s containerd paths)."
    )
    node_pools: list[OnPremGpuNodes] = Field(default_factory=list, description="The GPU nodes, by label.")
    gpu_operator: GpuStack = Field(
        "operator",
        description=(
            "GPU stack to install: 'operator' (NVIDIA GPU Operator: drivers, toolkit, device plugin), 'device-plugin' "
            "(drivers and container toolkit already on the nodes) or 'none' (managed elsewhere). Default: operator; device-plugin on k3s. "
            "For AMD GPU pools either of the first two installs the AMD GPU device plugin (chart amd-gpu; the amdgpu driver must "
            "be on the nodes); the NVIDIA stack goes only to NVIDIA pools."
        ),
    )
    dcgm_exporter: bool = Field(True, description="Install the NVIDIA DCGM exporter for GPU metrics (Prometheus, port 9400). Default: true; false on k3s.")
    air_gapped: bool = Field(
        False, description="The cluster cannot reach the internet: every image from registry_mirror, every chart from chart_repository."
    )
    registry_mirror: str | None = Field(
        None,
        pattern=REGISTRY,
        description=(
            "Internal registry mirroring the public images under their upstream paths "
            "(nvcr.io/nvidia/k8s/dcgm-exporter -> <mirror>/nvidia/k8s/dcgm-exporter), e.g. 'registry.dc1.internal:5000/mirror'."
        ),
    )
    chart_repository: str | None = Field(
        None,
        pattern=r"^(oci|https)://[^\s/]+(/\S*)?$",
        description="Internal Helm chart repository holding the pinned charts: 'oci://host/path' or 'https://host/path'.",
    )

    @model_validator(mode="before")
    @classmethod
    def _distribution_defaults(cls, data: Any) -> Any:
        """An edge site (k3s) defaults to the light GPU stack; anything the stack file says wins."""
        if isinstance(data, dict) and data.get("distribution") == "k3s":
            return {"gpu_operator": "device-plugin", "dcgm_exporter": False, **data}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> OnPremCluster:
        problems = []
        if self.kubeconfig_secret == "environment":
            problems.append(problem("kubeconfig_secret", "hangar:environment holds the environment itself; name another key", self.kubeconfig_secret))
        selectors: dict[tuple[tuple[str, str], ...], str] = {}
        for index, pool in enumerate(self.node_pools):
            key = tuple(sorted(pool.node_selector.items()))
            if key and key in selectors:
                problems.append(
                    problem(f"node_pools[{index}].node_selector", f"selects the same nodes as pool {selectors[key]!r}; pools must not share nodes", pool.node_selector)
                )
            selectors.setdefault(key, pool.name)
        if self.air_gapped:
            required = {
                "registry_mirror": "an air-gapped cluster pulls every image from an internal registry: name it",
                "chart_repository": "an air-gapped cluster installs charts from an internal chart repository: name it",
            }
            for key, missing in required.items():
                reference = getattr(self, key)
                if reference is None:
                    if key == "registry_mirror" or self.needs_charts:
                        problems.append(problem(key, missing, None))
                elif public := public_registry(reference):
                    problems.append(problem(key, f"{public} is a public registry, unreachable from an air-gapped cluster; name an internal one", reference))
        raise_problems(problems)
        return self

    @property
    def needs_charts(self) -> bool:
        """Whether Hangar installs any Helm chart into this cluster."""
        return bool(self.node_pools) and (self.gpu_operator != "none" or self.dcgm_exporter)

    @property
    def kubeconfig_key(self) -> str:
        """The full stack config key of the kubeconfig secret, e.g. 'hangar:kubeconfig'."""
        return f"hangar:{self.kubeconfig_secret}"


