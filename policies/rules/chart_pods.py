"""The pods a pinned Helm chart runs and what each requests, read from the chart's values.yaml at that version.

A Helm release in a plan is one record (`kubernetes:helm.sh/v3:Release`), not the pods it will run, so a rule that
adds up a node pool's requests cannot see them. `chart_pods(release, cpu_of, gib_of)` gives them for the charts Hangar
installs: the release's `values` are laid over the chart's defaults as Helm coalesces them (maps merged key by key,
anything else replaced, a null deleting the default: https://helm.sh/docs/chart_template_guide/values_files/, "Deleting
a default key", read 2026-12-02), and each component's pod count, requests and `nodeSelector` are read from the paths
its template reads. A chart or version not listed here returns None: its pods are unknown, never taken as none.

Each chart below was read at the commit named (values.yaml and the templates named); only the keys that decide the
pods are kept. Every `nodeSelector` also carries `kubernetes.io/os: linux` in KEDA's templates, a label the kubelet
sets on every Linux node (https://kubernetes.io/docs/reference/labels-annotations-taints/#kubernetes-io-os, read
2026-12-02), so it is left out here.

Charts whose pods request nothing unless told to (`resources: {}` for every pod at the pinned version), so they add
pods but no requests: kube-prometheus-stack 88.5.3 (prometheus-community/helm-charts commit
ea930baeebeba39f56d6b44e351f23b2a072a600: `prometheusOperator.resources`, `prometheus.prometheusSpec.resources`,
`alertmanager.alertmanagerSpec.resources`; its subcharts kube-state-metrics 8.4.0 and prometheus-node-exporter 4.56.1
at tags kube-state-metrics-8.4.0 / prometheus-node-exporter-4.56.1, grafana 12.11.1 at grafana-community/helm-charts
tag grafana-12.11.1, commit 864f7794683680e5100a38670e103c4fa6e37e29); the config-reloader sidecar that the Prometheus
Operator adds to the Prometheus and Alertmanager pods takes the operator's own default request, which no values file
states, and is not counted. kube-state-metrics 8.4.0, 8.3.1, 7.3.0, 7.0.1 and 6.1.5 (charts/kube-state-metrics/
values.yaml at commits 1982f1c5828920f5d4ea5d04956169e81f8c5129, b26dff5c5ed1b1812f4cfd16fed8c4267c84d681,
c0326115ac73bac93d734b2d37a206f5626e4a95, 5524c8e9fa365cd2c12e76fb572fee3e419e55c7 and
96908bbf74fe262e80721127ab8227d8c47f2791: `resources: {}`, `replicas: 1`, autosharding off); cluster-autoscaler 9.59.0 (kubernetes/autoscaler tag cluster-autoscaler-chart-9.59.0, commit
5a0b98e45f896e98132737240ac131a519d3b33d, cluster-autoscaler/charts/cluster-autoscaler/values.yaml: `resources: {}`);
aws-efs-csi-driver 4.4.1 (kubernetes-sigs/aws-efs-csi-driver tag helm-chart-aws-efs-csi-driver-4.4.1, commit
3fcc6bdd7533a4cfd15643b31593f7ff154584c9: `node.resources`, `controller.resources` and every sidecar's `{}`); Istio's
`base` 1.29.6 runs no pod.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

from hangar.records import ResourceRecord

RELEASE_TYPES = ("kubernetes:helm.sh/v3:Release",)

Values = Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Component:
    """One workload a chart renders: its kind, how many pods it runs, and the values paths its template reads.

    `replicas` is a values path or a function of the coalesced values; `requests` and `node_selector` are values paths
    read in order, the first non-empty one winning (a template's `a | default b`); `enabled` is a values path that must
    be true (or a positive count) for the workload to be rendered at all."""

    name: str
    kind: str
    replicas: str | Callable[[Values], Any]
    requests: tuple[str, ...]
    node_selector: tuple[str, ...]
    enabled: str | None = None


@dataclasses.dataclass(frozen=True)
class ChartPods:
    """A chart at one version: where it was read, the defaults of the keys its components read, and its components.

    `unknown_if` are values paths that, when true, add pods not read here (a subchart): the release's pods are unknown."""

    chart: str
    version: str
    source: str
    defaults: Values
    components: tuple[Component, ...]
    unknown_if: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class ChartPod:
    """What one component of a release runs: `pods` per cluster (a Deployment's replicas; None for a DaemonSet, one per node)."""

    chart: str
    version: str
    component: str
    kind: str
    pods: int | None
    cpu: float
    gib: float
    node_selector: dict[str, str]

    def describe(self) -> str:
        return f"{self.component} (chart {self.chart} {self.version})"


def _requests(cpu: str | int, memory: str) -> dict[str, Any]:
    return {"requests": {"cpu": cpu, "memory": memory}}


_KEDA_REQUEST = _requests("100m", "100Mi")
_HTTP_ADD_ON_REQUEST = _requests("250m", "20Mi")


def _istiod_replicas(values: Values) -> Any:
    """istiod's Deployment states `replicas` only without autoscaling; with it, its HorizontalPodAutoscaler's
    `minReplicas` is the fewest pods (templates/deployment.yaml and autoscale.yaml: rendered when autoscaleEnabled,
    autoscaleMin and autoscaleMax are all set)."""
    if values.get("autoscaleEnabled") and values.get("autoscaleMin") and values.get("autoscaleMax"):
        return values.get("autoscaleMin")
    return values.get("replicaCount")


CHARTS: tuple[ChartPods, ...] = (
    ChartPods(
        "keda", "2.20.2",
        "kedacore/charts commit cbb9bb8ce0809dc9048f72302f7c09765d66ed56 (2026-07-31), keda/values.yaml and "
        "keda/templates/{manager,metrics-server,webhooks}/deployment.yaml",
        {
            "operator": {"replicaCount": 1},
            "metricsServer": {"enabled": True, "replicaCount": 1},
            "webhooks": {"enabled": True, "replicaCount": 1},
            "resources": {"operator": _KEDA_REQUEST, "metricServer": _KEDA_REQUEST, "webhooks": _KEDA_REQUEST},
            "nodeSelector": {},
        },
        (
            Component("keda-operator", "Deployment", "operator.replicaCount", ("resources.operator",), ("operator.nodeSelector", "nodeSelector")),
            Component("keda-operator-metrics-apiserver", "Deployment", "metricsServer.replicaCount", ("resources.metricServer",),
                      ("metricsServer.nodeSelector", "nodeSelector"), enabled="metricsServer.enabled"),
            Component("keda-admission-webhooks", "Deployment", "webhooks.replicaCount", ("resources.webhooks",),
                      ("webhooks.nodeSelector", "nodeSelector"), enabled="webhooks.enabled"),
        ),
    ),  # fmt: skip
    ChartPods(
        "keda-add-ons-http", "0.15.0",
        "kedacore/charts commit c4b92e9eed0ddc6668b1395d5f137e3ad4baa3d4 (2026-06-15), http-add-on/values.yaml and "
        "http-add-on/templates/{operator,scaler,interceptor}/deployment.yaml, interceptor/scaledobject.yaml",
        {
            "operator": {"replicas": 1, "resources": _HTTP_ADD_ON_REQUEST, "nodeSelector": {}},
            "scaler": {"replicas": 3, "resources": _HTTP_ADD_ON_REQUEST, "nodeSelector": {}},
            # The interceptor's Deployment states no replicas: its ScaledObject keeps `replicas.min` (3) up to `max` (50).
            "interceptor": {"replicas": {"min": 3}, "resources": _HTTP_ADD_ON_REQUEST, "nodeSelector": {}},
        },
        (
            Component("operator", "Deployment", "operator.replicas", ("operator.resources",), ("operator.nodeSelector",), enabled="operator.replicas"),
            Component("scaler", "Deployment", "scaler.replicas", ("scaler.resources",), ("scaler.nodeSelector",)),
            Component("interceptor", "Deployment", "interceptor.replicas.min", ("interceptor.resources",), ("interceptor.nodeSelector",)),
        ),
    ),  # fmt: skip
    ChartPods(
        "lws", "0.8.0",
        "kubernetes-sigs/lws tag v0.8.0 (commit fc19b9ae9b0113d228ba15f4b62b06bea434b510), charts/lws/values.yaml and "
        "charts/lws/templates/manager/deployment.yaml",
        {"replicaCount": 1, "resources": _requests(1, "1Gi"), "nodeSelector": {}},
        (Component("controller-manager", "Deployment", "replicaCount", ("resources",), ("nodeSelector",)),),
    ),
    ChartPods(
        "istiod", "1.29.6",
        "istio/istio tag 1.29.6 (commit 7019d6d3608e4995e9a36d2977cfec3a341431cd), manifests/charts/istio-control/"
        "istio-discovery/values.yaml (`_internal_defaults_do_not_set`, which a release's top-level values override) and "
        "templates/deployment.yaml, autoscale.yaml",
        {
            "autoscaleEnabled": True, "autoscaleMin": 1, "autoscaleMax": 5, "replicaCount": 1,
            "resources": _requests("500m", "2048Mi"), "nodeSelector": {},
            # Used when `resources` is emptied (templates/deployment.yaml: `if .Values.resources` ... else defaultResources).
            "global": {"defaultResources": {"requests": {"cpu": "10m"}}},
        },
        (Component("istiod", "Deployment", _istiod_replicas, ("resources", "global.defaultResources"), ("nodeSelector",)),),
    ),  # fmt: skip
    ChartPods(
        "nvidia-device-plugin", "0.20.0",
        "NVIDIA/k8s-device-plugin tag v0.20.0 (commit 1b826acc6af3079d8923bac395c3124b8861a9a6), "
        "deployments/helm/nvidia-device-plugin/values.yaml (`resources: {}`, `gfd.enabled: false`) and Chart.yaml "
        "(subchart node-feature-discovery 0.19.0 under the condition `nfd.enabled,gfd.enabled`, not read here)",
        {"resources": {}, "nodeSelector": {}, "gfd": {"enabled": False}},
        (Component("nvidia-device-plugin", "DaemonSet", "", ("resources",), ("nodeSelector",)),),
        unknown_if=("gfd.enabled", "nfd.enabled"),
    ),  # fmt: skip
)
"""The charts whose pods are read from their values, at the versions Hangar pins."""

REQUEST_NOTHING: frozenset[tuple[str, str]] = frozenset({
    ("kube-prometheus-stack", "88.5.3"), ("kube-state-metrics", "8.4.0"), ("kube-state-metrics", "8.3.1"),
    ("kube-state-metrics", "7.3.0"), ("kube-state-metrics", "7.0.1"), ("kube-state-metrics", "6.1.5"),
    ("cluster-autoscaler", "9.59.0"), ("aws-efs-csi-driver", "4.4.1"), ("base", "1.29.6"),
})  # fmt: skip
"""Charts at versions whose pods request no CPU or memory by default (the module docstring cites each)."""

_BY_VERSION = {(chart.chart, chart.version): chart for chart in CHARTS}


def chart_name(release: ResourceRecord) -> str:
    """The chart's own name, from `kedacore/keda`, an `oci://` URL or a plain name."""
    chart = str(release.inputs.get("chart") or "")
    return chart.rstrip("/").rsplit("/", 1)[-1].split(":")[0]


def chart_pods(release: ResourceRecord, cpu_of: Callable[[Any], float | None], gib_of: Callable[[Any], float | None]) -> list[ChartPod] | None:
    """The pods of a Helm release whose requests are known: its components with their requests (cores, GiB), [] for a
    chart whose pods request nothing, None for a chart or version not listed here (or a values map that is not one)."""
    chart, version = chart_name(release), str(release.inputs.get("version") or "")
    if (chart, version) in REQUEST_NOTHING:
        return []
    known = _BY_VERSION.get((chart, version))
    given = release.inputs.get("values") or {}
    if known is None or not isinstance(given, dict):
        return None
    values = coalesce(known.defaults, given)
    if any(_truthy(_at(values, path)) for path in known.unknown_if):
        return None
    pods = []
    for component in known.components:
        if component.enabled is not None and not _truthy(_at(values, component.enabled)):
            continue
        count = component.replicas(values) if callable(component.replicas) else _at(values, component.replicas)
        resources = _first(values, component.requests)
        requests = resources.get("requests") if isinstance(resources.get("requests"), dict) else {}
        selector = _first(values, component.node_selector)
        pods.append(ChartPod(chart, version, component.name, component.kind, None if component.kind == "DaemonSet" else _count(count),
                             cpu_of(requests.get("cpu")) or 0.0, gib_of(requests.get("memory")) or 0.0,
                             {str(k): str(v) for k, v in selector.items()}))  # fmt: skip
    return pods


def coalesce(defaults: Values, given: Values) -> dict[str, Any]:
    """`given` over `defaults` as Helm merges a release's values into the chart's: maps key by key, a null deletes."""
    merged = dict(defaults)
    for key, value in given.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = coalesce(merged[key], value)
        else:
            merged[key] = value
    return merged


def _at(values: Values, path: str) -> Any:
    node: Any = values
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _first(values: Values, paths: tuple[str, ...]) -> dict[str, Any]:
    """The first non-empty map among `paths` (a template's `a | default b`), else {}."""
    for path in paths:
        found = _at(values, path)
        if isinstance(found, dict) and found:
            return found
    return {}


def _truthy(value: Any) -> bool:
    return value > 0 if isinstance(value, (int, float)) and not isinstance(value, bool) else bool(value)


def _count(value: Any) -> int:
    """A replica count as Helm renders it; 1 (Kubernetes' default) when absent or not a number."""
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 else 1
