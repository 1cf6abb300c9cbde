"""The on-prem target: an existing Kubernetes cluster (a data centre, or a k3s edge site) with GPU nodes.

`OnPremGpuCluster` (`hangar:onprem:GpuCluster`) is what `hangar.components.environment.TARGETS["onprem"]`
builds. It creates no cloud resource. Everything goes through one Kubernetes provider built from the
kubeconfig held in the secret stack config key `hangar:<kubeconfig_secret>` (a secret Output: never
printed, never stored in plain text — a plain value there is refused):

* an `OnPremGpuNodePool` (`hangar:onprem:GpuNodePool`) per configured pool: the nodes exist already,
  so the component has no children; it registers the pool's facts (`gpu`, `gpusPerNode`,
  `minNodes`, `maxNodes`, `nodeSelector`, `usdPerGpuHour`, ...) as its inputs, which is where the
  cost code and the policy rules read them;
* the GPU stack a cloud would have given for free, as Helm releases with pinned chart versions
  (`gpu_operator`: the NVIDIA GPU Operator, the device plugin alone, or nothing; `dcgm_exporter`);
* for AMD GPU pools, the AMD GPU device plugin (`hangar.components.onprem_amd`) instead of the NVIDIA stack;
* a namespace for the environment with a ResourceQuota on `requests.nvidia.com/gpu` (and `requests.amd.com/gpu`
  where AMD pools are: the GPUs of every pool at `max_nodes`, per resource), a LimitRange giving containers default requests, and a default-deny
  NetworkPolicy (ingress and egress; the serving layer opens what must be open). Whether NetworkPolicies
  are enforced is up to the cluster's own network plugin ("Creating a NetworkPolicy resource without a
  controller that implements it will have no effect": kubernetes.io/docs/concepts/services-networking/
  network-policies/); Hangar cannot see that plugin from the plan and claims nothing about it.

Placement: on-prem nodes are found by the labels they already carry (`node_selector`). They do not
carry `hangar.dev/pool` unless someone labelled them, so a pod's node selector is exactly the pool's
`node_selector` — nothing Hangar would wish were there. An operator who does label nodes
`hangar.dev/pool=<pool>` adds that label to `node_selector` and gets it in the selector too.
Workloads tolerate `nvidia.com/gpu` (`amd.com/gpu` on an AMD pool; any value) and the pool's own taints,
whether or not the nodes are tainted.

Air-gapped (`air_gapped: true`): every image of every chart is rewritten to `registry_mirror`
under its upstream path, every chart comes from `chart_repository`, and the spec has already
refused a public registry in either. `mirrored_images` lists what must be mirrored.
"""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from hangar.components.helm import PinnedChart, chart_release
from hangar.components.labels import CLUSTER, ENVIRONMENT, GPU, POOL, environment_labels
from hangar.components.onprem_amd import AMD_DEVICE_PLUGIN, AMD_DEVICE_PLUGIN_IMAGES, gpu_toleration, plugin_values, pool_resources, pool_tolerations
from hangar.components.placement import AMD_GPU_RESOURCE, GPU_RESOURCE, PoolPlacement
from pulumi.runtime.config import get_config_secret_keys_env, is_config_secret

from hangar.installed_charts import GPU_OPERATOR_VERSION
from hangar.spec import Environment, OnPremCluster, OnPremGpuNodes

# Pinned chart versions: the newest confirmed releases in the public sources searched on 2026-11-28
# (GitHub release PRs and issues; re-check with `helm search repo <repo>/<chart> --versions` before bumping):
# - gpu-operator v26.7.0 (repo https://helm.ngc.nvidia.com/nvidia): the newest GPU Operator release found;
#   its operator image nvcr.io/nvidia/gpu-operator:v26.7.0 was certified 2026-08-21
#   (github.com/redhat-openshift-ecosystem/certified-operators pull 9419) and NVIDIA documented the
#   release on 2026-08-27 (github.com/NVIDIA/cloud-native-docs issues 481, 482). The chart versions
#   of this repository carry the "v" (v25.3.4, v26.3.3, ...).
# - nvidia-device-plugin 0.20.0 (repo https://nvidia.github.io/k8s-device-plugin): latest release per
#   github.com/NVIDIA/deepops pull 1382 (2026-08-27, bump 0.19.3 -> 0.20.0 verified against the
#   k8s-device-plugin releases page). A 0.20.1 was being prepared (k8s-device-plugin pull 2057, merged
#   2026-09-22) but no published chart was found; 0.20.0 stays pinned until one is confirmed.
# - dcgm-exporter 4.8.3 (repo https://nvidia.github.io/dcgm-exporter/helm-charts): chart published
#   2026-07-15 from tag 4.6.0-4.8.3 (github.com/NVIDIA/dcgm-exporter pull 712; DCGM Exporter release
#   notes at docs.nvidia.com/datacenter/dcgm/latest/release-notes/dcgm-exporter.html).
GPU_OPERATOR = PinnedChart(
    "gpu-operator", "https://helm.ngc.nvidia.com/nvidia", GPU_OPERATOR_VERSION, "gpu-operator",
    f"NVIDIA GPU Operator {GPU_OPERATOR_VERSION}: image certified 2026-08-21 (redhat-openshift-ecosystem/certified-operators pull 9419), documented 2026-08-27 (NVIDIA/cloud-native-docs issues 481, 482)",
)
DEVICE_PLUGIN = PinnedChart(
    "nvidia-device-plugin", "https://nvidia.github.io/k8s-device-plugin", "0.20.0", "nvidia-device-plugin",
    "NVIDIA/deepops pull 1382 (2026-08-27, 0.19.3 -> 0.20.0, checked against the k8s-device-plugin releases page)",
)
DCGM_EXPORTER = PinnedChart(
    "dcgm-exporter", "https://nvidia.github.io/dcgm-exporter/helm-charts", "4.8.3", "nvidia-device-plugin",
    "NVIDIA/dcgm-exporter pull 712 (chart 4.8.3 from tag 4.6.0-4.8.3, published 2026-07-15)",
)
"""Installed beside the device plugin; with the GPU Operator its own DCGM exporter is switched instead."""

# Where each chart's values name an image repository, and the public repository it names by default
# (gpu-operator deployments/gpu-operator/values.yaml; k8s-device-plugin
# deployments/helm/nvidia-device-plugin/values.yaml, whose `nfd` is the node-feature-discovery
# subchart; dcgm-exporter deployment/values.yaml). In the GPU Operator a `repository` is the
# registry path and `image` the name beside it; in the other charts `repository` is the whole image.
NFD_IMAGE = "registry.k8s.io/nfd/node-feature-discovery"
GPU_OPERATOR_IMAGES: dict[str, str] = {
    "operator": "nvcr.io/nvidia",
    "operator.initContainer": "nvcr.io/nvidia",
    "validator": "nvcr.io/nvidia/cloud-native",
    "driver": "nvcr.io/nvidia",
    "driver.manager": "nvcr.io/nvidia/cloud-native",
    "toolkit": "nvcr.io/nvidia/k8s",
    "devicePlugin": "nvcr.io/nvidia",
    "dcgm": "nvcr.io/nvidia/cloud-native",
    "dcgmExporter": "nvcr.io/nvidia/k8s",
    "gfd": "nvcr.io/nvidia",
    "migManager": "nvcr.io/nvidia/cloud-native",
    "nodeStatusExporter": "nvcr.io/nvidia/cloud-native",
    "gds": "nvcr.io/nvidia/cloud-native",
    "gdrcopy": "nvcr.io/nvidia/cloud-native",
    "vgpuManager.driverManager": "nvcr.io/nvidia/cloud-native",
    "vgpuDeviceManager": "nvcr.io/nvidia/cloud-native",
    "vfioManager": "nvcr.io/nvidia",
    "vfioManager.driverManager": "nvcr.io/nvidia/cloud-native",
    "sandboxDevicePlugin": "nvcr.io/nvidia",
    "kataManager": "nvcr.io/nvidia/cloud-native",
    "ccManager": "nvcr.io/nvidia/cloud-native",
    "node-feature-discovery.image": NFD_IMAGE,
}
DEVICE_PLUGIN_IMAGES: dict[str, str] = {"image": "nvcr.io/nvidia/k8s-device-plugin", "nfd.image": NFD_IMAGE}
DCGM_EXPORTER_IMAGES: dict[str, str] = {"image": "nvcr.io/nvidia/k8s/dcgm-exporter"}

K3S_CONTAINERD_SOCKET = "/run/k3s/containerd/containerd.sock"
"""k3s runs its own containerd here; the GPU Operator's container toolkit must be pointed at it
(NVIDIA GPU Operator getting-started, "custom configuration for runtime containerd"; SUSE's RKE2/k3s
notes repeat it for 26.x: github.com/SUSE/BCI-dockerfile-generator pull 3934, 2026-06-03)."""
K3S_RUNTIME_CLASS = "nvidia"
"""k3s detects the NVIDIA container runtime installed on a host and registers it as the `nvidia`
runtime class, without making it the default: GPU pods (and the device plugin) must ask for it."""

GPU_TOLERATION = gpu_toleration(GPU_RESOURCE)
"""Tolerates the usual GPU-node taint whatever its value (on-prem nodes may be tainted `present`,
`true`, or not at all — tolerating an absent taint is harmless)."""
CONTROL_PLANE_TOLERATIONS = (
    {"key": "node-role.kubernetes.io/master", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"},
)

QUOTA_RESOURCE = f"requests.{GPU_RESOURCE}"
"""Extended resources can only be quota'd by request (Kubernetes ResourceQuota docs)."""
CONTAINER_DEFAULTS = {
    "default_request": {"cpu": "100m", "memory": "256Mi"},
    "default": {"memory": "1Gi"},
}
"""LimitRange defaults for containers that state no resources: a request so the scheduler accounts
for them, and a memory limit so one cannot starve a node. No default CPU limit (it only throttles)."""

_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def _child(parent: pulumi.Resource, **options: Any) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **options)



def cluster_tolerations(cluster: OnPremCluster, resources: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Every NVIDIA pool's tolerations, once each: what the NVIDIA GPU stack's DaemonSets need to reach its GPU nodes
    (`resources`: each pool's GPU resource, `onprem_amd.pool_resources`; all NVIDIA when not given)."""
    seen: list[dict[str, str]] = []
    for pool in cluster.node_pools:
        if (resources or {}).get(pool.name, GPU_RESOURCE) == GPU_RESOURCE:
            seen += [t for t in pool_tolerations(pool) if t not in seen]
    return seen or [GPU_TOLERATION]


def gpu_quota(cluster: OnPremCluster, resources: dict[str, str] | None = None) -> dict[str, str]:
    """GPUs of every pool at max_nodes, per extended resource (`requests.nvidia.com/gpu`, `requests.amd.com/gpu`):
    the most this environment may request in its namespace. `resources` as in `cluster_tolerations`."""
    quota: dict[str, int] = {}
    for pool in cluster.node_pools:
        key = f"requests.{(resources or {}).get(pool.name, GPU_RESOURCE)}"
        quota[key] = quota.get(key, 0) + (pool.gpus_per_node or 0) * pool.max_nodes
    return {key: str(count) for key, count in (quota or {QUOTA_RESOURCE: 0}).items()}


def mirrored(repository: str, mirror: str | None) -> str:
    """`nvcr.io/nvidia/k8s/dcgm-exporter` → `<mirror>/nvidia/k8s/dcgm-exporter`; unchanged without a mirror."""
    if mirror is None:
        return repository
    return f"{mirror.rstrip('/')}/{repository.split('/', 1)[1]}"


def _set(values: dict[str, Any], dotted: str, key: str, value: Any) -> None:
    """values[a][b][key] = value for dotted = 'a.b' (creating the dicts on the way)."""
    node = values
    for part in dotted.split("."):
        node = node.setdefault(part, {})
    node[key] = value


def image_values(images: dict[str, str], mirror: str | None) -> dict[str, Any]:
    """Chart values pointing every image repository of `images` at the mirror (none without one)."""
    values: dict[str, Any] = {}
    if mirror is not None:
        for dotted, repository in images.items():
            _set(values, dotted, "repository", mirrored(repository, mirror))
    return values


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


def _kube_metadata(environment: Environment, cluster: OnPremCluster) -> tuple[dict[str, str], dict[str, str]]:
    """The environment's labels that are valid Kubernetes label values, and the rest as annotations
    (owner and cost centre are free text in the spec; a label value is at most 63 restricted chars)."""
    labels, annotations = {}, {}
    for key, value in {**environment_labels(environment), CLUSTER: cluster.name}.items():
        if len(value) <= 63 and _LABEL_VALUE.match(value):
            labels[key] = value
        else:
            annotations[key] = value
    return labels, annotations


def read_kubeconfig(cluster: OnPremCluster) -> pulumi.Output[str]:
    """The kubeconfig from the secret stack config key, as a secret Output.

    A missing key, or one set in plain text, stops the program with a message naming the key and the
    command that sets it; the message never holds the value.
    """
    key = cluster.kubeconfig_key
    command = f"pulumi config set --secret {key} \"$(cat ~/.kube/config)\" -s {pulumi.get_stack()}"
    config = pulumi.Config("hangar")
    try:
        kubeconfig = config.require_secret(cluster.kubeconfig_secret)
    except pulumi.ConfigMissingError:
        raise pulumi.RunError(f"cluster {cluster.name!r}: the kubeconfig secret {key} is not set; set it with `{command}`") from None
    if not (is_config_secret(key) or key in get_config_secret_keys_env()):
        raise pulumi.RunError(
            f"cluster {cluster.name!r}: {key} holds a kubeconfig (credentials) in plain text; "
            f"remove it from the stack file and set it as a secret with `{command}`"
        )
    return kubeconfig


class OnPremGpuNodePool(pulumi.ComponentResource):
    """`hangar:onprem:GpuNodePool`: GPU nodes that exist already, found by `node_selector`.

    It creates nothing. Its inputs are the pool's facts, as the plan records show them: `pool`,
    `gpu`, `gpusPerNode`, `minNodes`, `maxNodes`, `nodeSelector`, `tolerations`, `capacity`,
    `labels` (`hangar.dev/*`) and `usdPerGpuHour` — present only when the stack gives an amortised
    rate; without one the pool's price is unknown (there is no sourced default to fall back on).
    """

    def __init__(self, name: str, pool: OnPremGpuNodes, *, environment: Environment, resource: str = GPU_RESOURCE,
                 opts: pulumi.ResourceOptions | None = None):  # fmt: skip
        self.placement = PoolPlacement(
            pool=pool.name,
            node_selector=dict(pool.node_selector),
            tolerations=pool_tolerations(pool, resource),
            accelerator_resource=resource,
            accelerators_per_node=pool.gpus_per_node or 0,
        )
        facts: dict[str, Any] = {
            "pool": pool.name,
            "gpu": pool.gpu,
            "gpusPerNode": pool.gpus_per_node,
            "minNodes": pool.min_nodes,
            "maxNodes": pool.max_nodes,
            "nodeSelector": dict(pool.node_selector),
            "tolerations": list(self.placement.tolerations),
            "capacity": pool.capacity,
            "labels": {POOL: pool.name, GPU: pool.gpu, ENVIRONMENT: environment.name},
        }
        if pool.usd_per_gpu_hour is not None:
            facts["usdPerGpuHour"] = pool.usd_per_gpu_hour
        super().__init__("hangar:onprem:GpuNodePool", name, facts, opts)
        self.register_outputs({"node_selector": self.placement.node_selector, "gpus": (pool.gpus_per_node or 0) * pool.max_nodes})


class OnPremGpuCluster(pulumi.ComponentResource):
    """`hangar:onprem:GpuCluster`: the GPU stack, pools and environment namespace of one `OnPremCluster`.

    Exposes `pools` (how to place a pod on each pool), `kube_provider` (the Kubernetes provider built
    from the kubeconfig secret), `namespace` (the environment's namespace name), `runtime_class`
    (the runtime class GPU pods must name, or None: `nvidia` on k3s with the device plugin, where the
    NVIDIA runtime is not containerd's default) and `image_registry` (the mirror that workload images
    must come from, or None).

    The releases (see the module docstring for versions and sources):

    * `operator` → `gpu-operator` in namespace gpu-operator: drivers, container toolkit, device
      plugin, GPU Feature Discovery (the `nvidia.com/gpu.product` labels pools select on), with its
      own DCGM exporter on or off by `dcgm_exporter`. On k3s its toolkit uses k3s's containerd socket.
    * `device-plugin` → `nvidia-device-plugin` with GPU Feature Discovery (and node-feature-discovery
      it needs), for nodes with drivers and the container toolkit installed; plus `dcgm-exporter`
      when `dcgm_exporter`, on the pools' nodes only, without a Prometheus-operator ServiceMonitor
      (the chart's default, which fails on clusters without that CRD).
    * `none` → no GPU stack (and no DCGM exporter): it is managed elsewhere. Only one Hangar
      environment may own a cluster's GPU stack; others sharing the cluster say `none`.

    A cluster without pools gets its namespace only.
    """

    pools: dict[str, PoolPlacement]
    kube_provider: k8s.Provider

    def __init__(self, name: str, cluster: OnPremCluster, environment: Environment, opts: pulumi.ResourceOptions | None = None):
        kubeconfig = read_kubeconfig(cluster)  # before registering anything: a missing secret stops here
        super().__init__(
            "hangar:onprem:GpuCluster",
            name,
            {
                "distribution": cluster.distribution,
                "gpuOperator": cluster.gpu_operator,
                "dcgmExporter": cluster.dcgm_exporter,
                "airGapped": cluster.air_gapped,
                "registryMirror": cluster.registry_mirror,
                "chartRepository": cluster.chart_repository,
            },
            opts,
        )
        self.cluster = cluster
        self.resources = pool_resources(environment, cluster)
        self.image_registry = cluster.registry_mirror
        self.runtime_class = K3S_RUNTIME_CLASS if cluster.distribution == "k3s" and cluster.gpu_operator == "device-plugin" else None
        self.kube_provider = k8s.Provider(f"{name}-k8s", kubeconfig=kubeconfig, context=cluster.context, opts=_child(self))
        self._labels, self._annotations = _kube_metadata(environment, cluster)
        kube = _child(self, provider=self.kube_provider)

        self.node_pools: dict[str, OnPremGpuNodePool] = {}
        self.pools = {}
        for pool in cluster.node_pools:
            node_pool = OnPremGpuNodePool(f"{name}-{pool.name}", pool, environment=environment, resource=self.resources[pool.name], opts=_child(self))
            self.node_pools[pool.name] = node_pool
            self.pools[pool.name] = node_pool.placement

        self.mirrored_images: dict[str, str] = {}
        self.releases: dict[str, k8s.helm.v3.Release] = {}
        if cluster.node_pools:
            self._gpu_stack(name, kube)
        self.namespace = self._environment_namespace(name, environment, cluster, kube)
        self.register_outputs(
            {"namespace": self.namespace, "pools": sorted(self.pools), "releases": sorted(self.releases), "mirrored_images": self.mirrored_images}
        )

    # --- the GPU stack --------------------------------------------------------------------------

    def _gpu_stack(self, name: str, kube: pulumi.ResourceOptions) -> None:
        cluster = self.cluster
        if cluster.gpu_operator != "none" and AMD_GPU_RESOURCE in self.resources.values():
            self._release(name, AMD_DEVICE_PLUGIN, plugin_values(cluster, self.resources), AMD_DEVICE_PLUGIN_IMAGES, kube)
        if GPU_RESOURCE not in self.resources.values():
            return  # no NVIDIA pool: no NVIDIA GPU stack
        tolerations = cluster_tolerations(cluster, self.resources)
        if cluster.gpu_operator == "operator":
            values: dict[str, Any] = {
                "daemonsets": {"tolerations": tolerations},
                "node-feature-discovery": {"worker": {"tolerations": [*CONTROL_PLANE_TOLERATIONS, *tolerations]}},
                "dcgmExporter": {"enabled": cluster.dcgm_exporter},
            }
            if cluster.distribution == "k3s":
                values["toolkit"] = {"env": [{"name": "CONTAINERD_SOCKET", "value": K3S_CONTAINERD_SOCKET}]}
            self._release(name, GPU_OPERATOR, values, GPU_OPERATOR_IMAGES, kube)
        elif cluster.gpu_operator == "device-plugin":
            values = {
                "gfd": {"enabled": True},
                "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}, *tolerations],
                "nfd": {"worker": {"tolerations": [*CONTROL_PLANE_TOLERATIONS, *tolerations]}},
            }
            if self.runtime_class:
                values["runtimeClassName"] = self.runtime_class
            self._release(name, DEVICE_PLUGIN, values, DEVICE_PLUGIN_IMAGES, kube)
        if cluster.dcgm_exporter and cluster.gpu_operator == "device-plugin":
            values = {
                "serviceMonitor": {"enabled": False},
                "tolerations": tolerations,
                "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": self._pool_node_terms()}}},
            }
            if self.runtime_class:
                values["runtimeClassName"] = self.runtime_class
            self._release(name, DCGM_EXPORTER, values, DCGM_EXPORTER_IMAGES, kube)

    def _pool_node_terms(self) -> list[dict[str, Any]]:
        """One node selector term per NVIDIA pool (terms are ORed, expressions within one ANDed)."""
        return [
            {"matchExpressions": [{"key": key, "operator": "In", "values": [value]} for key, value in sorted(pool.node_selector.items())]}
            for pool in self.cluster.node_pools
            if self.resources[pool.name] == GPU_RESOURCE
        ]

    def _release(self, name: str, chart: PinnedChart, values: dict[str, Any], images: dict[str, str], kube: pulumi.ResourceOptions) -> None:
        """A pinned Helm release of `chart`, its images (and the chart itself) from the mirror when one is set."""
        mirror = self.cluster.registry_mirror
        if mirror is not None:
            self.mirrored_images.update({repository: mirrored(repository, mirror) for repository in images.values()})
        self.releases[chart.name] = chart_release(
            f"{name}-{chart.name}",
            chart,
            _merge(values, image_values(images, mirror)),
            cluster=self.cluster,
            description=f"Installed by Hangar for cluster {self.cluster.name}",
            opts=kube,
        )

    # --- the environment's namespace ------------------------------------------------------------

    def _environment_namespace(self, name: str, environment: Environment, cluster: OnPremCluster, kube: pulumi.ResourceOptions) -> pulumi.Output[str]:
        """The environment's namespace, with its GPU quota, container defaults and default-deny policy.

        The namespace is named after the environment and created by Hangar: one that already exists
        makes `pulumi up` fail rather than be silently adopted.
        """
        metadata = {"labels": self._labels, "annotations": self._annotations or None}
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace", metadata=k8s.meta.v1.ObjectMetaArgs(name=environment.name, **metadata), opts=kube
        )
        ns = namespace.metadata.name

        def meta(suffix: str) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=f"hangar-{suffix}", namespace=ns, **metadata)

        k8s.core.v1.ResourceQuota(
            f"{name}-gpu-quota",
            metadata=meta("gpu-quota"),
            spec=k8s.core.v1.ResourceQuotaSpecArgs(hard=gpu_quota(cluster, self.resources)),
            opts=kube,
        )
        k8s.core.v1.LimitRange(
            f"{name}-container-defaults",
            metadata=meta("container-defaults"),
            spec=k8s.core.v1.LimitRangeSpecArgs(limits=[k8s.core.v1.LimitRangeItemArgs(type="Container", **CONTAINER_DEFAULTS)]),
            opts=kube,
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-default-deny",
            metadata=meta("default-deny"),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(pod_selector=k8s.meta.v1.LabelSelectorArgs(), policy_types=["Ingress", "Egress"]),
            opts=kube,
        )
        return ns
