"""Where Hangar sizes DeepSeek-V4 (`hangar.sizing.kv_deepseek_v4.v4_gpu_refusal`): vLLM v0.33.0 builds its attention in
fp8_ds_mla on compute capability 9.x, 10.x and 12.x (FlashInfer's SM120 class keeps the same 584-byte latents), so a
12.x machine is sized like a Blackwell one; ROCm and NVIDIA's NVFP4 repacks, which v0.33.0 also serves, stay refused
with the vLLM lines that say so."""

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


def test_rocm_is_refused_naming_the_amd_model_vllm_builds_and_what_hangar_lacks(tmp_path):
    catalog = load_catalog(catalog_with_sm120(tmp_path))
    with pytest.raises(KvError) as refused:
        memory_fit(catalog.model(FLASH), catalog.gpu("MI300X"), precision="mxfp4", tensor_parallel=8, max_context_tokens=65536)
    message = str(refused.value)
    assert "vLLM v0.33.0 serves DeepSeek-V4 on NVIDIA GPUs and on ROCm (vllm/models/deepseek_v4/__init__.py imports amd/model.py" in message
    assert message.endswith("and Hangar sizes its MXFP4 experts on NVIDIA GPUs only")


def test_a_gpu_below_hopper_is_refused_naming_the_backends_capabilities(tmp_path):
    catalog = load_catalog(catalog_with_sm120(tmp_path))
    with pytest.raises(KvError, match=r"runs on compute capability 9\.x and 10\.x .* and 12\.x .* only"):
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
