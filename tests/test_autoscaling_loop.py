"""The numbers README's "Serving and autoscaling" loop quotes, read from the example stacks' plans.

eks-prod (realtime): two replicas per h100 node, the node group's maximum of 2 nodes that the Cluster
Autoscaler grows it to; gke-dev (batch): 0-2 replicas woken by the HTTP add-on's trigger, 8 requests per
replica, back to zero after 1800 s, on a pool of 0-2 nodes. If a stack or a default changes, this fails
and the README must be read again.
"""

from __future__ import annotations

from tests.serving_plans import example_plan, of_kind

RELEASE = "kubernetes:helm.sh/v3:Release"


def test_eks_prod_a_third_replica_needs_the_second_node_the_cluster_autoscaler_adds():
    plan = example_plan("eks-prod")
    (scaled,) = of_kind(plan, "ScaledObject")
    assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (2, 4)
    (group,) = [r.inputs for r in plan if r.type == "aws:eks/nodeGroup:NodeGroup" and r.name.endswith("-h100")]
    assert group["scalingConfig"]["maxSize"] == 2 and group["scalingConfig"]["minSize"] == 1
    (workload,) = [w for w in of_kind(plan, "Deployment") if w["metadata"]["name"] == "llama-70b"]  # weights from the shared store
    (container,) = workload["spec"]["template"]["spec"]["containers"]
    assert 8 // int(container["resources"]["limits"]["nvidia.com/gpu"]) == 2  # replicas per 8-GPU node
    (autoscaler,) = [r.inputs for r in plan if r.type == RELEASE and r.inputs["chart"] == "cluster-autoscaler"]
    assert autoscaler["version"] == "9.59.0"


def test_gke_dev_batch_wakes_from_zero_and_returns_there_after_its_cooldown():
    plan = example_plan("gke-dev")
    (scaled,) = of_kind(plan, "ScaledObject")
    spec = scaled["spec"]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"], spec["cooldownPeriod"]) == (0, 2, 1800)
    (queue,) = [t for t in spec["triggers"] if t["type"] == "prometheus"]
    assert queue["metadata"]["threshold"] == "8" and "vllm:num_requests_running" in queue["metadata"]["query"]
    assert any(t["type"] == "external-push" for t in spec["triggers"])  # the HTTP add-on's interceptor wakes it
    (pool,) = [r.inputs for r in plan if r.type == "gcp:container/nodePool:NodePool" and r.name.endswith("l4-spot")]
    assert (pool["autoscaling"]["totalMinNodeCount"], pool["autoscaling"]["totalMaxNodeCount"]) == (0, 2)
