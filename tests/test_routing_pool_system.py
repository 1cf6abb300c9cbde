"""The system pool holds the gateway's pods (issue 15): `hangar-routing` adds up every pod that selects a CPU pool.

Planned on the routing test environment on EKS (Istio; a system pool of at most 3 m6i.large nodes, 2 vCPU and
8 GiB each in the catalog) with two routed deployments, so four pickers (two per pool). Each picker may fit a
node while all of them do not fit the pool; the finding names what it counted. Offline and over gRPC alike is
tested on the raw program in tests/test_routing_rule.py.
"""

from __future__ import annotations

import copy
from typing import Any

from hangar.policies.rules import POLICIES, evaluate
from hangar.policies.rules.routing import ROUTING

from hangar.records import ResourceRecord
from tests.serving_plans import AWS_HEADER, aws, example_plan, plan_environment

SYSTEM = {"hangar.dev/pool": "system"}


def judged(records: list[ResourceRecord]) -> list[str]:
    configs = {policy.name: policy.config_model() for policy in POLICIES}
    return [v.message for v in evaluate(records, configs) if v.policy == ROUTING]


def with_gateway(**gateway: Any) -> list[ResourceRecord]:
    raw = aws(copy.deepcopy(AWS_HEADER))
    raw["gateway"] = gateway
    return list(plan_environment(raw).resources)


def system_messages(messages: list[str]) -> list[str]:
    return [m for m in messages if m.startswith("the pods that select pool ")]


def test_four_pickers_that_each_fit_a_node_but_not_the_pool_are_refused():
    messages = judged(with_gateway(picker_cpu=1.9))
    assert not [m for m in messages if "so it never schedules" in m]  # each picker alone fits the 1.93 CPU a node allocates
    (message,) = system_messages(messages)
    assert message.startswith("the pods that select pool system request 8.84 CPU (its nodes allocate at most 5.79 of their 6 vCPU) in all at its 3 m6i.large node(s) at most")
    assert "they can never all run" in message
    assert "Deployment test/qwen-large-epp x2, Deployment test/qwen-small-epp x2" in message


def test_memory_is_added_up_the_same_way():
    (message,) = system_messages(judged(with_gateway(picker_memory_gib=7)))
    assert "request 31.12 GiB (its nodes allocate at most 22.03 of their 24 GiB) in all" in message and "CPU (its nodes" not in message


def test_hangars_own_gateways_fit_their_system_pools():
    assert system_messages(judged(with_gateway())) == []
    assert system_messages(judged(list(example_plan("gke-chat").resources))) == []


def test_a_daemon_set_counts_once_per_node_and_an_init_container_by_its_larger_request():
    records = with_gateway()
    cluster_provider = next(r for r in records if r.type == "pulumi:providers:kubernetes")
    pod = {
        "nodeSelector": SYSTEM,
        "initContainers": [{"name": "warm", "image": "busybox", "resources": {"requests": {"cpu": "1500m"}}}],
        "containers": [{"name": "agent", "image": "busybox", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}],
    }
    agent = ResourceRecord(
        urn="urn:pulumi:test::p::kubernetes:apps/v1:DaemonSet::agent", type="kubernetes:apps/v1:DaemonSet", name="agent", parent=None,
        custom=True, provider=f"{cluster_provider.urn}::id",
        inputs={"metadata": {"name": "agent", "namespace": "kube-system"},
                "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": {"metadata": {"labels": {"app": "agent"}}, "spec": pod}}},
    )  # fmt: skip
    # Four pickers at 1 CPU, KEDA's 0.3, istiod's 0.5, the Istio gateway pod's 0.1, the EKS add-ons' 0.34 and the agent's
    # effective 1.5 CPU (its init container's) on each of 3 nodes: 9.74 > 6.
    (message,) = system_messages(judged([*records, agent]))
    assert "request 9.74 CPU (its nodes allocate at most 5.79 of their 6 vCPU)" in message and "DaemonSet kube-system/agent x3" in message
