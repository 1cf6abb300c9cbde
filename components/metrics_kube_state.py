"""kube-state-metrics for the managed pipelines, so that their pods-pending-for-accelerators alert has its series.

The alert (`hangar.components.metrics_pending`) reads four kube-state-metrics series:
`PENDING_SERIES`. The in-cluster pipeline's chart runs kube-state-metrics already (the release built for the
cluster's minor: `bundled_kube_state_values`); the managed pipelines need them made to exist:

* `amp` (EKS): nothing in an EKS cluster exports them. Hangar installs the pinned kube-state-metrics chart built for the
  cluster's minor (`kube_state_chart`, `KUBE_STATE_RELEASES`: 1.32 to 1.36; on 1.36 `KUBE_STATE_METRICS`, the same
  8.4.0 / v2.20.0 kube-prometheus-stack 88.5.3 depends on) into its own
  namespace, watching only the serving namespace's pods and exposing only the four series (the chart's
  `collectors`, `namespaces` and `metricAllowlist`, which become kube-state-metrics' `--resources`,
  `--namespaces` and `--metric-allowlist`: its templates/deployment.yaml), so the workspace ingests and
  bills nothing else of it; the chart's NetworkPolicy admits only the scraper's subnets, as the model servers'
  do. The AMP managed scraper scrapes it with a second job (`scrape_job`) that adds
  no `namespace` or `pod` label of its own: the series keep kube-state-metrics' `namespace` and `pod`,
  which name the pending pod, without relying on `honor_labels` (Prometheus renames a scraped label that
  collides with a target label to `exported_<name>` unless `honor_labels` is set:
  prometheus.io/docs/prometheus/2.42/configuration/configuration/#scrape_config).
* `azure-monitor` (AKS): the metrics add-on runs its own kube-state-metrics (`ama-metrics-ksm`, v2.19.0,
  with the `pods` collector: Azure/prometheus-collector otelcollector/deploy/addon-chart/
  azure-monitor-metrics-addon/values-template.yaml) and scrapes it by default (`kubestate = true`), but its
  default "minimal ingestion profile" keeps only a list of series that has three of the four and lacks
  `kube_pod_status_unschedulable` (`kubestateRegex_minimal_mac` in otelcollector/shared/configmap/mp/
  tomlparser-default-targets-metrics-keep-list.go). A keep-list regex for the `kubestate` target in the
  add-on's `ama-metrics-settings-configmap` (kube-system) is merged with the minimal list while the
  profile stays on (the same file's `populateRegexValuesWithMinimalIngestionProfile`; Microsoft's
  container-insights-prometheus-scrape-configuration-minimal.md, "Ingest a few additional metrics ... in
  addition to minimal metrics"). Hangar creates that ConfigMap (schema v1: the keep-list section and the
  profile switch only; sections left out keep their defaults — the parser's "partial configmap" case). A
  cluster that already has one must add the regex there instead (the create fails: the name is taken).
  kube-state-metrics v2.19.0 exports `kube_pod_status_unschedulable` as v2.20.0 does (kubernetes/
  kube-state-metrics internal/store/pod.go at tags v2.19.0 and v2.20.0). The add-on's job scrapes a static
  target (otelcollector/configmapparser/default-prom-configs/kubestateDefault.yml), so `namespace` and
  `pod` are kube-state-metrics' own.

Sources read 2026-12-01: prometheus-community/helm-charts charts/kube-state-metrics at commit
1982f1c5828920f5d4ea5d04956169e81f8c5129 (Chart.yaml version 8.4.0, appVersion 2.20.0; values.yaml
`collectors`, `namespaces`, `metricAllowlist`, `nodeSelector`, `global.imageRegistry`; _helpers.tpl
selector labels `app.kubernetes.io/name` and `app.kubernetes.io/instance`; the container port named
`http`, 8080); Azure/prometheus-collector at commit 39583fd50b2f828f83cc18fc0cece9e3074f56db
(otelcollector/configmaps/ama-metrics-settings-configmap-v1.yaml for the v1 layout); MicrosoftDocs/azure-docs
articles/azure-monitor/containers/container-insights-prometheus-scrape-configuration-minimal.md at commit
8daba8966b95973eccbae320a00982c438deb2ce.
"""

from __future__ import annotations

from typing import Any

from hangar.components.helm import PinnedChart

from hangar.spec import SYSTEM_POOL

PENDING_SERIES = ("kube_pod_status_phase", "kube_pod_status_unschedulable", "kube_pod_container_resource_requests", "kube_pod_owner")
"""What the pending alert reads (hangar.components.metrics_pending)."""

REPOSITORY = "https://prometheus-community.github.io/helm-charts"


def _pinned(version: str, app_version: str, commit: str, note: str = "") -> PinnedChart:
    source = (f"prometheus-community/helm-charts charts/kube-state-metrics/Chart.yaml at tag kube-state-metrics-{version}, commit {commit} "
              f"(version {version}, appVersion {app_version}{note})")  # fmt: skip
    return PinnedChart("kube-state-metrics", REPOSITORY, version, "kube-state-metrics", source)


KUBE_STATE_METRICS = _pinned("8.4.0", "2.20.0", "1982f1c5828920f5d4ea5d04956169e81f8c5129")
KUBE_STATE_RELEASES: dict[str, tuple[PinnedChart, str]] = {
    "1.32": (_pinned("6.1.5", "2.16.0", "96908bbf74fe262e80721127ab8227d8c47f2791"), "2.16.0"),
    "1.33": (_pinned("7.0.1", "2.17.0", "5524c8e9fa365cd2c12e76fb572fee3e419e55c7"), "2.17.0"),
    "1.34": (_pinned("7.3.0", "2.18.0", "c0326115ac73bac93d734b2d37a206f5626e4a95"), "2.18.0"),
    "1.35": (_pinned("8.3.1", "2.19.1", "b26dff5c5ed1b1812f4cfd16fed8c4267c84d681", "; the tag differs from 8.4.0's in Chart.yaml alone"), "2.19.1"),
    "1.36": (KUBE_STATE_METRICS, "2.20.0"),
}
"""Cluster minor -> (the newest chart whose kube-state-metrics is built for it, that release: the chart's appVersion).

kube-state-metrics supports only the Kubernetes minor of the client-go it is built with (hangar.chart_support cites its
README and reads each chart's release): v2.16.0 (chart 6.1.5) is built for 1.32, v2.17.0 (7.0.1) for 1.33, v2.18.0 (7.3.0)
for 1.34, v2.19.1 (8.3.1) for 1.35, v2.20.0 (8.4.0) for 1.36 (`k8s.io/client-go` in go.mod at each release tag).

One set of values serves them all. Every key `kube_state_values` sets is read the same way by each chart's templates
(prometheus-community/helm-charts, `git diff` between the tags above of charts/kube-state-metrics/templates and values.yaml):
`collectors` becomes `--resources` (from 8.x through a helper that also applies the new, empty by default,
`collectorsExclude`/`collectorsExtra`), `namespaces` `--namespaces`, `metricAllowlist` `--metric-allowlist`, `nodeSelector`
the pod's, `global.imageRegistry` the image's registry; the NetworkPolicy (before 8.x only with `networkPolicy.flavor`
"kubernetes", its default) writes the given ingress and egress; the container port is `http`, 8080; the selector labels are
`app.kubernetes.io/name` and `app.kubernetes.io/instance`. The four series the alert reads are made by the same generators in
every release (kubernetes/kube-state-metrics internal/store/pod.go at tags v2.16.0 to v2.20.0: the four functions differ only
in `kube_pod_container_resource_requests`' stability level, ALPHA before v2.18.0, STABLE since, which is not in the series)."""
KUBE_STATE_CHARTS = {minor: chart for minor, (chart, _) in KUBE_STATE_RELEASES.items()}
"""The pinned chart for each cluster minor that a pinned chart is built for."""


def kube_state_chart(kubernetes_version: str) -> PinnedChart:
    """The pinned chart built for the cluster's minor; for another minor the newest, which `hangar-supported-versions`
    reports as outside kube-state-metrics' support (no pinned chart was read for it)."""
    return KUBE_STATE_CHARTS.get(kubernetes_version, KUBE_STATE_METRICS)


def bundled_kube_state_values(kubernetes_version: str) -> dict[str, Any]:
    """kube-prometheus-stack's `kube-state-metrics` values that run the release built for the cluster's minor.

    kube-prometheus-stack 88.5.3 pins its kube-state-metrics dependency to chart 8.4.0 (its Chart.yaml `dependencies`), whose
    v2.20.0 is built for 1.36 alone. The subchart's `image.tag` (empty: v + appVersion, its values.yaml and _helpers.tpl at
    8.4.0) runs another release instead: with kube-prometheus-stack's values (the chart's default `collectors`, no
    `authFilter`, no `hostUsers`) 8.4.0's templates pass each of v2.16.0 to v2.19.1 the same flags as that release's own
    chart (the diff above; the default `collectors` lists are equal, and every collector in them is a store of v2.16.0's
    internal/store/builder.go), so this is the release's own chart in all but its Chart.yaml. Another minor keeps the
    default, which `hangar-supported-versions` reports."""
    chart, release = KUBE_STATE_RELEASES.get(kubernetes_version, (KUBE_STATE_METRICS, "2.20.0"))
    return {} if chart is KUBE_STATE_METRICS else {"image": {"tag": f"v{release}"}}


KUBE_STATE_POD_LABELS = {"app.kubernetes.io/name": KUBE_STATE_METRICS.name, "app.kubernetes.io/instance": KUBE_STATE_METRICS.name}
"""The chart's selector labels: its name, and the release name (`chart_release` names the release after the chart)."""
KUBE_STATE_PORT = ("http", 8080)
KUBE_STATE_JOB = "kube-state-metrics"

AZURE_SETTINGS = ("kube-system", "ama-metrics-settings-configmap")
"""Where the metrics add-on reads its settings (the name and namespace it watches)."""
AZURE_MISSING_SERIES = ("kube_pod_status_unschedulable",)
"""The pending alert's series that the add-on's minimal kubestate keep-list lacks (at the commit above)."""


def kube_state_values(namespaces: list[str], scraper_cidrs: list[str], image_registry: Any = None) -> dict[str, Any]:
    """The chart's values: only pods, only `namespaces`, only the pending alert's series, on the system pool; reachable only
    from the scraper's subnets (`scraper_cidrs`) on its `http` port.

    The chart's NetworkPolicy (templates/networkpolicy.yaml at the pinned commit) always lists both policy types and writes
    egress rules only when given, so egress is opened explicitly: kube-state-metrics watches the API server."""
    values: dict[str, Any] = {
        "collectors": ["pods"],
        "namespaces": ",".join(namespaces),
        "metricAllowlist": list(PENDING_SERIES),
        "nodeSelector": {"hangar.dev/pool": SYSTEM_POOL},
        "networkPolicy": {
            "enabled": True,
            "ingress": [{"from": [{"ipBlock": {"cidr": cidr}} for cidr in scraper_cidrs], "ports": [{"port": KUBE_STATE_PORT[0], "protocol": "TCP"}]}],
            "egress": [{}],
        },
    }
    if image_registry is not None:
        # The chart's `global.imageRegistry` replaces `image.registry` (registry.k8s.io) in its _helpers.tpl.
        values["global"] = {"imageRegistry": image_registry}
    return values


def _sanitised(label: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in label)


def scrape_job() -> dict[str, Any]:
    """The AMP scraper's job for Hangar's kube-state-metrics: its pods' `http` port; no `namespace`/`pod` target labels (module docstring)."""
    keep = [
        {"source_labels": [f"__meta_kubernetes_pod_label_{_sanitised(key)}"], "regex": value, "action": "keep"}
        for key, value in sorted(KUBE_STATE_POD_LABELS.items())
    ]
    keep.append({"source_labels": ["__meta_kubernetes_pod_container_port_name"], "regex": KUBE_STATE_PORT[0], "action": "keep"})
    return {
        "job_name": KUBE_STATE_JOB,
        "metrics_path": "/metrics",
        "kubernetes_sd_configs": [{"role": "pod", "namespaces": {"names": [KUBE_STATE_METRICS.namespace]}}],
        "relabel_configs": keep,
    }


def azure_settings_data() -> dict[str, str]:
    """The add-on's settings ConfigMap data (schema v1): the minimal profile kept, plus the series the pending alert lacks."""
    keep_list = f'kubestate = "{"|".join(AZURE_MISSING_SERIES)}"\nminimalingestionprofile = true'
    return {"schema-version": "v1", "config-version": "hangar1", "default-targets-metrics-keep-list": keep_list}
