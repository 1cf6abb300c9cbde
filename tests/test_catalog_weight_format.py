"""The `dtype` column: the number format a release's weights are published in, from its config.json.

DeepSeek's checkpoints name bfloat16 as `torch_dtype` but ship fp8 weights, which their `quantization_config`
declares (deepseek-ai/DeepSeek-V3 README_WEIGHTS.md at 9b4e9788). Fixtures in tests/model_configs/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hangar.catalog import load_catalog
from hangar.catalog.model_config import ConfigError, read_config

CONFIGS = Path(__file__).parent / "model_configs"
CAT = load_catalog()


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


@pytest.mark.parametrize(
    "hf_id, name",
    [
        ("deepseek-ai/DeepSeek-V3", "deepseek-v3.json"),
        ("deepseek-ai/DeepSeek-R1", "deepseek-r1.json"),
        ("deepseek-ai/DeepSeek-V3.2", "deepseek-v3.2.json"),
        ("moonshotai/Kimi-K2-Instruct", "kimi-k2-instruct.json"),
    ],
)
def test_fp8_checkpoints_are_fp8_although_their_torch_dtype_says_bfloat16(hf_id, name):
    fields = config(name)
    assert fields["torch_dtype"] == "bfloat16" and fields["quantization_config"]["quant_method"] == "fp8"
    assert CAT.model(hf_id).dtype == "fp8"


def test_an_unquantised_checkpoint_keeps_its_torch_dtype():
    assert CAT.model("meta-llama/Llama-3.1-8B-Instruct").dtype == "bfloat16"
    assert read_config({**config("qwen3-8b.json"), "torch_dtype": "float16"}).dtype == "float16"


def test_a_quantisation_the_column_cannot_name_is_unknown_not_sixteen_bit():
    # gpt-oss-120b publishes its experts in mxfp4, a format the column names (tests/test_precision_mxfp4.py); a config
    # naming bfloat16 beside another method is no 16-bit checkpoint either
    assert config("gpt-oss-120b.json")["quantization_config"]["quant_method"] == "mxfp4"
    assert CAT.model("openai/gpt-oss-120b").dtype == "mxfp4"
    awq = {**config("qwen3-8b.json"), "quantization_config": {"quant_method": "awq", "bits": 4}}
    assert read_config(awq).dtype is None
    # older compressed-tensors checkpoints declare themselves under `compression_config`: read there, and a scheme the
    # reader cannot name is refused by its field (tests/test_compressed_tensors_checkpoints.py), never taken as 16-bit
    compressed = {**config("qwen3-8b.json"), "compression_config": {"quant_method": "compressed-tensors"}}
    with pytest.raises(ConfigError) as raised:
        read_config(compressed)
    assert raised.value.field == "compression_config.config_groups"


def test_devstral_small_2_published_in_fp8_reads_as_fp8():
    # a Mistral 3 config: the quantization_config sits beside text_config, the vision tower and head left in 16 bits
    devstral = config("devstral-small-2-24b-instruct.json")
    assert "torch_dtype" not in devstral["text_config"] and devstral["quantization_config"]["quant_method"] == "fp8"
    assert read_config(devstral).dtype == "fp8"
