"""Which Kubernetes versions a pinned Helm chart supports, each range from the project's own statement at that version.

`chart_support(chart, version, values)` answers for the charts a serving cluster runs: KEDA, the KEDA
HTTP add-on, the NVIDIA device plugin, the AMD GPU device plugin, the Cluster Autoscaler, kube-prometheus-stack, the NVIDIA GPU
Operator, LeaderWorkerSet, the NVIDIA DCGM exporter and kube-state-metrics. A chart or
version not listed here has an unknown range (`None`), which the policy rule refuses in prod: an
unknown is never taken for supported. Re-read the source before adding a row.

Sources (each read 2026-12-01):

- KEDA: `hangar.keda.KUBERNETES_SUPPORT`, from keda.sh "Kubernetes Compatibility" (cited there). The
  kedacore/charts `keda` chart is versioned as the KEDA release it installs (keda/Chart.yaml at commit
  cbb9bb8ce0809dc9048f72302f7c09765d66ed56: version and appVersion 2.20.2), so a chart version's minor
  is its KEDA minor.
- KEDA HTTP add-on 0.14 and 0.15: "A Kubernetes cluster (tested against the three most recent minor
  versions)" (keda.sh/http-add-on/<0.14|0.15>/operations/installation, kedacore/keda-docs
  content/http-add-on/<version>/operations/installation.md at commit a55c5d345e2cbd9923ab4936f1cabc2a17e9abac);
  the three are those of the e2e matrix at the release tag (kedacore/http-add-on
  .github/workflows/e2e-tests.yaml, kindest/node images: v0.14.0 (2026-04-24) 1.35.0, 1.34.3, 1.33.7; v0.15.0
  (commit 4ea8a863bd7c16464dc5afbe9ebc8a26e563fac0, 2026-06-15) 1.36.1, 1.35.1, 1.34.3). Older releases have
  no versioned docs page saying so and are not listed. Chart `keda-add-ons-http` 0.15.0 = appVersion 0.15.0
  (kedacore/charts http-add-on/Chart.yaml at c4b92e9eed0ddc6668b1395d5f137e3ad4baa3d4).
- NVIDIA device plugin: README "Prerequisites: Kubernetes version >= 1.10" and the chart's
  `kubeVersion: ">= 1.10.0-0"` (github.com/NVIDIA/k8s-device-plugin tag v0.20.0, commit
  1b826acc6af3079d8923bac395c3124b8861a9a6, README.md and deployments/helm/nvidia-device-plugin/Chart.yaml;
  the same kubeVersion in the Chart.yaml of every tag v0.10.0 to v0.20.0, whose chart versions are
  `DEVICE_PLUGIN_CHARTS`). No upper bound is stated: the device plugin API is v1beta1 since Kubernetes 1.10
  (README "Versioning").
- AMD GPU device plugin (chart `amd-gpu`): `kubeVersion: ">= 1.18.0-0"` in helm/amd-gpu/Chart.yaml at every tag
  amd-gpu-helm-0.3.0 to amd-gpu-helm-0.21.0 of github.com/ROCm/k8s-device-plugin (">= 1.18.0" at 0.1.0 and 0.2.0;
  0.21.0 is commit e7b9edacadaeed65c100aa90262233408366081d; read 2026-12-02), and its README's "This plugin targets
  Kubernetes v1.18+" (`AMD_DEVICE_PLUGIN_CHARTS`). No upper bound is stated.
- Cluster Autoscaler: "we recommend that users always use the latest Cluster Autoscaler release that
  corresponds to the minor version of Kubernetes that their cluster is running" (kubernetes/autoscaler
  cluster-autoscaler/README.md "Releases", tag cluster-autoscaler-chart-9.59.0, commit
  5a0b98e45f896e98132737240ac131a519d3b33d): the image's minor must be the cluster's. The chart runs
  `image.tag`, whose default is read from values.yaml at every tag cluster-autoscaler-chart-9.0.0 to
  9.59.0 (`CLUSTER_AUTOSCALER_DEFAULT_MINOR`; 9.59.0: v1.35.0, appVersion 1.35.0).
- kube-prometheus-stack: `kubeVersion` in its Chart.yaml, which Helm enforces at install, read at every tag
  kube-prometheus-stack-10.0.0 to 88.5.3 (prometheus-community/helm-charts snapshot of 2026-08-22,
  `KUBE_PROMETHEUS_STACK_OLDEST`; 88.5.3 at commit ea930baeebeba39f56d6b44e351f23b2a072a600: ">=1.25.0-0").
  Its README's "Kubernetes 1.19+" at that commit is older than the Chart.yaml bound and is not used.
- NVIDIA GPU Operator v26.7.0: the platform support page, "Supported Operating Systems and Kubernetes
  Platforms", column Kubernetes (docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/platform-support.html,
  which the operator's README at tag v26.7.0 points to; NVIDIA/cloud-native-docs gpu-operator/platform-support.rst
  at commit 187a4a5bdc9d6ca222ee59cde894bad4ab20eec0, "Release docs 26.7.0", 2026-08-21): 1.33 to 1.36 on every
  operating system listed, 1.32 to 1.36 on Ubuntu 24.04 alone. Hangar does not know a cluster's nodes' OS, so
  1.33 to 1.36 it is. The chart's own `kubeVersion: ">= 1.16.0-0"` (NVIDIA/gpu-operator
  deployments/gpu-operator/Chart.yaml at tag v26.7.0, commit 10ee5b3638b89e11e949412aafa5ba99279c3721) only
  stops Helm below that and is not the validated range. Other releases are not listed.
- LeaderWorkerSet: "A Kubernetes cluster with version >= 1.26 is Required" (kubernetes-sigs/lws
  site/content/en/docs/installation/_index.md at every tag v0.6.0 to v0.10.0; v0.8.0 is commit
  fc19b9ae9b0113d228ba15f4b62b06bea434b510). Its chart is versioned as the release without the "v" (Makefile
  `CHART_VERSION`, hack/push-chart.sh at v0.8.0), so those are chart versions 0.6.0 to 0.10.0 (`LWS_CHARTS`). No
  upper bound is stated.
- NVIDIA DCGM exporter: `kubeVersion: ">= 1.19.0-0"` in every entry of its Helm repository index from chart
  3.0.0 to 4.8.2 (NVIDIA/dcgm-exporter branch gh-pages helm-charts/index.yaml at commit
  ecd340dc2e9717757db9d1d662a621fe18e9514d, 2026-05-05; deployment/Chart.yaml at tag 4.5.3-4.8.2 says the same),
  and in deployment/Chart.yaml at commit 7ad58324b4447b64dc3dedf946b889b648b7f476 (version and appVersion 4.8.3),
  the source of release 4.6.0-4.8.3 (NVIDIA/dcgm-exporter pull 711, "feat: release 4.6.0-4.8.3", 2026-07-14, links
  its code at that commit; pull 712 published chart 4.8.3 from that tag on 2026-07-15).
- kube-state-metrics: its chart states no range (prometheus-community/helm-charts charts/kube-state-metrics/Chart.yaml has
  no `kubeVersion` at any tag read, e.g. 8.4.0 at commit 1982f1c5828920f5d4ea5d04956169e81f8c5129), so the range is the
  one its project states for the release the chart runs (`appVersion`): "The supported Kubernetes cluster version is
  determined by client-go. All additional compatibility is only best effort, or happens to still/already be supported"
  (kubernetes/kube-state-metrics README.md "Kubernetes Version", at every tag v2.7.0 to v2.20.0; v2.20.0 is commit
  4ffeda2ef866b0fef372849825a803296483b336), and client-go's own compatibility matrix marks only the same minor
  "Exactly the same features / API objects" (kubernetes/client-go README.md "Compatibility matrix"). So a chart
  supports exactly the Kubernetes minor of the client-go its release is built with: `k8s.io/client-go` in go.mod at the
  release tag (v2.19.1: v0.35.4; v2.20.0: v0.36.3; the README's matrix says the same: v2.19.0 "v1.35", v2.20.0 "v1.36"),
  and a chart's release is its Chart.yaml `appVersion`, read at every tag kube-state-metrics-4.24.0 (appVersion 2.7.0)
  to kube-state-metrics-8.4.0 (appVersion 2.20.0) of the helm-charts snapshot of 2026-08-22
  (`KUBE_STATE_METRICS_CLIENT_GO`). Older charts, whose READMEs kept a per-version matrix, are not listed. A release whose
  values set `image.tag` runs that kube-state-metrics release instead (the chart's _helpers.tpl: the tag, else v +
  appVersion), judged by the client-go of that release: go.mod at every tag v2.7.0 to v2.20.0 (`KUBE_STATE_METRICS_RELEASES`;
  v2.17.0: v0.33.4, commit f9f0a178a486dd1cc339ecebf40f27c6d5a48364; v2.18.0: v0.34.3, commit
  ab562f78ebf4cb97cc2f87c1235e457076035d16).
- kube-state-metrics inside kube-prometheus-stack: the chart depends on the kube-state-metrics chart
  (`dependencies` in its Chart.yaml, `condition: kubeStateMetrics.enabled`), pinned to one version at every tag
  kube-prometheus-stack-73.2.2 (5.36.0) to 88.5.3 (8.4.0) of the same snapshot (`KUBE_PROMETHEUS_STACK_KUBE_STATE`); before
  73.2.2 it names a wildcard ("5.33.*" at 73.2.1), so which chart a package holds depends on when it was packaged, and is not
  recorded. That dependency is judged as the chart above (`bundled_support`), or by the release its values'
  `kube-state-metrics.image.tag` runs; with `kubeStateMetrics.enabled: false` there is none to judge.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

from hangar.keda import KUBERNETES_SUPPORT as KEDA_KUBERNETES_SUPPORT

KEDA = "keda"
HTTP_ADD_ON = "keda-add-ons-http"
DEVICE_PLUGIN = "nvidia-device-plugin"
AMD_DEVICE_PLUGIN = "amd-gpu"
CLUSTER_AUTOSCALER = "cluster-autoscaler"
KUBE_PROMETHEUS_STACK = "kube-prometheus-stack"
GPU_OPERATOR = "gpu-operator"
LWS = "lws"
DCGM_EXPORTER = "dcgm-exporter"
KUBE_STATE_METRICS = "kube-state-metrics"
JUDGED_CHARTS = (KEDA, HTTP_ADD_ON, DEVICE_PLUGIN, AMD_DEVICE_PLUGIN, CLUSTER_AUTOSCALER, KUBE_PROMETHEUS_STACK, GPU_OPERATOR, LWS, DCGM_EXPORTER, KUBE_STATE_METRICS)


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


HTTP_ADD_ON_SUPPORT = {"0.14": ("1.33", "1.35"), "0.15": ("1.34", "1.36")}
"""HTTP add-on minor -> (oldest, newest) Kubernetes minor it is tested against (see the module docstring)."""
DEVICE_PLUGIN_CHARTS = frozenset({
    "0.10.0", "0.11.0", "0.12.0", "0.12.1", "0.12.2", "0.12.3", "0.13.0", "0.14.0", "0.14.2", "0.14.3", "0.14.4", "0.14.5",
    "0.15.0", "0.15.1", "0.16.0", "0.16.1", "0.16.2", "0.17.0", "0.17.1", "0.17.2", "0.17.3", "0.17.4", "0.18.0", "0.18.1",
    "0.18.2", "0.19.0", "0.19.1", "0.19.2", "0.19.3", "0.20.0",
})  # fmt: skip
"""Device plugin chart versions whose Chart.yaml was read: each says `kubeVersion: ">= 1.10.0-0"`."""
DEVICE_PLUGIN_OLDEST = "1.10"
AMD_DEVICE_PLUGIN_CHARTS = frozenset(f"0.{minor}.0" for minor in range(1, 22))
"""`amd-gpu` chart versions whose Chart.yaml was read (0.1.0 to 0.21.0): each says Kubernetes >= 1.18."""
AMD_DEVICE_PLUGIN_OLDEST = "1.18"
CLUSTER_AUTOSCALER_DEFAULT_MINOR: tuple[tuple[str, str, str], ...] = (
    ("9.0.0", "9.4.0", "1.18"), ("9.5.0", "9.9.2", "1.20"), ("9.10.0", "9.13.1", "1.21"), ("9.14.0", "9.24.0", "1.23"),
    ("9.25.0", "9.27.0", "1.24"), ("9.28.0", "9.28.0", "1.26"), ("9.29.0", "9.33.0", "1.27"), ("9.34.0", "9.34.1", "1.28"),
    ("9.35.0", "9.36.0", "1.29"), ("9.37.0", "9.37.0", "1.30"), ("9.38.0", "9.44.0", "1.31"), ("9.45.0", "9.46.6", "1.32"),
    ("9.47.0", "9.51.0", "1.33"), ("9.52.0", "9.55.0", "1.34"), ("9.55.1", "9.59.0", "1.35"),
)  # fmt: skip
"""(first, last chart version, minor of the default `image.tag`) for the Cluster Autoscaler chart."""
KUBE_PROMETHEUS_STACK_OLDEST: tuple[tuple[str, str, str], ...] = (
    ("10.0.0", "49.2.0", "1.16"), ("50.0.0", "72.9.1", "1.19"), ("73.0.0", "88.5.3", "1.25"),
)
"""(first, last chart version, oldest Kubernetes minor of its Chart.yaml `kubeVersion`) for kube-prometheus-stack."""
GPU_OPERATOR_SUPPORT = {"26.7.0": ("1.33", "1.36")}
"""GPU Operator release (chart version without its "v") -> (oldest, newest) Kubernetes minor validated on every listed OS."""
LWS_CHARTS = frozenset({"0.6.0", "0.6.1", "0.6.2", "0.6.3", "0.7.0", "0.8.0", "0.9.0", "0.10.0"})
"""LeaderWorkerSet chart versions whose installation docs were read: each says Kubernetes >= 1.26."""
LWS_OLDEST = "1.26"
DCGM_EXPORTER_OLDEST: tuple[tuple[str, str, str], ...] = (("3.0.0", "4.8.3", "1.19"),)
"""(first, last chart version, oldest Kubernetes minor of its `kubeVersion`) for the DCGM exporter chart."""
KUBE_STATE_METRICS_CLIENT_GO: tuple[tuple[str, str, str], ...] = (
    ("4.24.0", "4.29.0", "1.25"), ("4.30.0", "5.11.1", "1.26"), ("5.12.0", "5.16.4", "1.27"), ("5.17.0", "5.18.0", "1.28"),
    ("5.18.1", "5.21.0", "1.29"), ("5.22.0", "5.26.0", "1.30"), ("5.27.0", "5.29.0", "1.31"), ("5.30.0", "6.1.5", "1.32"),
    ("6.2.0", "7.0.1", "1.33"), ("7.1.0", "7.3.0", "1.34"), ("7.4.0", "8.3.1", "1.35"), ("8.4.0", "8.4.0", "1.36"),
)  # fmt: skip
"""(first, last chart version, the Kubernetes minor of the client-go its kube-state-metrics release is built with)."""
KUBE_STATE_METRICS_RELEASES: dict[str, str] = {
    "2.7.0": "1.25", "2.8.0": "1.26", "2.8.1": "1.26", "2.8.2": "1.26", "2.9.0": "1.26", "2.9.1": "1.26", "2.9.2": "1.26",
    "2.10.0": "1.27", "2.10.1": "1.27", "2.11.0": "1.28", "2.12.0": "1.29", "2.13.0": "1.30", "2.14.0": "1.31", "2.15.0": "1.32",
    "2.16.0": "1.32", "2.17.0": "1.33", "2.18.0": "1.34", "2.19.0": "1.35", "2.19.1": "1.35", "2.20.0": "1.36",
}  # fmt: skip
"""kube-state-metrics release -> the Kubernetes minor of the `k8s.io/client-go` in its go.mod at the release tag."""
KUBE_PROMETHEUS_STACK_KUBE_STATE: tuple[tuple[str, str, str], ...] = (
    ("73.2.2", "74.2.0", "5.36.0"), ("74.2.1", "75.4.0", "5.37.0"), ("75.5.0", "75.6.0", "6.0.0"), ("75.6.1", "76.0.0", "6.1.0"),
    ("76.1.0", "77.0.1", "6.1.4"), ("77.0.2", "77.1.3", "6.1.5"), ("77.2.0", "77.3.0", "6.2.0"), ("77.4.0", "79.1.1", "6.3.0"),
    ("79.2.0", "79.8.0", "6.4.1"), ("79.8.1", "80.1.0", "6.4.2"), ("80.2.0", "80.14.1", "7.0.0"), ("80.14.2", "81.1.0", "7.0.1"),
    ("81.2.0", "82.4.0", "7.1.0"), ("82.4.1", "82.10.4", "7.2.0"), ("82.10.5", "82.13.5", "7.2.1"), ("82.13.6", "84.2.1", "7.2.2"),
    ("84.3.0", "85.2.0", "7.3.0"), ("85.2.1", "86.2.2", "7.4.0"), ("86.2.3", "86.2.3", "7.4.1"), ("86.3.0", "87.12.2", "7.5.1"),
    ("87.12.3", "87.12.4", "7.5.2"), ("87.12.5", "87.12.5", "7.5.3"), ("87.13.0", "87.13.0", "7.7.0"), ("87.14.0", "87.15.0", "7.8.0"),
    ("87.15.1", "87.17.0", "7.8.1"), ("87.18.0", "88.0.1", "8.0.0"), ("88.1.0", "88.1.0", "8.1.0"), ("88.1.1", "88.1.1", "8.1.1"),
    ("88.1.2", "88.1.2", "8.1.2"), ("88.1.3", "88.1.6", "8.1.3"), ("88.2.0", "88.3.0", "8.2.0"), ("88.4.0", "88.4.0", "8.3.1"),
    ("88.5.0", "88.5.3", "8.4.0"),
)  # fmt: skip
"""(first, last kube-prometheus-stack version, the kube-state-metrics chart version its Chart.yaml depends on)."""


def _from(oldest: str | None) -> tuple[str | None, str | None] | None:
    return (oldest, None) if oldest else None


def _only(minor: str | None) -> tuple[str | None, str | None] | None:
    return (minor, minor) if minor else None


def kube_state_metrics_charts(minor: str) -> tuple[str, str] | None:
    """(first, last) kube-state-metrics chart version built for Kubernetes `minor`; None when no chart read is."""
    return next(((first, last) for first, last, built_for in KUBE_STATE_METRICS_CLIENT_GO if built_for == minor), None)


WINDOWS: dict[str, tuple[Callable[[str, str], tuple[str | None, str | None] | None], str]] = {
    KEDA: (lambda version, minor: KEDA_KUBERNETES_SUPPORT.get(minor), "keda.sh Kubernetes compatibility of KEDA {minor}"),
    HTTP_ADD_ON: (lambda version, minor: HTTP_ADD_ON_SUPPORT.get(minor), "the KEDA HTTP add-on {minor} docs: tested against the three newest minors"),
    DEVICE_PLUGIN: (lambda version, minor: _from(DEVICE_PLUGIN_OLDEST if version in DEVICE_PLUGIN_CHARTS else None),
                    "the k8s-device-plugin {version} README and Chart.yaml kubeVersion"),
    AMD_DEVICE_PLUGIN: (lambda version, minor: _from(AMD_DEVICE_PLUGIN_OLDEST if version in AMD_DEVICE_PLUGIN_CHARTS else None),
                        "the amd-gpu {version} Chart.yaml kubeVersion"),
    KUBE_PROMETHEUS_STACK: (lambda version, minor: _from(_in_ranges(version, KUBE_PROMETHEUS_STACK_OLDEST)), "kube-prometheus-stack {version} Chart.yaml kubeVersion"),
    GPU_OPERATOR: (lambda version, minor: GPU_OPERATOR_SUPPORT.get(version), "the GPU Operator {version} platform support page"),
    LWS: (lambda version, minor: _from(LWS_OLDEST if version in LWS_CHARTS else None), "the LeaderWorkerSet v{version} installation docs"),
    DCGM_EXPORTER: (lambda version, minor: _from(_in_ranges(version, DCGM_EXPORTER_OLDEST)), "dcgm-exporter {version} Chart.yaml kubeVersion"),
    KUBE_STATE_METRICS: (lambda version, minor: _only(_in_ranges(version, KUBE_STATE_METRICS_CLIENT_GO)),
                         "the client-go its kube-state-metrics release is built with; other versions are best effort, its README says"),
}  # fmt: skip
"""Chart -> (its (oldest, newest) window at a chart version and minor, or None where unread; where the window is said)."""


def kube_state_metrics_release(minor: str) -> str | None:
    """The newest kube-state-metrics release built for Kubernetes `minor`; None when no release read is."""
    built = [release for release, built_for in KUBE_STATE_METRICS_RELEASES.items() if built_for == minor]
    return max(built, key=_release) if built else None


@dataclasses.dataclass(frozen=True)
class Bundled:
    """A chart a release runs as a dependency: what it is, and its Kubernetes range (None: unknown, with `why`)."""

    what: str
    supported: KubernetesRange | None
    why: str = ""


def bundled_support(chart: str, version: str, values: Mapping[str, Any] | None = None) -> list[Bundled]:
    """The dependencies of `chart` at `version` with these values that have a range of their own (kube-prometheus-stack's
    kube-state-metrics); empty when it has none or they are disabled."""
    if chart != KUBE_PROMETHEUS_STACK:
        return []
    values = values if isinstance(values, Mapping) else {}
    enabled = values.get("kubeStateMetrics")
    if isinstance(enabled, Mapping) and enabled.get("enabled") is False:
        return []
    tag = _image_tag(values.get("kube-state-metrics"))
    if tag is not None:
        return [Bundled(f"its kube-state-metrics {tag} (its values' kube-state-metrics.image.tag)", _release_range(tag),
                        f"no go.mod of kube-state-metrics {tag} is recorded in hangar/chart_support.py")]  # fmt: skip
    dependency = _in_ranges(version.strip().removeprefix("v"), KUBE_PROMETHEUS_STACK_KUBE_STATE)
    if dependency is None:
        return [Bundled("its kube-state-metrics", None, "the kube-state-metrics chart this version depends on is not recorded in hangar/chart_support.py")]
    return [Bundled(f"its kube-state-metrics (dependency chart {dependency})", chart_support(KUBE_STATE_METRICS, dependency))]


def _release_range(tag: str) -> KubernetesRange | None:
    built_for = KUBE_STATE_METRICS_RELEASES.get(tag.strip().removeprefix("v"))
    source = f"the client-go kube-state-metrics {tag} is built with; other versions are best effort, its README says"
    return KubernetesRange(built_for, built_for, source) if built_for else None


def chart_support(chart: str, version: str, values: Mapping[str, Any] | None = None) -> KubernetesRange | None:
    """The Kubernetes range of `chart` at `version` with these values; None when no source for it was read."""
    version = version.strip().removeprefix("v")
    minor = ".".join(version.split(".")[:2])
    if chart == KUBE_STATE_METRICS and (tag := _image_tag(values)) is not None:
        return _release_range(tag)
    if chart in WINDOWS:
        lookup, source = WINDOWS[chart]
        window = lookup(version, minor)
        return KubernetesRange(*window, source.format(version=version, minor=minor)) if window else None
    if chart == CLUSTER_AUTOSCALER:
        tag = _image_tag(values)
        if tag is not None:
            image_minor, shown = _minor_text(tag), f"its image {tag}"
        else:
            image_minor = _in_ranges(version, CLUSTER_AUTOSCALER_DEFAULT_MINOR)
            shown = f"its chart's default image, v{image_minor}.x"
        if image_minor is None:
            return None
        return KubernetesRange(image_minor, image_minor, f"{shown}; the Cluster Autoscaler README asks for the cluster's own minor")
    return None


def _in_ranges(version: str, ranges: tuple[tuple[str, str, str], ...]) -> str | None:
    """The value of the (first, last, value) row whose chart versions hold `version`; None outside them all."""
    try:
        given = _release(version)
    except ValueError:
        return None
    return next((value for first, last, value in ranges if _release(first) <= given <= _release(last)), None)


def _release(version: str) -> tuple[int, int, int]:
    major, minor, patch = version.split(".")
    return int(major), int(minor), int(patch)


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
