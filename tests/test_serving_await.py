"""`pulumi up` waits as long as a model server may take to load: the await timeout of every workload kind.

pulumi-kubernetes fails a StatefulSet or Deployment that is not ready after 10 minutes unless the
workload says otherwise (`pulumi.com/timeoutSeconds`, `customTimeouts`), and does not wait for a
LeaderWorkerSet at all unless `pulumi.com/waitFor` names a condition. What the provider would wait
is read here from the planned workload the way the provider reads it.
"""

from __future__ import annotations

from typing import Any

import pytest
from hangar.components.serving_await import DEFAULT_AWAIT_SECONDS, PROVISIONING_ALLOWANCE_SECONDS, startup_budget

from tests.conftest import EXAMPLE_STACKS
from tests.serving_plans import example_servers, plan_environment, raw_environment, server_container, workloads

AWAITED_KINDS = ("StatefulSet", "Deployment")
"""The workload kinds pulumi-kubernetes has a built-in awaiter for (10 minutes by default)."""


def effective_await(workload: dict[str, Any]) -> int | None:
    """Seconds the provider waits for this workload to be ready; None when it does not wait at all."""
    annotations = workload["metadata"].get("annotations", {})
    if annotations.get("pulumi.com/skipAwait") == "true":
        return None
    if workload["kind"] not in AWAITED_KINDS and "pulumi.com/waitFor" not in annotations:
        return None
    return int(annotations.get("pulumi.com/timeoutSeconds", DEFAULT_AWAIT_SECONDS))


def budget(workload: dict[str, Any]) -> int:
    return startup_budget(server_container(workload)["startupProbe"])


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_every_example_waits_at_least_its_startup_budget_for_every_replica_of_a_rollout(stack):
    for deployment, workload in example_servers(stack):
        waited = effective_await(workload)
        assert waited is not None, f"{stack}: the {workload['kind']} {deployment.name} is not awaited, so its ScaledObject would not wait for it"
        assert waited >= budget(workload)
        assert waited >= deployment.autoscaling.max_replicas * budget(workload)  # a rollout replaces one replica at a time


def test_a_70b_model_in_16_bit_waits_past_the_providers_ten_minutes():
    environment = raw_environment("eks-prod")
    environment["deployments"][0].update(precision="bf16", kv_cache_dtype="auto", tensor_parallel=8, autoscaling={"min_replicas": 2, "max_replicas": 2})
    del environment["deployments"][0]["weights"]  # downloaded from the Hub into a claim per replica: a StatefulSet
    environment["clusters"][0]["node_pools"][0]["max_nodes"] = 2
    (workload,) = workloads(plan_environment(environment))
    assert workload["kind"] == "StatefulSet"
    assert budget(workload) > DEFAULT_AWAIT_SECONDS  # the case that failed: the probe allows far more than 10 minutes
    assert effective_await(workload) == 2 * (PROVISIONING_ALLOWANCE_SECONDS + budget(workload))


def test_a_deployment_counts_one_replicas_whole_load_as_progress():
    environment = raw_environment("eks-prod")
    environment["deployments"][0]["caching"] = {"weight_cache": "node-local"}
    (workload,) = workloads(plan_environment(environment))
    assert workload["kind"] == "Deployment"
    assert workload["spec"]["progressDeadlineSeconds"] == PROVISIONING_ALLOWANCE_SECONDS + budget(workload)
    assert effective_await(workload) >= 4 * workload["spec"]["progressDeadlineSeconds"]  # max_replicas 4


def test_a_leader_worker_set_is_awaited_until_available_for_as_long_as_its_groups_take():
    environment = raw_environment("eks-prod")
    environment["deployments"][0].update(tensor_parallel=16, latency_class="interactive", autoscaling={"min_replicas": 1, "max_replicas": 1})
    (workload,) = workloads(plan_environment(environment))
    assert workload["kind"] == "LeaderWorkerSet"
    annotations = workload["metadata"]["annotations"]
    assert annotations["pulumi.com/waitFor"] == "condition=Available"
    assert int(annotations["pulumi.com/timeoutSeconds"]) == PROVISIONING_ALLOWANCE_SECONDS + budget(workload)


def test_the_startup_budget_is_the_probes_delay_plus_period_times_threshold_with_kubernetes_defaults():
    assert startup_budget({"initialDelaySeconds": 30, "periodSeconds": 10, "failureThreshold": 222}) == 2250
    assert startup_budget({"failureThreshold": 6}) == 60  # periodSeconds defaults to 10
    assert startup_budget({}) == 30  # and failureThreshold to 3
