"""Latent attention's down projections, DSA indexers and MoE routers, which vLLM keeps whole on every TP rank
(`hangar.sizing.replicated_weights`), counted per GPU in the dtype each layer loads them in.

Read in vLLM v0.33.0 (PyPI wheel, commit 4ba787ec9) and v0.11.2 (sdist, commit 275de3417), 2026-12-03:
deepseek_v2.py `DeepseekV2MLAAttention.fused_qkv_a_proj` (`disable_tp=True`, the layer's quant_config) and
`DeepseekV2MoE.gate` (v0.33.0 a `GateLinear`, v0.11.2 a `ReplicatedLinear(quant_config=None)`: 16-bit);
vllm/models/deepseek_v32/attention.py `DeepseekV32Indexer` (v0.33.0: `wq_b` quantised, `wk_weights_proj` bf16) against
v0.11.2's deepseek_v2.py `Indexer` (`wq_b` and `wk` quantised, `weights_proj` bf16); minimax_m2.py's float32 router.
Shapes by hand from the rows and tests/model_configs.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from hangar.catalog import load_catalog
from hangar.catalog.model_config import model_row
from hangar.sizing import GIB, memory_fit
from hangar.sizing.memory import weight_bytes

CONFIGS = Path(__file__).parent / "model_configs"
CAT = load_catalog()
V3_A_PROJ = 61 * 7168 * (1536 + 512 + 64)
"""DeepSeek-V3's fused_qkv_a_proj: 61 layers of 7,168 -> q_lora_rank + kv_lora_rank + qk_rope_head_dim = 923,467,776."""
V3_ROUTERS = 58 * 7168 * 256
"""58 MoE layers (61 less first_k_dense_replace 3) of 7,168 x 256 experts = 106,430,464."""


def fit(model, gpu: str, precision: str, tp: int, version: str = "v0.33.0"):
    return memory_fit(model, CAT.gpus[gpu], precision=precision, tensor_parallel=tp, engine_version=version, max_context_tokens=8192)


def split_per_gpu(model, precision: str, tp: int) -> float:
    return weight_bytes(model, precision, tensor_parallel=tp) / tp


@pytest.mark.parametrize("version", ["v0.33.0", "v0.11.2"])
def test_deepseek_v3_fp8_holds_its_latent_down_projections_and_bf16_routers_whole_on_each_gpu(version):
    """TP 8 on H200s: each GPU holds all 923,467,776 fp8 down-projection weights (the split charged 1/8 of them) and all
    106,430,464 router weights in bf16 (charged 1/8 at 1 byte): 1,007,591,424 bytes, 0.94 GiB, more a GPU."""
    v3 = CAT.model("deepseek-ai/DeepSeek-V3")
    got = fit(v3, "H200", "fp8", 8, version).weights_per_gpu_gib * GIB
    assert got - split_per_gpu(v3, "fp8", 8) == pytest.approx(V3_A_PROJ * 7 / 8 + V3_ROUTERS * (2 - 1 / 8)) == 1_007_591_424
    # at TP 1 nothing is replicated, but the routers are still bf16 where fp8 was counted
    assert fit(v3, "H200", "fp8", 1, version).weights_gib * GIB - split_per_gpu(v3, "fp8", 1) == pytest.approx(V3_ROUTERS)


def test_deepseek_v3_2_indexer_weights_differ_by_release():
    """61 indexers of 64 heads x 128: `wq_b` 1,536 x 8,192 (fp8 at both releases); the key projection 7,168 x 128 and the
    head weights 7,168 x 64. v0.33.0 fuses them into one bf16 `wk_weights_proj`; v0.11.2 keeps `wk` fp8 and `weights_proj`
    bf16. So v0.33.0 holds the 55,967,744 wk weights at 2 bytes where v0.11.2 holds them at 1: per GPU at TP 8 55,967,744
    bytes more."""
    v32 = CAT.model("deepseek-ai/DeepSeek-V3.2")
    newer, older = (fit(v32, "H200", "fp8", 8, version).weights_per_gpu_gib * GIB for version in ("v0.33.0", "v0.11.2"))
    assert newer - older == pytest.approx(61 * 7168 * 128)
    wq_b, wk, head_weights = 61 * 1536 * 64 * 128, 61 * 7168 * 128, 61 * 7168 * 64
    extra = V3_A_PROJ * 7 / 8 + V3_ROUTERS * (2 - 1 / 8) + wq_b * 7 / 8 + (wk + head_weights) * (2 - 1 / 8)
    assert newer - split_per_gpu(v32, "fp8", 8) == pytest.approx(extra)


def test_glm5_nvfp4_keeps_its_attention_16_bit_so_its_down_projections_are_bf16_on_every_gpu():
    """NVIDIA's GLM-5 NVFP4 hf_quant_config.json excludes every layer's self_attn (and its indexer): the row's
    unquantised_params_b (13.603B) holds all of it, so the 78 x 6,144 x 2,624 = 1,257,504,768 down-projection weights and
    the 78 indexers (wq_b 2,048 x 32 x 128, wk_weights_proj 6,144 x 160) stay bf16, whole on each of 8 GPUs; the 75 x 6,144
    x 256 routers are bf16 where NVFP4 was counted."""
    quant = json.loads((CONFIGS / "hf_quant_config" / "nvidia-glm-5-nvfp4.json").read_text())
    glm = model_row("nvidia/GLM-5-NVFP4", json.loads((CONFIGS / "glm-5.json").read_text()), quant_config=quant, licence_id="mit",
                    source="test", as_of=datetime.date(2026, 12, 3))
    assert (glm.dtype, glm.unquantised_params_b) == ("nvfp4", 13.603)
    kept = 1_257_504_768 + 78 * (2048 * 32 * 128 + 6144 * 160)
    routers = 75 * 6144 * 256
    nvfp4 = 0.5 + 1 / 16  # bytes a weight: e2m1 values and an e4m3 scale per 16
    got = fit(glm, "B200", "nvfp4", 8).weights_per_gpu_gib * GIB
    assert got - split_per_gpu(glm, "nvfp4", 8) == pytest.approx(kept * 2 * 7 / 8 + routers * (2 - nvfp4 / 8))


def test_minimax_m2_router_is_float32_on_every_gpu():
    """minimax_m2.py builds its gate with `params_dtype=torch.float32` at both releases: 62 layers x 3,072 x 256 =
    48,758,784 weights at 4 bytes on each GPU, where fp8 charged 1 byte over the TP group."""
    m2 = CAT.model("MiniMaxAI/MiniMax-M2.7")
    got = fit(m2, "H200", "fp8", 4).weights_per_gpu_gib * GIB
    assert got - split_per_gpu(m2, "fp8", 4) == pytest.approx(48_758_784 * (4 - 1 / 4))


def test_a_deployment_short_by_the_replicated_weights_is_refused_with_them_counted():
    """DeepSeek-V3 fp8 on 8 x H100 (80 GiB): the weights per GPU were 78.33 GiB split; with the down projections and
    routers whole they are 79.27 GiB, and the refusal names the engine's weights as vLLM would hold them."""
    v3 = CAT.model("deepseek-ai/DeepSeek-V3")
    result = fit(v3, "H100-SXM", "fp8", 8)
    assert not result.fits and f"weights {result.weights_gib:,.1f}" in result.reason
    assert round(split_per_gpu(v3, "fp8", 8) / GIB, 2) == 78.33 and round(result.weights_per_gpu_gib, 2) == 79.27
