"""Sizing: which precisions an accelerator runs, throughput estimates and $ per million tokens.

Moved out of tests/test_sizing.py unchanged. Pure core: no Pulumi.
"""

from __future__ import annotations

import pytest

from hangar.catalog import load_catalog
from hangar.sizing import (
    DECODE_BANDWIDTH_EFFICIENCY,
    PREFILL_COMPUTE_EFFICIENCY,
    capability_problems,
    estimate_throughput,
    usd_per_million_tokens,
)
from hangar.sizing.performance import CALIBRATED

CAT = load_catalog()
LLAMA_8B = CAT.model("meta-llama/Llama-3.1-8B-Instruct")
H100 = CAT.gpu("H100-SXM")


# --- capability -----------------------------------------------------------------------------------------


def test_hardware_capability_reasons():
    assert capability_problems(H100, "fp8") == []
    assert "no native fp8" in capability_problems(CAT.gpu("A100-80GB"), "fp8")[0]
    assert "W8A16" in capability_problems(CAT.gpu("A100-80GB"), "fp8")[0]
    t4 = capability_problems(CAT.gpu("T4"), "bf16")[0]
    assert "no bf16" in t4 and "fp16 instead" in t4
    assert capability_problems(CAT.gpu("T4"), "fp16") == []
    assert capability_problems(CAT.gpu("V100-16GB"), "gptq", "v0.11.2") == []  # v0.33.0 refuses it: tests/test_precision_marlin.py
    assert "runs awq only from compute capability 7.5" in capability_problems(CAT.gpu("V100-16GB"), "awq")[0]
    assert "int8" in capability_problems(CAT.gpu("V100-16GB"), "int8")[0]
    assert capability_problems(CAT.gpu("MI300X"), "awq")
    tpu = next(t for t in CAT.tpus if t.generation == "v6e")
    assert capability_problems(tpu, "bf16") == [] and "only bf16 on TPUs" in capability_problems(tpu, "fp8")[0]


# --- throughput and $/token --------------------------------------------------------------------------------


def test_decode_is_bandwidth_bound_and_prefill_compute_bound():
    estimate = estimate_throughput(LLAMA_8B, H100, precision="bf16", max_context_tokens=1024, concurrent_sequences=1)
    step = 8.03e9 * 2 + 131072 * 1024
    assert estimate.bytes_per_decode_step == pytest.approx(step)
    assert estimate.decode_tokens_per_s == pytest.approx(1 / (step / (3350e9 * DECODE_BANDWIDTH_EFFICIENCY) + CALIBRATED.step_ms / 1000))
    per_token = 2 * 8.03e9 + 4 * 32 * 512 * 32 * 128  # weights, and attention over half the 1,024-token prompt on average
    assert estimate.prefill_tokens_per_s == pytest.approx(989e12 * PREFILL_COMPUTE_EFFICIENCY / per_token)
    assert estimate.label == "ESTIMATE"
    # twice the GPUs, nearly twice the bandwidth (all-reduces cost a little); more sequences per step, more tokens per second
    two = estimate_throughput(LLAMA_8B, H100, precision="bf16", max_context_tokens=1024, concurrent_sequences=1, tensor_parallel=2)
    assert 1.3 * estimate.decode_tokens_per_s < two.decode_tokens_per_s < 2 * estimate.decode_tokens_per_s
    batch = estimate_throughput(LLAMA_8B, H100, precision="bf16", max_context_tokens=1024, concurrent_sequences=16)
    assert batch.decode_tokens_per_s > 10 * estimate.decode_tokens_per_s


def test_unknown_peak_flops_means_unknown_speed_not_zero():
    estimate = estimate_throughput(LLAMA_8B, CAT.gpu("A10G"))
    assert estimate.prefill_tokens_per_s is None and estimate.decode_tokens_per_s is None
    assert any("A10G: no peak FLOPS in the catalog" in note for note in estimate.assumptions)


def test_cost_per_million_tokens():
    assert usd_per_million_tokens(3.6, 1.0) == pytest.approx(1000.0)  # 3.6 $/h / (1 tok/s x 3600) x 1e6
    assert usd_per_million_tokens(None, 100.0) is None
    assert usd_per_million_tokens(10.0, None) is None
    assert usd_per_million_tokens(10.0, 0.0) is None  # never divide into a zero
