"""GPUs are schedulable: a device plugin on every cloud GPU node, from the cloud or from Hangar.

EKS and AKS get the pinned `nvidia-device-plugin` release on exactly their GPU pools, tolerating
every taint those nodes carry; GKE installs its own with the driver and gets none from Hangar;
on-prem's GPU stack tolerates the pools' own taints.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from hangar.plan import plan_stack
from hangar.records import Plan, ResourceRecord
from tests import kube_schemas
from tests.conftest import AWS_ENVIRONMENT, ROOT
from tests.program_plans import plan_environment

RELEASE = "kubernetes:helm.sh/v3:Release"
DAEMONSET = "kubernetes:apps/v1:DaemonSet"
COMPONENT = "hangar:device_plugin:NvidiaDevicePlugin"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
AGENT_POOL = "azure-native:containerservice:AgentPool"
GKE_POOL = "gcp:container/nodePool:NodePool"
CHART = {"chart": "nvidia-device-plugin", "version": "0.20.0", "repositoryOpts": {"repo": "https://nvidia.github.io/k8s-device-plugin"}}
EKS_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}


def device_plugins(plan: Plan) -> list[ResourceRecord]:
    """Whatever would advertise nvidia.com/gpu: a device-plugin or GPU Operator release, or the plugin's DaemonSet."""
    releases = [r for r in plan.of_type(RELEASE) if r.inputs.get("chart") in ("nvidia-device-plugin", "gpu-operator")]
    daemonsets = [
        r
        for r in plan.of_type(DAEMONSET)
        if any(c.get("image", "").startswith("nvcr.io/nvidia/k8s-device-plugin") for c in r.inputs["spec"]["template"]["spec"]["containers"])
    ]
    return releases + daemonsets


def tolerates(tolerations: list[dict[str, str]], taint: dict[str, str]) -> bool:
    """Kubernetes' matching rule: same key (or an empty key with Exists), same effect (or none), Exists or an equal value."""
    for t in tolerations:
        key_ok = t.get("key") == taint["key"] or (not t.get("key") and t.get("operator") == "Exists")
        effect_ok = not t.get("effect") or t["effect"] == taint["effect"]
        value_ok = t.get("operator") == "Exists" or t.get("value", "") == taint.get("value", "")
        if key_ok and effect_ok and value_ok:
            return True
    return False


def node_affinity_pools(values: dict[str, Any]) -> set[str]:
    """The `hangar.dev/pool` values the release's required node affinity admits (each term must pin the pool)."""
    terms = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    pools: set[str] = set()
    for term in terms:
        [expression] = [e for e in term["matchExpressions"] if e["key"] == "hangar.dev/pool"]
        assert expression["operator"] == "In"
        pools |= set(expression["values"])
    return pools


def aks_taint(text: str) -> dict[str, str]:
    """`key=value:Effect` or `key:Effect`, as AKS node taints are written."""
    match = re.fullmatch(r"(?P<key>[^=:]+)(=(?P<value>[^:]*))?:(?P<effect>\w+)", text)
    assert match, text
    return {"key": match["key"], "value": match["value"] or "", "effect": match["effect"]}


# --- EKS ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eks_prod() -> Plan:
    return plan_stack(ROOT, "eks-prod")


def test_eks_gets_the_pinned_device_plugin_on_its_gpu_pool(eks_prod):
    [release] = device_plugins(eks_prod)
    inputs = release.inputs
    assert {key: inputs[key] for key in CHART} == CHART
    assert (inputs["name"], inputs["namespace"], inputs["createNamespace"]) == ("nvidia-device-plugin", "nvidia-device-plugin", True)
    assert node_affinity_pools(inputs["values"]) == {"h100"}
    # it talks to the EKS cluster, and sits under the cluster's component
    [provider] = eks_prod.of_type("pulumi:providers:kubernetes")
    assert release.provider_urn == provider.urn
    [component] = eks_prod.of_type(COMPONENT)
    assert release.parent == component.urn
    assert component.parent == eks_prod.of_type("hangar:aws:GpuCluster")[0].urn


def test_eks_device_plugin_tolerates_every_taint_of_every_gpu_node_group(aws_environment):
    aws_environment["clusters"][0]["node_pools"][0]["taints"] = [{"key": "example.com/dedicated", "value": "llm", "effect": "NoExecute"}]
    aws_environment["clusters"][0]["node_pools"][1]["capacity"] = "spot"
    plan = plan_environment(aws_environment)
    [release] = device_plugins(plan)
    values = release.inputs["values"]
    gpu_groups = [r for r in plan.of_type(NODE_GROUP) if r.inputs["amiType"].endswith("NVIDIA")]
    assert node_affinity_pools(values) == {g.inputs["labels"]["hangar.dev/pool"] for g in gpu_groups} == {"l4", "h100"}
    taints = [{**t, "effect": EKS_EFFECTS[t["effect"]]} for g in gpu_groups for t in g.inputs["taints"]]
    assert {t["key"] for t in taints} == {"nvidia.com/gpu", "example.com/dedicated"}
    assert all(tolerates(values["tolerations"], taint) for taint in taints), values["tolerations"]
    # ...and nothing lands on the system nodes: they carry no hangar.dev/pool the affinity admits
    system = [g for g in plan.of_type(NODE_GROUP) if not g.inputs["amiType"].endswith("NVIDIA")]
    assert [g.inputs["labels"]["hangar.dev/pool"] for g in system] == ["system"]


def test_a_cluster_without_gpu_pools_gets_no_device_plugin():
    raw = copy.deepcopy(AWS_ENVIRONMENT)
    raw["clusters"][0]["node_pools"] = []
    raw["deployments"] = []
    assert device_plugins(plan_environment(raw)) == []


def test_the_release_values_render_a_valid_pod_spec(eks_prod):
    """Tolerations and affinity go into the DaemonSet's pod spec as they are (the chart renders them with toYaml)."""
    [release] = device_plugins(eks_prod)
    values = release.inputs["values"]
    daemonset = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "nvidia-device-plugin", "namespace": "nvidia-device-plugin"},
        "spec": {
            "selector": {"matchLabels": {"app": "nvidia-device-plugin"}},
            "template": {
                "metadata": {"labels": {"app": "nvidia-device-plugin"}},
                "spec": {
                    "containers": [{"name": "plugin", "image": "nvcr.io/nvidia/k8s-device-plugin:v0.20.0"}],
                    "tolerations": values["tolerations"],
                    "affinity": values["affinity"],
                },
            },
        },
    }
    assert kube_schemas.problems(daemonset, "1.33") == []
    broken = copy.deepcopy(daemonset)
    broken["spec"]["template"]["spec"]["tolerations"][0]["operator"] = ["Exists"]
    assert kube_schemas.problems(broken, "1.33") != []


# --- AKS ---------------------------------------------------------------------------------------------


AKS = {
    "name": "aks-test",
    "tier": "staging",
    "owner": "ml-platform",
    "cost_centre": "cc-1",
    "budget": {"monthly_ceiling_usd": 100000},
    "clusters": [
        {
            "provider": "azure",
            "name": "main",
            "region": "eastus",
            "node_pools": [
                {"name": "t4-spot", "gpu": "T4", "gpus_per_node": 1, "capacity": "spot", "min_nodes": 0, "max_nodes": 4},
                {
                    "name": "a100",
                    "gpu": "A100-80GB",
                    "gpus_per_node": 2,
                    "min_nodes": 0,
                    "max_nodes": 2,
                    "taints": [{"key": "example.com/team", "value": "search", "effect": "NoSchedule"}],
                },
            ],
        }
    ],
}


@pytest.fixture(scope="module")
def aks_plan() -> Plan:
    return plan_environment(copy.deepcopy(AKS))


def test_aks_installs_the_driver_and_hangar_the_pinned_device_plugin(aks_plan):
    pools = aks_plan.of_type(AGENT_POOL)
    assert {p.inputs["gpuProfile"]["driver"] for p in pools} == {"Install"}
    [release] = device_plugins(aks_plan)
    assert {key: release.inputs[key] for key in CHART} == CHART
    assert node_affinity_pools(release.inputs["values"]) == {p.inputs["nodeLabels"]["hangar.dev/pool"] for p in pools} == {"t4-spot", "a100"}
    assert "image" not in release.inputs["values"]  # from nvcr.io, the chart's default, when the cluster has egress


def test_aks_device_plugin_tolerates_the_pools_taints_and_the_spot_taint_aks_adds(aks_plan):
    [release] = device_plugins(aks_plan)
    tolerations = release.inputs["values"]["tolerations"]
    taints = [aks_taint(text) for p in aks_plan.of_type(AGENT_POOL) for text in p.inputs["nodeTaints"]]
    assert {t["key"] for t in taints} == {"nvidia.com/gpu", "example.com/team"}
    assert all(tolerates(tolerations, taint) for taint in taints)
    # AKS puts this taint on Spot nodes by itself: it is in no nodeTaints list, yet the plugin must tolerate it
    assert tolerates(tolerations, {"key": "kubernetes.azure.com/scalesetpriority", "value": "spot", "effect": "NoSchedule"})
    assert not tolerates(tolerations, {"key": "example.com/other", "value": "x", "effect": "NoSchedule"})


def test_air_gapped_aks_pulls_the_plugin_from_its_private_registry():
    raw = copy.deepcopy(AKS)
    raw["clusters"][0].update(network={"egress": "none"}, chart_repository="https://charts.corp.internal/hangar")
    plan = plan_environment(raw)
    [release] = device_plugins(plan)
    [registry] = plan.of_type("azure-native:containerregistry:Registry")
    assert release.inputs["values"]["image"]["repository"] == f"{registry.inputs['registryName']}.azurecr.io/nvidia/k8s-device-plugin"


# --- GKE and on-prem ---------------------------------------------------------------------------------


def test_gke_installs_its_own_device_plugin_with_the_driver_so_hangar_installs_none():
    """GKE deploys its NVIDIA device plugin on GPU nodes and installs the driver version the pool asks
    for (`gpuDriverInstallationConfig`); TPU nodes advertise google.com/tpu themselves."""
    for stack in ("gke-dev", "gke-tpu"):
        plan = plan_stack(ROOT, stack)
        assert device_plugins(plan) == [], stack
        accelerated = [p for p in plan.of_type(GKE_POOL) if p.inputs["nodeConfig"].get("guestAccelerators")]
        for pool in accelerated:
            for accelerator in pool.inputs["nodeConfig"]["guestAccelerators"]:
                assert accelerator["gpuDriverInstallationConfig"]["gpuDriverVersion"] in ("DEFAULT", "LATEST"), pool.name
        assert accelerated or stack == "gke-tpu"


def test_on_prem_device_plugin_tolerates_each_pools_own_taints():
    from tests.onprem_plans import onprem_environment
    from tests.onprem_plans import plan_environment as plan_onprem

    raw = onprem_environment(gpu_operator="device-plugin")
    raw["clusters"][0]["node_pools"][1]["taints"] = [{"key": "example.com/dedicated", "value": "inference", "effect": "NoExecute"}]
    plan, _ = plan_onprem(raw)
    [release] = device_plugins(plan)
    tolerations = release.inputs["values"]["tolerations"]
    assert tolerates(tolerations, {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"})
    assert tolerates(tolerations, {"key": "example.com/dedicated", "value": "inference", "effect": "NoExecute"})
