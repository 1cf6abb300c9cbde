"""`hangar-supported-versions` on pinned charts: each release judged against its own cluster's Kubernetes version.

On plain records (the raw foreign program, broken and fixed, and its gRPC parity are in test_cluster_rules.py).
"""

from __future__ import annotations

import pytest
from hangar.policies.rules.supported_versions import SUPPORTED_VERSIONS

from hangar.chart_support import JUDGED_CHARTS, bundled_support, chart_support
from hangar.records import UNKNOWN
from tests.chart_records import AKS, CHART_V4, EKS, GKE, RELEASE, messages, on_cluster, record


@pytest.mark.parametrize(
    ("cluster", "chart", "version", "values", "expected"),
    [
        (record(EKS, "eks", {"version": "1.35"}), "keda", "2.20.2", None, None),
        (record(EKS, "eks", {"version": "1.35"}), "kedacore/keda", "2.17.0", None,
         "r: chart keda 2.17.0 supports Kubernetes 1.30 to 1.32 (keda.sh Kubernetes compatibility of KEDA 2.17), but cluster eks runs Kubernetes 1.35; "
         "pin a KEDA chart of 2.20 (which support 1.35), or move the cluster into the chart's range"),
        (record(AKS, "aks", {"kubernetesVersion": "1.36.2"}), "keda-add-ons-http", "0.15.0", None, None),
        (record(GKE, "gke", {"minMasterVersion": "1.33.5-gke.1200"}), "keda-add-ons-http", "0.15.0", None,
         "r: chart keda-add-ons-http 0.15.0 supports Kubernetes 1.34 to 1.36 (the KEDA HTTP add-on 0.15 docs: tested against the three newest minors), "
         "but cluster gke runs Kubernetes 1.33.5-gke.1200; pin a chart version that supports Kubernetes 1.33, or move the cluster into the chart's range"),
        (record(AKS, "aks", {"kubernetesVersion": "1.35"}), "nvidia-device-plugin", "0.20.0", None, None),
        (record(EKS, "eks", {"version": "1.18"}), "amd-gpu", "0.21.0", None, None),
        (record(EKS, "eks", {"version": "1.17"}), "amd-gpu", "0.21.0", None,
         "r: chart amd-gpu 0.21.0 supports Kubernetes 1.18 and later (the amd-gpu 0.21.0 Chart.yaml kubeVersion), but cluster eks runs "
         "Kubernetes 1.17; pin a chart version that supports Kubernetes 1.17, or move the cluster into the chart's range"),
        (record(EKS, "eks", {"version": "1.35"}), "cluster-autoscaler", "9.59.0", None, None),
        (record(EKS, "eks", {"version": "1.35"}), "cluster-autoscaler", "9.46.6", {"cloudProvider": "aws"},
         "r: chart cluster-autoscaler 9.46.6 supports Kubernetes 1.32 only (its chart's default image, v1.32.x; the Cluster Autoscaler README asks "
         "for the cluster's own minor), but cluster eks runs Kubernetes 1.35; set the release's image.tag to the newest v1.35.x Cluster Autoscaler release"),
        (record(EKS, "eks", {"version": "1.18"}), "kube-prometheus-stack", "60.1.0", None,
         "r: chart kube-prometheus-stack 60.1.0 supports Kubernetes 1.19 and later (kube-prometheus-stack 60.1.0 Chart.yaml kubeVersion), but cluster "
         "eks runs Kubernetes 1.18; pin a chart version that supports Kubernetes 1.18, or move the cluster into the chart's range"),
        (record(AKS, "aks", {"kubernetesVersion": "1.36"}), "keda-add-ons-http", "0.14.0", None,
         "r: chart keda-add-ons-http 0.14.0 supports Kubernetes 1.33 to 1.35 (the KEDA HTTP add-on 0.14 docs: tested against the three newest minors), "
         "but cluster aks runs Kubernetes 1.36; pin a chart version that supports Kubernetes 1.36, or move the cluster into the chart's range"),
        (record(EKS, "eks", {"version": "1.35"}), "cluster-autoscaler", "9.59.0", {"image": {"tag": "v1.35.2"}}, None),
        (record(EKS, "eks", {"version": "1.34"}), "cluster-autoscaler", "9.59.0", {"image": {"tag": "v1.35.2"}},
         "r: chart cluster-autoscaler 9.59.0 supports Kubernetes 1.35 only (its image v1.35.2; the Cluster Autoscaler README asks for the cluster's "
         "own minor), but cluster eks runs Kubernetes 1.34; set the release's image.tag to the newest v1.34.x Cluster Autoscaler release"),
        (record(EKS, "eks", {"version": "1.24"}), "kube-prometheus-stack", "88.5.3", None,
         "r: chart kube-prometheus-stack 88.5.3 supports Kubernetes 1.25 and later (kube-prometheus-stack 88.5.3 Chart.yaml kubeVersion), but cluster "
         "eks runs Kubernetes 1.24; pin a chart version that supports Kubernetes 1.24, or move the cluster into the chart's range"),
        (record(EKS, "eks", {"version": "1.35"}), "oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack", "88.5.3",
         {"kube-state-metrics": {"image": {"tag": "v2.19.1"}}}, None),
        (record(EKS, "eks", {"version": "1.35"}), "some-other-chart", "1.0.0", None, None),
        (record(AKS, "aks", {"kubernetesVersion": "1.36"}), "gpu-operator", "v26.7.0", None, None),
        (record(EKS, "eks", {"version": "1.32"}), "nvidia/gpu-operator", "v26.7.0", None,
         "r: chart gpu-operator v26.7.0 supports Kubernetes 1.33 to 1.36 (the GPU Operator 26.7.0 platform support page), but cluster eks runs "
         "Kubernetes 1.32; pin a chart version that supports Kubernetes 1.32, or move the cluster into the chart's range"),
        (record(GKE, "gke", {"minMasterVersion": "1.26"}), "oci://registry.k8s.io/lws/charts/lws", "0.8.0", None, None),
        (record(GKE, "gke", {"minMasterVersion": "1.25"}), "lws", "0.10.0", None,
         "r: chart lws 0.10.0 supports Kubernetes 1.26 and later (the LeaderWorkerSet v0.10.0 installation docs), but cluster gke runs "
         "Kubernetes 1.25; pin a chart version that supports Kubernetes 1.25, or move the cluster into the chart's range"),
        (record(EKS, "eks", {"version": "1.19"}), "dcgm-exporter", "3.0.0", None, None),
        (record(EKS, "eks", {"version": "1.18"}), "dcgm-exporter", "4.8.2", None,
         "r: chart dcgm-exporter 4.8.2 supports Kubernetes 1.19 and later (dcgm-exporter 4.8.2 Chart.yaml kubeVersion), but cluster eks runs "
         "Kubernetes 1.18; pin a chart version that supports Kubernetes 1.18, or move the cluster into the chart's range"),
        (record(EKS, "eks", {"version": "1.36"}), "dcgm-exporter", "4.8.3", None, None),
        (record(EKS, "eks", {"version": "1.36"}), "kube-state-metrics", "8.4.0", None, None),
        (record(EKS, "eks", {"version": "1.35"}), "kube-state-metrics", "8.3.1", None, None),
        (record(EKS, "eks", {"version": "1.35"}), "kube-state-metrics", "8.4.0", None,
         "r: chart kube-state-metrics 8.4.0 supports Kubernetes 1.36 only (the client-go its kube-state-metrics release is built with; "
         "other versions are best effort, its README says), but cluster eks runs Kubernetes 1.35; pin kube-state-metrics chart of "
         "7.4.0 to 8.3.1 (built for Kubernetes 1.35), or move the cluster into the chart's range"),
        (record(GKE, "gke", {"minMasterVersion": "1.36"}), "kube-state-metrics", "7.3.0", None,
         "r: chart kube-state-metrics 7.3.0 supports Kubernetes 1.34 only (the client-go its kube-state-metrics release is built with; "
         "other versions are best effort, its README says), but cluster gke runs Kubernetes 1.36; pin kube-state-metrics chart "
         "8.4.0 (built for Kubernetes 1.36), or move the cluster into the chart's range"),
        (record(EKS, "eks", {"version": "1.24"}), "kube-state-metrics", "8.4.0", None,
         "r: chart kube-state-metrics 8.4.0 supports Kubernetes 1.36 only (the client-go its kube-state-metrics release is built with; "
         "other versions are best effort, its README says), but cluster eks runs Kubernetes 1.24; pin a chart version that supports "
         "Kubernetes 1.24, or move the cluster into the chart's range"),
        (record(EKS, "eks", {"version": "1.18"}), "dcgm-exporter", "4.8.3", None,
         "r: chart dcgm-exporter 4.8.3 supports Kubernetes 1.19 and later (dcgm-exporter 4.8.3 Chart.yaml kubeVersion), but cluster eks runs "
         "Kubernetes 1.18; pin a chart version that supports Kubernetes 1.18, or move the cluster into the chart's range"),
    ],
)
def test_each_chart_against_its_clusters_version(cluster, chart, version, values, expected):
    found = messages(on_cluster(cluster, ("r", chart, version, values)))
    assert [message for _, message in found if message.startswith("r:")] == ([expected] if expected else [])


def test_a_chart_version_with_no_recorded_range_fails_closed_saying_it_is_unknown():
    ((level, message),) = messages(on_cluster(record(EKS, "eks", {"version": "1.35"}), ("plugin", "nvidia-device-plugin", "0.9.0", None)))
    assert level == "mandatory"
    assert message == (
        "plugin: chart nvidia-device-plugin 0.9.0: the Kubernetes versions it supports are unknown (no compatibility statement for this version "
        "is recorded in hangar/chart_support.py), so it cannot be judged against cluster eks (1.35); pin a version whose range is recorded or "
        "add this one's with its source"
    )


@pytest.mark.parametrize(
    ("cluster", "version", "values", "expected"),
    [
        (record(EKS, "eks", {"version": "1.35"}), None, None, "keda: chart keda version is not pinned (Helm takes the newest), so the Kubernetes versions it supports are unknown; pin a chart version"),
        (record(EKS, "eks", {"version": "1.35"}), UNKNOWN, None, "keda: chart keda version is not known at preview, so the Kubernetes versions it supports are unknown; pin a chart version"),
        (record(GKE, "gke", {}), "2.20.2", None,
         "keda: chart keda 2.20.2: cluster gke's Kubernetes version (minMasterVersion) is left to the cloud, so the chart's support for it is unknown; "
         "give minMasterVersion as a literal minor version"),
        (record(EKS, "eks", {"version": UNKNOWN}), "2.20.2", None,
         "keda: chart keda 2.20.2: cluster eks's Kubernetes version (version) is not known at preview, so the chart's support for it is unknown; "
         "give version as a literal minor version"),
    ],
)
def test_what_cannot_be_judged_is_said(cluster, version, values, expected):
    found = [message for _, message in messages(on_cluster(cluster, ("keda", "keda", version, values))) if message.startswith("keda:")]
    assert found == [expected]


@pytest.mark.parametrize(
    ("chart", "version"),
    [("kube-prometheus-stack", "89.0.0"), ("cluster-autoscaler", "9.60.0"), ("keda-add-ons-http", "0.16.0"), ("keda", "2.21.0"),
     ("gpu-operator", "v26.3.3"), ("lws", "0.11.0"), ("dcgm-exporter", "4.8.4"),
     ("kube-state-metrics", "8.5.0"), ("kube-state-metrics", "4.23.0")],
)
def test_a_release_newer_than_any_statement_read_is_unknown_not_passed(chart, version):
    ((level, message),) = messages(on_cluster(record(EKS, "eks", {"version": "1.35"}), ("r", chart, version, None)))
    assert level == "mandatory" and message.startswith(f"r: chart {chart} {version}: the Kubernetes versions it supports are unknown")


def test_a_cluster_autoscaler_whose_image_tag_is_unknown_at_preview_cannot_be_judged():
    for values in ({"image": {"tag": UNKNOWN}}, {"image": UNKNOWN}, UNKNOWN):
        ((level, message),) = messages(on_cluster(record(EKS, "eks", {"version": "1.35"}), ("ca", "cluster-autoscaler", "9.59.0", values)))
        assert level == "mandatory"
        assert message == (
            "ca: chart cluster-autoscaler 9.59.0: its values' image.tag is not known at preview, so the Cluster Autoscaler's minor (which must "
            "be cluster eks's, 1.35) cannot be judged; give image.tag as a literal v1.35.x tag"
        )


def test_each_release_is_judged_against_its_own_cluster_and_helm_v4_charts_too():
    old = record(EKS, "old", {"version": "1.32"})
    new = record(EKS, "new", {"version": "1.35"})
    records = on_cluster(old, ("old-keda", "keda", "2.19.0", None)) + on_cluster(new, ("new-keda", "keda", "2.19.0", None), type_=CHART_V4)
    found = [message for _, message in messages(records) if "chart" in message]
    assert found == [
        "new-keda: chart keda 2.19.0 supports Kubernetes 1.32 to 1.34 (keda.sh Kubernetes compatibility of KEDA 2.19), but cluster new runs "
        "Kubernetes 1.35; pin a KEDA chart of 2.20 (which support 1.35), or move the cluster into the chart's range"
    ]


def test_a_release_into_a_cluster_the_plan_does_not_create_is_not_judged():
    release = record(RELEASE, "keda", {"chart": "keda", "version": "2.10.0"}, provider="urn:pulumi:t::p::pulumi:providers:kubernetes::onprem::id")
    assert messages([release]) == []


def test_outside_prod_the_pack_config_makes_it_advisory():
    found = messages(on_cluster(record(EKS, "eks", {"version": "1.35"}), ("keda", "keda", "2.15.0", None)), config={SUPPORTED_VERSIONS: "advisory"})
    assert [level for level, _ in found] == ["advisory"]


def test_every_chart_hangar_pins_has_a_recorded_range_that_holds_its_default_cluster_version():
    from hangar.components.aws_autoscaler import CHART_VERSION, IMAGE_TAGS
    from hangar.components.metrics import KUBE_PROMETHEUS_STACK
    from hangar.components.metrics_kube_state import bundled_kube_state_values, kube_state_chart
    from hangar.components.onprem import DCGM_EXPORTER, DEVICE_PLUGIN, GPU_OPERATOR
    from hangar.components.onprem_amd import AMD_DEVICE_PLUGIN
    from hangar.components.serving_environment import HTTP_ADD_ON_CHART, KEDA_CHART, LWS_CHART

    pinned = {
        KEDA_CHART.name: (KEDA_CHART.version, None),
        HTTP_ADD_ON_CHART.name: (HTTP_ADD_ON_CHART.version, None),
        DEVICE_PLUGIN.name: (DEVICE_PLUGIN.version, None),
        AMD_DEVICE_PLUGIN.name: (AMD_DEVICE_PLUGIN.version, None),
        "cluster-autoscaler": (CHART_VERSION, {"image": {"tag": IMAGE_TAGS["1.35"]}}),
        KUBE_PROMETHEUS_STACK.name: (KUBE_PROMETHEUS_STACK.version, None),
        GPU_OPERATOR.name: (GPU_OPERATOR.version, None),
        LWS_CHART.name: (LWS_CHART.version, None),
        DCGM_EXPORTER.name: (DCGM_EXPORTER.version, None),
        "kube-state-metrics": (kube_state_chart("1.35").version, None),
    }
    pinned[KUBE_PROMETHEUS_STACK.name] = (KUBE_PROMETHEUS_STACK.version, {"kube-state-metrics": bundled_kube_state_values("1.35")})
    assert set(pinned) == set(JUDGED_CHARTS)
    for chart, (version, values) in pinned.items():
        supported = chart_support(chart, version, values)
        assert supported is not None and supported.contains("1.35"), chart
        assert all(b.supported is not None and b.supported.contains("1.35") for b in bundled_support(chart, version, values)), chart
