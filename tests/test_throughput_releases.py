"""`estimate_throughput`, `hangar size`'s speeds and the calibration build their replica at a vLLM release.

What a decode step reads depends on the release only through its MXFP4 kernel (`hangar.sizing.mxfp4`): gpt-oss's
experts padded by Marlin at v0.11.2 on Hopper (the hidden width 2,880 to 3,072, an expert's 2,880 to 2,944), read
as published by the OAI Triton kernels at v0.33.0. Nothing else a speed estimate reads differs between the releases,
and no row of the calibration table is mxfp4 (its `precision` column cannot name it), so the calibration's error is
the same at both.
"""

from __future__ import annotations

import pytest

from hangar.catalog import load_catalog
from hangar.sizing import estimate_throughput, rank_options
from hangar.sizing.calibration import MEASURED_ERROR, compare, measured_release, summarize
from hangar.sizing.mxfp4 import MARLIN, OAI_TRITON, expert_padding
from hangar.sizing.performance import Replica, _expert_split, routed_share

CAT = load_catalog()
GPT_OSS = CAT.model("openai/gpt-oss-120b")
H100 = CAT.gpu("H100-SXM")


def test_the_kernel_s_padding_is_what_a_step_reads():
    assert expert_padding(GPT_OSS, kernel=MARLIN) == pytest.approx(3072 * 2944 / (2880 * 2880))
    assert expert_padding(GPT_OSS, kernel=OAI_TRITON) == 1.0
    older = estimate_throughput(GPT_OSS, H100, precision="mxfp4", engine_version="v0.11.2")
    newer = estimate_throughput(GPT_OSS, H100, precision="mxfp4", engine_version="v0.33.0")
    _, experts = _expert_split(GPT_OSS)
    read = experts * routed_share(GPT_OSS, 16) * (1 / 2 + 1 / 32)  # the experts 16 sequences route to, as published
    assert older.bytes_per_decode_step - newer.bytes_per_decode_step == pytest.approx(read * (3072 * 2944 / (2880 * 2880) - 1))
    assert older.decode_tokens_per_s < newer.decode_tokens_per_s
    assert estimate_throughput(GPT_OSS, H100, precision="mxfp4").decode_tokens_per_s == newer.decode_tokens_per_s  # the pinned release


def test_hangar_size_reports_the_release_s_speed():
    speeds = {}
    for release in ("v0.11.2", "v0.33.0"):
        ranking = rank_options(GPT_OSS, CAT, clouds=["aws"], engine_version=release)
        (option,) = [o for o in ranking.feasible if o.instance_type == "p5.48xlarge" and o.tensor_parallel == 1]
        speeds[release] = option.throughput.decode_tokens_per_s
        assert option.throughput.decode_tokens_per_s == estimate_throughput(
            GPT_OSS, H100, precision="mxfp4", max_context_tokens=ranking.max_context_tokens, concurrent_sequences=option.fit.batched_sequences,
            engine_version=release).decode_tokens_per_s  # fmt: skip
    assert speeds["v0.11.2"] < speeds["v0.33.0"]


def test_a_lora_replica_reads_marlin_s_padding_at_either_release():
    from hangar.sizing import Accelerator, LoraSlots

    for release in ("v0.11.2", "v0.33.0"):
        replica = Replica(GPT_OSS, Accelerator.of(H100), 1, "mxfp4", lora=LoraSlots(1, 16), engine_version=release)
        assert replica._mxfp4_padding() == expert_padding(GPT_OSS, kernel=MARLIN)


def test_the_calibration_sizes_vllm_rows_at_their_release_and_its_error_stands():
    rows = CAT.measurements
    assert {measured_release(row) for row in rows if row.engine == "vllm"} == {"v0.11.0", "0.23.0"}
    assert {measured_release(row) for row in rows if row.engine != "vllm"} == {None}
    assert not [row.id for row in rows if row.precision == "mxfp4"]
    found = summarize(compare(CAT))
    assert {name: (s.rows, round(s.median, 2), round(s.worst, 2)) for name, s in found.items()} == MEASURED_ERROR
