"""Prod realtime serving survives one node: two replicas or more, spread over nodes and zones, enforced.

A prod deployment of latency class realtime whose replicas or pool cannot survive the loss of one
node is a config error naming the key; elsewhere the replicas only prefer to spread over zones.
"""

from __future__ import annotations

import pytest

from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems
from tests.serving_plans import example_plan, plan_environment, pod_templates, raw_environment, workloads

ZONE, HOSTNAME = "topology.kubernetes.io/zone", "kubernetes.io/hostname"


def _spread(workload) -> dict[str, dict]:
    return {c["topologyKey"]: c for c in pod_templates(workload)[0]["spec"].get("topologySpreadConstraints", [])}


def test_the_prod_realtime_example_is_enforced_over_nodes_and_at_least_two_zones():
    (workload,) = workloads(example_plan("eks-prod"))
    spread = _spread(workload)
    selector = {"matchLabels": {"app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "llama-70b"}}
    assert spread[HOSTNAME] == {"maxSkew": 1, "topologyKey": HOSTNAME, "whenUnsatisfiable": "DoNotSchedule", "labelSelector": selector}
    assert spread[ZONE] == {"maxSkew": 1, "topologyKey": ZONE, "whenUnsatisfiable": "DoNotSchedule", "minDomains": 2, "labelSelector": selector}


@pytest.mark.parametrize("stack", ["gke-dev", "aks-staging", "onprem"])
def test_other_tiers_and_classes_only_prefer_to_spread_over_zones(stack):
    (workload,) = workloads(example_plan(stack))
    assert [(c["topologyKey"], c["whenUnsatisfiable"]) for c in _spread(workload).values()] == [(ZONE, "ScheduleAnyway")]


def test_prod_realtime_on_prem_is_enforced_over_nodes_and_prefers_zones_a_site_may_not_label():
    environment = raw_environment("onprem")
    environment["deployments"][0]["latency_class"] = "realtime"
    (workload,) = workloads(plan_environment(environment))
    spread = _spread(workload)
    assert spread[HOSTNAME]["whenUnsatisfiable"] == "DoNotSchedule"
    assert spread[ZONE]["whenUnsatisfiable"] == "ScheduleAnyway" and "minDomains" not in spread[ZONE]


def test_a_multi_host_prod_realtime_replica_spreads_its_groups_by_their_leaders():
    environment = raw_environment("eks-prod")
    environment["clusters"][0]["node_pools"][0]["max_nodes"] = 4
    environment["deployments"][0].update(tensor_parallel=16, autoscaling={"min_replicas": 2, "max_replicas": 2})
    (workload,) = workloads(plan_environment(environment))
    assert workload["kind"] == "LeaderWorkerSet"
    leader, worker = pod_templates(workload)
    constraints = leader["spec"]["topologySpreadConstraints"]
    assert {(c["topologyKey"], c["whenUnsatisfiable"]) for c in constraints} == {(HOSTNAME, "DoNotSchedule"), (ZONE, "DoNotSchedule")}
    assert all(c["labelSelector"]["matchLabels"]["hangar.dev/role"] == "leader" for c in constraints)
    assert "topologySpreadConstraints" not in worker["spec"]


@pytest.mark.parametrize(
    ("autoscaling", "given"),
    [({"min_replicas": 1, "max_replicas": 4}, "got 1"), ({"max_replicas": 4}, "got 'unset (the realtime default is 1)'")],
)
def test_prod_realtime_with_fewer_than_two_replicas_is_a_config_error(autoscaling, given):
    environment = raw_environment("eks-prod")
    environment["deployments"][0]["autoscaling"] = autoscaling
    (problem,) = config_problems(environment, "Pulumi.eks-prod.yaml")
    assert problem.startswith(
        "Pulumi.eks-prod.yaml: hangar:environment.deployments[0].autoscaling.min_replicas: prod realtime serving must survive the loss of one node: "
        "at least 2 replicas, on two nodes in two zones"
    )
    assert problem.endswith(given)


def test_a_prod_realtime_pool_of_one_node_is_a_config_error_naming_its_max_nodes():
    environment = raw_environment("eks-prod")
    environment["clusters"][0]["node_pools"][0]["max_nodes"] = 1  # 8 GPUs hold two TP-4 replicas, but on one node
    environment["deployments"][0]["autoscaling"] = {"min_replicas": 2, "max_replicas": 2}
    problems = config_problems(environment, "Pulumi.eks-prod.yaml")
    assert any(p.startswith("Pulumi.eks-prod.yaml: hangar:environment.clusters[0].node_pools[0].max_nodes: prod realtime serving must survive") for p in problems), problems


def test_a_prod_realtime_pool_in_one_zone_is_a_config_error_naming_its_zones():
    environment = raw_environment("eks-prod")
    environment["clusters"][0]["node_pools"][0]["zones"] = ["us-east-1a"]
    (problem,) = config_problems(environment, "Pulumi.eks-prod.yaml")
    assert problem == (
        "Pulumi.eks-prod.yaml: hangar:environment.clusters[0].node_pools[0].zones: prod realtime serving must survive the loss of one node: "
        'the pool must span two zones; got ["us-east-1a"]'
    )


def test_staging_realtime_may_run_one_replica():
    environment = raw_environment("eks-prod")
    environment.update(tier="staging")
    environment["deployments"][0]["autoscaling"] = {"min_replicas": 1, "max_replicas": 2}
    environment["clusters"][0]["node_pools"][0]["zones"] = ["us-east-1a"]
    assert environment_from_config(environment, "Pulumi.eks-prod.yaml").deployments[0].autoscaling.min_replicas == 1
