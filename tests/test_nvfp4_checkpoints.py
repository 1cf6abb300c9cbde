"""NVFP4 checkpoints: NVIDIA's ModelOpt repacks (hf_quant_config.json `quant_algo` NVFP4) and compressed-tensors
`nvfp4-pack-quantized` ones, sized and served as the precision `nvfp4`.

The fixture is NVIDIA's pair for nvidia/Qwen3-235B-A22B-NVFP4 as ai-dynamo/aiconfigurator keeps them
(tests/model_configs/sources.json; no packaged row: its licence was not read, see the catalog README). Bytes and kernels
per release: `hangar.sizing.quant_kernels` (vLLM v0.11.2 and v0.33.0 wheels, read 2026-12-02).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.base import HARDWARE_FIT
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.model_config import ConfigError, read_config
from hangar.cli import app
from hangar.precision import checkpoint_bytes, mismatch, resolve
from hangar.sizing.capability import capability_problems
from hangar.sizing.memory import memory_fit
from hangar.sizing.quant_kernels import quantization_flag
from tests.config_errors import config_problems
from tests.h200_stacks import with_deployment
from tests.serving_plans import flags, plan_environment, server_container, workloads

CONFIGS = Path(__file__).parent / "model_configs"
CONFIG = CONFIGS / "nvidia-qwen3-235b-a22b-nvfp4.json"
QUANT = CONFIGS / "hf_quant_config" / "nvidia-qwen3-235b-a22b-nvfp4.json"
NVFP4 = "nvidia/Qwen3-235B-A22B-NVFP4"
CAT = load_catalog()


def run(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "400"})


@pytest.fixture(scope="module")
def overrides(tmp_path_factory) -> Path:
    """An override directory holding the repack, imported as a user would: config.json with hf_quant_config.json beside it."""
    root = tmp_path_factory.mktemp("nvfp4")
    (root / "checkpoint").mkdir()
    shutil.copyfile(CONFIG, root / "checkpoint" / "config.json")
    shutil.copyfile(QUANT, root / "checkpoint" / "hf_quant_config.json")
    result = run("catalog", "import-model", NVFP4, "--config", str(root / "checkpoint" / "config.json"), "--base-model", "Qwen/Qwen3-235B-A22B",
                 "--overrides", str(root / "o"))
    assert result.exit_code == 0, result.output
    return root / "o"


@pytest.fixture(scope="module")
def row(overrides):
    return load_catalog(overrides).model(NVFP4)


def legacy(**quantization) -> dict:
    quant = json.loads(QUANT.read_text())
    return {**quant, "quantization": {**quant["quantization"], **quantization}}


# --- reading it --------------------------------------------------------------------------------------------------------


def test_the_import_records_nvfp4_weights_and_an_fp8_kv_cache(row):
    assert (row.dtype, row.kv_cache_dtype, row.base_model, row.licence_id) == ("nvfp4", "fp8", "Qwen/Qwen3-235B-A22B", "apache-2.0")
    base = CAT.model("Qwen/Qwen3-235B-A22B")
    assert (row.params_total_b, row.kv_bytes_per_token_bf16) == (base.params_total_b, base.kv_bytes_per_token_bf16)
    assert read_config(json.loads(CONFIG.read_text())).dtype == "bfloat16"  # config.json alone says 16 bits


@pytest.mark.parametrize(
    ("quant", "field", "words"),
    [
        (legacy(group_size=32), "hf_quant_config.json.quantization.group_size", "32; NVFP4 scales blocks of 16 weights"),
        (legacy(quant_algo="MIXED_PRECISION"), "hf_quant_config.json.quantization.quant_algo", "'MIXED_PRECISION' is not a ModelOpt format Hangar sizes"),
    ],
)
def test_a_layout_hangar_would_mis_size_is_refused_naming_the_field(quant, field, words):
    with pytest.raises(ConfigError) as raised:
        read_config(json.loads(CONFIG.read_text()), quant)
    assert raised.value.field == field and words in str(raised.value)


def test_a_compressed_tensors_nvfp4_checkpoint_is_the_same_format():
    nvfp4 = {"num_bits": 4, "type": "float", "strategy": "tensor_group", "group_size": 16, "symmetric": True, "dynamic": False}
    quant = {"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized", "ignore": ["lm_head", "re:.*mlp.gate$"],
             "config_groups": {"group_0": {"targets": ["Linear"], "weights": nvfp4, "input_activations": {**nvfp4, "dynamic": "local"}}}}
    arch = read_config({**json.loads(CONFIG.read_text()), "quantization_config": quant})
    assert (arch.dtype, arch.kv_cache_dtype) == ("nvfp4", None)


# --- bytes, kernels and fit ------------------------------------------------------------------------------------------------


def test_a_weight_is_half_a_byte_and_an_fp8_scale_per_16(row):
    embeddings = 2 * 151_936 * 4096  # untied embedding and head, kept 16-bit
    expected = (row.params_total_b * 1e9 - embeddings) * (0.5 + 1 / 16) + embeddings * 2
    assert checkpoint_bytes(row) == pytest.approx(expected)
    assert checkpoint_bytes(row) / 2**30 == pytest.approx(124.8, abs=0.1)  # against 437.9 GiB in bf16


@pytest.mark.parametrize(
    ("gpu", "release", "problem"),
    [
        ("B200", "v0.11.2", None),
        ("B200", "v0.33.0", None),
        ("H100-SXM", "v0.33.0", None),  # Marlin weight-only from 7.5
        ("T4", "v0.33.0", None),
        ("H100-SXM", "v0.11.2", "H100-SXM (Hopper (SM90)) cannot serve nvfp4: vLLM v0.11.2 runs NVFP4 on FP4 tensor cores from compute capability 10.0"),
        ("V100-32GB", "v0.33.0", "V100-32GB (Volta (SM70)) cannot serve nvfp4: vLLM v0.33.0 runs NVFP4 from compute capability 7.5"),
        ("MI300X", "v0.33.0", "Hangar plans nvfp4 only on NVIDIA GPUs"),
    ],
)
def test_the_gpus_that_run_it_follow_the_release_s_kernels(gpu, release, problem):
    problems = capability_problems(CAT.gpu(gpu), "nvfp4", release)
    assert (problems == []) if problem is None else problems[0].startswith(problem)


def test_catalog_gpus_shows_which_gpus_run_nvfp4_per_release():
    for release, expected in (("v0.33.0", {"B200": "yes", "H100-SXM": "yes", "A100-80GB": "yes", "V100-16GB": "no", "MI300X": "no"}),
                              ("v0.11.2", {"B200": "yes", "H100-SXM": "no", "A100-80GB": "no", "V100-16GB": "no", "MI300X": "no"})):
        result = run("catalog", "gpus", "--engine-version", release, "--format", "json")
        assert result.exit_code == 0, result.output
        rows = {row["name"]: row["runs"]["nvfp4"] for row in json.loads(result.stdout)}
        assert {name: "yes" if rows[name] else "no" for name in expected} == expected


def test_the_fit_counts_the_fp8_kv_cache_the_checkpoint_declares_at_v0_33_0(row):
    newer = memory_fit(row, CAT.gpu("B200"), precision="nvfp4", max_context_tokens=32768, engine_version="v0.33.0")
    older = memory_fit(row, CAT.gpu("B200"), precision="nvfp4", max_context_tokens=32768, engine_version="v0.11.2")
    assert (newer.kv_cache_dtype, older.kv_cache_dtype) == ("fp8", "auto")
    assert newer.kv_per_sequence_gib == pytest.approx(older.kv_per_sequence_gib / 2, rel=0.01)
    # vLLM holds the 94 x 4,096 x 128 routers (every mlp.gate the checkpoint excludes) in bf16, counted at NVFP4's bytes
    routers = 94 * 4096 * 128 * (2 - (0.5 + 1 / 16))
    assert newer.fits and newer.weights_gib == pytest.approx((checkpoint_bytes(row) + routers) / 2**30)
    assert newer.capacity_sequences > older.capacity_sequences


def test_hangar_size_offers_it_in_nvfp4_only(overrides):
    result = run("size", NVFP4, "--cloud", "aws", "--overrides", str(overrides), "--format", "json", "--limit", "0")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["feasible"] and {o["precision"] for o in document["feasible"]} == {"nvfp4"}
    note = next(n for n in document["notes"] if n.startswith("not offered: "))
    assert note == (f"not offered: bf16, fp16, fp8, int8, awq, gptq ({NVFP4} is published in nvfp4, which vLLM v0.33.0 loads whatever --dtype says); "
                    "its 16-bit checkpoint is Qwen/Qwen3-235B-A22B: size that for bf16")


# --- serving ----------------------------------------------------------------------------------------------------------------


def test_it_is_served_in_nvfp4_only_with_no_quantization_flag():
    assert resolve(None, "nvfp4") == "nvfp4"
    assert quantization_flag("nvfp4", 100, "v0.33.0", "nvfp4") is None
    assert mismatch("bf16", "nvfp4", NVFP4).startswith(f"{NVFP4} is published in ModelOpt NVFP4: vLLM v0.33.0 loads")
    assert mismatch("nvfp4", "bfloat16", "Qwen/Qwen3-235B-A22B") == (
        "Qwen/Qwen3-235B-A22B is published in bf16: Hangar plans nvfp4 only for a checkpoint published in it (NVIDIA's ModelOpt NVFP4 repacks); "
        "vLLM v0.33.0's online nvfp4_per_token quantises a mixture of experts' experts only, a layout Hangar does not size; "
        "allowed: bf16, fp16, fp8 (or leave precision unset: bf16)"
    )


def test_a_deployment_of_it_is_served_without_a_quantization_flag(aws_environment, overrides):
    raw = with_deployment(aws_environment, model=NVFP4, max_context_tokens=8192, tensor_parallel=2)
    raw["catalog_overrides"] = str(overrides)
    (workload,) = workloads(plan_environment(raw))
    assert "--quantization" not in flags(server_container(workload)["args"])


def test_a_deployment_asking_nvfp4_of_a_16_bit_checkpoint_is_a_config_error(aws_environment):
    raw = with_deployment(aws_environment, model="Qwen/Qwen3-8B", precision="nvfp4", max_context_tokens=8192, tensor_parallel=1)
    assert config_problems(raw) == [
        "Pulumi.test.yaml: hangar:environment.deployments[0].precision: Qwen/Qwen3-8B is published in bf16: Hangar plans nvfp4 only for a checkpoint "
        "published in it (NVIDIA's ModelOpt NVFP4 repacks); vLLM v0.33.0's online nvfp4_per_token quantises a mixture of experts' experts only, "
        "a layout Hangar does not size; allowed: bf16, fp16, fp8 (or leave precision unset: bf16); got 'nvfp4'"
    ]


@pytest.mark.parametrize(("flag", "precision"), [("modelopt_fp4", "nvfp4"), ("modelopt", "fp8")])
def test_a_hand_written_server_told_a_modelopt_method_is_read_in_its_precision(flag, precision):
    from hangar.policies.rules.workloads import ServingWorkload

    workload = ServingWorkload(
        urn="urn:x", name="m", engine="vllm", model=NVFP4, tensor_parallel=2, max_model_len=8192, max_num_seqs=None, quantization=flag,
        dtype="bfloat16", kv_cache_dtype=None, gpu_memory_utilization=None, accelerators={"nvidia.com/gpu": 2}, node_selector={}, labels={},
    )  # fmt: skip
    assert workload.precision == precision


# --- layers a checkpoint keeps in 16 bits --------------------------------------------------------------------------------


def test_excluded_attention_is_counted_in_16_bits():
    every_layer = [f"model.layers.{i}.self_attn*" for i in range(94)]
    arch = read_config(json.loads(CONFIG.read_text()), legacy(exclude_modules=["lm_head", *every_layer, "model.layers.3.self_attn.q_proj"]))
    per_layer = 4096 * 64 * 128 * 2 + 4096 * 4 * 128 * 2  # q and o (64 heads of 128), k and v (4 KV heads of 128)
    assert arch.unquantised_params_b == round(94 * per_layer / 1e9, 3) == 6.702  # q_proj of layer 3 is counted once


def test_the_16_bit_modules_raise_the_weights_by_what_they_cost(row):
    kept = row.model_copy(update={"unquantised_params_b": 6.702})
    assert checkpoint_bytes(kept) - checkpoint_bytes(row) == pytest.approx(6.702e9 * (2 - (0.5 + 1 / 16)))


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("model.layers.0.mlp.experts.3.down_proj", "'model.layers.0.mlp.experts.3.down_proj' keeps modules in 16 bits that Hangar cannot count"),
        ("model.layers.0.self_attn.kv_b_proj", "excludes 'model.layers.0.self_attn.kv_b_proj', a module the qwen3_moe layout does not have"),
    ],
)
def test_an_excluded_module_hangar_cannot_count_is_refused_naming_it(entry, words):
    with pytest.raises(ConfigError) as raised:
        read_config(json.loads(CONFIG.read_text()), legacy(exclude_modules=["lm_head", entry]))
    assert raised.value.field.startswith("hf_quant_config.json") and words in str(raised.value)


def test_a_deployment_pinned_to_a_release_that_runs_no_nvfp4_on_its_gpu_is_refused(aws_environment, overrides):
    raw = with_deployment(aws_environment, model=NVFP4, max_context_tokens=8192, tensor_parallel=2, engine_version="v0.11.2")
    raw["catalog_overrides"] = str(overrides)
    checks = load_pack_config({HARDWARE_FIT: {"catalog_overrides": str(overrides)}}, "test")  # the pack reads the stack's rows
    found = [v.message for v in evaluate(list(plan_environment(raw)), checks) if v.policy == HARDWARE_FIT]
    assert any("H200 (Hopper (SM90)) cannot serve nvfp4: vLLM v0.11.2 runs NVFP4 on FP4 tensor cores from compute capability 10.0" in m for m in found), found
    raw["deployments"][0]["engine_version"] = "v0.33.0"  # Marlin weight-only there
    later = [v.message for v in evaluate(list(plan_environment(raw)), checks) if v.policy == HARDWARE_FIT]
    assert not any("cannot serve" in m for m in later), later
