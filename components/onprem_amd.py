"""AMD GPU pools on an on-prem cluster: the resource they advertise, what their pods tolerate, and the AMD device plugin.

An AMD GPU node advertises `amd.com/gpu` only when the AMD GPU device plugin runs on it, and the amdgpu kernel driver
(or the ROCm stack) must already be on the node: the plugin installs no driver ("GPU Drivers: AMD GPU drivers or ROCm
stack installed on worker nodes", docs/user-guide/installation.md; main.go advertises GPUs only where
`/sys/class/kfd` exists, which "only exists if ROCm kernel/driver is installed", and on any other node runs and
advertises nothing). So where `gpu_operator` is not `none`, Hangar installs the device plugin's own Helm chart,
`amd-gpu`, on a cluster with AMD pools; the NVIDIA GPU Operator and the DCGM exporter go only to its NVIDIA pools.

The chart, read at tag amd-gpu-helm-0.21.0 of github.com/ROCm/k8s-device-plugin (commit e7b9edacadaeed65c100aa90262233408366081d,
2025-12-24, read 2026-12-02), helm/amd-gpu:

* Chart.yaml: version 0.21.0, appVersion 1.31.0.9, kubeVersion ">= 1.18.0-0"; the `node-feature-discovery` dependency
  only with `nfd.enabled` (default false).
* values.yaml: `dp.image.repository` docker.io/rocm/k8s-device-plugin (tag 1.31.0.9), `tolerations` [CriticalAddonsOnly
  Exists], `node_selector_enabled` false (then the DaemonSet has no nodeSelector), `labeller.enabled` false.
* templates/deviceplugin-daemonset.yaml renders `tolerations` with toYaml (Helm replaces lists, so ours replace the
  default), `priorityClassName: system-node-critical`, and a fixed DaemonSet name (`amd-gpu-device-plugin-daemonset`):
  one release per cluster. The upstream manifest k8s-ds-amdgpu-dp.yaml installs it into `kube-system`; so does Hangar.
* The chart repository: .github/workflows/helm-chart-release.yml publishes with chart-releaser to the pages branch
  `helm-chart-release`, whose index.yaml (commit 10b78a9ba8391fe0ebd2b12c3a1141ddea575447) lists amd-gpu 0.21.0; the
  workflow's default pages address is https://<owner>.github.io/<repo>, hence `REPOSITORY` (derived, not fetched).

Device files: the plugin hands a pod `/dev/kfd` and the GPUs' `/dev/dri` card and renderD nodes with cgroup
permission "rw" (internal/pkg/plugin/plugin.go `Allocate`), and the container runtime creates them with the host's
owner and mode. Hangar's server runs as uid `serving_pod.USER_ID`, not root, so it can open them only where the host
makes them open to it, or where the runtime gives them the pod's user and group: containerd's and CRI-O's
`device_ownership_from_security_context` (Kubernetes blog "Non-root Containers And Devices", 2021-11-09,
kubernetes.io/blog/2021/11/09/non-root-containers-and-devices; read 2026-12-02). That is a node setting Hangar cannot
see from the plan: docs/targets.md names it as a requirement. vLLM's ROCm docs run the image with
`--security-opt seccomp=unconfined --cap-add=SYS_PTRACE --group-add=video`; Hangar keeps its RuntimeDefault seccomp
profile and drops every capability, and whether the ROCm runtime needs more under them was not verified (unknown).

Taints: neither the chart nor the plugin taints nodes. Pods on an AMD pool tolerate `amd.com/gpu` (any value,
NoSchedule: the key Kubernetes' ExtendedResourceToleration admission plugin uses for an extended resource) and the
pool's own taints, as NVIDIA pools' pods tolerate `nvidia.com/gpu`.
"""

from __future__ import annotations

from typing import Any

from hangar.components.helm import PinnedChart
from hangar.components.placement import AMD_GPU_RESOURCE, GPU_RESOURCE, toleration

from hangar.catalog import CatalogLookupError, load_catalog
from hangar.replica import gpu_resource
from hangar.spec import Environment, OnPremCluster, OnPremGpuNodes

REPOSITORY = "https://rocm.github.io/k8s-device-plugin"
AMD_DEVICE_PLUGIN = PinnedChart(
    "amd-gpu", REPOSITORY, "0.21.0", "kube-system",
    "ROCm/k8s-device-plugin tag amd-gpu-helm-0.21.0 (commit e7b9edac, 2025-12-24): helm/amd-gpu/Chart.yaml version 0.21.0, appVersion 1.31.0.9",
)
AMD_DEVICE_PLUGIN_IMAGES: dict[str, str] = {"dp.image": "docker.io/rocm/k8s-device-plugin"}
AMD_GPU_TOLERATION = {"key": AMD_GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}
CRITICAL_ADDONS_TOLERATION = {"key": "CriticalAddonsOnly", "operator": "Exists"}
"""Kept from the chart's default tolerations."""


def pool_resources(environment: Environment, cluster: OnPremCluster) -> dict[str, str]:
    """Each pool's extended resource by its catalog GPU's vendor (`nvidia.com/gpu` where the GPU is not in the catalog:
    the spec reports that at the pool)."""
    try:
        catalog = load_catalog(environment.catalog_overrides)
    except (OSError, ValueError):
        catalog = None
    resources = {}
    for pool in cluster.node_pools:
        try:
            resources[pool.name] = GPU_RESOURCE if catalog is None else gpu_resource(catalog.gpu(pool.gpu).vendor)
        except CatalogLookupError:
            resources[pool.name] = GPU_RESOURCE
    return resources


def gpu_toleration(resource: str) -> dict[str, str]:
    """Tolerates the usual GPU-node taint of this resource whatever its value (tolerating an absent taint is harmless)."""
    return {"key": resource, "operator": "Exists", "effect": "NoSchedule"}


def pool_tolerations(pool: OnPremGpuNodes, resource: str = GPU_RESOURCE) -> tuple[dict[str, str], ...]:
    """What a pod on this pool tolerates: any NoSchedule taint of the pool's GPU resource, and the pool's own taints."""
    own = [toleration(t.model_dump()) for t in pool.taints if (t.key, t.effect) != (resource, "NoSchedule")]
    return (gpu_toleration(resource), *own)


def plugin_values(cluster: OnPremCluster, resources: dict[str, str]) -> dict[str, Any]:
    """The `amd-gpu` chart's values: tolerate every AMD pool's taints (plus the chart's CriticalAddonsOnly)."""
    tolerations = [CRITICAL_ADDONS_TOLERATION]
    for pool in cluster.node_pools:
        if resources.get(pool.name) == AMD_GPU_RESOURCE:
            tolerations += [t for t in pool_tolerations(pool, AMD_GPU_RESOURCE) if t not in tolerations]
    return {"tolerations": tolerations}
