"""Which Kubernetes versions a pinned Helm chart supports, each range from the project's own statement at that version.

`chart_support(chart, version, values)` answers for the charts a serving cluster runs: KEDA, the KEDA
HTTP add-on, the NVIDIA device plugin, the Cluster Autoscaler and kube-prometheus-stack. A chart or
version not listed here has an unknown range (`None`), which the policy rule refuses in prod: an
unknown is never taken for supported. Re-read the source before adding a row.

Sources (each read 2026-12-01):

- KEDA: `hangar.keda.KUBERNETES_SUPPORT`, from keda.sh "Kubernetes Compatibility" (cited there). The
  kedacore/charts `keda` chart is versioned as the KEDA release it installs (keda/Chart.yaml at commit
  cbb9bb8ce0809dc9048f72302f7c09765d66ed56: version and appVersion 2.20.2), so a chart version's minor
  is its KEDA minor.
- KEDA HTTP add-on 0.15: "A Kubernetes cluster (tested against the three most recent minor versions)"
  (keda.sh/http-add-on/0.15/operations/installation, kedacore/keda-docs content/http-add-on/0.15/
  operations/installation.md at commit a55c5d345e2cbd9923ab4936f1cabc2a17e9abac); the three are those of
  the e2e matrix at tag v0.15.0 (kedacore/http-add-on commit 4ea8a863bd7c16464dc5afbe9ebc8a26e563fac0,
  .github/workflows/e2e-tests.yaml: kindest/node v1.36.1, v1.35.1, v1.34.3). Chart `keda-add-ons-http`
  0.15.0 = appVersion 0.15.0 (kedacore/charts http-add-on/Chart.yaml at c4b92e9eed0ddc6668b1395d5f137e3ad4baa3d4).
- NVIDIA device plugin 0.20.0: README "Prerequisites: Kubernetes version >= 1.10" and the chart's
  `kubeVersion: ">= 1.10.0-0"` (github.com/NVIDIA/k8s-device-plugin tag v0.20.0, commit
  1b826acc6af3079d8923bac395c3124b8861a9a6, README.md and deployments/helm/nvidia-device-plugin/Chart.yaml).
  No upper bound is stated: the device plugin API is v1beta1 since Kubernetes 1.10 (README "Versioning").
- Cluster Autoscaler: "we recommend that users always use the latest Cluster Autoscaler release that
  corresponds to the minor version of Kubernetes that their cluster is running" (kubernetes/autoscaler
  cluster-autoscaler/README.md "Releases", tag cluster-autoscaler-chart-9.59.0, commit
  5a0b98e45f896e98132737240ac131a519d3b33d): the image's minor must be the cluster's. The chart runs
  `image.tag` (chart 9.59.0's values.yaml default v1.35.0, appVersion 1.35.0, same tag).
- kube-prometheus-stack 88.5.3: `kubeVersion: ">=1.25.0-0"` in its Chart.yaml (prometheus-community/
  helm-charts commit ea930baeebeba39f56d6b44e351f23b2a072a600), which Helm enforces at install; its README's
  "Kubernetes 1.19+" at the same commit is older than the Chart.yaml bound and is not used.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from hangar.keda import KUBERNETES_SUPPORT as KEDA_KUBERNETES_SUPPORT

KEDA = "keda"
HTTP_ADD_ON = "keda-add-ons-http"
DEVICE_PLUGIN = "nvidia-device-plugin"
CLUSTER_AUTOSCALER = "cluster-autoscaler"
KUBE_PROMETHEUS_STACK = "kube-prometheus-stack"
JUDGED_CHARTS = (KEDA, HTTP_ADD_ON, DEVICE_PLUGIN, CLUSTER_AUTOSCALER, KUBE_PROMETHEUS_STACK)


@dataclasses.dataclass(frozen=True)
class KubernetesRange:
    """The Kubernetes minors a chart at one version supports: `oldest` to `newest` (None: unbounded), and where that is said."""

    oldest: str | None
    newest: str | None
    source: str

    def contains(self, minor: str) -> bool:
        value = _minor(minor)
        return (self.oldest is None or _minor(self.oldest) <= value) and (self.newest is None or value <= _minor(self.newest))

    def describe(self) -> str:
        if self.oldest == self.newest and self.oldest is not None:
            return f"Kubernetes {self.oldest} only"
        if self.newest is None:
            return f"Kubernetes {self.oldest} and later"
        if self.oldest is None:
            return f"Kubernetes up to {self.newest}"
        return f"Kubernetes {self.oldest} to {self.newest}"


HTTP_ADD_ON_SUPPORT = {"0.15": ("1.34", "1.36")}
"""HTTP add-on minor -> (oldest, newest) Kubernetes minor it is tested against (see the module docstring)."""
DEVICE_PLUGIN_SUPPORT = {"0.20.0": "1.10"}
"""Device plugin chart version -> the oldest Kubernetes minor it supports (no upper bound stated)."""
CLUSTER_AUTOSCALER_IMAGE = {"9.59.0": "v1.35.0"}
"""Cluster Autoscaler chart version -> the image tag its values run unless `image.tag` is given."""
KUBE_PROMETHEUS_STACK_SUPPORT = {"88.5.3": "1.25"}
"""kube-prometheus-stack chart version -> the oldest Kubernetes minor of its Chart.yaml `kubeVersion`."""


def chart_support(chart: str, version: str, values: Mapping[str, Any] | None = None) -> KubernetesRange | None:
    """The Kubernetes range of `chart` at `version` with these values; None when no source for it was read."""
    version = version.strip().removeprefix("v")
    minor = ".".join(version.split(".")[:2])
    if chart == KEDA:
        window = KEDA_KUBERNETES_SUPPORT.get(minor)
        return KubernetesRange(*window, f"keda.sh Kubernetes compatibility of KEDA {minor}") if window else None
    if chart == HTTP_ADD_ON:
        window = HTTP_ADD_ON_SUPPORT.get(minor)
        return KubernetesRange(*window, f"the KEDA HTTP add-on {minor} docs: tested against the three newest minors") if window else None
    if chart == DEVICE_PLUGIN:
        oldest = DEVICE_PLUGIN_SUPPORT.get(version)
        return KubernetesRange(oldest, None, f"the k8s-device-plugin {version} README and Chart.yaml kubeVersion") if oldest else None
    if chart == KUBE_PROMETHEUS_STACK:
        oldest = KUBE_PROMETHEUS_STACK_SUPPORT.get(version)
        return KubernetesRange(oldest, None, f"kube-prometheus-stack {version} Chart.yaml kubeVersion") if oldest else None
    if chart == CLUSTER_AUTOSCALER:
        tag = _image_tag(values) or CLUSTER_AUTOSCALER_IMAGE.get(version)
        image_minor = _minor_text(tag) if tag else None
        if image_minor is None:
            return None
        return KubernetesRange(image_minor, image_minor, f"its image {tag}; the Cluster Autoscaler README asks for the cluster's own minor")
    return None


def _image_tag(values: Mapping[str, Any] | None) -> str | None:
    image = values.get("image") if isinstance(values, Mapping) else None
    tag = image.get("tag") if isinstance(image, Mapping) else None
    return tag if isinstance(tag, str) else None


def _minor_text(tag: str) -> str | None:
    parts = tag.strip().removeprefix("v").split(".")
    return f"{parts[0]}.{parts[1]}" if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit() else None


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)
