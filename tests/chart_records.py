"""Clusters, their Kubernetes provider and Helm releases through it as plain records, and the supported-versions rule's findings on them: what the chart-version tests share."""

from __future__ import annotations

from typing import Any

from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.supported_versions import SUPPORTED_VERSIONS

from hangar.records import ResourceRecord

EKS, GKE, AKS = "aws:eks/cluster:Cluster", "gcp:container/cluster:Cluster", "azure-native:containerservice:ManagedCluster"
PROVIDER, RELEASE, CHART_V4 = "pulumi:providers:kubernetes", "kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"


def record(type_: str, name: str, inputs: dict[str, Any], *, provider: str | None = None, dependencies: tuple[str, ...] = ()) -> ResourceRecord:
    return ResourceRecord(f"urn:pulumi:t::p::{type_}::{name}", type_, name, None, True, inputs, provider, dependencies)


def on_cluster(cluster: ResourceRecord, *releases: tuple[str, str, str | None, dict | None], type_: str = RELEASE) -> list[ResourceRecord]:
    """The cluster, a Kubernetes provider fed by it, and (name, chart, version, values) releases through that provider."""
    provider = record(PROVIDER, f"{cluster.name}-k8s", {}, dependencies=(cluster.urn,))
    made = []
    for name, chart, version, values in releases:
        inputs = {"chart": chart} | ({"version": version} if version is not None else {}) | ({"values": values} if values is not None else {})
        made.append(record(type_, name, inputs, provider=f"{provider.urn}::id"))
    return [cluster, provider, *made]


def messages(records: list[ResourceRecord], config: dict | None = None) -> list[tuple[str, str]]:
    configs = load_pack_config(config or {}, "test")
    return [(v.level, v.message) for v in evaluate(records, configs) if v.policy == SUPPORTED_VERSIONS]
