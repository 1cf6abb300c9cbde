"""What a GKE or AKS node gives its pods (`hangar.policies.rules.node_allocatable`); the routing check's messages
with it are in tests/test_routing_system_allocatable.py.

GKE: the cluster autoscaler's model of GKE nodes (kubernetes/autoscaler cluster-autoscaler/cloudprovider/gce/
reserved.go @729ba955a1b6) reserves 255 MiB up to 1000 MiB, 500 MiB of 2000, 1800 MiB of 8000 and 10760 MiB of
200000 (its own test's figures), and 80m CPU of four cores; plus the 100 MiB eviction threshold. An e2-standard-4
(4 vCPU, 16 GiB = 16384 MiB): 80m and 1000 + 800 + 800 + 384 x 6% = 2623 MiB, so 3.92 vCPU and 13661 MiB.
AKS without `maxPods`: AKS's default max pods for the cluster's CNI (overlay 250), else the least default, 30.
"""

from __future__ import annotations

from typing import Any

import pytest
from hangar.policies.rules.node_allocatable import node_room

from hangar.records import ResourceRecord

GKE_POOL = "gcp:container/nodePool:NodePool"


def record(type_: str, **inputs: Any) -> ResourceRecord:
    return ResourceRecord(urn=f"urn:pulumi:test::p::{type_}::pool", type=type_, name="pool", parent=None, custom=True, provider=None, inputs=inputs)


def room(pool: ResourceRecord, vcpus: float, gib: float) -> float:
    """The node's allocatable CPU, rounded."""
    return round(node_room(pool, None, vcpus, gib, "x").cpu, 4)


@pytest.mark.parametrize(("mib", "reserved_mib"), [(600, 255), (2000, 500), (8000, 1800), (200_000, 10760), (16384, 2623)])
def test_a_gke_node_keeps_the_memory_tiers_of_the_autoscalers_model(mib, reserved_mib):
    found = node_room(record(GKE_POOL), None, 4, mib / 1024, "x")
    assert round(found.gib * 1024, 6) == mib - reserved_mib - 100
    assert found.reserved
    assert found.basis == f"GKE per node: 80m CPU and {reserved_mib} MiB kube-reserved, 100 MiB eviction threshold"


@pytest.mark.parametrize(("vcpus", "millicores"), [(1, 60), (2, 70), (4, 80), (8, 90), (96, 310)])
def test_a_gke_node_keeps_the_cpu_tiers(vcpus, millicores):
    # 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% of the rest.
    assert room(record(GKE_POOL), vcpus, 16) == round(vcpus - millicores / 1000, 4)


def aks_cluster(network: dict[str, Any] | None, **profile: Any) -> Any:
    inputs: dict[str, Any] = {"kubernetesVersion": "1.33", "agentPoolProfiles": [{"name": "system", **profile}]}
    if network is not None:
        inputs["networkProfile"] = network
    return record("azure-native:containerservice:ManagedCluster", **inputs)


@pytest.mark.parametrize(
    ("network", "profile", "pods", "says"),
    [
        ({"networkPlugin": "azure", "networkPluginMode": "overlay"}, {}, 250, "max pods not given: 250 pods, AKS's default for azure overlay"),
        ({"networkPlugin": "kubenet"}, {}, 110, "max pods not given: 110 pods, AKS's default for kubenet"),
        ({"networkPlugin": "azure"}, {"podSubnetID": "/subscriptions/s/pods"}, 110, "max pods not given: 110 pods, AKS's default for azure pod-subnet"),
        ({"networkPlugin": "azure"}, {}, 30, "max pods not given: 30 pods, AKS's default for azure"),
        (None, {}, 30, "max pods not given, CNI not known: AKS's least default, 30 pods"),
        ({"networkPlugin": "azure", "networkPluginMode": "overlay"}, {"maxPods": 40}, 40, "40 pods"),
    ],
    ids=["overlay", "kubenet", "pod-subnet", "legacy", "unknown", "stated"],
)
def test_an_aks_node_without_max_pods_counts_the_default_of_its_cni(network, profile, pods, says):
    found = node_room(aks_cluster(network, **profile), "system", 8, 64, "Standard_D8ds_v5")
    kube_mib = (20 * pods + 50) * 1e6 / 2**20  # under a quarter of 64 GiB for every count here
    assert round(found.gib * 1024, 4) == round(65536 - 100 - kube_mib, 4)
    assert found.basis == f"AKS per node: 180m CPU kube-reserved, {kube_mib:.0f} MiB kube-reserved ({says}), 100 MiB eviction threshold"


def test_an_aks_pool_before_1_29_counts_only_the_eviction_rule():
    found = node_room(record("azure-native:containerservice:AgentPool", orchestratorVersion="1.28"), None, 4, 16, "x")
    assert round(found.gib * 1024, 4) == 16384 - 100
    assert found.basis == "AKS per node: 140m CPU kube-reserved, kube-reserved memory not counted (before 1.29, or no literal version), 100 MiB eviction threshold"
