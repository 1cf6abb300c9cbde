"""hangar-routing's checks beyond the routes' own objects (issue 15): every stack's system pool is judged, gateway or not;
an InferenceObjective must name a pool of the plan; one picker must fit what one node allocates, not its capacity.

EKS m6i.large on AL2023 allocates 1.93 of its 2 vCPU (`hangar.policies.rules.node_allocatable`); gke-dev installs KEDA
and its HTTP add-on on its system pool and has no gateway.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from hangar.policies.rules import POLICIES, evaluate, load_pack_config
from hangar.policies.rules.config import pack_config_for
from hangar.policies.rules.routing import ROUTING
from hangar.policies.rules.routing_objectives import OBJECTIVE_TYPES

from hangar.records import ResourceRecord
from hangar.spec import Environment
from tests.conftest import AWS_ENVIRONMENT
from tests.pack_agreement import offline_verdicts, pack_verdicts
from tests.serving_plans import plan_environment, raw_environment

RELEASE = "kubernetes:helm.sh/v3:Release"
INFERENCE_POOL = "kubernetes:inference.networking.k8s.io/v1:InferencePool"


def eks(**gateway: Any) -> dict[str, Any]:
    """The test AWS environment: a small and a large model behind one small-first `chat` route, with two request classes."""
    raw = copy.deepcopy(AWS_ENVIRONMENT)
    raw["deployments"] = [
        {"name": "qwen-small", "model": "Qwen/Qwen2.5-7B-Instruct", "pool": "l4", "autoscaling": {"min_replicas": 1, "max_replicas": 1}},
        {"name": "qwen-large", "model": "Qwen/Qwen3-32B", "pool": "h100", "autoscaling": {"min_replicas": 1, "max_replicas": 1}},
    ]
    raw["clusters"][0]["node_pools"][1]["min_nodes"] = 1
    raw["gateway"] = gateway
    raw["routes"] = [{"name": "chat", "objectives": [{"name": "interactive", "priority": 10}, {"name": "bulk", "priority": -5}],
                      "small_first": {"small": "qwen-small", "large": "qwen-large", "objectives": ["bulk"]}}]  # fmt: skip
    return raw


@functools.cache
def eks_records(picker_cpu: float = 1) -> tuple[ResourceRecord, ...]:
    return tuple(plan_environment(eks(picker_cpu=picker_cpu)).resources)


@functools.cache
def gke_dev_records() -> tuple[ResourceRecord, ...]:
    return tuple(plan_environment(raw_environment("gke-dev")).resources)


def routing_messages(records: list[ResourceRecord] | tuple[ResourceRecord, ...], prefix: str = "") -> list[str]:
    configs = {policy.name: policy.config_model() for policy in POLICIES}
    return [v.message for v in evaluate(list(records), configs) if v.policy == ROUTING and v.message.startswith(prefix)]


def unschedulable_pickers(records: list[ResourceRecord] | tuple[ResourceRecord, ...]) -> list[str]:
    return [m for m in routing_messages(records, "the endpoint picker of ") if "so it never schedules" in m]


def with_values(records: tuple[ResourceRecord, ...], chart: str, values: dict[str, Any]) -> list[ResourceRecord]:
    """The records with `values` laid over the Helm release of `chart`."""
    out = []
    for record in records:
        if record.type == RELEASE and record.inputs.get("chart") == chart:
            inputs = copy.deepcopy(record.inputs)
            inputs["values"] = {**(inputs.get("values") or {}), **values}
            record = ResourceRecord(**{**record.__dict__, "inputs": inputs})
        out.append(record)
    return out


def test_a_stack_without_a_gateway_has_its_system_pool_judged_with_the_charts_hangar_installs_there():
    records = gke_dev_records()
    assert not [r for r in records if r.type == INFERENCE_POOL] and routing_messages(records) == []
    # KEDA's operator asking 12 CPU: the charts alone outgrow gke-dev's system pool, with no gateway in the stack.
    (message,) = routing_messages(with_values(records, "keda", {"resources": {"operator": {"requests": {"cpu": "12", "memory": "128Mi"}}}}))
    assert message.startswith("the pods that select pool system request ")
    assert "keda-operator (chart keda 2.20.2) x1" in message and "interceptor (chart keda-add-ons-http 0.15.0) x3" in message
    assert "Deployment" not in message.split("counted: ")[1].split(";")[0]  # no picker: only the charts' pods are counted


def objective(name: str, namespace: str, pool_ref: dict[str, Any], provider: str | None) -> ResourceRecord:
    return ResourceRecord(urn=f"urn:pulumi:test::p::{OBJECTIVE_TYPES[0]}::{name}", type=OBJECTIVE_TYPES[0], name=name, parent=None, custom=True,
                          provider=provider, inputs={"metadata": {"name": name, "namespace": namespace}, "spec": {"priority": 1, "poolRef": pool_ref}})  # fmt: skip


def test_the_objectives_hangar_builds_name_its_pools():
    records = eks_records()
    built = [r for r in records if r.type in OBJECTIVE_TYPES]
    assert sorted(r.inputs["metadata"]["name"] for r in built) == ["bulk", "interactive"]
    assert routing_messages(records) == []


def test_an_objective_naming_a_missing_pool_or_another_kind_is_refused():
    records = eks_records()
    pool = next(r for r in records if r.type == INFERENCE_POOL)
    namespace = pool.inputs["metadata"]["namespace"]
    extra = [
        objective("typo", namespace, {"name": "qwen-smal"}, pool.provider),
        objective("elsewhere", "other", {"name": "qwen-small"}, pool.provider),
        objective("service", namespace, {"group": "", "kind": "Service", "name": "qwen-small"}, pool.provider),
        objective("spelled-out", namespace, {"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": "qwen-small"}, pool.provider),
    ]
    messages = routing_messages([*records, *extra], "InferenceObjective ")
    assert sorted(messages) == sorted([
        f"InferenceObjective {namespace}/typo names InferencePool {namespace}/qwen-smal, which this stack does not create (its InferencePools "
        f"there: ['qwen-large', 'qwen-small']): no endpoint picker reads it, so requests of that class get no priority of theirs",
        "InferenceObjective other/elsewhere names InferencePool other/qwen-small, which this stack does not create (its InferencePools there: "
        "none): no endpoint picker reads it, so requests of that class get no priority of theirs",
        f"InferenceObjective {namespace}/service names a Service of group (the core group) as its pool; endpoint pickers read only objectives "
        "naming their own InferencePool (inference.networking.k8s.io), so no picker applies its priority",
    ])


def test_one_picker_must_fit_what_a_node_allocates_not_its_capacity():
    # 1.95 CPU is under an m6i.large's 2 vCPU but over the 1.93 it allocates on AL2023.
    messages = unschedulable_pickers(eks_records(1.95))
    assert [m.split(", requests")[0] for m in sorted(messages)] == [
        "the endpoint picker of InferencePool test/qwen-large, Deployment test/qwen-large-epp",
        "the endpoint picker of InferencePool test/qwen-small, Deployment test/qwen-small-epp",
    ]
    message = messages[0]
    assert " requests 1.95 CPU (the node allocates 1.93 of its 2 vCPU) on a m6i.large node of pool system: more than the node allocates " in message
    assert message.endswith("(EKS AL2023 per node: 70m CPU and 574 MiB kube-reserved (29 pods), 100 MiB eviction threshold), so it never "
                            "schedules; lower its requests or give the pool bigger nodes")  # fmt: skip
    assert unschedulable_pickers(eks_records(1.9)) == []


def test_on_gke_a_picker_is_judged_against_what_a_node_allocates():
    raw = raw_environment("gke-chat")
    raw["gateway"]["picker_cpu"] = 3.95  # under an e2-standard-4's 4 vCPU, over the 3.92 it allocates on GKE
    messages = unschedulable_pickers(plan_environment(raw).resources)
    assert len(messages) == 2 and all(
        "requests 3.95 CPU (the node allocates 3.92 of its 4 vCPU) on a e2-standard-4 node of pool system: more than the node allocates "
        "(GKE per node: 80m CPU and 2623 MiB kube-reserved, 100 MiB eviction threshold), so it never schedules" in m for m in messages)  # fmt: skip
    raw["gateway"]["picker_cpu"] = 3.9
    assert unschedulable_pickers(plan_environment(raw).resources) == []


def test_the_pack_over_grpc_judges_objectives_and_pickers_the_same_way():
    raw = eks(picker_cpu=1.95)
    records = list(eks_records(1.95))
    pool = next(r for r in records if r.type == INFERENCE_POOL)
    records.append(objective("typo", pool.inputs["metadata"]["namespace"], {"name": "qwen-smal"}, pool.provider))
    configs = load_pack_config(pack_config_for(Environment.model_validate(raw)), "test")
    offline = offline_verdicts(records, configs, ROUTING)
    assert any(m.startswith("InferenceObjective ") for _, _, m, _ in offline) and any(m.startswith("the endpoint picker of ") for _, _, m, _ in offline)
    assert pack_verdicts(records, configs, ROUTING) == offline
