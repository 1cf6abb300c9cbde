"""Which kernel vLLM v0.33.0 serves gpt-oss's MXFP4 experts with, per GPU, and the padding it keeps resident
(hangar.sizing.mxfp4).

v0.11.2 used Marlin below Blackwell (widths rounded to 128 and 256) and FlashInfer's SM100 kernel on B200 (256 and
256). v0.33.0 picks FlashInfer's TRT-LLM kernel on B200 (128 and 256), the OAI Triton kernels on Hopper (the
intermediate width rounded to 64, the hidden width as it is), Marlin on Ampere and Ada; with LoRA, Marlin everywhere.
"""

from __future__ import annotations

import pytest

from hangar.catalog import load_catalog
from hangar.sizing import memory_fit
from hangar.sizing.lora import LoraSlots
from hangar.sizing.mxfp4 import backend

CATALOG = load_catalog()
GPT_OSS = CATALOG.model("openai/gpt-oss-120b")
GIB = 2**30


def expected_gib(*, inner: int, hidden: int, tensor_parallel: int = 1) -> float:
    """gpt-oss-120b's weights: per expert and rank 4.25-bit gate+up and down of the padded widths with bf16 biases;
    the rest of its parameters in bf16, the 36 x 2,880 x 128 router weights whole on every rank (`GateLinear`)."""
    per_expert = 3 * inner * hidden * (0.5 + 1 / 32) + (2 * inner + hidden) * 2
    rest = GPT_OSS.params_total_b * 1e9 - GPT_OSS.layers * GPT_OSS.num_experts * 3 * 2880 * 2880
    routers = GPT_OSS.layers * 2880 * GPT_OSS.num_experts * 2 * (tensor_parallel - 1)
    return (GPT_OSS.layers * GPT_OSS.num_experts * per_expert * tensor_parallel + rest * 2 + routers) / GIB


@pytest.mark.parametrize(
    ("gpu", "version", "inner", "hidden"),
    [
        ("H100-SXM", "v0.11.2", 2944, 3072),  # Marlin: 2880 -> 2944 (128), 2880 -> 3072 (256)
        ("H100-SXM", "v0.33.0", 2880, 2880),  # OAI Triton: 2880 is already a multiple of 64
        ("B200", "v0.11.2", 3072, 3072),  # FlashInfer SM100: both to 256
        ("B200", "v0.33.0", 2944, 3072),  # TRT-LLM: 128 and 256
        ("A100-80GB", "v0.33.0", 2944, 3072),  # Marlin
    ],
)
def test_gpt_oss_weights_are_padded_as_the_release_s_kernel_on_the_gpu_pads_them(gpu, version, inner, hidden):
    fit = memory_fit(GPT_OSS, CATALOG.gpus[gpu], precision="mxfp4", max_context_tokens=8192, engine_version=version)
    assert fit.weights_gib == pytest.approx(expected_gib(inner=inner, hidden=hidden))


def test_at_tensor_parallel_two_the_triton_kernels_round_each_rank_s_width_to_64():
    fit = memory_fit(GPT_OSS, CATALOG.gpus["H100-SXM"], precision="mxfp4", tensor_parallel=2, max_context_tokens=8192, engine_version="v0.33.0")
    assert fit.weights_gib == pytest.approx(expected_gib(inner=1472, hidden=2880, tensor_parallel=2))  # 1440 -> 1472


def test_with_lora_v0_33_0_serves_the_experts_with_marlin_on_every_gpu():
    for capability in (80, 89, 90, 100, 120):
        assert backend(capability, lora=True, engine_version="v0.33.0").name == "Marlin"
    fit = memory_fit(GPT_OSS, CATALOG.gpus["H100-SXM"], precision="mxfp4", max_context_tokens=8192, lora=LoraSlots(), engine_version="v0.33.0")
    assert fit.weights_gib == pytest.approx(expected_gib(inner=2944, hidden=3072))


def test_below_compute_capability_8_0_no_release_serves_mxfp4():
    assert backend(75, engine_version="v0.33.0") is None
    assert backend(75, engine_version="v0.11.2") is None


def test_consumer_blackwell_takes_marlin_at_v0_33_0():
    assert backend(120, engine_version="v0.33.0").name == "Marlin"
