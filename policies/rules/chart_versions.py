"""Pinned charts against their cluster's Kubernetes version: half of `hangar-supported-versions`.

Each Helm release (`kubernetes:helm.sh/v3:Release`, or a `helm.sh/v4:Chart`) of a chart whose range
`hangar.chart_support` knows — KEDA, the KEDA HTTP add-on, the NVIDIA device plugin, the Cluster
Autoscaler, kube-prometheus-stack, the NVIDIA GPU Operator, LeaderWorkerSet, the DCGM exporter, kube-state-metrics — is joined to the cluster it is applied to (through its Kubernetes
provider) and judged against that cluster's control-plane version; kube-prometheus-stack's own kube-state-metrics (its
dependency, or the release its values' `kube-state-metrics.image.tag` runs) is judged too. Outside the range is a violation
naming the release, the chart version, the cluster version and the range. What cannot be judged is a
violation too, saying what is unknown (refused in prod like every unknown): a chart version no
compatibility statement was read for, an unpinned chart, a cluster version left to the cloud or not
known at preview. Releases into a cluster the program does not create (on-prem, another stack's)
are not judged here: that cluster's version is not in the plan.
"""

from __future__ import annotations

from typing import Any

from hangar.policies.rules.base import Finding
from hangar.policies.rules.facts import StackFacts

from hangar.catalog import minor_of
from hangar.chart_support import (
    CLUSTER_AUTOSCALER,
    JUDGED_CHARTS,
    KEDA,
    KUBE_PROMETHEUS_STACK,
    KUBE_STATE_METRICS,
    Bundled,
    bundled_support,
    chart_support,
    kube_state_metrics_charts,
    kube_state_metrics_release,
)
from hangar.keda import releases_supporting
from hangar.records import SECRET, UNKNOWN, ResourceRecord

RELEASE_TYPES = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")
CONTROL_PLANE_VERSION = {
    "aws:eks/cluster:Cluster": "version",
    "gcp:container/cluster:Cluster": "minMasterVersion",
    "azure-native:containerservice:ManagedCluster": "kubernetesVersion",
}
CLOUD_DEFAULTS = (None, "", "latest")


def check_charts(facts: StackFacts, policy: str) -> list[Finding]:
    """A finding for each judged chart outside its range on its cluster, or that cannot be judged."""
    findings = []
    for release in facts.records:
        if release.type not in RELEASE_TYPES:
            continue
        chart = chart_name(release.inputs.get("chart"))
        if chart not in JUDGED_CHARTS:
            continue
        cluster = facts.clusters.cluster_of(release)
        if cluster is None:
            continue
        message = judge(release, chart, cluster)
        if message:
            findings.append(Finding(policy, release.urn, message))
    return findings


def chart_name(given: Any) -> str:
    """`keda`, `kedacore/keda` and `oci://ghcr.io/kedacore/charts/keda` all name the chart `keda`."""
    return given.rstrip("/").rsplit("/", 1)[-1] if isinstance(given, str) else ""


def judge(release: ResourceRecord, chart: str, cluster: ResourceRecord) -> str:
    """Why this release does not fit its cluster's version, or '' when it does."""
    key = CONTROL_PLANE_VERSION[cluster.type]
    running = cluster.inputs.get(key)
    version = release.inputs.get("version")
    what = f"{release.name}: chart {chart}"
    if not isinstance(version, str) or version in (UNKNOWN, SECRET) or not version.strip():
        shown = "not known at preview" if version in (UNKNOWN, SECRET) else "not pinned (Helm takes the newest)"
        return f"{what} version is {shown}, so the Kubernetes versions it supports are unknown; pin a chart version"
    what = f"{what} {version}"
    if running in CLOUD_DEFAULTS or running in (UNKNOWN, SECRET) or not isinstance(running, str) or minor_of(running) is None:
        shown = "left to the cloud" if running in CLOUD_DEFAULTS else "not known at preview" if running in (UNKNOWN, SECRET) else f"{running!r}"
        return f"{what}: cluster {cluster.name}'s Kubernetes version ({key}) is {shown}, so the chart's support for it is unknown; give {key} as a literal minor version"
    minor = minor_of(running)
    values = release.inputs.get("values")
    if chart == CLUSTER_AUTOSCALER and _image_tag_not_literal(values):
        return (
            f"{what}: its values' image.tag is not known at preview, so the Cluster Autoscaler's minor (which must be cluster "
            f"{cluster.name}'s, {minor}) cannot be judged; give image.tag as a literal v{minor}.x tag"
        )
    if chart == KUBE_STATE_METRICS and _image_tag_not_literal(values):
        return (
            f"{what}: its values' image.tag is not known at preview, so the kube-state-metrics release it runs cannot be judged "
            f"against cluster {cluster.name} ({running}); give image.tag as a literal"
        )
    supported = chart_support(chart, version, values if isinstance(values, dict) else None)
    if supported is None:
        return (
            f"{what}: the Kubernetes versions it supports are unknown (no compatibility statement for this version is recorded "
            f"in hangar/chart_support.py), so it cannot be judged against cluster {cluster.name} ({running}); pin a version "
            f"whose range is recorded or add this one's with its source"
        )
    if not supported.contains(minor):
        return f"{what} supports {supported.describe()} ({supported.source}), but cluster {cluster.name} runs Kubernetes {running}; {_fix(chart, minor)}"
    if chart == KUBE_PROMETHEUS_STACK and _bundled_values_not_literal(values):
        return (
            f"{what}: its values' kubeStateMetrics.enabled or kube-state-metrics.image.tag are not known at preview, so the release of "
            f"kube-state-metrics it runs cannot be judged against cluster {cluster.name} ({running}); give them as literals"
        )
    for bundled in bundled_support(chart, version, values if isinstance(values, dict) else None):
        if message := _judge_bundled(what, bundled, cluster.name, running, minor):
            return message
    return ""


def _judge_bundled(what: str, bundled: Bundled, cluster: str, running: str, minor: str) -> str:
    """Why a chart's dependency does not fit the cluster's version, or '' when it does."""
    supported = bundled.supported
    if supported is not None and supported.contains(minor):
        return ""
    release = kube_state_metrics_release(minor)
    fix = (
        f"set the release's kube-state-metrics.image.tag to v{release} (built for Kubernetes {minor})"
        if release
        else "set kubeStateMetrics.enabled to false and run a kube-state-metrics built for it"
    )
    if supported is None:
        return f"{what}: the Kubernetes versions {bundled.what} supports are unknown ({bundled.why}), so it cannot be judged against cluster {cluster} ({running}); {fix}"
    return f"{what} runs {bundled.what}, which supports {supported.describe()} ({supported.source}), but cluster {cluster} runs Kubernetes {running}; {fix}, or move the cluster into its range"


def _bundled_values_not_literal(values: Any) -> bool:
    """kube-prometheus-stack's values, or the keys that pick its kube-state-metrics, not known at preview."""
    if values in (UNKNOWN, SECRET):
        return True
    if not isinstance(values, dict):
        return False
    switch = values.get("kubeStateMetrics")
    if switch in (UNKNOWN, SECRET) or (isinstance(switch, dict) and switch.get("enabled") in (UNKNOWN, SECRET)):
        return True
    return _image_tag_not_literal(values.get("kube-state-metrics"))


def _image_tag_not_literal(values: Any) -> bool:
    """Values, their image or its tag not known at preview (a secret or an output of another resource)."""
    if values in (UNKNOWN, SECRET):
        return True
    image = values.get("image") if isinstance(values, dict) else None
    return image in (UNKNOWN, SECRET) or (isinstance(image, dict) and image.get("tag") in (UNKNOWN, SECRET))


def _fix(chart: str, minor: str) -> str:
    if chart == CLUSTER_AUTOSCALER:
        return f"set the release's image.tag to the newest v{minor}.x Cluster Autoscaler release"
    if chart == KEDA and (others := releases_supporting(minor)):
        return f"pin a KEDA chart of {', '.join(others)} (which support {minor}), or move the cluster into the chart's range"
    if chart == KUBE_STATE_METRICS and (built := kube_state_metrics_charts(minor)):
        charts = built[0] if built[0] == built[1] else f"of {built[0]} to {built[1]}"
        return f"pin kube-state-metrics chart {charts} (built for Kubernetes {minor}), or move the cluster into the chart's range"
    return f"pin a chart version that supports Kubernetes {minor}, or move the cluster into the chart's range"
