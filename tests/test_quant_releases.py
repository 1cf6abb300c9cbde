"""AWQ/GPTQ and fp8 per vLLM release where a user meets them: `hangar catalog gpus`, `hangar size --engine-version`, AMD
GPUs at v0.33.0 (its ROCm code runs both), and the online fp8 flag v0.33.0 renamed (`hangar.sizing.quant_kernels`)."""

from __future__ import annotations

import json

import pytest
from hangar.policies.rules.workloads import ServingWorkload
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.cli import app
from hangar.sizing import capability_problems
from hangar.sizing.quant_kernels import quantization_flag
from tests.catalog_overrides import override
from tests.h200_stacks import H200_POOL
from tests.serving_plans import flags, plan_environment, server_container, workloads

CATALOG = load_catalog()
GPTQ_MODEL = "Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4"
ENV = {"COLUMNS": "400"}


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False, env=ENV)


def gpu_row(output: str, name: str) -> list[str]:
    (line,) = [line for line in output.splitlines() if line.startswith(f"│ {name} ")]
    return [cell.strip() for cell in line.strip("│").split("│")]


def header(output: str) -> list[str]:
    (line,) = [line for line in output.splitlines() if line.startswith("┃ name")]
    return [cell.strip() for cell in line.strip("┃").split("┃")]


@pytest.mark.parametrize(
    ("args", "release", "v100", "mi300x"),
    [
        ((), "v0.33.0", ("yes", "yes", "-", "-"), ("yes", "yes")),
        (("--engine-version", "v0.33.0"), "v0.33.0", ("yes", "yes", "-", "-"), ("yes", "yes")),
        (("--engine-version", "0.11.2"), "v0.11.2", ("yes", "yes", "-", "yes"), ("-", "-")),
    ],
)
def test_catalog_gpus_shows_awq_and_gptq_as_the_release_runs_them(args, release, v100, mi300x):
    result = run("catalog", "gpus", *args)
    assert result.exit_code == 0, result.output
    columns = header(result.stdout)
    awq, gptq = columns.index(f"awq {release}"), columns.index(f"gptq {release}")
    t4, v100_row, mi300x_row = gpu_row(result.stdout, "T4"), gpu_row(result.stdout, "V100-16GB"), gpu_row(result.stdout, "MI300X")
    assert (t4[awq], t4[gptq], v100_row[awq], v100_row[gptq]) == v100
    assert (mi300x_row[awq], mi300x_row[gptq]) == mi300x


def test_catalog_gpus_json_keeps_the_catalog_columns_beside_what_the_release_runs():
    result = run("catalog", "gpus", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    # the columns as gpus.csv has them (vLLM v0.11.2's docs table), and v0.33.0's code's judgement
    assert (rows["V100-16GB"]["gptq"], rows["V100-16GB"]["runs"]) == (True, {"engine_version": "v0.33.0", "awq": False, "gptq": False, "int4": False, "nvfp4": False})
    assert (rows["MI300X"]["awq"], rows["MI300X"]["runs"]) == (False, {"engine_version": "v0.33.0", "awq": True, "gptq": True, "int4": True, "nvfp4": False})


def test_catalog_gpus_refuses_a_malformed_release_and_names_an_unread_one():
    bad = run("catalog", "gpus", "--engine-version", "latest")
    assert bad.exit_code == 2
    assert "--engine-version: 'latest' is not a vLLM release; allowed: vMAJOR.MINOR.PATCH, e.g. v0.33.0 (releases read: v0.11.2, v0.33.0)" in bad.output
    unread = run("catalog", "gpus", "--engine-version", "v0.20.0")
    assert unread.exit_code == 0, unread.output
    assert "vLLM v0.20.0 was not read (releases read: v0.11.2, v0.33.0): sized as v0.33.0" in unread.stdout
    assert "awq v0.33.0" in header(unread.stdout)


@pytest.mark.parametrize("precision", ["awq", "gptq"])
def test_an_amd_gpu_runs_awq_and_gptq_at_v0_33_0_and_keeps_the_catalog_at_v0_11_2(precision):
    mi300x = CATALOG.gpu("MI300X")
    assert capability_problems(mi300x, precision, "v0.33.0") == []
    assert capability_problems(mi300x, precision, "v0.11.2") == [f"vLLM has no {precision.upper()} kernels for MI300X (CDNA3 (gfx942))"]


def test_hangar_size_judges_at_the_engine_version_given(tmp_path):
    override(tmp_path, "models.csv", "hf_id", "Qwen/Qwen2.5-7B-Instruct", hf_id=GPTQ_MODEL, dtype="gptq", base_model="Qwen/Qwen2.5-7B-Instruct")
    common = ("size", GPTQ_MODEL, "--precision", "gptq", "--cloud", "aws", "--why-not", "--limit", "0", "--overrides", str(tmp_path))
    pinned = run(*common)
    assert pinned.exit_code == 0, pinned.output
    assert "fit as vLLM v0.33.0 judges it" in pinned.stdout and "within 92% of accelerator memory" in pinned.stdout
    assert "p3.2xlarge  │ 1 x V100-16GB │ gptq      │ V100-16GB (Volta (SM70)) cannot serve gptq: vLLM v0.33.0 runs gptq only" in pinned.stdout
    older = run(*common, "--engine-version", "v0.11.2", "--format", "json")
    assert older.exit_code == 0, older.output
    document = json.loads(older.stdout)
    assert any("fit as vLLM v0.11.2 judges it" in note and "within 90% of accelerator memory" in note for note in document["notes"])
    assert document["gpu_memory_utilization"] == 0.9
    assert "V100-16GB" in {o["accelerator"] for o in document["feasible"]}
    assert not any("runs gptq only" in " ".join(r["reasons"]) for r in document["infeasible"])


def test_hangar_size_sizes_an_unread_release_as_the_pinned_one_and_says_so():
    result = run("size", "Qwen/Qwen2.5-7B-Instruct", "--engine-version", "0.20.0", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert "vLLM v0.20.0 was not read (releases read: v0.11.2, v0.33.0): sized as v0.33.0" in result.stdout
    assert "fit as vLLM v0.33.0 judges it" in result.stdout
    traffic = run("size", "Qwen/Qwen2.5-7B-Instruct", "--engine-version", "v0.20.0", "--peak-rps", "1", "--prompt-tokens", "500", "--output-tokens", "200",
                  "--limit", "1")  # fmt: skip
    assert traffic.exit_code == 0, traffic.output
    assert "vLLM v0.20.0 was not read (releases read: v0.11.2, v0.33.0): sized as v0.33.0" in traffic.stdout


@pytest.mark.parametrize("extra", [(), ("--peak-rps", "1", "--prompt-tokens", "500", "--output-tokens", "200")])
def test_hangar_size_refuses_a_malformed_engine_version(extra):
    result = run("size", "Qwen/Qwen2.5-7B-Instruct", "--engine-version", "v0.33", *extra)
    assert result.exit_code == 2
    assert "--engine-version: 'v0.33' is not a vLLM release; allowed: vMAJOR.MINOR.PATCH, e.g. v0.33.0 (releases read: v0.11.2, v0.33.0)" in result.output


@pytest.mark.parametrize(
    ("release", "published", "flag"),
    [
        ("v0.33.0", "bfloat16", "fp8_per_tensor"),
        ("v0.33.0", "float16", "fp8_per_tensor"),
        ("v0.11.2", "bfloat16", "fp8"),
        ("v0.33.0", "fp8", "fp8"),  # its own quant_method, which vLLM matches against the flag
        ("v0.33.0", None, "fp8"),  # the format unknown: the name both checkpoints take
    ],
)
def test_online_fp8_takes_the_release_s_current_flag(release, published, flag):
    assert quantization_flag("fp8", 90, release, published) == flag


@pytest.mark.parametrize("flag", ["fp8", "fp8_per_tensor", "fp8_per_block", "fp8_per_channel"])
def test_a_hand_written_server_s_online_fp8_is_read_as_fp8(flag):
    workload = ServingWorkload(
        urn="urn:x", name="m", engine="vllm", model="meta-llama/Llama-3.1-8B-Instruct", tensor_parallel=1, max_model_len=8192,
        max_num_seqs=None, quantization=flag, dtype="bfloat16", kv_cache_dtype=None, gpu_memory_utilization=None,
        accelerators={"nvidia.com/gpu": 1}, node_selector={}, labels={},
    )  # fmt: skip
    assert workload.precision == "fp8"


@pytest.mark.parametrize(("release", "flag"), [("v0.11.2", "fp8"), ("v0.33.0", "fp8_per_tensor")])
def test_an_fp8_server_of_a_bf16_checkpoint_is_told_its_release_s_online_fp8_flag(aws_environment, release, flag):
    aws_environment["clusters"][0]["node_pools"].append(H200_POOL)
    aws_environment["deployments"] = [{
        "name": "m", "pool": H200_POOL["name"], "model": "Qwen/Qwen2.5-7B-Instruct", "precision": "fp8", "tensor_parallel": 1,
        "max_context_tokens": 4096, "engine_version": release, "latency_class": "batch", "autoscaling": {"min_replicas": 0, "max_replicas": 1},
    }]  # fmt: skip
    (workload,) = workloads(plan_environment(aws_environment))
    assert flags(server_container(workload)["args"])["--quantization"] == flag
