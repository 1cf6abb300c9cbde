"""The hangar-capacity rule on plain records: declared peak and SLO against max replicas and pool size."""

from __future__ import annotations

import pytest
from hangar.policies.rules import evaluate

from hangar.sizing.capacity import DEMAND_ANNOTATIONS, Demand, demand_annotations, demand_from_annotations
from tests.capacity_records import CAPACITY, DEMAND, found, hpa, node_group, scaled_object, server


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
