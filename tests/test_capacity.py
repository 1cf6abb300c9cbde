"""Capacity at a declared traffic and SLO: the spec fields, and the ESTIMATE of replicas, nodes and cost."""

from __future__ import annotations

import math

import pytest

from hangar.catalog import load_catalog
from hangar.sizing import Accelerator
from hangar.sizing.capacity import Demand, nodes_for, plan_capacity
from hangar.stackfile import environment_from_config
from tests.config_errors import config_problems

CAT = load_catalog()
QWEN = CAT.models["Qwen/Qwen2.5-7B-Instruct"]
H100 = CAT.gpu("H100-SXM")
UNKNOWN_SPEED = Accelerator("X1", "gpu", "test", 80.0, None, None, frozenset({"bf16"}))


def deployment(aws_environment, **fields):
    aws_environment["deployments"][0].update(fields)
    return aws_environment


def test_traffic_as_a_peak_rate_with_a_peak_factor_gives_the_average(aws_environment):
    raw = deployment(aws_environment, traffic={"peak_requests_per_second": 12, "peak_factor": 4, "prompt_tokens": 500, "output_tokens": 200}, slo={"ttft_ms": 800, "tpot_ms": 40})
    served = environment_from_config(raw, "test").deployments[0]
    assert served.traffic.peak_rps == 12 and served.traffic.average_requests_per_second == 3
    assert (served.slo.ttft_ms, served.slo.tpot_ms) == (800, 40)


def test_traffic_from_users_derives_average_and_peak(aws_environment):
    raw = deployment(aws_environment, traffic={"monthly_active_users": 86_400, "requests_per_user_per_day": 5, "peak_factor": 3, "prompt_tokens": 500, "output_tokens": 200})
    traffic = environment_from_config(raw, "test").deployments[0].traffic
    assert traffic.average_requests_per_second == 5 and traffic.peak_rps == 15


def test_a_peak_alone_leaves_the_average_unknown(aws_environment):
    raw = deployment(aws_environment, traffic={"peak_requests_per_second": 2, "prompt_tokens": 500, "output_tokens": 200})
    assert environment_from_config(raw, "test").deployments[0].traffic.average_requests_per_second is None


def test_both_forms_of_traffic_are_refused_naming_the_key(aws_environment):
    raw = deployment(aws_environment, traffic={"peak_requests_per_second": 2, "monthly_active_users": 10, "prompt_tokens": 5, "output_tokens": 5})
    assert config_problems(raw) == [
        "Pulumi.test.yaml: hangar:environment.deployments[0].traffic.peak_requests_per_second: give either peak_requests_per_second "
        "or monthly_active_users with requests_per_user_per_day, not both; got 2.0"
    ]


def test_the_users_form_needs_its_peak_factor(aws_environment):
    raw = deployment(aws_environment, traffic={"monthly_active_users": 10, "requests_per_user_per_day": 3, "prompt_tokens": 5, "output_tokens": 5})
    assert config_problems(raw) == [
        "Pulumi.test.yaml: hangar:environment.deployments[0].traffic.peak_factor: is required when peak_requests_per_second is not given; got null"
    ]


def test_a_request_longer_than_the_context_is_refused(aws_environment):
    raw = deployment(aws_environment, max_context_tokens=4096, traffic={"peak_requests_per_second": 1, "prompt_tokens": 4000, "output_tokens": 200})
    assert config_problems(raw) == [
        "Pulumi.test.yaml: hangar:environment.deployments[0].traffic.prompt_tokens: prompt_tokens + output_tokens (4200) must be <= max_context_tokens (4096); got 4000"
    ]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("ttft_ms", 0, "Input should be greater than 0; got 0"),
        ("tpot_ms", 70_000, "Input should be less than or equal to 60000; got 70000"),
        ("p99", 5, "unknown key (value hidden); see `hangar schema` for the keys allowed here"),
    ],
)
def test_slo_bounds_name_the_key(aws_environment, key, value, message):
    raw = deployment(aws_environment, slo={key: value})
    assert config_problems(raw) == [f"Pulumi.test.yaml: hangar:environment.deployments[0].slo.{key}: {message}"]


def demand(**overrides) -> Demand:
    return Demand(**{"peak_requests_per_second": 40.0, "prompt_tokens": 1000, "output_tokens": 200, "average_requests_per_second": 10.0, **overrides})


def test_the_plan_carries_the_peak_within_the_slo():
    plan = plan_capacity(QWEN, H100, demand(ttft_ms=1000, tpot_ms=40), accelerators_per_node=8, usd_per_hour_per_node=80.0)
    assert plan.feasible and plan.label == "ESTIMATE"
    assert plan.tpot_ms <= 40 and plan.ttft_ms <= 1000
    assert plan.replicas_at_peak == math.ceil(40 / plan.requests_per_second_per_replica)
    assert plan.replicas_at_peak * plan.requests_per_second_per_replica >= 40
    assert plan.nodes_at_peak == math.ceil(plan.replicas_at_peak / 8)
    assert plan.usd_per_month_at_peak == plan.nodes_at_peak * 80.0 * 720
    assert plan.usd_per_month_average == plan.nodes_at_average * 80.0 * 720
    tokens_per_month = 10.0 * 1200 * 720 * 3600
    assert plan.usd_per_million_tokens == pytest.approx(plan.usd_per_month_average / tokens_per_month * 1e6)
    assert any("error on published measurements: throughput median error" in note for note in plan.assumptions)


def test_the_chosen_concurrency_is_the_largest_that_meets_the_tpot_objective():
    loose = plan_capacity(QWEN, H100, demand(tpot_ms=60), accelerators_per_node=1)
    tight = plan_capacity(QWEN, H100, demand(tpot_ms=20), accelerators_per_node=1)
    assert tight.concurrency < loose.concurrency
    assert tight.requests_per_second_per_replica < loose.requests_per_second_per_replica
    assert tight.replicas_at_peak >= loose.replicas_at_peak
    # one more sequence in flight would break the objective
    above = plan_capacity(QWEN, H100, demand(tpot_ms=tight.tpot_ms), accelerators_per_node=1)
    assert above.concurrency == tight.concurrency
    nudged = plan_capacity(QWEN, H100, demand(tpot_ms=tight.tpot_ms * 0.999), accelerators_per_node=1)
    assert nudged.concurrency == tight.concurrency - 1


def test_without_an_slo_the_kv_cache_or_max_num_seqs_bounds_concurrency():
    plan = plan_capacity(QWEN, H100, demand(), accelerators_per_node=1, max_concurrent_sequences=32)
    assert plan.concurrency == 32
    assert plan.kv_concurrency == 32
    roomy = plan_capacity(QWEN, H100, demand(tpot_ms=20), accelerators_per_node=1)
    assert roomy.concurrency < roomy.kv_concurrency  # the SLO, not the KV cache, bounds it


def test_an_unreachable_ttft_is_infeasible_with_the_numbers():
    plan = plan_capacity(QWEN, H100, demand(prompt_tokens=100_000, output_tokens=10, ttft_ms=100), accelerators_per_node=8)
    assert not plan.feasible and plan.replicas_at_peak is None
    assert plan.reason.startswith("prefilling a 100,000-token prompt takes about ")
    assert "over the 100 ms time-to-first-token objective" in plan.reason


def test_an_unreachable_tpot_is_infeasible():
    plan = plan_capacity(QWEN, H100, demand(tpot_ms=1), accelerators_per_node=8)
    assert not plan.feasible and "over the 1.0 ms time-per-output-token objective" in plan.reason


def test_unknown_speed_is_unknown_not_zero():
    plan = plan_capacity(QWEN, UNKNOWN_SPEED, demand(), accelerators_per_node=1, usd_per_hour_per_node=1.0)
    assert not plan.feasible and "cannot be estimated" in plan.reason and plan.usd_per_month_at_peak is None


def test_no_price_leaves_the_money_unknown():
    plan = plan_capacity(QWEN, H100, demand(), accelerators_per_node=8)
    assert plan.feasible and plan.replicas_at_peak >= 1
    assert plan.usd_per_month_at_peak is None and plan.usd_per_million_tokens is None


def test_min_replicas_floor_the_average():
    plan = plan_capacity(QWEN, H100, demand(average_requests_per_second=0.01), accelerators_per_node=1, min_replicas=3)
    assert plan.replicas_at_average == 3 and plan.nodes_at_average == 3


def test_nodes_for_multi_gpu_and_multi_node_replicas():
    assert nodes_for(5, 2, 8) == 2
    assert nodes_for(4, 2, 8) == 1
    assert nodes_for(3, 16, 8) == 6
