"""The capacity planner's requests in flight come from the fit check's own KV pool: sliding windows, hybrid models' state
pages, layer groups and block padding bound the planner's concurrency as they bound the fit verdict (vLLM v0.33.0)."""

from __future__ import annotations

import math

import pytest

from hangar.catalog import load_catalog
from hangar.sizing import memory_fit
from hangar.sizing.accelerators import accelerator_named
from hangar.sizing.capacity import Demand, plan_capacity
from hangar.sizing.engine import engine_limits
from hangar.sizing.kv import kv_bytes_per_token
from hangar.sizing.kv_pool import kv_pool
from hangar.sizing.memory import GIB, kv_options, layout_of
from hangar.sizing.performance import Replica

CAT = load_catalog()
H200 = accelerator_named(CAT, "H200")
UTILIZATION = 0.92  # vLLM v0.33.0's default
IN_FLIGHT = 2 * 8192  # v0.33.0 keeps two batches of max_num_batched_tokens (8192 on an H200) beyond a sliding window


def _all_full(replica: Replica, tokens: int) -> float:
    """Sequences of `tokens` the budget holds if every layer cached every token (the planner's figure before)."""
    return replica.kv_budget_bytes(UTILIZATION) / kv_bytes_per_token(replica.model, "auto", replica.tensor_parallel) / tokens


def _in_flight(replica: Replica, tokens: int, **options) -> int:
    return replica.max_concurrency(tokens, 0, gpu_memory_utilization=UTILIZATION, max_num_seqs=None, kv_admission="full", **options)


@pytest.mark.parametrize("tokens", [65_536, 131_072])
def test_gpt_oss_holds_as_many_more_sequences_as_its_sliding_layers_free(tokens):
    replica = Replica(CAT.models["openai/gpt-oss-120b"], H200, 1, "mxfp4")
    # 18 full layers keep every token, 18 sliding ones their 128-token window + the tokens in flight, in 16-token blocks + 1
    window = (math.ceil((128 - 1 + IN_FLIGHT) / 16) + 1) * 16
    factor = 36 * tokens / (18 * tokens + 18 * window)
    assert factor > 1.5
    assert abs(_in_flight(replica, tokens) - _all_full(replica, tokens) * factor) <= 1


def test_gemma_3_holds_as_many_more_sequences_as_its_sliding_layers_free_less_their_group_padding():
    replica = Replica(CAT.models["google/gemma-3-27b-it"], H200, 1, "bf16")
    tokens = 131_072
    # 10 full layers and 52 sliding ones (1,024-token window) in groups of 10: the sixth sliding group has 8 padding layers
    window = (math.ceil((1024 - 1 + IN_FLIGHT) / 16) + 1) * 16
    factor = 62 * tokens / (10 * tokens + 60 * window)
    before = _all_full(replica, tokens)
    assert before < 2 and _in_flight(replica, tokens) == math.floor(before * factor) == 4


def test_a_hybrid_model_counts_its_state_pages_per_sequence():
    model = CAT.models["Qwen/Qwen3-Next-80B-A3B-Thinking"]
    replica = Replica(model, H200, 2, "fp8")
    short = _in_flight(replica, 1024)
    # every sequence holds each linear layer's state whatever its length: the attention KV alone allowed ~7,700
    assert _all_full(replica, 1024) > 5 * short
    budget = replica.kv_budget_bytes(UTILIZATION)
    assert short * model.state_bytes_per_sequence < budget < (short + 1) * 3 * model.state_bytes_per_sequence * 1.5
    # with prefix caching off, v0.33.0 keeps one state page a layer instead of three ('align' mode, FlashInfer's checkpoint)
    uncached = _in_flight(Replica(model, H200, 2, "fp8", prefix_caching=False), 1024)
    assert uncached > 2 * short


@pytest.mark.parametrize(
    ("model_id", "gpu", "precision", "tp"),
    [
        ("meta-llama/Llama-3.1-8B-Instruct", "H100-SXM", "bf16", 1),
        ("openai/gpt-oss-120b", "H200", "mxfp4", 1),
        ("google/gemma-3-27b-it", "H200", "bf16", 1),
        ("Qwen/Qwen3.5-27B", "H200", "bf16", 1),
        ("Qwen/Qwen3-Next-80B-A3B-Thinking", "H200", "fp8", 2),
        ("deepseek-ai/DeepSeek-V3", "H200", "fp8", 8),
    ],
)
@pytest.mark.parametrize("tokens", [1_000, 9_000, 40_000])
def test_the_planners_sequences_are_what_the_fit_check_says_fits(model_id, gpu, precision, tp, tokens):
    model, acc = CAT.models[model_id], accelerator_named(CAT, gpu)
    planned = _in_flight(Replica(model, acc, tp, precision), tokens)
    fit = memory_fit(model, acc, precision=precision, tensor_parallel=tp, max_context_tokens=tokens, gpu_memory_utilization=UTILIZATION)
    assert planned == fit.capacity_sequences > 0
    # and those sequences' blocks fit the pool, one more's do not (to a page): the null block held back
    limits = engine_limits(acc.name, acc.kind, acc.memory_gib, max_model_len=tokens)
    pool = kv_pool(model, tokens, engine_version=None, capability=acc.compute_capability,
                   **kv_options(fit.kv_cache_dtype, tp, limits, layout_of(model, acc, None)))  # fmt: skip
    budget = fit.kv_budget_gib * GIB
    assert planned * pool.sequence_bytes + pool.block_bytes <= budget
    assert (planned + 1) * pool.sequence_bytes + pool.block_bytes > budget - pool.block_bytes


def test_the_capacity_plan_admits_what_the_windows_leave_room_for():
    gemma = CAT.models["google/gemma-3-27b-it"]
    demand = Demand(1.0, 100_000, 2_000, average_requests_per_second=0.5)
    plan = plan_capacity(gemma, H200, demand, accelerators_per_node=8, precision="bf16", max_concurrent_sequences=64)
    fit = memory_fit(gemma, H200, precision="bf16", max_context_tokens=101_000, gpu_memory_utilization=UTILIZATION)  # grow: prompt + output / 2
    assert plan.feasible and plan.kv_concurrency == fit.capacity_sequences
    assert plan.kv_concurrency > _all_full(Replica(gemma, H200), 101_000) * 2
