"""The figures docs/sizing.md states in prose about data and expert parallelism, with where each value comes from (part of
tests/docs_facts.py's FACTS)."""

from __future__ import annotations

import functools

from tests.docs_prose import Fact
from tests.docs_values import catalog

TOKENS = 32768
GPUS = 8


@functools.cache
def _fit(tensor_parallel: int, data_parallel: int, expert_parallel: bool):
    from hangar.sizing import memory_fit

    return memory_fit(
        catalog().model("deepseek-ai/DeepSeek-V3"), catalog().gpu("H200"), precision="fp8", max_context_tokens=TOKENS,
        tensor_parallel=tensor_parallel, data_parallel=data_parallel, expert_parallel=expert_parallel,
    )


@functools.cache
def _saturated(tensor_parallel: int, data_parallel: int, expert_parallel: bool):
    from hangar.sizing.accelerators import with_performance
    from hangar.sizing.capacity import Demand, plan_capacity

    h200 = with_performance(catalog(), catalog().gpu("H200"))
    return plan_capacity(
        catalog().model("deepseek-ai/DeepSeek-V3"), h200, Demand(400, 1000, 300), accelerators_per_node=GPUS, tensor_parallel=tensor_parallel,
        precision="fp8", data_parallel=data_parallel, expert_parallel=expert_parallel,
    )


PARALLEL_FACTS: list[Fact] = [
    Fact(
        "docs/sizing.md",
        "DeepSeek-V3 in fp8 on {n} x H200 with {tokens:,}-token sequences: at `tensor_parallel: {n}` each GPU holds {tp.weights_per_gpu_gib:.1f} "
        "GiB of weights and the KV cache {tp.capacity_sequences} sequences; at `tensor_parallel: 1`, `data_parallel: {n}`, `expert_parallel: "
        "true` each GPU holds {dp.weights_per_gpu_gib:.1f} GiB and the eight engines {dp.capacity_sequences} sequences",
        {"n": lambda: GPUS, "tokens": lambda: TOKENS, "tp": lambda: _fit(GPUS, 1, False), "dp": lambda: _fit(1, GPUS, True)},
    ),
    Fact(
        "docs/sizing.md",
        "8 x H200 with 1,000-token prompts and 300-token outputs: the eight engines hold {dp.kv_concurrency:,} requests in flight where "
        "`tensor_parallel: 8` holds {tp.kv_concurrency:,}, and carry about {dp.output_tokens_per_second_per_replica:,.0f} output tokens/s to its "
        "{tp.output_tokens_per_second_per_replica:,.0f} (ESTIMATES)",
        {"tp": lambda: _saturated(GPUS, 1, False), "dp": lambda: _saturated(1, GPUS, True)},
    ),
]
