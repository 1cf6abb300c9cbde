"""compressed-tensors weight-only int4 (W4A16) checkpoints: read as `dtype` w4a16-g<group>[-asym], sized and served as int4.

As in tests/test_compressed_tensors_checkpoints.py, no whole config.json of such a repack was found, so these are real
config.json files (tests/model_configs: meta-llama/Llama-3.1-8B-Instruct, Qwen/Qwen3-30B-A3B) with a
`quantization_config` as llm-compressor saves one, from the compressed-tensors presets (PyPI compressed_tensors-0.20.1,
compressed_tensors/quantization/quant_scheme.py, read 2026-12-02: `W4A16` = `_int_wnam(4)`, int weights of 4 bits per
group of 128, symmetric, static, no input activations; `W4A16_ASYM` the same with `symmetric=False`), in the
`pack-quantized` format vLLM runs them from (`hangar.sizing.wna16` has the vLLM sources).
"""

from __future__ import annotations

import datetime
import json
import typing

import pytest
from hangar.policies.rules.base import CANNOT_JUDGE, HARDWARE_FIT
from typer.testing import CliRunner

from hangar.catalog import Model, load_catalog
from hangar.catalog.compressed_tensors import W4A16_FORMATS
from hangar.catalog.model_config import ConfigError, model_row, read_config
from hangar.catalog.model_import import write_model_override
from hangar.cli import app
from hangar.precision import checkpoint_bytes, engine_precision, mismatch, resolve
from hangar.sizing import memory_fit, rank_options
from hangar.sizing.capability import capability_problems
from hangar.sizing.lora_architectures import lora_refusal
from hangar.sizing.quant_kernels import quantization_flag
from hangar.sizing.tensor_parallel import tp_problems, valid_tp_degrees
from hangar.sizing.wna16 import linear_kernel
from tests.compressed_tensors_configs import CONFIGS, args, judged, llama, quantization, row
from tests.config_errors import config_problems
from tests.h200_stacks import with_deployment
from tests.serving_plans import flags, plan_environment, server_container, workloads

CAT = load_catalog()
REPACK = "example-org/Llama-3.1-8B-Instruct-quantized.w4a16"
ASYM_REPACK = "example-org/Llama-3.1-8B-Instruct-W4A16-asym"
MOE_REPACK = "example-org/Qwen3-30B-A3B-quantized.w4a16"
W4A16 = {"weights": args(4, "int", "group", group_size=128), "input_activations": None}
W4A16_ASYM = {"weights": args(4, "int", "group", group_size=128, symmetric=False), "input_activations": None}
CONFIG = llama(quantization(W4A16, "pack-quantized"))
ASYM_CONFIG = llama(quantization(W4A16_ASYM, "pack-quantized"))
EMBEDDINGS = 2 * 128_256 * 4096  # Llama 3.1 8B: untied embedding and head, kept 16-bit


def qwen3_moe(quant: dict) -> dict:
    return {**json.loads((CONFIGS / "qwen3-30b-a3b.json").read_text()), "quantization_config": quant}


def moe_row() -> Model:
    config = qwen3_moe(quantization(W4A16, "pack-quantized", ignore=["lm_head", "re:.*mlp.gate$"]))
    return model_row(MOE_REPACK, config, licence_id="apache-2.0", base_model="Qwen/Qwen3-30B-A3B", source="a W4A16 repack's config.json",
                     as_of=datetime.date(2026, 12, 2))


# --- the reader --------------------------------------------------------------------------------------------------


def test_the_presets_are_named_with_their_group_size_and_zero_points():
    assert read_config(CONFIG).dtype == "w4a16-g128"
    assert read_config(ASYM_CONFIG).dtype == "w4a16-g128-asym"
    grouped = {"weights": args(4, "int", "group", group_size=32), "input_activations": None}
    assert read_config(llama(quantization(grouped, "pack-quantized"))).dtype == "w4a16-g32"
    assert moe_row().dtype == "w4a16-g128"  # the MoE repack leaves its router gates
    # the catalog schema names exactly the formats the reader writes
    dtype = typing.get_args(Model.model_fields["dtype"].annotation)[0]
    assert set(W4A16_FORMATS) <= set(typing.get_args(dtype)) and len(W4A16_FORMATS) == 6


@pytest.mark.parametrize(
    ("quant", "field", "words"),
    [
        (quantization({"weights": args(4, "int", "group", group_size=256), "input_activations": None}, "pack-quantized"),
         "quantization_config.config_groups.group_0.weights.group_size", "Hangar sizes int4 weights per group of 32, 64, 128"),
        (quantization({"weights": args(4, "int", "channel"), "input_activations": None}, "pack-quantized"),
         "quantization_config.config_groups.group_0.weights.strategy", "compressed-tensors W4A16 int (weights per channel)"),
        (quantization({"weights": args(8, "int", "group", group_size=128), "input_activations": None}, "pack-quantized"),
         "quantization_config.config_groups.group_0.weights", "compressed-tensors W8A16 int (weights per group 128) (weight-only) is not a scheme Hangar sizes"),
        (quantization({"weights": {**args(4, "int", "group", group_size=128), "actorder": "group"}, "input_activations": None}, "pack-quantized"),
         "quantization_config.config_groups.group_0.weights.actorder", "'group': activation reordering by group (g_idx) is not sized"),
        (quantization({"weights": args(4, "int", "group", group_size=128, dynamic=True), "input_activations": None}, "pack-quantized"),
         "quantization_config.config_groups.group_0.weights.dynamic", "static weights only"),
        (quantization(W4A16, "int-quantized"), "quantization_config.config_groups.group_0.format", "'int-quantized' for compressed-tensors W4A16 int"),
        # an ignore entry the reader cannot place (Llama has no shared experts; half of a fused q/k/v projection)
        (quantization(W4A16, "pack-quantized", ignore=["lm_head", "re:.*self_attn.*", "re:.*shared_experts.*"]), "quantization_config.ignore",
         "'re:.*shared_experts.*' matches no module Hangar can place"),
        (quantization(W4A16, "pack-quantized", ignore=["lm_head", "re:.*self_attn.(q|k)_proj"]), "quantization_config.ignore",
         "leaves some shards of model.layers.0.self_attn.qkv_proj unquantised and not others, which vLLM refuses"),
    ],
)
def test_what_is_not_sized_is_refused_naming_the_field(quant, field, words):
    with pytest.raises(ConfigError) as raised:
        read_config(llama(quant))
    assert raised.value.field == field and words in str(raised.value)


def test_attention_left_out_by_ignore_is_counted_in_16_bits():
    # vLLM keeps an ignored layer unquantised (compressed-tensors get_quant_method: UnquantizedLinearMethod)
    kept = read_config(llama(quantization(W4A16, "pack-quantized", ignore=["lm_head", "re:.*self_attn.*"])))
    assert kept.dtype == "w4a16-g128" and kept.unquantised_params_b == round(32 * (2 * 4096 * 4096 + 2 * 4096 * 1024) / 1e9, 3)
    assert read_config(CONFIG).unquantised_params_b is None


def test_zero_points_on_a_mixture_of_experts_are_refused():
    with pytest.raises(ConfigError) as raised:
        read_config(qwen3_moe(quantization(W4A16_ASYM, "pack-quantized", ignore=["lm_head", "re:.*mlp.gate$"])))
    assert raised.value.field == "quantization_config.config_groups.group_0.weights.symmetric"
    assert "'Only symmetric quantization is supported for MoE'" in str(raised.value)


# --- bytes ---------------------------------------------------------------------------------------------------------


def test_the_weights_are_half_a_byte_and_a_16_bit_scale_per_group_and_zero_points_when_asymmetric():
    symmetric, asymmetric = row(REPACK, CONFIG), row(ASYM_REPACK, ASYM_CONFIG)
    quantised = symmetric.params_total_b * 1e9 - EMBEDDINGS
    assert checkpoint_bytes(symmetric) == pytest.approx(quantised * (0.5 + 2 / 128) + EMBEDDINGS * 2)
    assert checkpoint_bytes(asymmetric) == pytest.approx(quantised * (0.5 + 2 / 128 + 0.5 / 128) + EMBEDDINGS * 2)
    assert checkpoint_bytes(symmetric) / 2**30 == pytest.approx(5.31, abs=0.01)  # 8.46 GiB in W8A8, 14.96 in bf16
    grouped = row(REPACK, llama(quantization({"weights": args(4, "int", "group", group_size=32), "input_activations": None}, "pack-quantized")))
    assert checkpoint_bytes(grouped) == pytest.approx(quantised * (0.5 + 2 / 32) + EMBEDDINGS * 2)
    # every expert stays resident, at the same bytes a weight
    moe = moe_row()
    assert checkpoint_bytes(moe) / 2**30 == pytest.approx(15.52, abs=0.01)


def test_the_fit_counts_those_bytes():
    fit = memory_fit(row(REPACK, CONFIG), CAT.gpu("L4"), precision="int4", max_context_tokens=8192)
    assert fit.fits and fit.weights_gib == pytest.approx(5.31, abs=0.01)
    assert memory_fit(row(ASYM_REPACK, ASYM_CONFIG), CAT.gpu("L4"), precision="int4", max_context_tokens=8192).weights_gib == pytest.approx(5.33, abs=0.01)


# --- hardware per release -----------------------------------------------------------------------------------------


def test_the_release_decides_which_gpus_run_it():
    # CompressedTensorsWNA16.get_min_capability: 80 at v0.11.2, 75 at v0.33.0
    assert capability_problems(CAT.gpu("T4"), "int4", "v0.33.0") == []
    assert capability_problems(CAT.gpu("T4"), "int4", "v0.11.2") == [
        "T4 (Turing (SM75)) cannot serve int4: vLLM v0.11.2's CompressedTensorsWNA16 needs compute capability 8.0 (get_min_capability) and this "
        "GPU has 7.5, so vLLM refuses to start ('Quantization scheme is not supported for the current GPU')"
    ]
    assert capability_problems(CAT.gpu("V100-32GB"), "int4", "v0.33.0")[0].startswith("V100-32GB (Volta (SM70)) cannot serve int4: vLLM v0.33.0's")
    assert capability_problems(CAT.gpu("A100-80GB"), "int4", "v0.11.2") == []
    # ROCm: TritonW4A16LinearKernel at v0.33.0; no kernel Hangar can plan at v0.11.2
    assert capability_problems(CAT.gpu("MI300X"), "int4", "v0.33.0") == []
    assert "vLLM v0.11.2 has no W4A16 kernel Hangar can plan on ROCm" in capability_problems(CAT.gpu("MI300X"), "int4", "v0.11.2")[0]
    assert capability_problems(CAT.gpu("Gaudi3"), "int4") == ["Gaudi3 (Gaudi 3) cannot serve int4: Hangar plans int4 only on NVIDIA and AMD GPUs (vLLM's mixed-precision kernels)"]
    # choose_mp_linear_kernel: Machete on Hopper for groups of 64 and 128, Marlin otherwise
    assert linear_kernel(90, 128) == "Machete" and linear_kernel(90, 32) == "Marlin" and linear_kernel(80, 128, "v0.11.2") == "Marlin"
    assert linear_kernel(75, 128, "v0.11.2") is None


def test_catalog_gpus_shows_the_int4_column_per_release():
    runner = CliRunner()
    pinned = json.loads(runner.invoke(app, ["catalog", "gpus", "--format", "json"], catch_exceptions=False).stdout)
    older = json.loads(runner.invoke(app, ["catalog", "gpus", "--format", "json", "--engine-version", "v0.11.2"], catch_exceptions=False).stdout)
    runs = {g["name"]: g["runs"]["int4"] for g in pinned}
    assert runs["T4"] and runs["MI300X"] and runs["H100-SXM"] and not runs["V100-32GB"] and not runs["Gaudi3"]
    assert {g["name"] for g in older if g["runs"]["int4"]} == {g["name"] for g in pinned if g["runs"]["int4"]} - {"T4", "MI300X"}
    table = runner.invoke(app, ["catalog", "gpus", "--vendor", "AMD"], catch_exceptions=False, env={"COLUMNS": "400"}).stdout
    assert "int4 v0.33.0" in table


# --- serving -------------------------------------------------------------------------------------------------------


def test_it_is_served_in_int4_only_with_no_quantization_flag():
    assert resolve(None, "w4a16-g128") == "int4" and resolve(None, "w4a16-g32-asym") == "int4"
    assert mismatch("int4", "w4a16-g128", REPACK) is None
    assert mismatch("bf16", "w4a16-g128", REPACK) == (
        f"{REPACK} is published in compressed-tensors W4A16 (w4a16-g128): vLLM v0.33.0 loads {REPACK}'s compressed-tensors W4A16 (w4a16-g128) "
        "quantization_config whatever --dtype says (vllm/config/model.py _verify_quantization); allowed: int4 (or leave precision unset: int4)"
    )
    assert mismatch("int4", "bfloat16", "meta-llama/Llama-3.1-8B-Instruct").startswith(
        "meta-llama/Llama-3.1-8B-Instruct is published in bf16: Hangar plans int4 only from a compressed-tensors W4A16 checkpoint"
    )
    assert engine_precision("bf16", None, "w4a16-g128") == "int4"  # a raw server without --quantization loads the int4 checkpoint
    assert quantization_flag("int4", 90, "v0.33.0", "w4a16-g128") is None and quantization_flag("int4", 80, "v0.11.2", "w4a16-g128") is None


def test_size_offers_the_row_in_int4_only():
    ranking = rank_options(row(REPACK, CONFIG), CAT, clouds=["aws"])
    assert ranking.feasible and {o.precision for o in ranking.feasible} == {"int4"}
    note = next(n for n in ranking.notes if n.startswith("not offered: "))
    assert note.startswith(f"not offered: bf16, fp16, fp8, int8, awq, gptq ({REPACK} is published in w4a16-g128, which vLLM v0.33.0 loads whatever --dtype says)")
    # a 16-bit row is never offered int4, and the note does not list it unless asked
    bf16 = rank_options(CAT.model("meta-llama/Llama-3.1-8B-Instruct"), CAT, clouds=["aws"])
    assert "int4" not in {o.precision for o in bf16.feasible} and not any("int4" in n for n in bf16.notes)


@pytest.fixture
def overrides(tmp_path):
    write_model_override(tmp_path, row(REPACK, CONFIG))
    write_model_override(tmp_path, moe_row())
    return tmp_path


def test_hangar_size_sizes_the_imported_row(overrides):
    result = CliRunner().invoke(app, ["size", REPACK, "--overrides", str(overrides), "--limit", "3"], catch_exceptions=False, env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert " int4 " in result.stdout and "5.3" in result.stdout  # the weights' GiB in the best option's breakdown
    asked = CliRunner().invoke(app, ["size", REPACK, "--overrides", str(overrides), "--precision", "bf16", "--why-not"], catch_exceptions=False,
                               env={"COLUMNS": "400"})
    assert "no feasible option" in asked.stdout and f"{REPACK} is published in compressed-tensors W4A16 (w4a16-g128)" in asked.stdout


def test_a_deployment_asking_16_bits_of_it_is_a_config_error(aws_environment, overrides):
    raw = with_deployment(aws_environment, model=REPACK, precision="bf16", max_context_tokens=8192, tensor_parallel=1)
    raw["catalog_overrides"] = str(overrides)
    (message,) = config_problems(raw)
    assert message.startswith(f"Pulumi.test.yaml: hangar:environment.deployments[0].precision: {REPACK} is published in compressed-tensors W4A16")
    assert message.endswith("allowed: int4 (or leave precision unset: int4); got 'bf16'")


@pytest.mark.parametrize("model", [REPACK, MOE_REPACK])
def test_a_deployment_as_published_is_served_without_a_quantization_flag_and_judged(aws_environment, overrides, model):
    raw = with_deployment(aws_environment, model=model, max_context_tokens=8192, tensor_parallel=1)
    raw["catalog_overrides"] = str(overrides)
    plan = plan_environment(raw)
    (workload,) = workloads(plan)
    assert "--quantization" not in flags(server_container(workload)["args"])
    assert workload["metadata"]["annotations"].get("hangar.dev/precision") == "int4"
    assert judged(plan, HARDWARE_FIT) == []
    assert not any("format" in message for message in judged(plan, CANNOT_JUDGE))


def test_import_model_writes_the_row_and_refuses_what_it_does_not_size(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(ASYM_CONFIG))
    result = CliRunner().invoke(app, ["catalog", "import-model", ASYM_REPACK, "--config", str(config), "--licence", "llama-3.1-community",
                                      "--overrides", str(tmp_path / "o")], catch_exceptions=False, env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert load_catalog(tmp_path / "o").model(ASYM_REPACK).dtype == "w4a16-g128-asym"
    config.write_text(json.dumps(llama(quantization({"weights": args(4, "int", "channel"), "input_activations": None}, "pack-quantized"))))
    refused = CliRunner().invoke(app, ["catalog", "import-model", REPACK, "--config", str(config), "--licence", "llama-3.1-community",
                                       "--overrides", str(tmp_path / "p")], env={"COLUMNS": "400"})
    assert refused.exit_code == 2
    assert (f"--config {config}: quantization_config.config_groups.group_0.weights.strategy: compressed-tensors W4A16 int (weights per channel): "
            "Hangar sizes int4 weights per group of 32, 64, 128 (vLLM's Marlin group sizes) only") in " ".join(refused.stderr.split())
    assert not (tmp_path / "p").exists()


# --- tensor parallelism and LoRA --------------------------------------------------------------------------------------


def test_tensor_parallel_must_split_each_layer_into_whole_groups():
    moe = moe_row()  # Qwen3-30B-A3B: experts 768 wide, groups of 128
    assert tp_problems(moe, 2) == []
    assert tp_problems(moe, 4) == [
        "TP 4 splits moe_intermediate_size 768 into shards of 192, not a whole number of the int4 checkpoint's groups of 128, which vLLM "
        "refuses (verify_group_size_divides_partition)"
    ]
    assert valid_tp_degrees(moe, 8) == [1, 2]
    assert valid_tp_degrees(CAT.model("Qwen/Qwen3-30B-A3B"), 8) == [1, 2, 4, 8]  # in 16 bits every degree is whole
    options = rank_options(moe, CAT, clouds=["aws"]).feasible
    assert options and {o.tensor_parallel for o in options} <= {1, 2}


def test_lora_on_int4_experts_fails_at_v0_11_2_and_runs_at_v0_33_0():
    refusal = lora_refusal(moe_row(), "v0.11.2")
    assert refusal is not None and refusal.startswith(
        f"vLLM v0.11.2 fails to start {MOE_REPACK}'s int4 (compressed-tensors W4A16) experts with --enable-lora: its MoE LoRA runs them "
        "through FusedMoEModularMethod, which reads the layer's w13_weight"
    )
    assert lora_refusal(moe_row(), "v0.33.0") is None
    assert lora_refusal(row(REPACK, CONFIG), "v0.11.2") is None  # dense layers: vLLM's LoRA wraps a layer holding weight_packed
