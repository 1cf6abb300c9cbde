"""Kimi K3's weights per GPU under tensor parallelism, as vLLM v0.33.0's vllm/models/kimi_k3/nvidia/ builds them (PyPI
wheel, commit 4ba787ec9, read 2026-12-03), from NVIDIA's copy of its config.json (tests/model_configs/kimi-k3.json):

* whole on every rank, in bf16 (`Mxfp4Config` quantises the experts only): each MoE layer's `routed_expert_down_proj` and
  `routed_expert_up_proj` (model.py `KimiMoE`, `ReplicatedLinear`s: 92 x 2 x 7,168 x 3,584 = 4,726,980,608 weights), its
  router (`GateLinear`, 92 x 7,168 x 896 = 590,872,576) and the latent shards of each MLA layer's `fused_qkv_a_g_proj`
  (mla.py, `KimiK3MergedQKVGateLinear`: 24 x 7,168 x (1,536 + 512 + 64) = 363,331,584);
* the routed experts padded under TP: `KimiMoE` gives each rank at least 256 columns of an expert (3,072 // TP below
  `min_moe_intermediate_per_partition`, default 256, which K3's config does not set), so from TP 16 a rank holds 256
  where its share is 192.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hangar.catalog import load_catalog
from hangar.catalog.model_config import model_row
from hangar.sizing import GIB, memory_fit
from hangar.sizing.mxfp4 import MXFP4_BYTES_PER_WEIGHT, OAI_TRITON, TRTLLM_SM100, expert_padding

CAT = load_catalog()
K3 = model_row("moonshotai/Kimi-K3", json.loads((Path(__file__).parent / "model_configs" / "kimi-k3.json").read_text()),
               licence_id="kimi-k2.5-modified-mit", source="tests/model_configs/kimi-k3.json", as_of=CAT.models["moonshotai/Kimi-K2-Instruct"].as_of)
WHOLE = 4_726_980_608 + 590_872_576 + 363_331_584
EXPERTS = 92 * 896 * 3 * 3584
"""Routed-expert weights: gate, up and down of 896 experts of 3,072 in a 3,584 latent, in 92 layers."""
REST = (K3.params_total_b * 1e9 - EXPERTS * 3072) * 2
"""Every other weight in bf16, as the split count charges it."""


def per_gpu(gpu: str, tp: int) -> float:
    fit = memory_fit(K3, CAT.gpus[gpu], precision="mxfp4", tensor_parallel=tp, engine_version="v0.33.0", max_context_tokens=8192)
    return fit.weights_per_gpu_gib * GIB


def test_k3_at_tp_8_holds_5_68b_weights_whole_on_every_gpu():
    """TP 8 on H200s: 1/8 of the experts (3,072 / 8 = 384 a rank, unpadded) and of the rest, plus 7/8 of the 5,681,184,768
    whole-on-every-rank weights in bf16: 190.96 GiB a GPU where the split said 181.70."""
    split = (EXPERTS * 3072 * MXFP4_BYTES_PER_WEIGHT + REST) / 8
    assert per_gpu("H200", 8) == pytest.approx(split + WHOLE * 2 * 7 / 8)
    assert (round(split / GIB, 2), round(per_gpu("H200", 8) / GIB, 2)) == (181.70, 190.96)


def test_k3_at_tp_16_pads_each_rank_to_256_expert_columns():
    """TP 16: a rank's share of an expert is 3,072 / 16 = 192 columns; `KimiMoE` builds 256. On an H200 (OAI Triton
    kernels, which round the width to 64 only) that is 4/3 of the experts' bytes; on a B200 TRT-LLM's rounding to 128
    already made it 256, so the padding changes nothing there."""
    assert expert_padding(K3, tensor_parallel=16, kernel=OAI_TRITON) == pytest.approx(256 / 192)
    assert expert_padding(K3, tensor_parallel=16, kernel=TRTLLM_SM100) == pytest.approx(256 / 192)
    assert expert_padding(K3, tensor_parallel=8, kernel=OAI_TRITON) == 1.0
    padded = (EXPERTS * 256 * 16 * MXFP4_BYTES_PER_WEIGHT + REST) / 16 + WHOLE * 2 * 15 / 16
    assert per_gpu("H200", 16) == pytest.approx(padded) == pytest.approx(per_gpu("B200", 16))
    assert round(padded / GIB, 2) == 128.84


def test_k3_with_expert_parallelism_holds_whole_experts_unpadded():
    """`--enable-expert-parallel`: `KimiMoE` pads only without it; 896 experts over 16 GPUs are 56 whole experts a GPU."""
    fit = memory_fit(K3, CAT.gpus["B200"], precision="mxfp4", tensor_parallel=8, data_parallel=2, expert_parallel=True,
                     engine_version="v0.33.0", max_context_tokens=8192)
    experts = EXPERTS * 3072 * MXFP4_BYTES_PER_WEIGHT * 56 / 896
    assert fit.weights_per_gpu_gib * GIB == pytest.approx(REST / 8 + experts + WHOLE * 2 * 7 / 8)
