"""Nodes follow replicas on EKS: the Cluster Autoscaler, its IAM, the scale-from-zero tags and its limits.

The limits it scales within are the node groups' min/max sizes, which are the pools' `min_nodes` /
`max_nodes` — the same numbers the cost model prices, checked here against `hangar.cost`.
"""

from __future__ import annotations

import copy
import json

import pytest
from hangar.components.aws_autoscaler import IMAGE_TAGS, POLICY_READ_ACTIONS, POLICY_SCALE_ACTIONS

from hangar.cost import price_plan
from hangar.plan import plan_program, plan_stack
from hangar.records import Plan, ResourceRecord
from hangar.stackfile import environment_from_config
from tests.conftest import AWS_ENVIRONMENT, ROOT
from tests.program_plans import plan_environment

RELEASE = "kubernetes:helm.sh/v3:Release"
COMPONENT = "hangar:aws:ClusterAutoscaler"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
ASG_TAG = "aws:autoscaling/tag:Tag"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TEMPLATE = "k8s.io/cluster-autoscaler/node-template"
EKS_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}


def autoscaler_release(plan: Plan) -> ResourceRecord:
    [release] = [r for r in plan.of_type(RELEASE) if r.inputs.get("chart") == "cluster-autoscaler"]
    return release


def asg_tags(plan: Plan, node_group: ResourceRecord) -> dict[str, str]:
    """The tags put on a node group's Auto Scaling group (the mock names it after the node group)."""
    asg = f"eks-{node_group.name}-asg"
    return {r.inputs["tag"]["key"]: r.inputs["tag"]["value"] for r in plan.of_type(ASG_TAG) if r.inputs["autoscalingGroupName"] == asg}


@pytest.fixture(scope="module")
def eks_prod() -> Plan:
    return plan_stack(ROOT, "eks-prod")


@pytest.fixture(scope="module")
def two_pools() -> Plan:
    raw = copy.deepcopy(AWS_ENVIRONMENT)
    raw["clusters"][0]["node_pools"][0]["taints"] = [{"key": "example.com/dedicated", "value": "llm", "effect": "NoExecute"}]
    raw["clusters"][0]["node_pools"][0]["labels"] = {"example.com/team": "search"}
    return plan_environment(raw)


def test_eks_runs_the_pinned_cluster_autoscaler_for_its_kubernetes_minor_on_the_system_nodes(eks_prod):
    release = autoscaler_release(eks_prod)
    inputs = release.inputs
    assert (inputs["chart"], inputs["version"], inputs["repositoryOpts"]) == ("cluster-autoscaler", "9.59.0", {"repo": "https://kubernetes.github.io/autoscaler"})
    assert inputs["namespace"] == "kube-system"
    values = inputs["values"]
    [cluster] = eks_prod.of_type("aws:eks/cluster:Cluster")
    assert values["cloudProvider"] == "aws"
    assert values["autoDiscovery"] == {"clusterName": cluster.inputs["name"]}
    assert values["awsRegion"] == "us-east-1"
    minor = cluster.inputs["version"]  # the stack's kubernetes_version
    assert values["image"] == {"tag": IMAGE_TAGS[minor]} and IMAGE_TAGS[minor].startswith(f"v{minor}.")
    assert values["nodeSelector"] == {"hangar.dev/pool": "system"}
    system = [g for g in eks_prod.of_type(NODE_GROUP) if g.inputs["labels"]["hangar.dev/pool"] == "system"]
    assert system and not system[0].inputs.get("taints")  # nothing keeps it off the system nodes
    [provider] = eks_prod.of_type("pulumi:providers:kubernetes")
    assert release.provider_urn == provider.urn


@pytest.mark.parametrize("minor", ["1.33", "1.35"])
def test_the_image_follows_the_clusters_minor(minor):
    raw = copy.deepcopy(AWS_ENVIRONMENT)
    raw["clusters"][0]["kubernetes_version"] = minor
    raw["deployments"][0]["autoscaling"]["min_replicas"] = 1  # at zero the KEDA HTTP add-on would come, and it refuses 1.33
    values = autoscaler_release(plan_environment(raw)).inputs["values"]
    assert values["image"]["tag"] == IMAGE_TAGS[minor]
    assert values["image"]["tag"].startswith(f"v{minor}.")


def test_its_irsa_role_is_trusted_only_by_its_service_account_and_holds_the_documented_policy(eks_prod):
    [component] = eks_prod.of_type(COMPONENT)
    [role] = [r for r in eks_prod.of_type(ROLE) if r.parent == component.urn]
    values = autoscaler_release(eks_prod).inputs["values"]
    account = values["rbac"]["serviceAccount"]
    assert account["annotations"]["eks.amazonaws.com/role-arn"].endswith(role.name)
    [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    conditions = statement["Condition"]["StringEquals"]
    assert [v for k, v in conditions.items() if k.endswith(":sub")] == [f"system:serviceaccount:kube-system:{account['name']}"]
    [policy] = [r for r in eks_prod.of_type(ROLE_POLICY) if r.parent == component.urn]
    read, scale = json.loads(policy.inputs["policy"])["Statement"]
    assert set(read["Action"]) == set(POLICY_READ_ACTIONS) and read["Resource"] == ["*"] and "Condition" not in read
    assert set(scale["Action"]) == {"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"} == set(POLICY_SCALE_ACTIONS)
    # it may resize and shrink only the Auto Scaling groups tagged for this cluster
    [cluster] = eks_prod.of_type("aws:eks/cluster:Cluster")
    assert scale["Condition"] == {"Null": {f"autoscaling:ResourceTag/k8s.io/cluster-autoscaler/{cluster.inputs['name']}": "false"}}
    assert not any("*" in action for s in (read, scale) for action in s["Action"])


def test_gpu_groups_carry_what_scaling_up_from_zero_needs(two_pools):
    gpu_groups = [g for g in two_pools.of_type(NODE_GROUP) if g.inputs["amiType"].endswith("NVIDIA")]
    assert len(gpu_groups) == 2
    gpus = {"l4": "1", "h100": "8"}  # g6.xlarge-class L4 nodes have one GPU; p5.48xlarge eight
    for group in gpu_groups:
        tags = asg_tags(two_pools, group)
        pool = group.inputs["labels"]["hangar.dev/pool"]
        labels = {k.removeprefix(f"{TEMPLATE}/label/"): v for k, v in tags.items() if k.startswith(f"{TEMPLATE}/label/")}
        taints = {k.removeprefix(f"{TEMPLATE}/taint/"): v for k, v in tags.items() if k.startswith(f"{TEMPLATE}/taint/")}
        assert labels == group.inputs["labels"], pool
        assert taints == {t["key"]: f"{t.get('value', '')}:{EKS_EFFECTS[t['effect']]}" for t in group.inputs["taints"]}, pool
        assert tags[f"{TEMPLATE}/resources/nvidia.com/gpu"] == gpus[pool]
    l4 = asg_tags(two_pools, next(g for g in gpu_groups if g.inputs["labels"]["hangar.dev/pool"] == "l4"))
    assert l4[f"{TEMPLATE}/taint/example.com/dedicated"] == "llm:NoExecute"
    assert l4[f"{TEMPLATE}/label/example.com/team"] == "search"
    assert all(r.inputs["tag"]["propagateAtLaunch"] is False for r in two_pools.of_type(ASG_TAG))


def test_its_limits_are_the_pools_and_the_cost_models_numbers(two_pools):
    [component] = two_pools.of_type(COMPONENT)
    limits = component.inputs["nodeGroups"]
    spec = {p["name"]: (p["min_nodes"], p["max_nodes"]) for p in AWS_ENVIRONMENT["clusters"][0]["node_pools"]}
    priced = {line.pool: (line.count_min, line.count_max) for line in price_plan(two_pools).lines}
    groups = {g.inputs["labels"]["hangar.dev/pool"]: (g.inputs["scalingConfig"]["minSize"], g.inputs["scalingConfig"]["maxSize"]) for g in two_pools.of_type(NODE_GROUP)}
    for pool, (low, high) in spec.items():
        assert (limits[pool]["minNodes"], limits[pool]["maxNodes"]) == (low, high) == priced[pool] == groups[pool], pool
    # the system group is discovered too, within the bounds it is priced at
    assert (limits["system"]["minNodes"], limits["system"]["maxNodes"]) == priced["system"] == groups["system"]


def test_a_kubernetes_minor_without_an_autoscaler_release_stops_before_anything_is_registered():
    from hangar.components.aws import AwsGpuCluster

    raw = copy.deepcopy(AWS_ENVIRONMENT)
    raw["clusters"][0]["kubernetes_version"] = "1.27"
    raw["clusters"][0]["replica_autoscaler"] = "hpa"  # the KEDA Hangar installs does not support 1.27: that error would come first
    raw["deployments"][0]["autoscaling"]["min_replicas"] = 1
    environment = environment_from_config(raw, "test")
    message = r"hangar:environment\.clusters\[0\]\.kubernetes_version: no Cluster Autoscaler release is known for Kubernetes 1\.27 .*known: 1\.28, .*; got '1\.27'"

    def program() -> None:
        with pytest.raises(ValueError, match=message):
            AwsGpuCluster("main", environment.clusters[0], environment)

    assert len(plan_program(program, project="hangar", stack="test")) == 0
