"""`hangar-supported-versions` on a chart's own kube-state-metrics: kube-prometheus-stack's dependency, or the release its values run.

kube-state-metrics supports only the Kubernetes minor of the client-go it is built with (hangar.chart_support), so a
kube-prometheus-stack that fits a cluster by its own `kubeVersion` can still run a kube-state-metrics that does not.
"""

from __future__ import annotations

import pytest

from hangar.chart_support import (
    KUBE_PROMETHEUS_STACK_KUBE_STATE,
    KUBE_STATE_METRICS,
    KUBE_STATE_METRICS_RELEASES,
    chart_support,
    kube_state_metrics_release,
)
from hangar.records import UNKNOWN
from tests.chart_records import AKS, EKS, GKE, messages, on_cluster, record

BUILT_FOR_136 = "which supports Kubernetes 1.36 only (the client-go its kube-state-metrics release is built with; other versions are best effort, its README says)"


def found(cluster, version, values, chart="kube-prometheus-stack"):
    return [message for _, message in messages(on_cluster(cluster, ("stack", chart, version, values))) if message.startswith("stack:")]


@pytest.mark.parametrize(
    ("cluster", "version", "values", "expected"),
    [
        (record(EKS, "eks", {"version": "1.35"}), "88.5.3", None,
         f"stack: chart kube-prometheus-stack 88.5.3 runs its kube-state-metrics (dependency chart 8.4.0), {BUILT_FOR_136}, but cluster eks runs "
         "Kubernetes 1.35; set the release's kube-state-metrics.image.tag to v2.19.1 (built for Kubernetes 1.35), or move the cluster into its range"),
        (record(EKS, "eks", {"version": "1.36"}), "88.5.3", None, None),
        (record(EKS, "eks", {"version": "1.35"}), "88.5.3", {"kube-state-metrics": {"image": {"tag": "v2.19.1"}}}, None),
        (record(EKS, "eks", {"version": "1.35"}), "88.5.3", {"kubeStateMetrics": {"enabled": False}}, None),
        (record(GKE, "gke", {"minMasterVersion": "1.35.1-gke.100"}), "88.5.3", {"kube-state-metrics": {"image": {"tag": "v2.18.0"}}},
         "stack: chart kube-prometheus-stack 88.5.3 runs its kube-state-metrics v2.18.0 (its values' kube-state-metrics.image.tag), which supports "
         "Kubernetes 1.34 only (the client-go kube-state-metrics v2.18.0 is built with; other versions are best effort, its README says), but "
         "cluster gke runs Kubernetes 1.35.1-gke.100; set the release's kube-state-metrics.image.tag to v2.19.1 (built for Kubernetes 1.35), or "
         "move the cluster into its range"),
        # 84.3.0 depends on chart 7.3.0, whose v2.18.0 is built for 1.34
        (record(AKS, "aks", {"kubernetesVersion": "1.34"}), "84.3.0", None, None),
        (record(AKS, "aks", {"kubernetesVersion": "1.37"}), "88.5.3", None,
         f"stack: chart kube-prometheus-stack 88.5.3 runs its kube-state-metrics (dependency chart 8.4.0), {BUILT_FOR_136}, but cluster aks runs "
         "Kubernetes 1.37; set kubeStateMetrics.enabled to false and run a kube-state-metrics built for it, or move the cluster into its range"),
        # before 73.2.2 the dependency is a wildcard ("5.33.*" at 73.2.1): which chart a package holds is unknown
        (record(EKS, "eks", {"version": "1.32"}), "73.2.1", None,
         "stack: chart kube-prometheus-stack 73.2.1: the Kubernetes versions its kube-state-metrics supports are unknown (the kube-state-metrics "
         "chart this version depends on is not recorded in hangar/chart_support.py), so it cannot be judged against cluster eks (1.32); set the "
         "release's kube-state-metrics.image.tag to v2.16.0 (built for Kubernetes 1.32)"),
        (record(EKS, "eks", {"version": "1.35"}), "88.5.3", {"kube-state-metrics": {"image": {"tag": "v2.99.0"}}},
         "stack: chart kube-prometheus-stack 88.5.3: the Kubernetes versions its kube-state-metrics v2.99.0 (its values' kube-state-metrics.image.tag) "
         "supports are unknown (no go.mod of kube-state-metrics v2.99.0 is recorded in hangar/chart_support.py), so it cannot be judged against "
         "cluster eks (1.35); set the release's kube-state-metrics.image.tag to v2.19.1 (built for Kubernetes 1.35)"),
    ],
)  # fmt: skip
def test_kube_prometheus_stacks_own_kube_state_metrics_is_judged(cluster, version, values, expected):
    assert found(cluster, version, values) == ([expected] if expected else [])


def test_the_stacks_own_range_is_said_first():
    (message,) = found(record(EKS, "eks", {"version": "1.24"}), "88.5.3", None)
    assert message.startswith("stack: chart kube-prometheus-stack 88.5.3 supports Kubernetes 1.25 and later (kube-prometheus-stack 88.5.3 Chart.yaml")


@pytest.mark.parametrize(
    "values",
    [UNKNOWN, {"kubeStateMetrics": UNKNOWN}, {"kubeStateMetrics": {"enabled": UNKNOWN}}, {"kube-state-metrics": UNKNOWN},
     {"kube-state-metrics": {"image": UNKNOWN}}, {"kube-state-metrics": {"image": {"tag": UNKNOWN}}}],
)  # fmt: skip
def test_values_that_pick_the_stacks_kube_state_metrics_unknown_at_preview_cannot_be_judged(values):
    assert found(record(EKS, "eks", {"version": "1.36"}), "88.5.3", values) == [
        "stack: chart kube-prometheus-stack 88.5.3: its values' kubeStateMetrics.enabled or kube-state-metrics.image.tag are not known at preview, "
        "so the release of kube-state-metrics it runs cannot be judged against cluster eks (1.36); give them as literals"
    ]


def test_the_kube_state_metrics_chart_is_judged_by_the_release_its_image_tag_runs():
    eks = record(EKS, "eks", {"version": "1.35"})
    assert found(eks, "8.4.0", {"image": {"tag": "v2.19.1"}}, chart=KUBE_STATE_METRICS) == []
    (message,) = found(eks, "8.3.1", {"image": {"tag": "v2.20.0"}}, chart=KUBE_STATE_METRICS)
    assert message.startswith("stack: chart kube-state-metrics 8.3.1 supports Kubernetes 1.36 only (the client-go kube-state-metrics v2.20.0 is built")
    assert found(eks, "8.3.1", {"image": {"tag": UNKNOWN}}, chart=KUBE_STATE_METRICS) == [
        "stack: chart kube-state-metrics 8.3.1: its values' image.tag is not known at preview, so the kube-state-metrics release it runs cannot be "
        "judged against cluster eks (1.35); give image.tag as a literal"
    ]


def test_the_recorded_tables_agree_with_each_other():
    """Every dependency kube-prometheus-stack names has a recorded range; the rows are ordered and do not overlap; each minor's
    newest release is the one Hangar runs for it, and its chart is built for that minor."""
    from hangar.components.metrics_kube_state import KUBE_STATE_RELEASES

    assert all(chart_support(KUBE_STATE_METRICS, dependency) is not None for _, _, dependency in KUBE_PROMETHEUS_STACK_KUBE_STATE)
    bounds = [tuple(int(p) for p in v.split(".")) for first, last, _ in KUBE_PROMETHEUS_STACK_KUBE_STATE for v in (first, last)]
    assert all(first <= last for first, last in zip(bounds[0::2], bounds[1::2]))
    assert all(last < following for last, following in zip(bounds[1::2], bounds[2::2]))
    for minor, (chart, release) in KUBE_STATE_RELEASES.items():
        assert KUBE_STATE_METRICS_RELEASES[release] == minor and kube_state_metrics_release(minor) == release
        supported = chart_support(KUBE_STATE_METRICS, chart.version)
        assert (supported.oldest, supported.newest) == (minor, minor)
    assert kube_state_metrics_release("1.37") is None
