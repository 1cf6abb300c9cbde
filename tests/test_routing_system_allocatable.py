"""The system pool is judged by what its nodes allocate (issue 15): each cloud's documented or shipped reserve is taken
off the machine's capacity where it was read (`hangar.policies.rules.node_allocatable` cites each), and the message
says which reserve it took, or that it took none.

EKS m6i.large on AL2023: 70m CPU (6% of the first core, 1% of the second) and 11 x 29 + 255 = 574 MiB kube-reserved
(3 ENIs x 9 addresses + 2 = 29 pods), 100 MiB eviction: 1.93 vCPU and 7518 MiB a node. AKS Standard_D4ds_v5: 140m CPU
(4 cores), 100 MiB eviction, kube-reserved memory by max pods (the pool's, else its CNI's default). GKE: see
tests/test_node_allocatable.py.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hangar.policies.rules import POLICIES, evaluate, load_pack_config
from hangar.policies.rules.config import pack_config_for
from hangar.policies.rules.node_allocatable import node_room
from hangar.policies.rules.routing import ROUTING

from hangar.records import ResourceRecord
from hangar.spec import Environment
from tests.pack_agreement import offline_verdicts, pack_verdicts
from tests.serving_plans import AWS_HEADER, aks, aws, gke, plan_environment


def record(type_: str, **inputs: Any) -> ResourceRecord:
    return ResourceRecord(urn=f"urn:pulumi:test::p::{type_}::pool", type=type_, name="pool", parent=None, custom=True, provider=None, inputs=inputs)


def room(pool: ResourceRecord, vcpus: float, gib: float, machine: str, name: str | None = None) -> tuple[float, float, bool]:
    found = node_room(pool, name, vcpus, gib, machine)
    return round(found.cpu, 4), round(found.gib * 1024, 2), found.reserved


def test_an_eks_al2023_node_keeps_nodeadms_reserve_for_its_max_pods():
    pool = record("aws:eks/nodeGroup:NodeGroup", amiType="AL2023_x86_64_STANDARD")
    assert room(pool, 2, 8, "m6i.large") == (1.93, 8192 - 574 - 100, True)
    assert node_room(pool, None, 2, 8, "m6i.large").basis == (
        "EKS AL2023 per node: 70m CPU and 574 MiB kube-reserved (29 pods), 100 MiB eviction threshold")
    # 8 cores: 60 + 10 + 2 x 5 + 4 x 2.5 = 90m; an instance type whose ENIs are not listed keeps at least 255 MiB.
    assert room(pool, 8, 32, "m7i.2xlarge") == (7.91, 32768 - 255 - 100, True)


def test_other_eks_ami_types_are_taken_at_capacity_and_say_so():
    assert room(record("aws:eks/nodeGroup:NodeGroup", amiType="BOTTLEROCKET_x86_64"), 2, 8, "m6i.large") == (2, 8192, False)
    assert node_room(record("aws:eks/nodeGroup:NodeGroup"), None, 2, 8, "m6i.large").basis == "capacity: the reserve of AMI type (not given) is not read here"


def test_an_aks_node_keeps_its_cpu_by_cores_and_memory_by_max_pods_from_1_29():
    cluster = record("azure-native:containerservice:ManagedCluster", kubernetesVersion="1.33",
                     agentPoolProfiles=[{"name": "system", "vmSize": "Standard_D4ds_v5"}])  # fmt: skip
    # No maxPods and no network profile in the record: AKS's least default max pods, 30 (650 MB).
    assert room(cluster, 4, 16, "Standard_D4ds_v5", "system") == (3.86, round(16384 - 100 - 650e6 / 2**20, 2), True)
    # 20 MB x 30 pods + 50 MB = 650 MB (619.89 MiB), less than a quarter of 16 GiB.
    with_pods = record("azure-native:containerservice:AgentPool", orchestratorVersion="1.33", maxPods=30)
    assert room(with_pods, 4, 16, "Standard_D4ds_v5") == (3.86, round(16384 - 100 - 650e6 / 2**20, 2), True)
    # A quarter of the memory caps it: 250 pods would be 5,050 MB on a 16 GiB node, so 4 GiB.
    assert room(record("azure-native:containerservice:AgentPool", orchestratorVersion="1.34", maxPods=250), 4, 16, "x") == (3.86, 16384 - 100 - 4096, True)
    # Before 1.29 (or with no literal version) no kube-reserved memory is counted; a core count the table lacks reserves no CPU.
    assert room(record("azure-native:containerservice:AgentPool", orchestratorVersion="1.28", maxPods=30), 6, 24, "x") == (6, 24576 - 100, True)


def eks(**gateway: Any) -> dict[str, Any]:
    raw = aws(copy.deepcopy(AWS_HEADER))
    raw["gateway"] = gateway
    return raw


def system_messages(raw: dict[str, Any]) -> list[str]:
    configs = {policy.name: policy.config_model() for policy in POLICIES}
    records = plan_environment(raw).resources
    return [v.message for v in evaluate(records, configs) if v.policy == ROUTING and v.message.startswith("the pods that select pool ")]


def test_on_eks_pods_that_fit_the_capacity_but_not_the_allocatable_are_refused():
    # Four pickers at 1.15 CPU, KEDA's 0.3, istiod's 0.5, the Istio gateway pod's 0.1 and the EKS add-ons' 0.34 (aws-node
    # and ebs-csi-node on each node, two ebs-csi-controller pods): 5.84 CPU, under the 6 the three m6i.large nodes have,
    # more than their 5.79.
    (message,) = system_messages(eks(picker_cpu=1.15))
    assert message.startswith(
        "the pods that select pool system request 5.84 CPU (its nodes allocate at most 5.79 of their 6 vCPU) in all at its 3 m6i.large "
        "node(s) at most, after the kubelet's reserve (EKS AL2023 per node: 70m CPU and 574 MiB kube-reserved (29 pods), 100 MiB "
        "eviction threshold): they can never all run (counted: "
    )
    assert system_messages(eks(picker_cpu=1.1)) == []  # 5.64 CPU fit the 5.79



def test_on_aks_the_cpu_reserve_by_cores_and_the_memory_by_the_cnis_default_max_pods_are_taken_off():
    # Four pickers at 2.75 CPU, KEDA's 0.3, istiod's 0.5 and the gateway pod's 0.1: 11.9 CPU, under the 12 vCPU of three
    # Standard_D4ds_v5, over their 11.58.
    (message,) = system_messages(aks(picker_cpu=2.75))
    assert message.startswith(
        "the pods that select pool system request 11.9 CPU (its nodes allocate at most 11.58 of their 12 vCPU) in all at its 3 "
        "Standard_D4ds_v5 node(s) at most, after the kubelet's reserve (AKS per node: 140m CPU kube-reserved, 4096 MiB kube-reserved "
        "(max pods not given: 250 pods, AKS's default for azure overlay), 100 MiB eviction threshold): they can never all run"
    )
    assert system_messages(aks(picker_cpu=2.6)) == []  # 11.3 CPU fit


def test_on_gke_the_message_says_the_reserve_was_taken():
    (message,) = system_messages(gke(picker_cpu=3))
    # Four pickers at 3 CPU and KEDA's 0.3 on three e2-standard-4 nodes: over even their capacity.
    assert message.startswith(
        "the pods that select pool system request 12.3 CPU (its nodes allocate at most 11.76 of their 12 vCPU) in all at its 3 "
        "e2-standard-4 node(s) at most, after the kubelet's reserve (GKE per node: 80m CPU and 2623 MiB kube-reserved, 100 MiB "
        "eviction threshold): they can never all run"
    )


def test_on_gke_pods_that_fit_the_capacity_but_not_the_allocatable_are_refused():
    # Four pickers at 2.9 CPU and KEDA's 0.3: 11.9 CPU, under the 12 vCPU of three e2-standard-4, over their 11.76.
    (message,) = system_messages(gke(picker_cpu=2.9))
    assert message.startswith(
        "the pods that select pool system request 11.9 CPU (its nodes allocate at most 11.76 of their 12 vCPU) in all at its 3 "
        "e2-standard-4 node(s) at most, after the kubelet's reserve (GKE per node: 80m CPU and 2623 MiB kube-reserved, 100 MiB "
        "eviction threshold): they can never all run"
    )
    assert system_messages(gke(picker_cpu=2.8)) == []  # 11.5 CPU fit


@pytest.mark.parametrize("raw", [eks(picker_cpu=1.3), aks(picker_cpu=2.75), gke(picker_cpu=2.9)], ids=["eks", "aks", "gke"])
def test_the_pack_over_grpc_takes_the_same_reserve(raw):
    records = list(plan_environment(raw).resources)
    configs = load_pack_config(pack_config_for(Environment.model_validate(raw)), "test")
    offline = offline_verdicts(records, configs, ROUTING)
    assert any("after the kubelet's reserve" in message for _, _, message, _ in offline)
    assert pack_verdicts(records, configs, ROUTING) == offline
