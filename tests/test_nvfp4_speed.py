"""How fast NVFP4 serves: the format its products run in follows the kernel vLLM picks on the GPU at the pinned release.

From compute capability 10.0 (B200) both read releases multiply NVFP4 on FP4 tensor cores, so its 4-bit layers compute at
the catalog's dense FP4 peak (accelerator_performance.csv, B200: 9,000 TFLOPS against 2,250 in bf16); below, vLLM
v0.33.0 runs it as Marlin weight-only (4-bit reads, 16-bit products) and v0.11.2 not at all
(`hangar.sizing.quant_kernels`, `hangar.sizing.performance.compute_format`). The fixture is NVIDIA's
nvidia/Qwen3-235B-A22B-NVFP4, imported as a user would (tests/model_configs/sources.json).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.cli import app
from hangar.sizing.accelerators import accelerator_named
from hangar.sizing.embeddings import head_parameters
from hangar.sizing.performance import CALIBRATED, PerformanceUnknown, Replica, compute_format, peak_flops
from hangar.sizing.throughput import estimate_throughput

CONFIGS = Path(__file__).parent / "model_configs"
NVFP4 = "nvidia/Qwen3-235B-A22B-NVFP4"
CAT = load_catalog()
B200 = accelerator_named(CAT, "B200")
H100 = accelerator_named(CAT, "H100-SXM")


def run(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "400"})


@pytest.fixture(scope="module")
def overrides(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("nvfp4-speed")
    (root / "checkpoint").mkdir()
    shutil.copyfile(CONFIGS / "nvidia-qwen3-235b-a22b-nvfp4.json", root / "checkpoint" / "config.json")
    shutil.copyfile(CONFIGS / "hf_quant_config" / "nvidia-qwen3-235b-a22b-nvfp4.json", root / "checkpoint" / "hf_quant_config.json")
    result = run("catalog", "import-model", NVFP4, "--config", str(root / "checkpoint" / "config.json"), "--base-model", "Qwen/Qwen3-235B-A22B",
                 "--overrides", str(root / "o"))  # fmt: skip
    assert result.exit_code == 0, result.output
    return root / "o"


@pytest.fixture(scope="module")
def row(overrides):
    return load_catalog(overrides).model(NVFP4)


def test_the_b200_row_holds_the_datasheet_s_dense_fp4_peak():
    performance = CAT.performance["B200"]
    assert (performance.dense_fp4_tflops, performance.dense_bf16_tflops) == (9000, 2250)
    assert "fp4_tc_flops 9000" in performance.read_at and "18,000 TFLOPS with it" in performance.notes
    assert all(CAT.performance[name].dense_fp4_tflops is None for name in ("H100-SXM", "H200", "A100-80GB", "L40S"))  # no FP4 tensor cores


@pytest.mark.parametrize("release", ["v0.33.0", "v0.11.2"])
def test_on_a_b200_nvfp4_computes_at_the_fp4_peak_four_times_the_bf16_one(release):
    assert compute_format("nvfp4", B200, release) == "fp4"
    assert peak_flops(B200, "nvfp4", CALIBRATED, release) / peak_flops(B200, "bf16", CALIBRATED, release) == 9000 / 2250


def test_a_b200_prefills_nvfp4_faster_than_bf16_its_4_bit_layers_by_the_datasheet_ratio(row):
    nvfp4 = Replica(row, B200, 1, "nvfp4", engine_version="v0.33.0").prefill(2048, CALIBRATED)
    bf16 = Replica(row, B200, 1, "bf16", engine_version="v0.33.0").prefill(2048, CALIBRATED)
    # the same FLOPs; what NVFP4 quantises runs 4x faster, the head, the modules it keeps in 16 bits and attention do not
    active = row.params_active_b * 1e9
    sixteen = head_parameters(row) + (row.unquantised_params_b or 0) * 1e9
    quantised = 2 * (active - sixteen) * 2048 / (2250e12 * CALIBRATED.compute)
    assert bf16 - nvfp4 == pytest.approx(quantised * (1 - 2250 / 9000), rel=1e-9)
    assert 1 < bf16 / nvfp4 < 4


def test_on_an_h100_v0_33_0_runs_it_as_marlin_weight_only_16_bit_products_4_bit_reads(row):
    assert compute_format("nvfp4", H100, "v0.33.0") == "bf16"
    nvfp4 = Replica(row, H100, 4, "nvfp4", engine_version="v0.33.0")
    bf16 = Replica(row, H100, 4, "bf16", engine_version="v0.33.0")
    assert nvfp4.prefill(2048, CALIBRATED) == pytest.approx(bf16.prefill(2048, CALIBRATED), rel=1e-12)
    assert nvfp4.weights_read(16) < bf16.weights_read(16) / 3  # what decode reads is 4-bit
    note = estimate_throughput(row, H100, precision="nvfp4", tensor_parallel=4, engine_version="v0.33.0").compute_note
    assert note == "nvfp4 on H100-SXM: vLLM v0.33.0 runs it as Marlin weight-only: 4-bit weights read, products in 16 bits at the bf16 peak"


def test_a_gpu_with_fp4_tensor_cores_but_no_fp4_peak_in_the_catalog_falls_back_to_the_bf16_rate(row):
    no_fp4 = replace(B200, peaks=tuple((name, value) for name, value in B200.peaks if name != "fp4"))
    assert peak_flops(no_fp4, "nvfp4", CALIBRATED, "v0.33.0") == peak_flops(B200, "bf16", CALIBRATED, "v0.33.0")
    note = estimate_throughput(row, no_fp4, precision="nvfp4", engine_version="v0.33.0").compute_note
    assert note.endswith("but the catalog has no FP4 peak for it: estimated at the 16-bit peak (a floor)")
    with pytest.raises(PerformanceUnknown):
        peak_flops(replace(B200, peaks=()), "nvfp4", CALIBRATED, "v0.33.0")


def test_hangar_size_shows_fp4_products_on_b200_and_marlin_elsewhere(overrides):
    result = run("size", NVFP4, "--overrides", str(overrides), "--cloud", "aws", "--format", "json", "--limit", "0")
    assert result.exit_code == 0, result.output
    options = json.loads(result.stdout)["feasible"]
    formats = {(o["accelerator"], o["throughput"]["compute_format"]) for o in options}
    assert ("B200", "fp4") in formats and ("H100-SXM", "bf16") in formats
    assert {fmt for gpu, fmt in formats if gpu != "B200"} == {"bf16"}
    b200 = next(o for o in options if o["accelerator"] == "B200" and o["tensor_parallel"] == 1)
    assert b200["throughput"]["compute_note"].startswith(
        "nvfp4 on B200: vLLM v0.33.0 multiplies on FP4 tensor cores (W4A4), so its 4-bit layers compute at the dense FP4 peak, 9,000 TFLOPS"
    )
    h100 = next(o for o in options if o["accelerator"] == "H100-SXM" and o["tensor_parallel"] == 4)
    assert b200["throughput"]["prefill_tokens_per_s"] > 3 * h100["throughput"]["prefill_tokens_per_s"]


def test_hangar_size_prints_how_the_best_option_multiplies_nvfp4(overrides):
    result = run("size", NVFP4, "--overrides", str(overrides), "--cloud", "aws")
    assert result.exit_code == 0, result.output
    gpu = re.search(r"best: aws \S+ \(\d+ x (\S+)\), nvfp4", result.output).group(1)
    said = {"B200": "  nvfp4 on B200: vLLM v0.33.0 multiplies on FP4 tensor cores (W4A4), so its 4-bit layers compute at the dense FP4 peak"}
    assert said.get(gpu, f"  nvfp4 on {gpu}: vLLM v0.33.0 runs it as Marlin weight-only: 4-bit weights read, products in 16 bits") in result.output


def test_at_v0_11_2_only_the_b200_serves_it_on_fp4_tensor_cores_and_an_h100_is_refused(overrides):
    result = run("size", NVFP4, "--overrides", str(overrides), "--cloud", "aws", "--engine-version", "v0.11.2", "--format", "json", "--limit", "0")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert {(o["accelerator"], o["throughput"]["compute_format"]) for o in document["feasible"]} == {("B200", "fp4")}
    h100 = [r for r in document["infeasible"] if r["accelerator"] == "H100-SXM"]
    assert h100 and all("vLLM v0.11.2 runs NVFP4 on FP4 tensor cores from compute capability 10.0" in " ".join(r["reasons"]) for r in h100)
