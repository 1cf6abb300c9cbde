"""compressed-tensors checkpoints (`quant_method: compressed-tensors`) read by `hangar catalog import-model`.

No whole config.json of a compressed-tensors repack was found among the stored sources, so these configs are the real
config.json of meta-llama/Llama-3.1-8B-Instruct (tests/model_configs) with a `quantization_config` written as
llm-compressor saves one (quant_method, format, config_groups with targets / weights / input_activations, ignore,
kv_cache_scheme, quantization_status), its schemes being the compressed-tensors package's presets (PyPI
compressed_tensors-0.20.1, compressed_tensors/quantization/quant_scheme.py `INT8_W8A8`, `FP8_DYNAMIC`, `FP8`, `W4A16`;
read 2026-12-02). The catalog's README lists this. The reader (hangar/catalog/compressed_tensors.py) names W8A8 int8 and
fp8 (here) and W4A16 (tests/test_w4a16_checkpoints.py), the schemes vLLM serves that Hangar sizes, and refuses any other
naming the field and the scheme.
"""

from __future__ import annotations

import json

import pytest
from hangar.policies.rules.base import CANNOT_JUDGE, HARDWARE_FIT
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.model_config import ConfigError, read_config
from hangar.catalog.model_import import write_model_override
from hangar.cli import app
from hangar.precision import checkpoint_bytes, engine_precision, mismatch, resolve
from hangar.sizing import rank_options
from hangar.sizing.capability import capability_problems
from hangar.sizing.quant_kernels import quantization_flag
from tests.compressed_tensors_configs import args, judged, llama, quantization, row
from tests.config_errors import config_problems
from tests.h200_stacks import with_deployment
from tests.serving_plans import flags, plan_environment, server_container, workloads

CAT = load_catalog()
INT8_REPACK = "example-org/Llama-3.1-8B-Instruct-quantized.w8a8"
FP8_REPACK = "example-org/Llama-3.1-8B-Instruct-FP8-dynamic"


W8A8_INT8 = {"weights": args(8, "int", "channel"), "input_activations": args(8, "int", "token", dynamic=True)}
FP8_DYNAMIC = {"weights": args(8, "float", "channel"), "input_activations": args(8, "float", "token", dynamic=True)}
FP8_STATIC = {"weights": args(8, "float", "tensor"), "input_activations": args(8, "float", "tensor")}


INT8_CONFIG = llama(quantization(W8A8_INT8, "int-quantized"))
FP8_CONFIG = llama(quantization(FP8_DYNAMIC, "float-quantized"))


# --- the reader --------------------------------------------------------------------------------------------------


def test_w8a8_int8_and_fp8_are_named():
    assert read_config(INT8_CONFIG).dtype == "w8a8-int8"
    assert read_config(FP8_CONFIG).dtype == "w8a8-fp8"
    assert read_config(llama(quantization(FP8_STATIC, "float-quantized"))).dtype == "w8a8-fp8"  # the FP8 preset: static activations
    static_int8 = {"weights": args(8, "int", "tensor"), "input_activations": args(8, "int", "tensor")}
    assert read_config(llama(quantization(static_int8, "int-quantized"))).dtype == "w8a8-int8"
    gated = quantization(FP8_DYNAMIC, "float-quantized", ignore=["lm_head", "re:.*mlp.gate$"])  # a MoE repack leaves its router gates
    assert read_config(llama(gated)).dtype == "w8a8-fp8"


def test_an_fp8_kv_scheme_and_transforms_folded_into_the_weights_are_read():
    fp8_kv = quantization(FP8_DYNAMIC, "float-quantized", kv_cache_scheme=args(8, "float", "tensor"))
    assert (read_config(llama(fp8_kv)).dtype, read_config(llama(fp8_kv)).kv_cache_dtype) == ("w8a8-fp8", "fp8")
    folded = {"config_groups": {"R1": {"apply": [{"location": "weight_output"}, {"location": "weight_input"}], "type": "hadamard"}}}
    assert read_config(llama({**quantization(FP8_DYNAMIC, "float-quantized"), "transform_config": folded})).kv_cache_dtype is None


@pytest.mark.parametrize(
    ("quant", "field", "words"),
    [
        (quantization({"weights": args(4, "int", "group", group_size=128), "input_activations": args(8, "int", "token", dynamic=True)}, "int-quantized"),
         "quantization_config.config_groups.group_0.weights", "compressed-tensors W4A8 int (weights per group 128) is not a scheme Hangar sizes"),
        (quantization({"weights": args(8, "int", "channel"), "input_activations": args(8, "int", "token")}, "int-quantized"),  # static per token
         "quantization_config.config_groups.group_0.weights", "W8A8 int (weights per channel) is not a scheme Hangar sizes"),
        (quantization(W8A8_INT8, "pack-quantized"), "quantization_config.config_groups.group_0.format", "'pack-quantized' for compressed-tensors W8A8 int"),
        (quantization(W8A8_INT8, "int-quantized", ignore=["lm_head", "re:.*self_attn.*", "re:.*mlp.experts.*"]), "quantization_config.ignore",
         "'re:.*mlp.experts.*' matches no module Hangar can place"),
        (quantization(W8A8_INT8, "int-quantized", kv_cache_scheme=args(8, "int", "tensor")), "quantization_config.kv_cache_scheme", "8-bit float KV cache only"),
        ({**quantization(W8A8_INT8, "int-quantized"), "config_groups": {"group_0": {**W8A8_INT8, "targets": ["re:.*mlp.experts.*"]}}},
         "quantization_config.config_groups.group_0.targets", "targets every linear layer"),
        ({**quantization(W8A8_INT8, "int-quantized"), "config_groups": {"a": {**W8A8_INT8, "targets": ["Linear"]}, "b": {**FP8_DYNAMIC, "targets": ["Linear"]}}},
         "quantization_config.config_groups", "mixes schemes (a: w8a8-int8, b: w8a8-fp8)"),
        ({"quant_method": "compressed-tensors", "format": "int-quantized"}, "quantization_config.config_groups", "missing"),
    ],
)
def test_another_scheme_is_refused_naming_the_field(quant, field, words):
    with pytest.raises(ConfigError) as raised:
        read_config(llama(quant))
    assert raised.value.field == field and words in str(raised.value)


def test_the_checkpoint_counts_one_byte_a_weight_and_a_16_bit_embedding_and_head():
    int8 = row(INT8_REPACK, INT8_CONFIG)
    embeddings = 2 * 128_256 * 4096  # untied
    assert checkpoint_bytes(int8) == pytest.approx((int8.params_total_b * 1e9 - embeddings) + embeddings * 2)
    assert checkpoint_bytes(row(FP8_REPACK, FP8_CONFIG)) == checkpoint_bytes(int8)
    assert checkpoint_bytes(int8) / 2**30 == pytest.approx(8.46, abs=0.01)  # against 14.96 GiB for the bf16 checkpoint


# --- serving ----------------------------------------------------------------------------------------------------------


def test_a_w8a8_checkpoint_is_served_in_its_own_precision_only_with_no_quantization_flag():
    assert resolve(None, "w8a8-int8") == "int8" and resolve(None, "w8a8-fp8") == "fp8"
    assert mismatch("int8", "w8a8-int8", INT8_REPACK) is None and mismatch("fp8", "w8a8-fp8", FP8_REPACK) is None
    assert mismatch("bf16", "w8a8-int8", INT8_REPACK) == (
        f"{INT8_REPACK} is published in compressed-tensors W8A8 int8: vLLM v0.33.0 loads {INT8_REPACK}'s compressed-tensors W8A8 int8 "
        "quantization_config whatever --dtype says (vllm/config/model.py _verify_quantization); allowed: int8 (or leave precision unset: int8)"
    )
    assert mismatch("fp8", "w8a8-int8", INT8_REPACK) is not None and mismatch("int8", "w8a8-fp8", FP8_REPACK) is not None
    assert engine_precision("bf16", None, "w8a8-fp8") == "fp8"  # a raw server without --quantization loads the checkpoint's fp8
    assert quantization_flag("fp8", 90, "v0.33.0", "w8a8-fp8") is None  # vLLM refuses --quantization fp8 for it
    assert quantization_flag("fp8", 90, "v0.33.0", "fp8") == "fp8"  # a DeepSeek-style fp8 checkpoint keeps its flag


def test_hardware_follows_the_scheme():
    # W8A8 fp8 needs 8.9 (CompressedTensorsW8A8Fp8), below it vLLM runs weight-only fp8, which Hangar does not plan
    assert capability_problems(CAT.gpu("A100-80GB"), resolve(None, "w8a8-fp8"))[0].startswith("A100-80GB (Ampere (SM80)) has no native fp8")
    assert capability_problems(CAT.gpu("H100-SXM"), resolve(None, "w8a8-fp8")) == []
    # W8A8 int8 needs 7.5 (CompressedTensorsW8A8Int8): a T4 serves it, a V100 does not
    assert capability_problems(CAT.gpu("T4"), resolve(None, "w8a8-int8")) == []
    assert capability_problems(CAT.gpu("V100-32GB"), resolve(None, "w8a8-int8")) == ["vLLM has no int8 W8A8 kernels for V100-32GB (Volta (SM70))"]


def test_size_offers_the_row_in_its_own_precision():
    ranking = rank_options(row(INT8_REPACK, INT8_CONFIG), CAT, clouds=["aws"])
    assert ranking.feasible and {o.precision for o in ranking.feasible} == {"int8"}
    note = next(n for n in ranking.notes if n.startswith("not offered: "))
    assert note.startswith(f"not offered: bf16, fp16, fp8, awq, gptq ({INT8_REPACK} is published in w8a8-int8, which vLLM v0.33.0 loads whatever --dtype says)")


@pytest.fixture
def overrides(tmp_path):
    write_model_override(tmp_path, row(INT8_REPACK, INT8_CONFIG))
    write_model_override(tmp_path, row(FP8_REPACK, FP8_CONFIG))
    return tmp_path


def test_a_deployment_asking_16_bits_of_it_is_a_config_error(aws_environment, overrides):
    raw = with_deployment(aws_environment, model=INT8_REPACK, precision="bf16", max_context_tokens=8192, tensor_parallel=1)
    raw["catalog_overrides"] = str(overrides)
    assert config_problems(raw) == [
        f"Pulumi.test.yaml: hangar:environment.deployments[0].precision: {INT8_REPACK} is published in compressed-tensors W8A8 int8: vLLM v0.33.0 loads {INT8_REPACK}'s "
        "compressed-tensors W8A8 int8 quantization_config whatever --dtype says (vllm/config/model.py _verify_quantization); allowed: int8 "
        "(or leave precision unset: int8); got 'bf16'"
    ]


@pytest.mark.parametrize(("model", "precision"), [(INT8_REPACK, "int8"), (FP8_REPACK, "fp8")])
def test_a_deployment_as_published_is_served_without_a_quantization_flag_and_judged(aws_environment, overrides, model, precision):
    raw = with_deployment(aws_environment, model=model, max_context_tokens=8192, tensor_parallel=1)
    raw["catalog_overrides"] = str(overrides)
    plan = plan_environment(raw)
    (workload,) = workloads(plan)
    assert "--quantization" not in flags(server_container(workload)["args"])
    assert workload["metadata"]["annotations"].get("hangar.dev/precision") == ("int8" if precision == "int8" else None)
    assert judged(plan, HARDWARE_FIT) == []
    assert not any("format" in message for message in judged(plan, CANNOT_JUDGE))


def test_import_model_writes_the_w8a8_row(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(FP8_CONFIG))
    result = CliRunner().invoke(app, ["catalog", "import-model", FP8_REPACK, "--config", str(config), "--licence", "llama-3.1-community",
                                      "--overrides", str(tmp_path / "o")], catch_exceptions=False, env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert load_catalog(tmp_path / "o").model(FP8_REPACK).dtype == "w8a8-fp8"
