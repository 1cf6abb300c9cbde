"""The two cluster rules: NetworkPolicies only where they are enforced, and Kubernetes versions in support.

Judged on raw provider resources (tests/raw_clusters, a program that is not Hangar's, broken and fixed),
on plain records for the cases between, on Hangar's own plans, and through the pack over gRPC.
"""

from __future__ import annotations

import json

import pytest
from hangar.components.program import build_stack
from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.config import pack_config_for
from hangar.policies.rules.network_enforcement import ENFORCED_NETWORK_POLICY
from hangar.policies.rules.supported_versions import SUPPORTED_VERSIONS

from hangar.analyzer import PackClient
from hangar.plan import plan_program
from hangar.records import UNKNOWN, ResourceRecord
from hangar.spec import Environment
from hangar.stack_policy import stack_policy_configs
from hangar.stackfile import read_project
from hangar.stackplan import plan_project_stack
from tests.chart_records import AKS, EKS, GKE, PROVIDER, record
from tests.conftest import ROOT
from tests.pack_agreement import offline_verdicts, pack_verdicts

RAW = ROOT / "tests" / "raw_clusters"
POLICY_FILE = RAW / "policy-prod.json"
MINE = (ENFORCED_NETWORK_POLICY, SUPPORTED_VERSIONS)
ADDON = "aws:eks/addon:Addon"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


def cluster_with_policy(cluster: ResourceRecord, *extra: ResourceRecord) -> list[ResourceRecord]:
    """The cluster, a Kubernetes provider fed by it, and a NetworkPolicy through that provider."""
    provider = record(PROVIDER, f"{cluster.name}-k8s", {}, dependencies=(cluster.urn,))
    policy = record(NETWORK_POLICY, f"{cluster.name}-policy", {"metadata": {"name": "p"}}, provider=f"{provider.urn}::id")
    return [cluster, provider, policy, *extra]


def found(records: list[ResourceRecord], policy: str = ENFORCED_NETWORK_POLICY, config: dict | None = None) -> list[tuple[str, str]]:
    configs = load_pack_config(config or {}, "test")
    return [(v.level, v.message) for v in evaluate(records, configs) if v.policy == policy]


def raw_verdicts(stack: str) -> list[tuple[str, str, str, str]]:
    plan = plan_project_stack(RAW, stack).plan
    configs = stack_policy_configs(read_project(RAW), stack, POLICY_FILE)
    return offline_verdicts(plan.resources, configs)


# --- a foreign program, broken and fixed -----------------------------------------------------------------


def test_the_broken_raw_program_breaks_both_rules_on_every_cloud():
    mine = {(policy, urn.rsplit("::", 1)[-1]): (message, level) for policy, urn, message, level in raw_verdicts("broken") if policy in MINE}
    charts = {(SUPPORTED_VERSIONS, release) for release in ("keda", "cluster-autoscaler", "http-add-on")}
    assert set(mine) == {(policy, cluster) for policy in MINE for cluster in ("eks", "gke", "aks")} | charts
    assert {level for _, level in mine.values()} == {"mandatory"}
    assert mine[(ENFORCED_NETWORK_POLICY, "eks")][0] == (
        "eks: NetworkPolicy eks-only-the-gateway exists on paper only: add-on vpc-cni (vpc-cni) does not set enableNetworkPolicy; "
        'set the vpc-cni add-on\'s configurationValues to {"enableNetworkPolicy": "true"} (add-on v1.14.0-eksbuild.3 or later)'
    )
    assert mine[(ENFORCED_NETWORK_POLICY, "gke")][0] == (
        "gke: NetworkPolicy gke-only-the-gateway exists on paper only: the cluster runs the legacy dataplane (LEGACY_DATAPATH) without network policy "
        "enabled; set datapathProvider ADVANCED_DATAPATH (GKE Dataplane V2, network policy always on)"
    )
    assert mine[(ENFORCED_NETWORK_POLICY, "aks")][0] == (
        "aks: NetworkPolicy aks-only-the-gateway exists on paper only: networkProfile.networkPolicy is none (AKS enforces none by default); "
        "set networkProfile.networkPolicy to cilium (with networkDataplane cilium), azure or calico"
    )
    assert mine[(SUPPORTED_VERSIONS, "eks")][0] == (
        "eks: version 1.32: EKS standard support for Kubernetes 1.32 ended 2026-03-23; it is in paid extended support until 2027-03-23; "
        "in EKS standard support on 2026-12-01: 1.35, 1.34; set version to one of 1.35, 1.34"
    )
    assert mine[(SUPPORTED_VERSIONS, "aks")][0].endswith("set kubernetesVersion to one of 1.37, 1.36, 1.35")
    assert mine[(SUPPORTED_VERSIONS, "gke")][0].startswith("gke: minMasterVersion 1.33: the catalog has no GKE row for Kubernetes 1.33, so its support is unknown")
    assert mine[(SUPPORTED_VERSIONS, "keda")][0] == (
        "keda: chart keda 2.20.2 supports Kubernetes 1.33 to 1.35 (keda.sh Kubernetes compatibility of KEDA 2.20), but cluster eks runs "
        "Kubernetes 1.32; pin a KEDA chart of 2.19, 2.18, 2.17 (which support 1.32), or move the cluster into the chart's range"
    )
    assert mine[(SUPPORTED_VERSIONS, "cluster-autoscaler")][0] == (
        "cluster-autoscaler: chart cluster-autoscaler 9.59.0 supports Kubernetes 1.35 only (its chart's default image, v1.35.x; the Cluster "
        "Autoscaler README asks for the cluster's own minor), but cluster eks runs Kubernetes 1.32; set the release's image.tag to the newest "
        "v1.32.x Cluster Autoscaler release"
    )
    assert mine[(SUPPORTED_VERSIONS, "http-add-on")][0] == (
        "http-add-on: chart keda-add-ons-http 0.15.0 supports Kubernetes 1.34 to 1.36 (the KEDA HTTP add-on 0.15 docs: tested against the "
        "three newest minors), but cluster aks runs Kubernetes 1.33; pin a chart version that supports Kubernetes 1.33, or move the cluster "
        "into the chart's range"
    )


def test_the_fixed_raw_program_passes_both():
    assert [v for v in raw_verdicts("fixed") if v[0] in MINE] == []


# --- the cases between, on plain records -----------------------------------------------------------------


def test_an_eks_cluster_without_a_vpc_cni_add_on_runs_the_self_managed_cni_with_policy_off():
    (finding,) = found(cluster_with_policy(record(EKS, "eks", {"version": "1.34"})))
    assert "has no vpc-cni add-on in the plan" in finding[1] and finding[1].endswith('with configurationValues {"enableNetworkPolicy": "true"} (v1.14.0-eksbuild.3 or later)')


def test_configuration_values_unknown_at_preview_fail_closed():
    eks = record(EKS, "eks", {})
    addon = record(ADDON, "cni", {"addonName": "vpc-cni", "configurationValues": UNKNOWN}, dependencies=(eks.urn,))
    (finding,) = found(cluster_with_policy(eks, addon))
    assert finding == ("mandatory", "eks: cannot tell whether NetworkPolicy eks-policy is enforced: the configurationValues of add-on cni are not known at preview; give them as a literal JSON string")


def test_an_add_on_pinned_before_network_policy_support_does_not_enforce():
    eks = record(EKS, "eks", {})
    addon = record(ADDON, "cni", {"addonName": "vpc-cni", "addonVersion": "v1.13.4-eksbuild.1", "configurationValues": '{"enableNetworkPolicy": "true"}'}, dependencies=(eks.urn,))
    (finding,) = found(cluster_with_policy(eks, addon))
    assert "pins v1.13.4-eksbuild.1, older than v1.14.0-eksbuild.3" in finding[1]
    newer = record(ADDON, "cni", {**addon.inputs, "addonVersion": "v1.19.2-eksbuild.5"}, dependencies=(eks.urn,))
    assert found(cluster_with_policy(eks, newer)) == []


def test_eks_auto_mode_needs_the_network_policy_controller_config_map():
    eks = record(EKS, "auto", {"computeConfig": {"enabled": True}})
    (finding,) = found(cluster_with_policy(eks))
    assert finding[1].endswith('create that ConfigMap with data enable-network-policy-controller: "true"')
    config_map = record(
        "kubernetes:core/v1:ConfigMap", "npc", {"metadata": {"name": "amazon-vpc-cni", "namespace": "kube-system"}, "data": {"enable-network-policy-controller": "true"}}
    )
    assert found(cluster_with_policy(eks, config_map)) == []  # the plan's only cluster: the ConfigMap is its


def test_a_cilium_or_calico_release_enforces_on_any_cluster():
    eks = record(EKS, "eks", {})
    release = record("kubernetes:helm.sh/v3:Release", "calico", {"chart": "tigera-operator"})
    assert found(cluster_with_policy(eks, release)) == []


@pytest.mark.parametrize(
    ("inputs", "enforced"),
    [
        ({"datapathProvider": "ADVANCED_DATAPATH"}, True),
        ({"enableAutopilot": True}, True),
        ({"networkPolicy": {"enabled": True, "provider": "CALICO"}}, True),
        ({"networkPolicy": {"enabled": True}, "addonsConfig": {"networkPolicyConfig": {"disabled": True}}}, False),
        ({}, False),
    ],
)
def test_gke_enforces_with_dataplane_v2_autopilot_or_calico(inputs, enforced):
    assert (found(cluster_with_policy(record(GKE, "gke", inputs))) == []) is enforced


@pytest.mark.parametrize(
    ("profile", "enforced"),
    [
        ({"networkPolicy": "cilium", "networkDataplane": "cilium"}, True),
        ({"networkPolicy": "azure"}, True),
        ({"networkPolicy": "calico"}, True),
        ({"networkPolicy": "cilium", "networkDataplane": "azure"}, False),
        ({"networkPolicy": "none"}, False),
        ({}, False),
    ],
)
def test_aks_enforces_with_a_network_policy_engine(profile, enforced):
    assert (found(cluster_with_policy(record(AKS, "aks", {"networkProfile": profile}))) == []) is enforced


def test_each_policy_is_judged_against_its_own_cluster():
    good = record(GKE, "good", {"datapathProvider": "ADVANCED_DATAPATH"})
    bad = record(AKS, "bad", {"networkProfile": {"networkPolicy": "none"}})
    (finding,) = found(cluster_with_policy(good) + cluster_with_policy(bad))
    assert finding[1].startswith("bad: NetworkPolicy bad-policy exists on paper only")


def test_among_several_eks_clusters_each_is_judged_by_its_own_add_on_and_its_own_cilium():
    """The add-on of a cluster is the one depending on it or naming it; a Cilium release counts only where it is applied."""
    on = json.dumps({"enableNetworkPolicy": "true"})
    by_dependency = record(EKS, "a", {"name": "a"})
    by_name = record(EKS, "b", {"name": "b"})
    with_cilium = record(EKS, "c", {"name": "c"})
    without = record(EKS, "d", {"name": "d"})
    cilium_provider = f"urn:pulumi:t::p::{PROVIDER}::c-k8s::id"
    records = (
        cluster_with_policy(by_dependency, record(ADDON, "a-cni", {"addonName": "vpc-cni", "configurationValues": on}, dependencies=(by_dependency.urn,)))
        + cluster_with_policy(by_name, record(ADDON, "b-cni", {"addonName": "vpc-cni", "clusterName": "b", "configurationValues": on}))
        + cluster_with_policy(with_cilium, record("kubernetes:helm.sh/v3:Release", "cilium", {"chart": "cilium"}, provider=cilium_provider))
        + cluster_with_policy(without, record(ADDON, "d-cni", {"addonName": "vpc-cni", "clusterName": "d", "configurationValues": "{}"}))
    )
    assert [message.split(":")[0] for _, message in found(records)] == ["d"]
    assert "add-on d-cni (vpc-cni) does not set enableNetworkPolicy" in found(records)[0][1]


def test_a_policy_whose_cluster_cannot_be_told_is_judged_against_every_cluster():
    good = record(GKE, "good", {"datapathProvider": "ADVANCED_DATAPATH"})
    bad = record(AKS, "bad", {"networkProfile": {"networkPolicy": "none"}})
    stray = record(NETWORK_POLICY, "stray", {})
    (finding,) = found([good, bad, stray])
    assert finding[1].startswith("bad: NetworkPolicy stray exists on paper only (the cluster of some of them cannot be told from the plan, so every cluster is judged)")


def test_no_cluster_in_the_plan_means_nothing_to_judge():
    assert found([record(NETWORK_POLICY, "p", {})]) == []


def test_outside_prod_the_pack_config_makes_it_advisory():
    (finding,) = found(cluster_with_policy(record(EKS, "eks", {})), config={ENFORCED_NETWORK_POLICY: "advisory"})
    assert finding[0] == "advisory"


@pytest.mark.parametrize(
    ("type_", "inputs", "expected"),
    [
        (EKS, {"version": UNKNOWN}, "it: version is not known at preview, so its support cannot be judged; give a literal minor version such as 1.35"),
        (GKE, {"minMasterVersion": "latest"}, None),
        (GKE, {}, None),
        (AKS, {"kubernetesVersion": "1.36.2"}, None),
        (EKS, {"version": "1.28"}, "it: version 1.28: EKS support for Kubernetes 1.28 ended 2025-11-26; in EKS standard support on 2026-12-01: 1.35, 1.34; set version to one of 1.35, 1.34"),
        ("aws:eks/nodeGroup:NodeGroup", {"version": "1.33"}, "it: version 1.33: EKS standard support for Kubernetes 1.33 ended 2026-07-29; it is in paid extended support until 2027-07-29; in EKS standard support on 2026-12-01: 1.35, 1.34; set version to one of 1.35, 1.34"),
        ("aws:eks/nodeGroup:NodeGroup", {}, None),
        ("azure-native:containerservice:AgentPool", {"orchestratorVersion": "1.34.3"}, "it: orchestratorVersion 1.34.3: AKS standard support for Kubernetes 1.34 ended 2026-11-30; it is in paid extended support until 2027-11-30; in AKS standard support on 2026-12-01: 1.37, 1.36, 1.35; set orchestratorVersion to one of 1.37, 1.36, 1.35"),
    ],
)
def test_versions_on_records(type_, inputs, expected):
    messages = [message for _, message in found([record(type_, "it", inputs)], SUPPORTED_VERSIONS)]
    assert messages == ([expected] if expected else [])


# --- Hangar's own stacks -------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["eks-prod", "aks-staging"])
def test_hangars_clusters_enforce_and_run_supported_versions(stack):
    plan = plan_project_stack(ROOT, stack).plan
    configs = stack_policy_configs(read_project(ROOT), stack, None)
    assert [v for v in evaluate(plan.resources, configs) if v.policy in MINE] == []


def test_gke_dev_says_the_catalog_cannot_judge_its_version_advisory_in_dev():
    plan = plan_project_stack(ROOT, "gke-dev").plan
    configs = stack_policy_configs(read_project(ROOT), "gke-dev", None)
    mine = [(v.policy, v.level, v.message) for v in evaluate(plan.resources, configs) if v.policy in MINE]
    assert [(policy, level) for policy, level, _ in mine] == [(SUPPORTED_VERSIONS, "advisory")]
    assert mine[0][2].startswith("dev: minMasterVersion 1.35: GKE end of standard support for Kubernetes 1.35 is unknown to the catalog")


def test_a_hangar_dev_stack_on_an_out_of_support_version_is_flagged_advisory(aws_environment):
    """On 1.33 (the spec allows it outside prod, with a warning) the cluster is past standard support: said, advisory.

    Not at zero replicas: the KEDA HTTP add-on Hangar would install for that supports 1.34 to 1.36 only, and the spec
    refuses it in every tier (tests/test_installed_charts.py); the pack judges the same release in a raw program
    (tests/test_chart_versions.py)."""
    aws_environment["clusters"][0]["kubernetes_version"] = "1.33"
    aws_environment["deployments"][0]["autoscaling"]["min_replicas"] = 1
    plan = plan_program(build_stack, project="hangar", stack="test", config={"hangar:environment": aws_environment})
    configs = load_pack_config(pack_config_for(Environment.model_validate(aws_environment)), "test")
    (cluster,) = [v for v in evaluate(plan.resources, configs) if v.policy == SUPPORTED_VERSIONS]
    assert cluster.level == "advisory"
    assert cluster.message.startswith("main: version 1.33: EKS standard support for Kubernetes 1.33 ended 2026-07-29")


# --- the pack over gRPC --------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["broken", "fixed"])
def test_the_pack_gives_the_same_verdicts(pack: PackClient, stack: str):
    records = plan_project_stack(RAW, stack).plan.resources
    configs = stack_policy_configs(read_project(RAW), stack, POLICY_FILE)
    assert pack_verdicts(records, configs, pack=pack) == raw_verdicts(stack)


def test_the_pack_describes_both_rules_with_their_levels(pack: PackClient):
    described = {policy.name: policy for policy in pack.info().policies}
    for name in MINE:
        assert described[name].enforcementLevel == 1  # MANDATORY by default: unknowns fail closed
    assert "catalogOverrides" in described[SUPPORTED_VERSIONS].configSchema.properties


def test_policy_configs_make_them_mandatory_in_prod_only():
    for stack, level in (("eks-prod", "mandatory"), ("gke-dev", "advisory"), ("aks-staging", "advisory")):
        written = json.loads((ROOT / "policies" / "config" / f"{stack}.json").read_text())
        assert {written[name]["enforcementLevel"] for name in MINE} == {level}, stack
