"""Nodes follow replicas on GKE, AKS and on-prem: pool bounds, autoscaling, and room for every replica at once.

GKE and AKS scale GPU pools themselves, within the bounds Hangar sets from `min_nodes`/`max_nodes`
(the numbers the cost model prices); the spec refuses deployments whose `max_replicas` a pool
cannot hold, alone or together with the other deployments of that pool. On-prem nothing adds
nodes: `max_nodes` is how many existing nodes the environment may use, and bounds the replicas.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from hangar.cost import price_plan
from hangar.replica import replica_shape
from hangar.spec import OnPremGpuNodes
from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems
from tests.conftest import AWS_ENVIRONMENT
from tests.serving_plans import example_environment, example_plan, raw_environment

GKE_POOL = "gcp:container/nodePool:NodePool"
AGENT_POOL = "azure-native:containerservice:AgentPool"


def example(stack: str) -> tuple[Any, Any]:
    return example_environment(stack), example_plan(stack)


# --- GKE and AKS: the cloud's autoscaler, bounded by the pool ------------------------------------------


@pytest.mark.parametrize("stack", ["gke-dev", "aks-staging"])
def test_gpu_pools_autoscale_within_the_pools_bounds_which_hold_every_deployments_max_replicas(stack):
    environment, plan = example(stack)
    [cluster] = environment.clusters
    priced = {line.pool: (line.count_min, line.count_max) for line in price_plan(plan).lines}
    for pool in cluster.node_pools:
        if stack == "gke-dev":
            [record] = [r for r in plan.of_type(GKE_POOL) if r.inputs["nodeConfig"]["labels"].get("hangar-dev_pool", r.inputs["nodeConfig"]["labels"].get("hangar.dev/pool")) == pool.name]
            autoscaling = record.inputs["autoscaling"]
            bounds = (autoscaling["totalMinNodeCount"], autoscaling["totalMaxNodeCount"])
        else:
            [record] = [r for r in plan.of_type(AGENT_POOL) if r.inputs["nodeLabels"]["hangar.dev/pool"] == pool.name]
            assert record.inputs["enableAutoScaling"] is True
            bounds = (record.inputs["minCount"], record.inputs["maxCount"])
        assert bounds == (pool.min_nodes, pool.max_nodes) == priced[pool.name], pool.name
        deployments = [d for d in environment.deployments if d.pool == pool.name]
        assert deployments
        needed = sum(replica_shape(environment, d).nodes_for(d.autoscaling.max_replicas) for d in deployments)
        assert needed <= pool.max_nodes


def test_tpu_slice_pools_autoscale_up_to_max_slices_which_hold_every_deployments_max_replicas():
    environment, plan = example("gke-tpu")
    [cluster] = environment.clusters
    priced = {line.pool: (line.count_min, line.count_max) for line in price_plan(plan).lines}
    for tpu_slice in cluster.tpu_slices:
        deployments = [d for d in environment.deployments if d.pool == tpu_slice.name]
        hosts = replica_shape(environment, deployments[0]).pods  # a replica owns a whole slice: one pod per host
        assert priced[tpu_slice.name] == (tpu_slice.min_slices * hosts, tpu_slice.max_slices * hosts)
        assert sum(d.autoscaling.max_replicas for d in deployments) <= tpu_slice.max_slices


# --- the spec: room for every deployment of a pool at once ---------------------------------------------


def test_deployments_sharing_a_pool_must_fit_in_it_together():
    raw = copy.deepcopy(AWS_ENVIRONMENT)
    second = {**raw["deployments"][0], "name": "qwen-b", "autoscaling": {"min_replicas": 0, "max_replicas": 1}}
    raw["deployments"].append(second)
    # alone, each fits the 2 one-GPU nodes of pool l4; together they need 3
    assert config_problems(raw, "test") == [
        "test: hangar:environment.deployments[1].autoscaling.max_replicas: pool 'l4' is shared by qwen (2 x 1 x L4), qwen-b (1 x 1 x L4): "
        "at their max_replicas together they need at least 3 nodes, and the pool holds at most 2 (its max_nodes); "
        "raise max_nodes or lower some max_replicas; got 1"
    ]
    raw["clusters"][0]["node_pools"][0]["max_nodes"] = 3
    environment_from_config(raw, "test")


def test_a_single_deployment_too_big_for_its_pool_is_reported_once_at_its_own_key():
    raw = copy.deepcopy(AWS_ENVIRONMENT)
    raw["deployments"][0]["autoscaling"]["max_replicas"] = 3
    problems = config_problems(raw, "test")
    assert len(problems) == 1 and "deployments[0].autoscaling.max_replicas: 3 replicas" in problems[0] and "max_nodes 2" in problems[0]


def test_tpu_deployments_sharing_a_slice_pool_must_fit_in_its_slices():
    raw = raw_environment("gke-tpu")
    [tpu_slice] = [s for s in raw["clusters"][0]["tpu_slices"] if s["name"] == raw["deployments"][0]["pool"]]
    first = raw["deployments"][0]
    first["autoscaling"] = {**first.get("autoscaling", {}), "min_replicas": 1, "max_replicas": tpu_slice["max_slices"]}
    raw["deployments"] = [first, {**copy.deepcopy(first), "name": f"{first['name']}-b", "autoscaling": {**first["autoscaling"], "max_replicas": 1}}]
    [message] = config_problems(raw, "test")
    assert f"pool {tpu_slice['name']!r} is shared by" in message and "raise max_slices" in message


# --- on-prem: fixed nodes bound the replicas ------------------------------------------------------------


def test_on_prem_replicas_are_bounded_by_the_fixed_nodes():
    raw = raw_environment("onprem")
    deployment = raw["deployments"][0]
    [pool] = [p for p in raw["clusters"][0]["node_pools"] if p["name"] == deployment["pool"]]
    environment = environment_from_config(raw, "onprem")
    held = replica_shape(environment, environment.deployments[0]).max_replicas_held()
    deployment["autoscaling"]["max_replicas"] = held + 1
    [message] = config_problems(raw, "test")
    assert f"deployments[0].autoscaling.max_replicas: {held + 1} replicas" in message and f"max_nodes {pool['max_nodes']}" in message
    # and the schema says why: nothing adds nodes on-prem
    assert "fixed" in OnPremGpuNodes.model_fields["max_nodes"].description
