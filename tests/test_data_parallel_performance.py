"""A data-parallel replica timed (`hangar.sizing.data_parallel`): D engines, each with its own KV cache, a mixture of
experts' engines stepping together and exchanging tokens at each MoE layer — ESTIMATES, through the planner, the
route price, the capacity rule and `hangar size --data-parallel N --expert-parallel`."""

from __future__ import annotations

import copy

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.cli import app
from hangar.cost import price_plan
from hangar.cost.routes import route_costs
from hangar.sizing import SizingError
from hangar.sizing.accelerators import accelerator_named
from hangar.sizing.capacity import Demand, plan_capacity
from hangar.sizing.performance import CALIBRATED, PerformanceUnknown, Replica, operating_point
from hangar.stackfile import environment_from_config
from tests.conftest import AWS_ENVIRONMENT
from tests.h200_stacks import with_deployment
from tests.serving_plans import plan_environment

CAT = load_catalog()
DEEPSEEK = CAT.models["deepseek-ai/DeepSeek-V3"]
LLAMA8 = CAT.models["meta-llama/Llama-3.1-8B-Instruct"]
H200 = accelerator_named(CAT, "H200")
H100 = accelerator_named(CAT, "H100-SXM")
DEMAND = Demand(20.0, 1000, 300, average_requests_per_second=10.0)


def _plan(tensor_parallel: int, data_parallel: int = 1, expert_parallel: bool = False, demand: Demand = DEMAND, **options):
    return plan_capacity(DEEPSEEK, H200, demand, accelerators_per_node=8, tensor_parallel=tensor_parallel, precision="fp8", data_parallel=data_parallel,
                         expert_parallel=expert_parallel, usd_per_hour_per_node=63.3, **options)  # fmt: skip


def test_deepseek_v3_on_eight_h200_with_dp8_and_ep_gets_a_throughput_and_a_price_per_token():
    plan = _plan(1, 8, True)
    assert plan.feasible and plan.data_parallel == 8 and plan.expert_parallel
    assert plan.output_tokens_per_second_per_replica > 0 and plan.usd_per_million_tokens > 0
    assert plan.nodes_at_peak == plan.replicas_at_peak  # a replica takes the node's eight GPUs
    assert any("exchange every MoE layer's tokens" in note and "ESTIMATE" in note for note in plan.assumptions)
    # eight engines each with its own latent cache hold ~5x the sequences TP 8 holds (every TP rank stores the latent whole)
    tp8 = _plan(8)
    assert plan.kv_concurrency > 4 * tp8.kv_concurrency
    busy = Demand(400.0, 1000, 300, average_requests_per_second=200.0)  # a load that fills both replicas' KV caches
    assert _plan(1, 8, True, busy).requests_per_second_per_replica > _plan(8, demand=busy).requests_per_second_per_replica


def test_max_num_seqs_holds_per_engine():
    replica = Replica(DEEPSEEK, H200, 1, "fp8", data_parallel=8, expert_parallel=True)
    assert replica.max_concurrency(1000, 300, gpu_memory_utilization=0.92, max_num_seqs=64) == 8 * 64


def test_a_dense_models_engines_are_independent_copies():
    one = Replica(LLAMA8, H100, 1, "bf16")
    eight = Replica(LLAMA8, H100, 1, "bf16", data_parallel=8)
    alone, together = operating_point(one, 1000, 300, 16), operating_point(eight, 1000, 300, 8 * 16)
    assert together.requests_per_s == pytest.approx(8 * alone.requests_per_s)
    assert together.tpot_s == pytest.approx(alone.tpot_s)
    assert eight._exchange(128, CALIBRATED) == 0.0  # no experts to exchange tokens for
    assert eight.max_concurrency(1000, 300, gpu_memory_utilization=0.92, max_num_seqs=None) == 8 * one.max_concurrency(
        1000, 300, gpu_memory_utilization=0.92, max_num_seqs=None)


def test_the_experts_exchange_is_an_all_gather_and_a_reduce_scatter_per_moe_layer():
    replica = Replica(DEEPSEEK, H200, 1, "fp8", data_parallel=8, expert_parallel=True)
    tokens = 512
    # 58 MoE layers (61 less 3 dense); each moves 7/8 of the 512 tokens' 7,168-wide 16-bit hidden states over one direction
    # of the 900 GB/s NVLink at the calibrated share, after the calibrated fixed latency, twice
    one = CALIBRATED.allreduce_us / 1e6 + 7 / 8 * tokens * 7168 * 2 / (450e9 * CALIBRATED.interconnect)
    assert replica._exchange(tokens, CALIBRATED) == pytest.approx(2 * 58 * one)
    assert Replica(DEEPSEEK, H200, 8, "fp8")._exchange(tokens, CALIBRATED) == 0.0  # one engine: TP's all-reduces only
    # each engine's GPU reads its 32 of the 256 routed experts that the step's tokens reach, and its own copy of the rest
    assert replica.weights_read(4096) < Replica(DEEPSEEK, H200, 8, "fp8").weights_read(4096) * 8 / 2


def test_without_the_hidden_size_the_exchange_cannot_be_estimated_and_says_why():
    unsized = DEEPSEEK.model_copy(update={"hidden_size": None})
    with pytest.raises(PerformanceUnknown, match="no hidden_size in the catalog, so the data-parallel experts' exchange cannot be estimated"):
        Replica(unsized, H200, 1, "fp8", data_parallel=8).decode_step(8, 1000, CALIBRATED)


@pytest.mark.parametrize(
    ("parallel", "message"),
    [({"data_parallel": 0}, "tensor_parallel and data_parallel must be at least 1, got 1 and 0"),
     ({"expert_parallel": True}, "has no experts: expert parallelism (--enable-expert-parallel) is for a mixture of experts")],
)  # fmt: skip
def test_a_replica_refuses_what_vllm_refuses(parallel, message):
    with pytest.raises(SizingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Replica(LLAMA8, H100, 1, "bf16", **parallel)


def test_a_routes_price_times_a_data_parallel_deployment():
    raw = with_deployment(copy.deepcopy(AWS_ENVIRONMENT), model=DEEPSEEK.hf_id, tensor_parallel=1, data_parallel=8, expert_parallel=True,
                          max_context_tokens=32768, latency_class="interactive", autoscaling={"min_replicas": 1, "max_replicas": 2},
                          traffic={"peak_requests_per_second": 4, "peak_factor": 2, "prompt_tokens": 1000, "output_tokens": 300})  # fmt: skip
    raw["clusters"][0]["node_pools"][-1]["max_nodes"] = 2
    raw.update(routes=[{"name": "r", "deployment": "m"}], gateway={})
    (route,) = route_costs(environment_from_config(raw, "Pulumi.test.yaml"), price_plan(plan_environment(raw)), load_catalog())
    (part,) = route.parts
    assert part.why_unknown is None and part.usd_per_million_tokens > 0


runner = CliRunner()


def test_hangar_size_prints_a_dp8_ep_replicas_throughput_and_price():
    result = runner.invoke(app, ["size", DEEPSEEK.hf_id, "--precision", "fp8", "--data-parallel", "8", "--expert-parallel", "--cloud", "aws"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "p5en.48xlarge" in line and "1 (DP 8, EP) x 1" in line)
    cells = [cell.strip() for cell in row.split("│") if cell.strip()]
    tokens_per_s, per_million = cells[8], cells[9]
    assert float(tokens_per_s.replace(",", "")) > 0 and float(per_million) > 0
    assert "a replica is 8 data-parallel engines" in result.output and "memory of one of the replica's 8 engines" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--data-parallel", "0"], "--data-parallel: 0; allowed: a whole number of at least 1"),
     (["--expert-parallel"], f"--expert-parallel: {LLAMA8.hf_id} is a dense model (no experts in the catalog); allowed only with a mixture of experts"),
     (["--expert-parallel", "--peak-rps", "2", "--prompt-tokens", "100", "--output-tokens", "10"], "--expert-parallel: "),
     (["--data-parallel", "-2", "--peak-rps", "2", "--prompt-tokens", "100", "--output-tokens", "10"], "--data-parallel: -2; allowed")],
)  # fmt: skip
def test_hangar_size_refuses_a_bad_parallel_flag_naming_it(args, message):
    result = runner.invoke(app, ["size", LLAMA8.hf_id, *args])
    assert result.exit_code != 0 and message in result.output, result.output
