"""The cloud's own add-ons on the system pool (`hangar.policies.rules.cloud_add_ons`): EKS's are counted where their
requests were read, GKE's and AKS's are named as not counted; an EKS node's memory between Karpenter's guess and EC2's
cannot be judged (`hangar.policies.rules.node_allocatable`).

Hangar's EKS cluster installs the `vpc-cni` and `aws-ebs-csi-driver` add-ons. On three m6i.large system nodes: aws-node
50m on each, ebs-csi-node 30m and 104 MiB on each, two ebs-csi-controller pods of 50m and 192 MiB: 0.34 CPU and 696 MiB.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

from hangar.policies.rules import POLICIES, evaluate
from hangar.policies.rules.cloud_add_ons import AKS_UNREAD, EKS_UNREAD, GKE_UNREAD
from hangar.policies.rules.routing import ROUTING

from hangar.records import ResourceRecord
from tests.serving_plans import AWS_HEADER, aks, aws, gke, plan_environment

EKS_CLUSTER = "aws:eks/cluster:Cluster"
ADD_ON = "aws:eks/addon:Addon"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
RELEASE = "kubernetes:helm.sh/v3:Release"
AWS_NODE = "aws-node (EKS add-on vpc-cni: aws/amazon-vpc-cni-k8s v1.23.0) x3"
EBS = ("ebs-csi-node (EKS add-on aws-ebs-csi-driver: chart aws-ebs-csi-driver 2.64.0) x3, "
       "ebs-csi-controller (EKS add-on aws-ebs-csi-driver: chart aws-ebs-csi-driver 2.64.0) x2")  # fmt: skip


def eks_records(picker_cpu: float) -> list[ResourceRecord]:
    raw = aws(copy.deepcopy(AWS_HEADER))
    raw["gateway"] = {"picker_cpu": picker_cpu}
    return list(plan_environment(raw).resources)


def system_messages(records: list[ResourceRecord]) -> list[str]:
    configs = {policy.name: policy.config_model() for policy in POLICIES}
    return [v.message for v in evaluate(records, configs) if v.policy == ROUTING and v.message.startswith("the pods that select pool ")]


def changed(records: list[ResourceRecord], keep: Any, **inputs: Any) -> list[ResourceRecord]:
    """The records with those matching `keep` given extra inputs (None drops the record)."""
    out = []
    for record in records:
        if not keep(record):
            out.append(record)
        elif inputs.get("drop"):
            continue
        else:
            out.append(dataclasses.replace(record, inputs={**record.inputs, **inputs}))
    return out


def without_add_ons(records: list[ResourceRecord]) -> list[ResourceRecord]:
    """No add-on record, and a cluster that bootstraps none (`bootstrapSelfManagedAddons: false`)."""
    records = changed(records, lambda r: r.type == ADD_ON, drop=True)
    return changed(records, lambda r: r.type == EKS_CLUSTER, bootstrapSelfManagedAddons=False)


def test_on_eks_a_system_pool_that_fits_without_the_add_ons_does_not_fit_with_them():
    # Four pickers at 1.15 CPU, KEDA's 0.3, istiod's 0.5 and the gateway pod's 0.1: 5.5 CPU fit the 5.79 three m6i.large
    # nodes allocate; the add-ons' 0.34 make 5.84.
    records = eks_records(1.15)
    assert system_messages(without_add_ons(records)) == []
    (message,) = system_messages(records)
    assert message.startswith("the pods that select pool system request 5.84 CPU (its nodes allocate at most 5.79 of their 6 vCPU)")
    assert f"{AWS_NODE}, {EBS}; not counted: {EKS_UNREAD});" in message
    assert EKS_UNREAD == "EKS's kube-proxy (DaemonSet) and CoreDNS (two pods): AWS publishes no requests for them in a source read here"


def test_a_cluster_that_bootstraps_its_add_ons_runs_aws_node_without_an_add_on_record():
    records = changed(eks_records(1.15), lambda r: r.type == ADD_ON, drop=True)
    (message,) = system_messages(changed(eks_records(1.2), lambda r: r.type == ADD_ON, drop=True))
    # 4.8 + 0.9 + aws-node's 3 x 0.05 = 5.85; without the EBS driver's record its pods are not there to count.
    assert "request 5.85 CPU" in message and f"{AWS_NODE}; not counted: {EKS_UNREAD})" in message
    assert system_messages(records) == []  # 4.6 + 0.9 + 0.15 = 5.65


def test_an_add_on_whose_configuration_may_change_its_pods_is_named_not_counted():
    records = eks_records(1.2)
    configured = changed(records, lambda r: r.type == ADD_ON and r.inputs.get("addonName") == "aws-ebs-csi-driver",
                         configurationValues=json.dumps({"controller": {"replicaCount": 1}}))  # fmt: skip
    (message,) = system_messages(configured)
    assert "request 5.85 CPU" in message  # 4.8 + 0.9 + aws-node's 0.15
    assert f"not counted: EKS add-on aws-ebs-csi-driver (its configurationValues may change its pods); {EKS_UNREAD})" in message
    other = changed(records, lambda r: r.type == ADD_ON and r.inputs.get("addonName") == "aws-ebs-csi-driver", addonName="eks-pod-identity-agent")
    assert "EKS add-on eks-pod-identity-agent (its pods are not read here)" in system_messages(other)[0]


def test_the_ebs_controller_counts_on_the_system_pool_only_where_no_other_pool_can_take_it():
    records = eks_records(1.2)
    untainted = changed(records, lambda r: r.type == NODE_GROUP and r.inputs.get("taints"), taints=[])
    (message,) = system_messages(untainted)
    assert "request 5.94 CPU" in message  # the controller's two 50m pods left out
    assert "ebs-csi-controller (EKS add-on aws-ebs-csi-driver: chart aws-ebs-csi-driver 2.64.0) x2 (it may run on pool h100, l4)" in message


def test_an_eks_node_between_karpenters_guess_and_ec2s_memory_cannot_be_judged():
    # istiod asking 12 GiB: 21.12 GiB in all, within the 22.03 three m6i.large allocate from EC2's memory, above the
    # 20.22 (3 x 6903 MiB) they allocate if each node's memory is Karpenter's 7.5 % under EC2's.
    records = eks_records(1)
    istiod = next(r for r in records if r.type == RELEASE and r.inputs["chart"] == "istiod")
    values = {**istiod.inputs["values"], "resources": {"requests": {"memory": "12Gi"}}}
    (message,) = system_messages(changed(records, lambda r: r is istiod, values=values))
    assert message.startswith(
        "the pods that select pool system request 21.12 GiB in all: within the 22.03 its 3 m6i.large node(s) allocate at most (EKS AL2023 "
        "per node: 70m CPU and 574 MiB kube-reserved (29 pods), 100 MiB eviction threshold), but above the 20.22 they allocate at 6903 "
        "MiB a node if its memory is 615 MiB under EC2's 8192, Karpenter's default guess of a VM's overhead (7.5%): whether they all "
        "run depends on the nodes' real memory, which no source read here states, so this cannot be judged (counted: ")
    values["resources"] = {"requests": {"memory": "11Gi"}}
    assert system_messages(changed(records, lambda r: r is istiod, values=values)) == []  # 20.12 GiB: under the guess too


def test_on_gke_the_clouds_own_pods_are_named_not_counted():
    # Four pickers at 2.9 CPU and KEDA's 0.3 over the 11.76 three e2-standard-4 allocate; 2.8 fits: nothing of GKE's is added.
    (message,) = system_messages(list(plan_environment(gke(picker_cpu=2.9)).resources))
    assert "request 11.9 CPU" in message and f"not counted: {GKE_UNREAD})" in message
    assert system_messages(list(plan_environment(gke(picker_cpu=2.8)).resources)) == []


def test_on_aks_the_clouds_own_pods_are_named_not_counted():
    # Four pickers at 2.75 CPU, KEDA's 0.3, istiod's 0.5 and the gateway pod's 0.1 over the 11.58 three Standard_D4ds_v5
    # allocate; 2.6 fits: nothing of AKS's is added.
    (message,) = system_messages(list(plan_environment(aks(picker_cpu=2.75)).resources))
    assert "request 11.9 CPU" in message and f"not counted: {AKS_UNREAD})" in message
    assert system_messages(list(plan_environment(aks(picker_cpu=2.6)).resources)) == []

