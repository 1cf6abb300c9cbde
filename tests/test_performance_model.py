"""The performance model: a roofline per step over the catalog's datasheet peaks (ESTIMATES, calibrated elsewhere)."""

from __future__ import annotations

import dataclasses

import pytest

from hangar.catalog import CatalogError, load_catalog
from hangar.sizing import Accelerator
from hangar.sizing.accelerators import accelerator_named, with_performance
from hangar.sizing.performance import CALIBRATED, PerformanceUnknown, Replica, at_request_rate, operating_point, peak_flops, routed_share

CAT = load_catalog()
LLAMA8 = CAT.models["meta-llama/Llama-3.1-8B-Instruct"]
LLAMA70 = CAT.models["meta-llama/Llama-3.1-70B-Instruct"]
MIXTRAL = CAT.models["mistralai/Mixtral-8x7B-Instruct-v0.1"]
H100 = accelerator_named(CAT, "H100-SXM")
A100 = accelerator_named(CAT, "A100-80GB")


def test_datasheet_peaks_replace_the_gpu_table_figures():
    assert (H100.bandwidth_gbps, H100.peak_tflops["bf16"], H100.peak_tflops["fp8"]) == (3350, 989.4, 1978.9)
    assert "datasheet" in H100.performance_source and "2026-12-01" in H100.performance_source
    plain = Accelerator.of(CAT.gpu("A10G"))
    assert with_performance(CAT, CAT.gpu("A10G")) == plain  # no datasheet row read: the gpus.csv figures, no peaks
    assert plain.peak_tflops == {} and plain.performance_source is None
    assert accelerator_named(CAT, "TPU v6e").peak_tflops == {"bf16": 918, "int8": 1836}


def test_each_precision_computes_at_its_format_rate():
    eff = CALIBRATED
    assert peak_flops(H100, "fp8", eff) == 1978.9e12 * eff.compute_fp8
    assert peak_flops(H100, "bf16", eff) == 989.4e12 * eff.compute
    assert peak_flops(H100, "awq", eff) == 989.4e12 * eff.compute  # W4A16 multiplies in 16 bits
    assert peak_flops(A100, "fp8", eff) == 312e12 * eff.compute  # no fp8 tensor cores: the 16-bit rate
    with pytest.raises(PerformanceUnknown, match="A10G: no peak FLOPS in the catalog"):
        peak_flops(Accelerator.of(CAT.gpu("A10G")), "bf16", eff)


def test_a_decode_step_is_memory_bound_alone_and_compute_bound_in_a_crowd():
    replica = Replica(LLAMA8, H100, precision="bf16")
    one = replica.decode_step(1, 1000, CALIBRATED)
    weights = 8.03e9 * 2
    assert one == pytest.approx((weights + replica.kv_bytes(1000)) / (3350e9 * CALIBRATED.memory) + CALIBRATED.step_ms / 1000)
    crowd = replica.decode_step(1024, 100, CALIBRATED)  # short sequences: little KV to read, many tokens to compute
    flops = 1024 * (2 * 8.03e9 + 4 * 32 * 100 * 32 * 128)
    assert crowd == pytest.approx(flops / (989.4e12 * CALIBRATED.compute) + CALIBRATED.step_ms / 1000)
    steps = [replica.decode_step(c, 1000, CALIBRATED) for c in (1, 8, 64, 256)]
    assert steps == sorted(steps) and steps[0] < steps[-1]  # time per step grows with the batch


def test_a_mixture_of_experts_reads_more_experts_as_the_batch_grows():
    replica = Replica(MIXTRAL, H100, precision="fp8")
    total, active = MIXTRAL.params_total_b * 1e9, MIXTRAL.params_active_b * 1e9  # fp8: one byte per parameter,
    embeddings = 2 * 32_000 * 4096  # but two for the untied embedding and output head, which vLLM keeps 16-bit
    assert replica.weights_read(1) == pytest.approx(active + embeddings)  # one token: the active parameters
    assert replica.weights_read(8) < replica.weights_read(64) <= total + embeddings + 1
    assert replica.weights_read(4096) == pytest.approx(total + embeddings, rel=1e-6)  # a big batch touches every expert
    assert routed_share(MIXTRAL, 1) < routed_share(MIXTRAL, 16) < 1


def test_tensor_parallel_pays_for_its_all_reduces_over_the_interconnect():
    nvlink = Replica(LLAMA70, H100, tensor_parallel=4, precision="fp8")
    pcie = Replica(LLAMA70, accelerator_named(CAT, "L40S"), tensor_parallel=4, precision="fp8")
    unknown_link = Replica(LLAMA70, dataclasses.replace(H100, interconnect_gbps=None), tensor_parallel=4, precision="fp8")
    assert unknown_link.prefill(2000, CALIBRATED) < nvlink.prefill(2000, CALIBRATED)  # latency only when the link is unknown
    assert pcie.prefill(2000, CALIBRATED) > 5 * nvlink.prefill(2000, CALIBRATED)  # 64 GB/s PCIe against 900 GB/s NVLink
    single = Replica(LLAMA8, H100)
    assert single._allreduce(1000, CALIBRATED) == 0.0


def test_the_pace_and_the_throughput_grow_with_the_requests_in_flight():
    replica = Replica(LLAMA8, H100, precision="fp8")
    points = [operating_point(replica, 1000, 200, c) for c in (1, 4, 16, 64)]
    assert [p.tpot_s for p in points] == sorted(p.tpot_s for p in points)
    assert [p.output_tokens_per_s for p in points] == sorted(p.output_tokens_per_s for p in points)
    assert points[0].tpot_s == pytest.approx(points[0].step_s)  # alone, nobody else's prefill interrupts


def test_a_request_rate_finds_the_operating_point_that_carries_it():
    replica = Replica(LLAMA8, H100, precision="fp8")
    point = at_request_rate(replica, 500, 250, 5.0, most=256)
    assert point.requests_per_s == pytest.approx(5.0, rel=1e-3)
    assert at_request_rate(replica, 500, 250, 1e6, most=256) is None  # beyond what 256 in flight carry


def test_the_kv_cache_bounds_the_requests_in_flight_by_how_the_engine_books_it():
    replica = Replica(LLAMA70, H100, tensor_parallel=1, precision="fp8", kv_cache_dtype="fp8")
    grow = replica.max_concurrency(128, 2048, gpu_memory_utilization=0.95, max_num_seqs=None, kv_admission="grow")
    full = replica.max_concurrency(128, 2048, gpu_memory_utilization=0.95, max_num_seqs=None, kv_admission="full")
    assert 0 < full < grow
    assert replica.max_concurrency(128, 2048, gpu_memory_utilization=0.95, max_num_seqs=8) == 8
    assert Replica(LLAMA70, H100, precision="bf16").max_concurrency(128, 128, gpu_memory_utilization=0.9, max_num_seqs=None) == 0


def test_an_accelerator_row_naming_an_unknown_accelerator_is_refused(tmp_path):
    header = "accelerator,memory_bandwidth_gbps,source,read_at,as_of"
    (tmp_path / "accelerator_performance.csv").write_text(f"{header}\nH900,9000,a datasheet,https://example.invalid,2026-12-01\n")
    with pytest.raises(CatalogError) as raised:
        load_catalog(tmp_path)
    assert "accelerator 'H900'" in str(raised.value) or "H900" in str(raised.value)
    assert "unknown accelerator" in str(raised.value)


def test_an_override_row_adds_an_accelerators_datasheet(tmp_path):
    header = "accelerator,memory_bandwidth_gbps,dense_bf16_tflops,source,read_at,as_of"
    (tmp_path / "accelerator_performance.csv").write_text(f"{header}\nA10G,600,70,vendor sheet,https://example.invalid/a10g,2026-12-01\n")
    catalog = load_catalog(tmp_path)
    acc = with_performance(catalog, catalog.gpu("A10G"))
    assert acc.peak_tflops == {"bf16": 70} and "vendor sheet" in acc.performance_source
