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


PARALLEL_FACTS: list[Fact] = [
    Fact(
        "docs/sizing.md",
        "DeepSeek-V3 in fp8 on {n} x H200 with {tokens:,}-token sequences: at `tensor_parallel: {n}` each GPU holds {tp.weights_per_gpu_gib:.1f} "
        "GiB of weights and the KV cache {tp.capacity_sequences} sequences; at `tensor_parallel: 1`, `data_parallel: {n}`, `expert_parallel: "
        "true` each GPU holds {dp.weights_per_gpu_gib:.1f} GiB and the eight engines {dp.capacity_sequences} sequences",
        {"n": lambda: GPUS, "tokens": lambda: TOKENS, "tp": lambda: _fit(GPUS, 1, False), "dp": lambda: _fit(1, GPUS, True)},
    ),
]
