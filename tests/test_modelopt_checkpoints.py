"""NVIDIA ModelOpt checkpoints, whose format `hf_quant_config.json` declares beside a config.json that says bfloat16.

The fixture is NVIDIA's own pair for nvidia/Llama-3.1-70B-Instruct-FP8, as ai-dynamo/aiconfigurator keeps them
(tests/model_configs/sources.json). vLLM v0.11.2 and v0.33.0 read that file when config.json has no
`quantization_config` (vllm/transformers_utils/config.py); `hangar catalog import-model` and the packaged rows do too.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.base import CANNOT_JUDGE, HARDWARE_FIT
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.model_config import ConfigError, read_config
from hangar.cli import app
from hangar.precision import checkpoint_bytes, mismatch, resolve
from hangar.sizing import rank_options
from hangar.sizing.capability import capability_problems
from hangar.sizing.quant_kernels import quantization_flag
from tests.config_errors import config_problems
from tests.h200_stacks import with_deployment
from tests.serving_plans import flags, plan_environment, server_container, workloads

CONFIGS = Path(__file__).parent / "model_configs"
CONFIG = CONFIGS / "nvidia-llama-3.1-70b-instruct-fp8.json"
QUANT = CONFIGS / "hf_quant_config" / "nvidia-llama-3.1-70b-instruct-fp8.json"
CAT = load_catalog()
FP8 = "nvidia/Llama-3.1-70B-Instruct-FP8"


def checkpoint(tmp_path: Path, quant: dict | None = None) -> Path:
    """A checkpoint directory as Hugging Face lays it out: config.json with hf_quant_config.json beside it."""
    directory = tmp_path / "checkpoint"
    directory.mkdir()
    shutil.copyfile(CONFIG, directory / "config.json")
    (directory / "hf_quant_config.json").write_text(json.dumps(quant if quant is not None else json.loads(QUANT.read_text())))
    return directory / "config.json"


def import_model(hf_id: str, *args: str):
    return CliRunner().invoke(app, ["catalog", "import-model", hf_id, *args], env={"COLUMNS": "400"})


def legacy(**quantization) -> dict:
    """The fixture's hf_quant_config.json with `quantization` fields replaced."""
    quant = json.loads(QUANT.read_text())
    return {**quant, "quantization": {**quant["quantization"], **quantization}}


# --- reading the format -------------------------------------------------------------------------------------------


def test_config_json_alone_says_bfloat16_and_the_file_beside_it_says_fp8():
    config = json.loads(CONFIG.read_text())
    assert "quantization_config" not in config and config["torch_dtype"] == "bfloat16"
    assert read_config(config).dtype == "bfloat16"
    assert read_config(config, json.loads(QUANT.read_text())).dtype == "modelopt-fp8"


def test_config_json_s_own_quantization_config_wins_as_in_vllm():
    inline = {**json.loads(CONFIG.read_text()), "quantization_config": {"quant_method": "fp8", "fmt": "e4m3"}}
    assert read_config(inline, json.loads(QUANT.read_text())).dtype == "fp8"
    modelopt_inline = {**json.loads(CONFIG.read_text()), "quantization_config": {"quant_method": "modelopt", "quant_algo": "FP8", "ignore": ["lm_head"]}}
    assert read_config(modelopt_inline).dtype == "modelopt-fp8"


@pytest.mark.parametrize(
    ("quant", "field", "words"),
    [
        (legacy(quant_algo="W4A8_AWQ"), "hf_quant_config.json.quantization.quant_algo", "'W4A8_AWQ' is not a ModelOpt format Hangar sizes; known: FP8"),
        (legacy(exclude_modules=["lm_head", "model.norm*"]), "hf_quant_config.json.quantization.exclude_modules",
         "'model.norm*' keeps modules in 16 bits that Hangar cannot count"),
        (legacy(exclude_modules="lm_head"), "hf_quant_config.json.quantization.exclude_modules", "is not a list"),
        ({"quantization": {"quant_algo": "FP8"}}, "hf_quant_config.json", "not a ModelOpt quantisation config"),
    ],
)
def test_another_format_or_a_module_it_cannot_count_is_refused_naming_the_field(quant, field, words):
    with pytest.raises(ConfigError) as raised:
        read_config(json.loads(CONFIG.read_text()), quant)
    assert raised.value.field == field and words in str(raised.value)


def test_a_multi_token_prediction_layer_past_the_model_s_layers_may_be_left_out_and_a_kept_layer_is_counted():
    quant = legacy(exclude_modules=["lm_head", "model.layers.80*", "model.layers.3.mlp.gate"])
    assert (read_config(json.loads(CONFIG.read_text()), quant).dtype, read_config(json.loads(CONFIG.read_text()), quant).unquantised_params_b) == ("modelopt-fp8", None)
    kept = read_config(json.loads(CONFIG.read_text()), legacy(exclude_modules=["lm_head", "model.layers.0*"]))
    layer = 8192 * 64 * 128 * 2 + 8192 * 8 * 128 * 2 + 3 * 8192 * 28672  # attention (q, o; k, v) and the MLP of a Llama 3.1 70B layer
    assert kept.unquantised_params_b == round(layer / 1e9, 3)


# --- import-model ----------------------------------------------------------------------------------------------------


def test_import_model_reads_the_hf_quant_config_json_beside_config_json(tmp_path):
    result = import_model("example-org/Llama-3.1-70B-FP8-copy", "--config", str(checkpoint(tmp_path)), "--base-model", "meta-llama/Llama-3.1-70B-Instruct",
                          "--overrides", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    row = load_catalog(tmp_path / "o").model("example-org/Llama-3.1-70B-FP8-copy")
    assert row.dtype == "modelopt-fp8"
    assert "read from config.json and hf_quant_config.json by hangar catalog import-model" in row.source


def test_import_model_takes_an_explicit_quant_config(tmp_path):
    result = import_model("example-org/Llama-3.1-70B-FP8-copy", "--config", str(CONFIG), "--quant-config", str(QUANT), "--licence", "llama-3.1-community",
                          "--overrides", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    assert load_catalog(tmp_path / "o").model("example-org/Llama-3.1-70B-FP8-copy").dtype == "modelopt-fp8"


def test_import_model_refuses_a_quant_config_vllm_would_not_read(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({**json.loads(CONFIG.read_text()), "quantization_config": {"quant_method": "fp8"}}))
    result = import_model("example-org/x", "--config", str(config), "--quant-config", str(QUANT), "--licence", "llama-3.1-community",
                          "--overrides", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert (f"--quant-config {QUANT}: hf_quant_config.json: {QUANT} is not read: config.json has its own quantization_config, "
            "which vLLM reads instead") in " ".join(result.stderr.split())
    assert not (tmp_path / "o").exists()


def test_import_model_names_the_field_of_a_format_it_cannot_size(tmp_path):
    result = import_model("example-org/x", "--config", str(checkpoint(tmp_path, legacy(quant_algo="W4A8_AWQ"))), "--licence", "llama-3.1-community",
                          "--overrides", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "hf_quant_config.json.quantization.quant_algo: 'W4A8_AWQ' is not a ModelOpt format Hangar sizes" in " ".join(result.stderr.split())


# --- the packaged row ------------------------------------------------------------------------------------------------


def test_the_packaged_repack_is_fp8_and_bound_by_its_base_s_licence():
    row = CAT.model(FP8)
    assert (row.dtype, row.base_model, row.licence_id) == ("modelopt-fp8", "meta-llama/Llama-3.1-70B-Instruct", "nvidia-open-model-license")
    assert {licence.id for licence, _ in CAT.model_licences(FP8)} == {"nvidia-open-model-license", "llama-3.1-community"}
    base = CAT.model("meta-llama/Llama-3.1-70B-Instruct")
    assert (row.params_total_b, row.kv_bytes_per_token_bf16) == (base.params_total_b, base.kv_bytes_per_token_bf16)
    # one byte a weight, the two 128256 x 8192 embedding and head matrices in 16 bits: (70.552e9 - 2.101e9) + 2 x 2.101e9 bytes
    assert checkpoint_bytes(row) / 2**30 == pytest.approx(67.66, abs=0.01)


def test_it_is_served_in_fp8_only_with_no_quantization_flag():
    assert resolve(None, "modelopt-fp8") == "fp8"
    assert mismatch("bf16", "modelopt-fp8", FP8) == (
        f"{FP8} is published in ModelOpt fp8: vLLM v0.33.0 loads {FP8}'s ModelOpt fp8 quantization_config whatever --dtype says "
        "(vllm/config/model.py _verify_quantization); allowed: fp8 (or leave precision unset: fp8)"
    )
    assert quantization_flag("fp8", 90, "v0.33.0", "modelopt-fp8") is None
    assert quantization_flag("fp8", 90, "v0.11.2", "modelopt-fp8") is None


def test_size_offers_it_on_fp8_gpus_only():
    ranking = rank_options(CAT.model(FP8), CAT, clouds=["aws"])
    assert ranking.feasible and {o.precision for o in ranking.feasible} == {"fp8"}
    offered = {o.fit.accelerator for o in ranking.feasible}
    assert "H100-SXM" in offered and not any(name.startswith("A100") for name in offered)
    assert capability_problems(CAT.gpu("A100-80GB"), "fp8")[0].startswith("A100-80GB (Ampere (SM80)) has no native fp8")


def test_a_deployment_as_published_is_served_without_a_quantization_flag(aws_environment):
    plan = plan_environment(with_deployment(aws_environment, model=FP8, max_context_tokens=8192, tensor_parallel=1))
    (workload,) = workloads(plan)
    assert "--quantization" not in flags(server_container(workload)["args"])
    checks = load_pack_config({}, "test")
    assert [v.message for v in evaluate(list(plan), checks) if v.policy == HARDWARE_FIT] == []
    assert not any("format" in v.message for v in evaluate(list(plan), checks) if v.policy == CANNOT_JUDGE)


def test_a_deployment_asking_bf16_of_it_is_a_config_error(aws_environment):
    raw = with_deployment(aws_environment, model=FP8, precision="bf16", max_context_tokens=8192, tensor_parallel=1)
    assert config_problems(raw) == [
        f"Pulumi.test.yaml: hangar:environment.deployments[0].precision: {FP8} is published in ModelOpt fp8: vLLM v0.33.0 loads {FP8}'s "
        "ModelOpt fp8 quantization_config whatever --dtype says (vllm/config/model.py _verify_quantization); allowed: fp8 "
        "(or leave precision unset: fp8); got 'bf16'"
    ]
