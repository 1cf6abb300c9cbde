"""Enforced network policy: NetworkPolicies only count in a cluster whose network plugin enforces them.

Kubernetes accepts a NetworkPolicy whether or not anything enforces it ("Creating a NetworkPolicy
resource without a controller that implements it will have no effect":
kubernetes.io/docs/concepts/services-networking/network-policies/). This rule finds the cluster each
NetworkPolicy of the plan is applied to — through its Kubernetes provider, whose kubeconfig comes
from the cluster — and judges that cluster's network plugin from the raw provider resources:

* EKS (`aws:eks/cluster:Cluster`): the `vpc-cni` add-on (`aws:eks/addon:Addon`) must carry
  `configurationValues` with `enableNetworkPolicy` "true", at add-on v1.14.0-eksbuild.3 or later
  and Kubernetes 1.25 or later (EKS user guide, cni-network-policy-configure, awsdocs/amazon-eks-
  user-guide @0cc5a760). Without the add-on, the VPC CNI EKS installs itself has it off. EKS Auto
  Mode (`computeConfig.enabled`) instead needs the ConfigMap kube-system/amazon-vpc-cni with
  `enable-network-policy-controller: "true"` (user guide, automode/auto-net-pol @01385604).
* GKE (`gcp:container/cluster:Cluster`): Dataplane V2 (`datapathProvider: ADVANCED_DATAPATH`,
  "network policy is always on": cloud.google.com/kubernetes-engine/docs/concepts/dataplane-v2),
  Autopilot (Dataplane V2 for every Autopilot cluster from 1.24, same page), or the legacy Calico
  network policy (`networkPolicy.enabled` with the `networkPolicyConfig` add-on not disabled).
* AKS (`azure-native:containerservice:ManagedCluster`): `networkProfile.networkPolicy` azure,
  calico or cilium (cilium with the cilium dataplane); "none", the default, enforces nothing
  (pulumi-azure-native 3.29.0 NetworkPolicy enum).
* A Helm release of Cilium or Calico (`cilium`, `tigera-operator`, `calico` charts) in the same
  cluster enforces them on any of the three.

A value not known at preview is not taken for enforcement: the rule says it cannot tell (a
violation, mandatory in prod). NetworkPolicies whose cluster the program does not create (on-prem,
a cluster from another stack) are not judged here: their network plugin is not in the plan.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, Literal

from hangar.policies.rules.base import Finding
from hangar.policies.rules.clusters import AKS_CLUSTER, EKS_CLUSTER, GKE_CLUSTER
from hangar.policies.rules.facts import StackFacts

from hangar.catalog import minor_of
from hangar.records import SECRET, UNKNOWN, ResourceRecord

ENFORCED_NETWORK_POLICY = "hangar-enforced-network-policy"

NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
EKS_ADDON = "aws:eks/addon:Addon"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"

POLICY_ENFORCING_CHARTS = frozenset({"cilium", "tigera-operator", "calico"})
AKS_ENFORCING = frozenset({"azure", "calico", "cilium"})
VPC_CNI_MINIMUM = (1, 14, 0, 3)  # v1.14.0-eksbuild.3
EKS_MINIMUM_KUBERNETES = (1, 25)
SHOWN = 5  # NetworkPolicies named in a message before "and N more"

Verdict = Literal["enforced", "not-enforced", "unknown"]


@dataclasses.dataclass(frozen=True)
class Enforcement:
    """Whether a cluster enforces NetworkPolicies, why, and what to change when it does not."""

    verdict: Verdict
    reason: str = ""
    fix: str = ""


def check(facts: StackFacts, config: Any) -> list[Finding]:
    join = facts.clusters
    clusters = join.clusters
    policies = [record for record in facts.records if record.type == NETWORK_POLICY]
    if not clusters or not policies:
        return []
    placed: dict[str, list[ResourceRecord]] = {}
    unplaced: list[ResourceRecord] = []
    for policy in policies:
        cluster = join.cluster_of(policy)
        if cluster is None:
            unplaced.append(policy)
        else:
            placed.setdefault(cluster.urn, []).append(policy)
    plugins = Plugins.index(facts)
    findings = []
    for cluster in clusters:
        judged = placed.get(cluster.urn, []) + unplaced  # a policy of no known cluster is judged against every one
        if not judged:
            continue
        enforcement = cluster_enforcement(cluster, plugins)
        if enforcement.verdict == "enforced":
            continue
        names = _names(judged)
        where = "" if not unplaced else " (the cluster of some of them cannot be told from the plan, so every cluster is judged)"
        if enforcement.verdict == "not-enforced":
            message = f"{cluster.name}: {names} {'exists' if len(judged) == 1 else 'exist'} on paper only{where}: {enforcement.reason}; {enforcement.fix}"
        else:
            message = f"{cluster.name}: cannot tell whether {names} {'is' if len(judged) == 1 else 'are'} enforced{where}: {enforcement.reason}; {enforcement.fix}"
        findings.append(Finding(ENFORCED_NETWORK_POLICY, cluster.urn, message))
    return findings


@dataclasses.dataclass(frozen=True)
class Plugins:
    """What of the plan decides each cluster's enforcement, indexed once by cluster: enforcing Helm charts,
    Auto Mode's ConfigMaps, and the vpc-cni add-ons (by the cluster they depend on and by the name they give)."""

    enforcing_charts: frozenset[str]
    """URNs of the clusters with a Cilium or Calico release."""
    auto_mode_enabled: frozenset[str]
    """URNs of the clusters whose kube-system/amazon-vpc-cni ConfigMap turns the controller on."""
    vpc_cni: tuple[ResourceRecord, ...]
    vpc_cni_by_dependency: dict[str, list[int]]
    vpc_cni_by_cluster_name: dict[str, list[int]]
    eks_clusters: int

    @classmethod
    def index(cls, facts: StackFacts) -> "Plugins":
        join = facts.clusters
        charts: set[str] = set()
        auto_mode: set[str] = set()
        vpc_cni: list[ResourceRecord] = []
        for record in facts.records:
            if record.type == HELM_RELEASE and str(record.inputs.get("chart", "")).rsplit("/", 1)[-1] in POLICY_ENFORCING_CHARTS:
                if (cluster := join.cluster_of(record)) is not None:
                    charts.add(cluster.urn)
            elif record.type == CONFIG_MAP and _turns_on_auto_mode_policies(record):
                if (cluster := join.cluster_of(record)) is not None:
                    auto_mode.add(cluster.urn)
            elif record.type == EKS_ADDON and record.inputs.get("addonName") == "vpc-cni":
                vpc_cni.append(record)
        by_dependency: dict[str, list[int]] = {}
        by_name: dict[str, list[int]] = {}
        for position, addon in enumerate(vpc_cni):
            for urn in dict.fromkeys(addon.dependencies):
                by_dependency.setdefault(urn, []).append(position)
            name = addon.inputs.get("clusterName")
            if isinstance(name, str) and name not in (UNKNOWN, SECRET):
                by_name.setdefault(name, []).append(position)
        eks_clusters = sum(cluster.type == EKS_CLUSTER for cluster in join.clusters)
        return cls(frozenset(charts), frozenset(auto_mode), tuple(vpc_cni), by_dependency, by_name, eks_clusters)

    def vpc_cni_of(self, cluster: ResourceRecord) -> ResourceRecord | None:
        """The first vpc-cni add-on of this cluster in registration order: one that depends on it, or names it,
        or any when the plan has only one EKS cluster."""
        if self.eks_clusters == 1:
            return self.vpc_cni[0] if self.vpc_cni else None
        name = cluster.inputs.get("name")
        positions = self.vpc_cni_by_dependency.get(cluster.urn, []) + (self.vpc_cni_by_cluster_name.get(name, []) if isinstance(name, str) else [])
        return self.vpc_cni[min(positions)] if positions else None


def cluster_enforcement(cluster: ResourceRecord, plugins: Plugins) -> Enforcement:
    """Whether this cluster's network plugin enforces NetworkPolicies, from its own inputs and its add-ons."""
    if cluster.urn in plugins.enforcing_charts:
        return Enforcement("enforced")
    judge = {EKS_CLUSTER: _eks, GKE_CLUSTER: _gke, AKS_CLUSTER: _aks}[cluster.type]
    return judge(cluster, plugins)


def _eks(cluster: ResourceRecord, plugins: Plugins) -> Enforcement:
    version = cluster.inputs.get("version")
    if isinstance(version, str) and version not in (UNKNOWN, SECRET):
        minor = minor_of(version)
        if minor is not None and tuple(int(part) for part in minor.split(".")) < EKS_MINIMUM_KUBERNETES:
            return Enforcement("not-enforced", f"the VPC CNI enforces NetworkPolicies from Kubernetes 1.25 and the cluster runs {version}", "upgrade the cluster")
    if (cluster.inputs.get("computeConfig") or {}).get("enabled") is True:
        return _eks_auto_mode(cluster, plugins)
    addon = plugins.vpc_cni_of(cluster)
    fix = 'set the vpc-cni add-on\'s configurationValues to {"enableNetworkPolicy": "true"} (add-on v1.14.0-eksbuild.3 or later)'
    if addon is None:
        return Enforcement(
            "not-enforced",
            "the cluster has no vpc-cni add-on in the plan, and the VPC CNI EKS installs by itself leaves network policy off",
            'add the vpc-cni add-on (aws:eks/addon:Addon) with configurationValues {"enableNetworkPolicy": "true"} (v1.14.0-eksbuild.3 or later)',
        )
    values = addon.inputs.get("configurationValues")
    if values in (UNKNOWN, SECRET):
        return Enforcement("unknown", f"the configurationValues of add-on {addon.name} are not known at preview", "give them as a literal JSON string")
    try:
        parsed = json.loads(values) if isinstance(values, str) and values.strip() else {}
    except json.JSONDecodeError:
        return Enforcement("not-enforced", f"the configurationValues of add-on {addon.name} are not JSON", fix)
    enabled = parsed.get("enableNetworkPolicy") if isinstance(parsed, dict) else None
    if str(enabled).lower() != "true":
        return Enforcement("not-enforced", f"add-on {addon.name} (vpc-cni) does not set enableNetworkPolicy", fix)
    version_given = addon.inputs.get("addonVersion")
    if isinstance(version_given, str) and version_given not in (UNKNOWN, SECRET):
        parsed_version = _addon_version(version_given)
        if parsed_version is not None and parsed_version < VPC_CNI_MINIMUM:
            return Enforcement("not-enforced", f"add-on {addon.name} pins {version_given}, older than v1.14.0-eksbuild.3 (the first with network policy)", "pin v1.14.0-eksbuild.3 or later")
    return Enforcement("enforced")


def _eks_auto_mode(cluster: ResourceRecord, plugins: Plugins) -> Enforcement:
    if cluster.urn in plugins.auto_mode_enabled:
        return Enforcement("enforced")
    return Enforcement(
        "not-enforced",
        "in EKS Auto Mode the network policy controller is off until the ConfigMap kube-system/amazon-vpc-cni turns it on",
        'create that ConfigMap with data enable-network-policy-controller: "true"',
    )


def _turns_on_auto_mode_policies(config_map: ResourceRecord) -> bool:
    metadata = config_map.inputs.get("metadata") or {}
    return (
        metadata.get("name") == "amazon-vpc-cni" and metadata.get("namespace") == "kube-system"
        and str((config_map.inputs.get("data") or {}).get("enable-network-policy-controller", "")).lower() == "true"
    )  # fmt: skip


def _addon_version(version: str) -> tuple[int, int, int, int] | None:
    """v1.19.2-eksbuild.5 → (1, 19, 2, 5); None when it is not spelt so."""
    match = re.match(r"^v?(\d+)\.(\d+)\.(\d+)(?:-eksbuild\.(\d+))?$", version.strip())
    if match is None:
        return None
    major, minor, patch, build = match.groups()
    return (int(major), int(minor), int(patch), int(build or 0))


def _gke(cluster: ResourceRecord, plugins: Plugins) -> Enforcement:
    inputs = cluster.inputs
    datapath = inputs.get("datapathProvider")
    fix = "set datapathProvider ADVANCED_DATAPATH (GKE Dataplane V2, network policy always on)"
    if datapath == "ADVANCED_DATAPATH" or inputs.get("enableAutopilot") is True:
        return Enforcement("enforced")
    if datapath in (UNKNOWN, SECRET) or inputs.get("enableAutopilot") in (UNKNOWN, SECRET):
        return Enforcement("unknown", "its datapathProvider is not known at preview", "give it as a literal")
    calico = inputs.get("networkPolicy") or {}
    addon = ((inputs.get("addonsConfig") or {}).get("networkPolicyConfig") or {}).get("disabled")
    if isinstance(calico, dict) and calico.get("enabled") is True and addon is not True:
        return Enforcement("enforced")
    if isinstance(calico, dict) and calico.get("enabled") is True:
        return Enforcement("not-enforced", "networkPolicy is enabled but the networkPolicyConfig add-on is disabled", fix)
    return Enforcement("not-enforced", f"the cluster runs the legacy dataplane ({datapath or 'datapathProvider unset'}) without network policy enabled", fix)


def _aks(cluster: ResourceRecord, plugins: Plugins) -> Enforcement:
    profile = cluster.inputs.get("networkProfile")
    if profile in (UNKNOWN, SECRET):
        return Enforcement("unknown", "its networkProfile is not known at preview", "give it as a literal")
    profile = profile or {}
    policy = profile.get("networkPolicy")
    fix = "set networkProfile.networkPolicy to cilium (with networkDataplane cilium), azure or calico"
    if policy in (UNKNOWN, SECRET):
        return Enforcement("unknown", "its networkProfile.networkPolicy is not known at preview", "give it as a literal")
    if policy == "cilium" and profile.get("networkDataplane") != "cilium":
        return Enforcement("not-enforced", "networkPolicy cilium needs networkDataplane cilium", fix)
    if policy in AKS_ENFORCING:
        return Enforcement("enforced")
    return Enforcement("not-enforced", f"networkProfile.networkPolicy is {policy or 'unset'} (AKS enforces none by default)", fix)


def _names(records: list[ResourceRecord]) -> str:
    """"NetworkPolicy a" or "NetworkPolicies a, b and 3 more"."""
    names = sorted(record.name for record in records)
    shown = ", ".join(names[:SHOWN]) + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")
    return f"NetworkPolicy {shown}" if len(names) == 1 else f"NetworkPolicies {shown}"
