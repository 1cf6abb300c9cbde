"""Where Hangar sizes DeepSeek-V4 (`hangar.sizing.kv_deepseek_v4.v4_gpu_refusal`): vLLM v0.33.0 builds its attention in
fp8_ds_mla on compute capability 9.x, 10.x and 12.x (FlashInfer's SM120 class keeps the same 584-byte latents) and on
ROCm (amd/model.py, the same caches), so a 12.x machine is sized like a Blackwell one and an MI300X by the same pages;
NVIDIA's NVFP4 repacks, which v0.33.0 also serves, stay refused with the vLLM lines that say so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.config_fields import ConfigError
from hangar.catalog.model_config import read_config
from hangar.cli import app
from hangar.sizing import GIB, memory_fit
from hangar.sizing.kv import KvError
from tests.catalog_overrides import override

CONFIGS = Path(__file__).parent / "model_configs"
BLOCK = 21 * 37_440 + 20 * 1_728 + 21 * 8_640
"""One block of DeepSeek-V4-Flash's pool on one rank (tests/test_catalog_deepseek_v4.py has the hand calculation)."""
FLASH = "deepseek-ai/DeepSeek-V4-Flash"
SM120 = "B200-as-SM120"
"""A test device: the catalog's B200 row (memory, bandwidth, price) with compute capability 12.0 (`Blackwell (SM120)`),
so that only the capability differs from the B200 it is compared with."""


def config() -> dict:
    return json.loads((CONFIGS / "deepseek-v4-flash.json").read_text())


def catalog_with_sm120(tmp_path: Path) -> Path:
    """DeepSeek-V4-Flash imported as a team would, and a 12.x GPU and its 8-GPU machine added as override rows."""
    ours = tmp_path / "ours"
    result = CliRunner().invoke(app, ["catalog", "import-model", FLASH, "--config", str(CONFIGS / "deepseek-v4-flash.json"), "--licence", "mit",
                                      "--overrides", str(ours)], catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    override(ours, "gpus.csv", "name", "B200", name=SM120, architecture="Blackwell (SM120)")
    override(ours, "instances.csv", "instance_type", "p6-b200.48xlarge", instance_type="sm120.48xlarge", gpu=SM120)
    return ours


def test_hangar_size_sizes_a_compute_capability_12_machine_as_its_blackwell_twin(tmp_path):
    ours = catalog_with_sm120(tmp_path)
    result = CliRunner().invoke(app, ["size", FLASH, "--overrides", str(ours), "--cloud", "aws", "--context", "1048576", "--concurrency", "1",
                                      "--format", "json", "--limit", "0"], catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    by_node = {(o["instance_type"], o["tensor_parallel"]): o for o in json.loads(result.stdout)["feasible"]}
    sm120, b200 = by_node[("sm120.48xlarge", 8)], by_node[("p6-b200.48xlarge", 8)]
    assert (sm120["precision"], sm120["kv_cache_dtype"]) == ("mxfp4", "fp8")
    for key in ("kv_per_sequence_gib", "weights_gib", "capacity_sequences"):
        assert sm120["memory"][key] == pytest.approx(b200["memory"][key])


def test_a_gpu_below_hopper_is_refused_naming_the_backends_capabilities(tmp_path):
    catalog = load_catalog(catalog_with_sm120(tmp_path))
    with pytest.raises(KvError, match=r"runs on compute capability 9\.x and 10\.x .*, 12\.x .* and ROCm \(amd/model\.py\) only"):
        memory_fit(catalog.model(FLASH), catalog.gpu("A100-80GB"), precision="mxfp4", tensor_parallel=8, max_context_tokens=65536)
    fit = memory_fit(catalog.model(FLASH), catalog.gpu(SM120), precision="mxfp4", tensor_parallel=8, max_context_tokens=65536)
    assert fit.fits and fit.kv_per_sequence_gib * GIB > 0


def test_nvidias_nvfp4_repack_is_refused_citing_the_vllm_method_that_serves_it():
    repack = config()
    repack["quantization_config"] = {**repack["quantization_config"], "moe_quant_algo": "NVFP4"}
    with pytest.raises(ConfigError) as refused:
        read_config(repack)
    assert refused.value.field == "quantization_config.moe_quant_algo"
    assert "'NVFP4': vLLM v0.33.0 serves its routed experts so (vllm/models/deepseek_v4/quant_config.py" in str(refused.value)
    assert "ModelOptNvFp4FusedMoE" in str(refused.value)


def test_an_mi300x_pool_serves_it_with_the_rocm_image_and_the_fit_of_its_pages(tmp_path):
    from hangar.policies.rules import evaluate, load_pack_config
    from hangar.policies.rules.base import HARDWARE_FIT

    from tests.amd_plans import amd_environment, server_pod
    from tests.onprem_plans import plan_environment
    from tests.serving_plans import flags

    raw = amd_environment(engine_version="v0.33.0")
    raw["deployments"][0].update(model=FLASH, max_context_tokens=1048576, tensor_parallel=8)
    raw["catalog_overrides"] = str(catalog_with_sm120(tmp_path))
    plan, _ = plan_environment(raw)
    (container,) = server_pod(plan)["containers"]
    args = flags(container["args"])
    assert container["image"] == "vllm/vllm-openai-rocm:v0.33.0" and "--quantization" not in args
    assert [v.message for v in evaluate(list(plan), load_pack_config({}, "test")) if v.policy == HARDWARE_FIT] == []
    catalog = load_catalog(tmp_path / "ours")
    fit = memory_fit(catalog.model(FLASH), catalog.gpu("MI300X"), precision="mxfp4", tensor_parallel=8, max_context_tokens=1048576)
    # the same packed pool as on NVIDIA GPUs: 16,384 tokens a batch here, so the B200's 4,096 + 2 x 515 + 8,195 + 4,113 blocks
    assert fit.fits and fit.kv_per_sequence_gib == pytest.approx((4_096 + 2 * 515 + 8_195 + 4_113) * BLOCK * 8 / GIB)
    assert fit.weights_gib == pytest.approx(144.8536, abs=1e-4)  # Flash's per-rank expert widths fill ROCm's 128 padding


def test_mxfp4_on_rocm_stays_refused_for_gpt_oss_and_for_v0_11_2(tmp_path):
    from hangar.sizing.capability import capability_problems

    catalog = load_catalog(catalog_with_sm120(tmp_path))
    mi300x = catalog.gpu("MI300X")
    assert capability_problems(mi300x, "mxfp4", "v0.33.0", model=catalog.model(FLASH)) == []
    assert "Hangar plans mxfp4 only on NVIDIA GPUs" in capability_problems(mi300x, "mxfp4", "v0.33.0", model=catalog.model("openai/gpt-oss-120b"))[0]
    refusal = capability_problems(mi300x, "mxfp4", "v0.11.2", model=catalog.model(FLASH))[0]
    assert "on AMD GPUs only for DeepSeek-V4 with vLLM v0.33.0" in refusal and refusal.endswith("is not one for this model and release")
