"""Supported versions: a cluster's Kubernetes version past its cloud's end of standard support, and pinned
charts outside their range for the cluster's version (`hangar.policies.rules.chart_versions`).

Read from the raw provider resources, so any program is judged: `version` of an EKS cluster
(`aws:eks/cluster:Cluster`), `minMasterVersion` of a GKE cluster (`gcp:container/cluster:Cluster`;
"latest" and unset leave the choice to GKE), `kubernetesVersion` of an AKS cluster
(`azure-native:containerservice:ManagedCluster`), and the versions node pools pin apart from their
control plane (`version` of an EKS node group or a GKE node pool, `orchestratorVersion` of an AKS
agent pool). An unset version is the cloud's own default, which it supports. Each is looked up in the catalog's sourced table (`hangar.catalog`, the table
the stack spec also reads) on the day `hangar.kubernetes_support.today()` gives. A version in paid
extended support or out of support is a violation; so is one the table cannot judge (no row, no end
date, or a value unknown at preview): it is refused in prod like every unknown.
"""

from __future__ import annotations

from typing import Any

from hangar.policies.rules.base import Finding
from hangar.policies.rules.chart_versions import check_charts
from hangar.policies.rules.facts import StackFacts

from hangar.catalog import load_catalog, minor_of
from hangar.kubernetes_support import today
from hangar.records import SECRET, UNKNOWN

SUPPORTED_VERSIONS = "hangar-supported-versions"

VERSION_INPUT = {
    "aws:eks/cluster:Cluster": ("eks", "version"),
    "gcp:container/cluster:Cluster": ("gke", "minMasterVersion"),
    "azure-native:containerservice:ManagedCluster": ("aks", "kubernetesVersion"),
    # Node pools pinned apart from their control plane (unset: they follow it).
    "aws:eks/nodeGroup:NodeGroup": ("eks", "version"),
    "gcp:container/nodePool:NodePool": ("gke", "version"),
    "azure-native:containerservice:AgentPool": ("aks", "orchestratorVersion"),
}
CLOUD_DEFAULTS = ("latest",)  # GKE's spelling of "the newest the channel offers"


def check(facts: StackFacts, config: Any) -> list[Finding]:
    catalog = load_catalog(config.catalog_overrides)
    day = today()
    findings = []
    for record in facts.records:
        if record.type not in VERSION_INPUT:
            continue
        cloud, key = VERSION_INPUT[record.type]
        given = record.inputs.get(key)
        if given is None or given in CLOUD_DEFAULTS:
            continue
        if given in (UNKNOWN, SECRET) or not isinstance(given, str) or minor_of(given) is None:
            shown = "not known at preview" if given in (UNKNOWN, SECRET) else f"{given!r}, not a Kubernetes version"
            findings.append(Finding(SUPPORTED_VERSIONS, record.urn, f"{record.name}: {key} is {shown}, so its support cannot be judged; give a literal minor version such as 1.35"))
            continue
        support = catalog.kubernetes_support(cloud, given, day)
        if support.state == "standard":
            continue
        choices = support.supported[0] if len(support.supported) == 1 else "one of " + ", ".join(support.supported)
        upgrade = f"set {key} to {choices}" if support.supported else ""
        if support.state == "unknown":
            fix = "add its support dates to the catalog (hangar/catalog/data/kubernetes_versions.csv, or a catalog override row)" + (f", or {upgrade}" if upgrade else "")
        else:
            fix = upgrade or "upgrade to a version in standard support (the catalog lists none for this cloud today: add its rows)"
        findings.append(Finding(SUPPORTED_VERSIONS, record.urn, f"{record.name}: {key} {given}: {support.describe()}; {fix}"))
    return findings + check_charts(facts, SUPPORTED_VERSIONS)
