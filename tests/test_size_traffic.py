"""`hangar size MODEL --peak-rps N ...`: the cheapest ways to carry a traffic within an SLO, checked against brute force."""

from __future__ import annotations

import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.cli import app
from hangar.sizing import capability_problems, machines, memory_fit, valid_tp_degrees
from hangar.sizing.capacity import Demand, plan_capacity
from hangar.sizing.traffic_ranking import rank_for_traffic

CAT = load_catalog()
runner = CliRunner()
WIDE = {"COLUMNS": "250"}
MODELS = ("Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.3-70B-Instruct")


def size(*args: str):
    return runner.invoke(app, ["size", *args], catch_exceptions=False, env=WIDE)


def brute_force(model_id: str, demand: Demand) -> dict[tuple, float | None]:
    """Every (cloud, instance, precision, TP) that starts and meets the SLO → its monthly cost at peak, by exhaustive search."""
    model = CAT.models[model_id]
    found = {}
    for machine in machines(CAT):
        acc = machine.accelerator
        sixteen = "bf16" if "bf16" in acc.formats or "fp16" not in acc.formats else "fp16"
        assert model.dtype == "bfloat16"  # served as published, cast, or quantised to fp8 as it loads: never int8, awq or gptq
        for precision in (sixteen, "fp8"):
            if capability_problems(acc, precision):
                continue
            for tp in valid_tp_degrees(model, machine.accelerators):
                if not memory_fit(model, acc, precision=precision, tensor_parallel=tp, max_context_tokens=demand.prompt_tokens + demand.output_tokens,
                                  concurrent_sequences=1).fits:  # fmt: skip
                    continue
                plan = plan_capacity(model, acc, demand, accelerators_per_node=machine.accelerators, tensor_parallel=tp, precision=precision,
                                     usd_per_hour_per_node=machine.price(False))  # fmt: skip
                if plan.feasible:
                    found[(machine.cloud, machine.instance_type, precision, tp)] = plan.usd_per_month_at_peak
    return found


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    model=st.sampled_from(MODELS),
    peak=st.floats(0.1, 500),
    prompt=st.integers(16, 4000),
    output=st.integers(16, 2000),
    ttft=st.one_of(st.none(), st.floats(20, 5000)),
    tpot=st.one_of(st.none(), st.floats(5, 200)),
)
def test_the_ranking_is_exactly_the_brute_force(model, peak, prompt, output, ttft, tpot):
    demand = Demand(peak, prompt, output, ttft_ms=ttft, tpot_ms=tpot)
    feasible, _ = rank_for_traffic(model, CAT, demand)
    expected = brute_force(model, demand)
    ranked = {(t.option.cloud, t.option.instance_type, t.option.precision, t.option.tensor_parallel): t.plan.usd_per_month_at_peak for t in feasible}
    assert ranked == expected
    priced = [t.plan.usd_per_month_at_peak for t in feasible if t.plan.usd_per_month_at_peak is not None]
    assert priced == sorted(priced)
    if priced:
        assert priced[0] == min(cost for cost in expected.values() if cost is not None)
    assert all(t.plan.usd_per_month_at_peak is not None for t in feasible[: len(priced)])  # unknown prices rank last


def test_every_option_carries_the_peak_within_the_slo():
    feasible, infeasible = rank_for_traffic("meta-llama/Llama-3.3-70B-Instruct", CAT, Demand(20, 1500, 300, ttft_ms=1000, tpot_ms=40))
    assert feasible and infeasible
    for t in feasible:
        p = t.plan
        assert p.ttft_ms <= 1000 and p.tpot_ms <= 40
        assert p.replicas_at_peak * p.requests_per_second_per_replica >= 20
    assert any("cannot be estimated" in t.plan.reason for t in infeasible)  # unknown speed is not feasible


def test_the_whole_catalog_is_ranked_well_under_a_second():
    start = time.perf_counter()
    rank_for_traffic("meta-llama/Llama-3.3-70B-Instruct", CAT, Demand(20, 1500, 300, ttft_ms=1000, tpot_ms=40))
    assert time.perf_counter() - start < 1.0


def test_size_json_lists_the_options_cheapest_first():
    result = size("meta-llama/Llama-3.3-70B-Instruct", "--peak-rps", "20", "--prompt-tokens", "1500", "--output-tokens", "300",
                  "--ttft-ms", "1000", "--tpot-ms", "40", "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    options = document["options"]
    assert options and document["label"] == "ESTIMATE"
    keys = {"cloud", "instance_type", "precision", "tensor_parallel", "replicas", "nodes", "usd_per_month", "ttft_ms", "tpot_ms", "output_tokens_per_second"}
    assert keys <= set(options[0])
    costs = [o["usd_per_month"] for o in options if o["usd_per_month"] is not None]
    assert costs == sorted(costs)
    best = options[0]
    assert best["tpot_ms"] <= 40 and best["ttft_ms"] <= 1000 and best["output_tokens_per_second"] >= 20 * 300
    assert all(1 <= o["concurrency"] <= o["kv_concurrency"] for o in options)  # what the SLO allows, within what the KV cache holds
    assert document["demand"] == {"peak_requests_per_second": 20.0, "prompt_tokens": 1500, "output_tokens": 300, "average_requests_per_second": None, "ttft_ms": 1000.0, "tpot_ms": 40.0}


def test_size_table_names_the_traffic_and_the_estimate():
    result = size("Qwen/Qwen2.5-7B-Instruct", "--peak-rps", "5", "--prompt-tokens", "800", "--output-tokens", "200", "--tpot-ms", "30", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Qwen/Qwen2.5-7B-Instruct at 5 requests/s peak, 800 prompt + 200 output tokens, p95 TPOT 30 ms")
    assert "options carry it, cheapest at peak first (ESTIMATES: median error" in result.output
    assert "in flight: requests per replica at the operating point, of those its KV cache and max_num_seqs allow" in result.output
    assert "the performance model's error on published measurements" in result.output


def test_an_unreachable_slo_says_so():
    result = size("meta-llama/Llama-3.3-70B-Instruct", "--peak-rps", "5", "--prompt-tokens", "800", "--output-tokens", "200", "--tpot-ms", "0.5")
    assert result.exit_code == 0
    assert "no option carries it" in result.output


def test_bad_traffic_flags_are_one_line_each():
    result = size("Qwen/Qwen2.5-7B-Instruct", "--peak-rps", "-1", "--prompt-tokens", "800")
    assert result.exit_code == 2
    assert result.output.splitlines() == ["error: --output-tokens: required with --peak-rps", "error: --peak-rps: must be greater than 0; got -1"]
