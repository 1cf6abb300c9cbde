"""Weights vLLM keeps whole on every tensor-parallel rank (`hangar.sizing.replicated_weights`), counted per GPU.

Nemotron 3 Super and Ultra (NVIDIA's config.json copies in tests/model_configs, sources.json): vLLM v0.33.0's
nemotron_h.py builds each MoE layer's `fc1_latent_proj` / `fc2_latent_proj` and its router `gate` as replicated linears
(PyPI wheel, commit 4ba787ec9, read 2026-12-03). Every figure below is worked by hand from the shapes:

* Super: 40 MoE layers x 2 x 4,096 x 1,024 = 335,544,320 latent weights; router 40 x 4,096 x 512 = 83,886,080;
* Ultra: 48 MoE layers x 2 x 8,192 x 2,048 = 1,610,612,736 latent weights; router 48 x 8,192 x 512 = 201,326,592.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from hangar.catalog import load_catalog
from hangar.catalog.model_config import model_row
from hangar.sizing import GIB, memory_fit
from hangar.sizing.replicated_weights import replicated_modules

CONFIGS = Path(__file__).parent / "model_configs"
CAT = load_catalog()
SUPER_ID = "nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8"
SPLIT_FP8 = 121_741_741_824
"""Super's weights at fp8 as a count split by TP charges them: 120.668e9 less the embedding and head at 1 byte, those two at 2."""
LATENT, ROUTER = 335_544_320, 83_886_080


def row(hf_id: str, name: str, **update):
    fields = json.loads((CONFIGS / name).read_text())
    model = model_row(hf_id, fields, licence_id="nvidia-open-model-license", source="test", as_of=datetime.date(2026, 12, 3))
    return model.model_copy(update=update)


SUPER = row(SUPER_ID, "nvidia-nemotron-3-super-120b-a12b-fp8.json")


def per_gpu(model, gpu: str, precision: str, tp: int, **kw) -> float:
    fit = memory_fit(model, CAT.gpus[gpu], precision=precision, tensor_parallel=tp, engine_version="v0.33.0", max_context_tokens=8192, **kw)
    return fit.weights_per_gpu_gib * GIB


@pytest.mark.parametrize(("tp", "before_gib", "after_gib"), [(2, 56.690, 56.964), (4, 28.345, 28.716), (8, 14.173, 14.593)])
def test_super_fp8_weights_per_gpu_hold_the_latent_projections_and_router_whole(tp, before_gib, after_gib):
    """On an H100 (compute capability 9.0: `GateLinear`'s specialised kernels, so the forced-fp32 router stays bf16) a GPU
    holds 1/TP of the split count, all 335,544,320 latent weights at 1 byte and all 83,886,080 router weights at 2 bytes,
    where the split count charged both 1 byte over the TP group: TP 2 56.690 -> 56.964 GiB, TP 4 28.345 -> 28.716, TP 8
    14.173 -> 14.593."""
    expected = (SPLIT_FP8 - LATENT - ROUTER) / tp + LATENT * 1 + ROUTER * 2
    assert per_gpu(SUPER, "H100-SXM", "fp8", tp) == pytest.approx(expected)
    assert round(SPLIT_FP8 / tp / GIB, 3) == before_gib and round(expected / GIB, 3) == after_gib


def test_super_router_is_float32_off_hopper_and_blackwell():
    """An A100 (8.0) has no specialised router kernel: `force_fp32_compute` stores the router in float32, 4 bytes a weight
    on each rank; a B200 (10.0) keeps bf16 like the H100."""
    tp = 4
    hopper = per_gpu(SUPER, "H100-SXM", "fp8", tp)
    assert per_gpu(SUPER, "A100-80GB", "fp8", tp) - hopper == pytest.approx(ROUTER * 2)
    assert per_gpu(SUPER, "B200", "fp8", tp) == pytest.approx(hopper)
    modules = {m.module: m for m in replicated_modules(SUPER, "fp8", 1.0, engine_version="v0.11.2", capability=90)}
    assert modules["the routers"].held_bytes == 4  # v0.11.2: ReplicatedLinear(params_dtype=torch.float32) everywhere


def test_a_modelopt_super_holds_its_latent_projections_in_16_bits():
    """A ModelOpt FP8 row: vLLM's nemotron_h.py says "ModelOpt excludes the latent projections", so each rank holds them
    in bf16, and the row's unquantised_params_b counts them at 2 bytes once: TP 8 adds 335,544,320 x 2 x 7 over the split."""
    modelopt = SUPER.model_copy(update={"dtype": "modelopt-fp8", "unquantised_params_b": 0.336})
    tp = 8
    latent = next(m for m in replicated_modules(modelopt, "fp8", 1.0, engine_version="v0.33.0", capability=90) if "latent" in m.module)
    assert (latent.params, latent.held_bytes, latent.counted_bytes) == (LATENT, 2, 2)
    assert latent.engine_extra_bytes(tp) == LATENT * 2 * 7
    # per GPU, against the plain FP8 row: the 0.336B kept weights 1 byte more over 8 GPUs, and the whole copy 1 byte more
    assert per_gpu(modelopt, "H100-SXM", "fp8", tp) - per_gpu(SUPER, "H100-SXM", "fp8", tp) == pytest.approx(0.336e9 / tp + LATENT * 7 / tp)


def test_ultra_bf16_at_tp_8_on_b200_holds_1_6b_latent_weights_on_every_gpu():
    """Ultra in bf16 on B200s: per GPU 1/8 of 1,098,612,000,000 bytes (549.306B x 2) plus 7/8 of the whole latent
    projections and router in bf16: (1,610,612,736 + 201,326,592) x 2 x 7 / 8 = 3,170,893,824 bytes more."""
    ultra = row("nvidia/NVIDIA-Nemotron-3-Ultra-550B-A55B-BF16", "nvidia-nemotron-3-ultra-550b-a55b-bf16.json")
    assert per_gpu(ultra, "B200", "bf16", 8) == pytest.approx(1_098_612_000_000 / 8 + (1_610_612_736 + 201_326_592) * 2 * 7 / 8)


def test_a_model_without_replicated_modules_sized_is_split_as_before():
    """A dense Llama: nothing kept whole is sized, so its weights per GPU are still the count over TP."""
    llama = CAT.model("meta-llama/Llama-3.1-8B-Instruct")
    assert replicated_modules(llama, "bf16", 2.0) == []
    fit = memory_fit(llama, CAT.gpus["H100-SXM"], tensor_parallel=4)
    assert fit.weights_gib * GIB == pytest.approx(llama.params_total_b * 1e9 * 2)
