"""NetworkPolicies are enforced where the plan registers them: each cloud's cluster is configured for it.

The serving layer gives every model server a NetworkPolicy ("only the gateway may call"); these tests
check the setting that makes each managed cluster's network plugin enforce it, as the plan records it.
"""

from __future__ import annotations

import json

import pytest

from hangar.plan import plan_stack
from hangar.records import Plan
from tests.conftest import ROOT

NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {stack: plan_stack(ROOT, stack) for stack in ("eks-prod", "gke-dev", "aks-staging")}


@pytest.mark.parametrize("stack", ["eks-prod", "gke-dev", "aks-staging"])
def test_the_examples_register_network_policies(plans, stack):
    """What the settings below protect: without them these objects would exist on paper only."""
    assert plans[stack].of_type(NETWORK_POLICY), stack


def test_eks_configures_the_vpc_cni_add_on_to_enforce_network_policies(plans):
    (addon,) = [r for r in plans["eks-prod"].of_type("aws:eks/addon:Addon") if r.inputs["addonName"] == "vpc-cni"]
    assert json.loads(addon.inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}
    # Only the VPC CNI takes configuration values; the EBS CSI driver keeps its defaults.
    (ebs,) = [r for r in plans["eks-prod"].of_type("aws:eks/addon:Addon") if r.inputs["addonName"] == "aws-ebs-csi-driver"]
    assert "configurationValues" not in ebs.inputs


def test_gke_runs_dataplane_v2_which_always_enforces_network_policy(plans):
    (cluster,) = plans["gke-dev"].of_type("gcp:container/cluster:Cluster")
    assert cluster.inputs["datapathProvider"] == "ADVANCED_DATAPATH"
    # Dataplane V2 and the legacy Calico add-on are alternatives: the Calico switch stays off.
    assert "networkPolicy" not in cluster.inputs


def test_aks_enforces_network_policy_with_cilium(plans):
    (cluster,) = plans["aks-staging"].of_type("azure-native:containerservice:ManagedCluster")
    profile = cluster.inputs["networkProfile"]
    assert (profile["networkPolicy"], profile["networkDataplane"]) == ("cilium", "cilium")
