"""The hangar-capacity rule on plain records: declared peak and SLO against max replicas and pool size."""

from __future__ import annotations

from typing import Any

import pytest
from hangar.policies.rules import evaluate, load_pack_config

from hangar.records import ResourceRecord
from hangar.sizing.capacity import DEMAND_ANNOTATIONS, Demand, demand_annotations, demand_from_annotations

CAPACITY = "hangar-capacity"


def record(type_: str, name: str, inputs: dict[str, Any]) -> ResourceRecord:
    return ResourceRecord(urn=f"urn:pulumi:test::raw::{type_}::{name}", type=type_, name=name, parent=None, custom=True, inputs=inputs)


def node_group(max_size: int) -> ResourceRecord:
    return record(
        "aws:eks/nodeGroup:NodeGroup", "h100",
        {"instanceTypes": ["p5.48xlarge"], "scalingConfig": {"minSize": 0.0, "maxSize": float(max_size), "desiredSize": 0.0}, "labels": {"hangar.dev/pool": "h100"}},
    )  # fmt: skip


def server(annotations: dict[str, str], *, replicas: int | None = None, tier: str | None = None) -> ResourceRecord:
    args = ["serve", "Qwen/Qwen2.5-7B-Instruct", "--max-model-len", "8192", "--max-num-seqs", "64"]
    container = {"name": "vllm", "image": "vllm/vllm-openai:v0.11.2", "command": ["vllm"], "args": args, "resources": {"limits": {"nvidia.com/gpu": "1"}}}
    metadata = {"name": "qwen", "namespace": "llm", "annotations": annotations, "labels": {"hangar.dev/tier": tier} if tier else {}}
    spec: dict[str, Any] = {"template": {"spec": {"containers": [container], "nodeSelector": {"hangar.dev/pool": "h100"}}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return record("kubernetes:apps/v1:Deployment", "qwen", {"metadata": metadata, "spec": spec})


def scaled_object(max_replicas: int | None) -> ResourceRecord:
    spec: dict[str, Any] = {"scaleTargetRef": {"name": "qwen"}, "triggers": []}
    if max_replicas is not None:
        spec["maxReplicaCount"] = max_replicas
    return record("kubernetes:keda.sh/v1alpha1:ScaledObject", "qwen", {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "qwen", "namespace": "llm"}, "spec": spec})


def hpa(max_replicas: int) -> ResourceRecord:
    spec = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "qwen"}, "minReplicas": 1, "maxReplicas": max_replicas}
    return record("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "qwen", {"metadata": {"name": "qwen", "namespace": "llm"}, "spec": spec})


DEMAND = demand_annotations(Demand(peak_requests_per_second=60, prompt_tokens=1000, output_tokens=200, ttft_ms=1000, tpot_ms=30))


def found(records: list[ResourceRecord], tier: str = "prod") -> list[tuple[str, str]]:
    configs = load_pack_config({CAPACITY: {"tier": tier, "enforcementLevel": "mandatory"}}, "test")
    return [(v.level, v.message) for v in evaluate(records, configs) if v.policy == CAPACITY]


def needed() -> int:
    """Replicas the rule's own message says the peak needs (read from an under-provisioned run)."""
    ((_, message),) = found([node_group(100), server(DEMAND), scaled_object(1)])
    return int(message.split(" needs ")[1].split(" replicas")[0])


def test_the_annotations_round_trip():
    demand = Demand(peak_requests_per_second=2.5, prompt_tokens=800, output_tokens=100, average_requests_per_second=0.5, ttft_ms=900, tpot_ms=40)
    assert demand_from_annotations(demand_annotations(demand)) == demand
    assert set(demand_annotations(demand)) == set(DEMAND_ANNOTATIONS)
    assert demand_from_annotations({}) is None


@pytest.mark.parametrize(
    ("annotations", "message"),
    [
        ({"hangar.dev/peak-rps": "lots", "hangar.dev/prompt-tokens": "1", "hangar.dev/output-tokens": "1"}, "annotation hangar.dev/peak-rps: must be a positive number; got 'lots'"),
        ({"hangar.dev/peak-rps": "3", "hangar.dev/output-tokens": "1"}, "annotation hangar.dev/prompt-tokens: required with hangar.dev/peak-rps (the mean tokens per request)"),
        ({"hangar.dev/peak-rps": "3", "hangar.dev/prompt-tokens": "1.5", "hangar.dev/output-tokens": "1"}, "annotation hangar.dev/prompt-tokens: must be a whole number of tokens; got '1.5'"),
        ({"hangar.dev/peak-rps": "inf", "hangar.dev/prompt-tokens": "1", "hangar.dev/output-tokens": "1"}, "annotation hangar.dev/peak-rps: must be a positive number; got 'inf'"),
    ],
)
def test_a_malformed_declaration_is_a_violation_naming_the_annotation(annotations, message):
    assert found([node_group(4), server(annotations), scaled_object(4)]) == [("mandatory", f"qwen: {message}")]


def test_enough_replicas_and_nodes_pass():
    replicas = needed()
    assert replicas > 1
    assert found([node_group(replicas), server(DEMAND), scaled_object(replicas)]) == []
    assert found([node_group(replicas), server(DEMAND), hpa(replicas)]) == []


def test_too_few_replicas_for_the_peak_names_the_numbers():
    replicas = needed()
    ((level, message),) = found([node_group(100), server(DEMAND), scaled_object(replicas - 1)])
    assert level == "mandatory"
    assert message.startswith(
        "qwen: carrying the declared peak of 60 requests/s (1,000 prompt + 200 output tokens each) within its SLO (p95 TTFT 1000 ms, p95 TPOT 30 ms) "
        f"needs {replicas} replicas on pool h100 (8 x H100-SXM per node) with tensor parallelism 1 (ESTIMATE: "
    )
    assert message.endswith(f"but its ScaledObject qwen (maxReplicaCount) allows at most {replicas - 1}")
    ((_, by_hpa),) = found([node_group(100), server(DEMAND), hpa(replicas - 1)])
    assert by_hpa.endswith(f"but its HorizontalPodAutoscaler qwen (maxReplicas) allows at most {replicas - 1}")


def test_without_an_autoscaler_the_workloads_own_replicas_count():
    ((_, message),) = found([node_group(100), server(DEMAND, replicas=1)])
    assert message.endswith("but its spec.replicas allows at most 1")
    assert found([node_group(100), server(DEMAND, replicas=needed())]) == []


def test_kedas_default_maximum_is_100():
    assert found([node_group(100), server(DEMAND), scaled_object(None)]) == []


def test_a_pool_too_small_for_the_replicas():
    ((_, message),) = found([node_group(1), server({**DEMAND, "hangar.dev/peak-rps": "2000"}), scaled_object(1000)])
    replicas = int(message.split(" needs ")[1].split(" replicas")[0])
    assert replicas > 8
    assert message.endswith(f"that is {-(-replicas // 8)} nodes, but h100 grows to at most 1")


def test_an_slo_no_operating_point_meets():
    annotations = {**DEMAND, "hangar.dev/slo-tpot-ms": "1"}
    ((_, message),) = found([node_group(4), server(annotations), scaled_object(4)])
    assert message.startswith("qwen: on pool h100 (8 x H100-SXM per node) with tensor parallelism 1 its SLO (p95 TTFT 1000 ms, p95 TPOT 1 ms) cannot be met (ESTIMATE): ")
    assert "over the 1.0 ms time-per-output-token objective" in message


def test_advisory_outside_prod_unless_the_workload_is_labelled_prod():
    records = [node_group(100), server(DEMAND), scaled_object(1)]
    assert [level for level, _ in found(records, tier="dev")] == ["advisory"]
    assert [level for level, _ in found([node_group(100), server(DEMAND, tier="prod"), scaled_object(1)], tier="dev")] == ["mandatory"]


def test_a_workload_without_a_declared_peak_is_not_judged():
    assert found([node_group(1), server({}), scaled_object(1)]) == []


def test_the_policy_config_is_mandatory_in_prod_and_advisory_elsewhere():
    from hangar.policies.rules.config import pack_config_for

    from hangar.stackfile import read_environment, read_project
    from tests.conftest import ROOT

    project = read_project(ROOT)
    assert pack_config_for(read_environment(project, "eks-prod"))[CAPACITY] == {"enforcementLevel": "mandatory", "tier": "prod"}
    assert pack_config_for(read_environment(project, "gke-dev"))[CAPACITY]["enforcementLevel"] == "advisory"


def stack_findings(root, stack: str) -> list[tuple[str, str]]:
    from hangar.cli.check_commands import stack_policy_configs
    from hangar.stackfile import read_project
    from hangar.stackplan import plan_project_stack

    records = plan_project_stack(root, stack).plan.resources
    configs = stack_policy_configs(read_project(root), stack, None)
    return [(v.level, v.message) for v in evaluate(records, configs) if v.policy == CAPACITY]


def test_a_prod_stack_that_cannot_carry_its_declared_peak_is_refused():
    from tests.conftest import ROOT

    found_ = stack_findings(ROOT / "tests" / "bad_stacks", "under-capacity")
    assert [level for level, _ in found_] == ["mandatory", "mandatory"]
    replicas, nodes = (message for _, message in found_)
    assert replicas.startswith("qwen-7b: carrying the declared peak of 200 requests/s (1,000 prompt + 250 output tokens each) within its SLO (p95 TTFT 500 ms, p95 TPOT 25 ms) needs ")
    assert replicas.endswith("but its ScaledObject qwen-7b (maxReplicaCount) allows at most 2")
    assert nodes.endswith("nodes, but h100 grows to at most 1")


def test_the_prod_example_carries_its_declared_peak():
    from tests.conftest import ROOT

    assert stack_findings(ROOT, "eks-prod") == []
