"""Device plugins in a plan: what advertises `nvidia.com/gpu` / `amd.com/gpu` on which nodes.

Recognised by type and inputs, whoever installs them:

* a Helm release (`kubernetes:helm.sh/v3:Release`, `kubernetes:helm.sh/v4:Chart`) of chart
  `nvidia-device-plugin` — its DaemonSet takes `values.tolerations`, `values.nodeSelector` and
  `values.affinity`; when a value is not given, the chart's default applies. Chart v0.20.0
  (NVIDIA/k8s-device-plugin tag v0.20.0, commit 1b826acc, `deployments/helm/nvidia-device-plugin/values.yaml`,
  read 2026-12-01): tolerations `CriticalAddonsOnly Exists` and `nvidia.com/gpu Exists NoSchedule`; a
  required node affinity on `feature.node.kubernetes.io/pci-10de.present=true` or
  `feature.node.kubernetes.io/cpu-model.vendor_id=NVIDIA` (labels Node Feature Discovery writes, deployed by
  the chart only with `nfd.enabled` or `gfd.enabled`, both off by default) or `nvidia.com/gpu.present=true`;
  `devicePlugin.enabled` true.
* a release of chart `gpu-operator` — the operator labels the GPU nodes Node Feature Discovery finds
  (`nfd.enabled`, default true) and runs the device plugin there, with `values.daemonsets.tolerations`
  (default `nvidia.com/gpu Exists NoSchedule`). Chart v26.7.0 (NVIDIA/gpu-operator tag v26.7.0, commit
  10ee5b36, `deployments/gpu-operator/values.yaml` and `assets/state-device-plugin/0500_daemonset.yaml`:
  nodeSelector `nvidia.com/gpu.deploy.device-plugin: "true"`, read 2026-12-01).
* a release of chart `amd-gpu`, the AMD GPU device plugin (`amd.com/gpu`). Chart 0.21.0 (ROCm/k8s-device-plugin tag
  amd-gpu-helm-0.21.0, commit e7b9edac, helm/amd-gpu/values.yaml and templates/deviceplugin-daemonset.yaml, read
  2026-12-02): `values.tolerations` (default `CriticalAddonsOnly Exists`), a nodeSelector only with
  `node_selector_enabled` (default false), then `values.node_selector` (default `feature.node.kubernetes.io/
  pci-0300_1002.present=true`, `kubernetes.io/arch=amd64`); no affinity.
* a DaemonSet running `nvcr.io/nvidia/k8s-device-plugin:*` (NVIDIA) or `rocm/k8s-device-plugin:*` (AMD),
  with its own pod template's tolerations and node selection.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hangar.policies.rules.readiness_pods import PodWorkload, selects, untolerated
from hangar.policies.rules.workloads import selector_text

from hangar.records import ResourceRecord

RELEASE_TYPES = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")
PLUGIN_IMAGES = {"nvcr.io/nvidia/k8s-device-plugin": "nvidia.com/gpu", "rocm/k8s-device-plugin": "amd.com/gpu", "docker.io/rocm/k8s-device-plugin": "amd.com/gpu"}
CHART_TOLERATIONS: tuple[dict[str, Any], ...] = (
    {"key": "CriticalAddonsOnly", "operator": "Exists"},
    {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
)
NFD_PCI_LABEL = "feature.node.kubernetes.io/pci-10de.present"
CHART_AFFINITY_TERMS: tuple[tuple[dict[str, Any], ...], ...] = (
    ({"key": NFD_PCI_LABEL, "operator": "In", "values": ["true"]},),
    ({"key": "feature.node.kubernetes.io/cpu-model.vendor_id", "operator": "In", "values": ["NVIDIA"]},),
    ({"key": "nvidia.com/gpu.present", "operator": "In", "values": ["true"]},),
)
AMD_CHART_TOLERATIONS: tuple[dict[str, Any], ...] = ({"key": "CriticalAddonsOnly", "operator": "Exists"},)
AMD_CHART_NODE_SELECTOR = {"feature.node.kubernetes.io/pci-0300_1002.present": "true", "kubernetes.io/arch": "amd64"}
OPERATOR_TOLERATIONS: tuple[dict[str, Any], ...] = ({"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},)
OPERATOR_LABEL = "nvidia.com/gpu.deploy.device-plugin"


@dataclasses.dataclass(frozen=True)
class DevicePlugin:
    """Something that advertises an accelerator resource on the nodes it runs on."""

    name: str
    resource: str
    scope: str | None
    tolerations: tuple[dict[str, Any], ...]
    node_selector: dict[str, str]
    affinity_terms: tuple[tuple[dict[str, Any], ...], ...]
    gpu_node_labels: dict[str, str]
    """Labels the plugin's companions (Node Feature Discovery, the GPU Operator) put on every NVIDIA GPU node."""

    def serves(self, pool_labels: dict[str, str], taints: tuple[tuple[str, str, str], ...]) -> list[str]:
        """Why it does not run on a pool's nodes; [] when it does."""
        problems = []
        labels = {**pool_labels, **self.gpu_node_labels}
        if not selects(self.node_selector, [list(term) for term in self.affinity_terms], labels):
            selection = selector_text(self.node_selector)
            wanted = " or ".join(",".join(f"{e.get('key')} {e.get('operator')} {e.get('values', '')}" for e in term) for term in self.affinity_terms)
            problems.append(f"{self.name} does not select its nodes (nodeSelector {selection}{'; affinity ' + wanted if wanted else ''})")
        missing = untolerated(list(self.tolerations), taints)
        if missing:
            problems.append(f"{self.name} does not tolerate its taint{'s' if len(missing) > 1 else ''} {', '.join(_taint(t) for t in missing)}")
        return problems


def device_plugins(records: tuple[ResourceRecord, ...], pod_workloads: list[PodWorkload], scope_of: Any) -> list[DevicePlugin]:
    """Every device plugin of the plan, with the tolerations and node selection its DaemonSet gets."""
    releases = [r for r in records if r.type in RELEASE_TYPES]
    nfd_releases = {scope_of(r) for r in releases if chart_name(r) == "node-feature-discovery"}
    nfd_scopes = nfd_releases | {scope_of(r) for r in releases if chart_name(r) == "gpu-operator" and _operator_nfd(r)}
    plugins = []
    for release in releases:
        chart, values, scope = chart_name(release), release.inputs.get("values") or {}, scope_of(release)
        if chart == "nvidia-device-plugin" and (values.get("devicePlugin") or {}).get("enabled", True) is not False:
            nfd = scope in nfd_scopes or any((values.get(key) or {}).get("enabled") is True for key in ("nfd", "gfd"))
            plugins.append(
                DevicePlugin(
                    f"Helm release {release.name} (nvidia-device-plugin)", "nvidia.com/gpu", scope,
                    tuple(values["tolerations"]) if "tolerations" in values else CHART_TOLERATIONS,
                    {str(k): str(v) for k, v in (values.get("nodeSelector") or {}).items()},
                    _terms(values["affinity"]) if "affinity" in values else CHART_AFFINITY_TERMS,
                    {NFD_PCI_LABEL: "true"} if nfd else {},
                )  # fmt: skip
            )
        elif chart == "gpu-operator" and (values.get("devicePlugin") or {}).get("enabled", True) is not False:
            daemonsets = values.get("daemonsets") or {}
            nfd = _operator_nfd(release) or scope in nfd_releases
            plugins.append(
                DevicePlugin(
                    f"Helm release {release.name} (gpu-operator)", "nvidia.com/gpu", scope,
                    tuple(daemonsets["tolerations"]) if "tolerations" in daemonsets else OPERATOR_TOLERATIONS,
                    {OPERATOR_LABEL: "true"}, (), {OPERATOR_LABEL: "true"} if nfd else {},
                )  # fmt: skip
            )
        elif chart == "amd-gpu":
            selector = (values["node_selector"] if "node_selector" in values else AMD_CHART_NODE_SELECTOR) if values.get("node_selector_enabled") else {}
            plugins.append(
                DevicePlugin(
                    f"Helm release {release.name} (amd-gpu)", "amd.com/gpu", scope,
                    tuple(values["tolerations"]) if "tolerations" in values else AMD_CHART_TOLERATIONS,
                    {str(k): str(v) for k, v in (selector or {}).items()}, (), {},
                )  # fmt: skip
            )
    for workload in pod_workloads:
        if workload.kind != "DaemonSet":
            continue
        for container in workload.leader.containers:
            image = str(container.get("image") or "").split("@")[0].rsplit(":", 1)[0]
            if image in PLUGIN_IMAGES:
                template = workload.leader
                plugins.append(
                    DevicePlugin(
                        f"DaemonSet {workload.namespace}/{workload.name}", PLUGIN_IMAGES[image], scope_of(workload.record),
                        tuple(template.tolerations), template.node_selector, tuple(tuple(t) for t in template.affinity_terms), {},
                    )  # fmt: skip
                )
                break
    return plugins


def chart_name(release: ResourceRecord) -> str:
    """The chart's own name, from `nvdp/nvidia-device-plugin`, an OCI URL or a plain name."""
    chart = str(release.inputs.get("chart") or "")
    return chart.rstrip("/").rsplit("/", 1)[-1].split(":")[0]


def _operator_nfd(release: ResourceRecord) -> bool:
    """The GPU Operator deploys Node Feature Discovery unless `nfd.enabled` is false."""
    return ((release.inputs.get("values") or {}).get("nfd") or {}).get("enabled", True) is not False


def _terms(affinity: Any) -> tuple[tuple[dict[str, Any], ...], ...]:
    required = (((affinity or {}).get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution") or {}) if isinstance(affinity, dict) else {}
    return tuple(tuple(term.get("matchExpressions") or ()) for term in required.get("nodeSelectorTerms") or [] if isinstance(term, dict))


def _taint(taint: tuple[str, str, str]) -> str:
    key, value, effect = taint
    return f"{key}={value}:{effect}" if value else f"{key}:{effect}"
