"""The KV-cache pool as vLLM carves it: a hybrid model's state pages and layer groups per release, and the null block.

Every figure below is derived by hand from the sources `hangar/sizing/kv_pool.py` cites (vLLM v0.11.2 and v0.33.0, read
2026-12-02) and the model's own config.json (tests/model_configs/).
"""

from __future__ import annotations

from hangar.policies.rules import evaluate, load_pack_config
from hangar.policies.rules.base import HARDWARE_FIT
from hangar.policies.rules.workloads import serving_workloads
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.cli import app
from hangar.records import ResourceRecord
from hangar.sizing import GIB, memory_fit

CAT = load_catalog()
NEXT = CAT.model("Qwen/Qwen3-Next-80B-A3B-Thinking")
QWEN35 = CAT.model("Qwen/Qwen3.5-27B")
LLAMA_8B = CAT.model("meta-llama/Llama-3.1-8B-Instruct")
LLAMA_70B = CAT.model("meta-llama/Llama-3.1-70B-Instruct")


def test_qwen3_next_on_two_h200s_per_release():
    """Qwen3-Next-80B at its full 262,144 tokens on 2 x H200 (TP 2), per rank:

    * an attention token of one layer: 2 (K, V) x (2 KV heads / 2) x 256 x 2 bytes = 1,024;
    * one gated-delta-net layer's state: conv 3 x (2 x 16 x 128 + 32 x 128) x 2 = 49,152 bytes plus recurrent
      32 x 128 x 128 x 2 = 1,048,576, halved over the ranks: 548,864 bytes;
    * 12 attention and 36 state layers: groups of 12, one attention group and three state groups; a block of the
      pool is 12 pages.

    v0.11.2 (prefix caching off for Qwen3-Next): block 16 x ceil(548,864 / (16 x 1,024)) = 16 x 34 = 544 tokens, a
    page of 544 x 1,024 = 557,056 bytes; one sequence by layers: 12 x ceil(262,144 / 544) = 12 x 482 = 5,784 attention
    pages + 36 state pages = 5,820 pages, 5,820 x 557,056 x 2 ranks = 6,484,131,840 bytes; 482 + 3 = 485 blocks.

    v0.33.0 (prefix caching on: 'align'; FlashInfer's GDN prefill on Hopper: 64-token alignment, 2 + 1 state pages):
    block 64 x ceil(548,864 / (64 x 1,024)) = 64 x 9 = 576 tokens, a page of 589,824 bytes; one sequence by groups:
    ceil(262,144 / 576) = 456 blocks + 3 groups x 3 pages = 465 blocks of 12 x 589,824 bytes, x 2 ranks =
    6,582,435,840 bytes; the start-up check holds one block (14,155,776 bytes over both ranks) back besides.
    """
    h200 = CAT.gpus["H200"]
    old = memory_fit(NEXT, h200, tensor_parallel=2, engine_version="v0.11.2")
    new = memory_fit(NEXT, h200, tensor_parallel=2, engine_version="v0.33.0")
    assert old.kv_per_sequence_gib * GIB == 6_484_131_840 and old.kv_reserved_gib == 0
    assert new.kv_per_sequence_gib * GIB == 6_582_435_840 and new.kv_reserved_gib * GIB == 12 * 589_824 * 2
    assert "attention blocks of 544 tokens" in old.kv_pages and "1 state page(s) per sequence (prefix caching off)" in old.kv_pages
    assert "attention blocks of 576 tokens" in new.kv_pages and "3 state page(s) per sequence (prefix caching on" in new.kv_pages
    # capacity: whole blocks of the budget, the null block taken out, over the blocks one sequence takes
    old_blocks = int(old.kv_budget_gib * GIB // (12 * 557_056 * 2))
    new_blocks = int(new.kv_budget_gib * GIB // (12 * 589_824 * 2))
    assert old.capacity_sequences == (old_blocks - 1) // 485 == 16
    assert new.capacity_sequences == (new_blocks - 1) // 465 == 17
    assert old.fits and new.fits and old.max_tokens_that_fit == new.max_tokens_that_fit == 262_144


def test_qwen3_next_at_32k_holds_fewer_sequences_at_v0_33_than_one_state_a_sequence_would():
    """At 32,768 tokens a sequence takes ceil(32,768 / 576) = 57 attention blocks + 9 state pages = 66 blocks of
    12 x 589,824 x 2 bytes at v0.33.0: the three state pages a group keeps per sequence cost 6 more blocks than one
    would, so the 2 x H200 replica holds fewer sequences than a count of one state per sequence says."""
    fit = memory_fit(NEXT, CAT.gpus["H200"], tensor_parallel=2, max_context_tokens=32_768)
    assert fit.kv_per_sequence_gib * GIB == 66 * 12 * 589_824 * 2
    blocks = int(fit.kv_budget_gib * GIB // (12 * 589_824 * 2))
    assert fit.capacity_sequences == (blocks - 1) // 66 == 122
    one_state = 32_768 * NEXT.kv_bytes_per_token_bf16 + NEXT.state_bytes_per_sequence
    assert fit.capacity_sequences < fit.kv_budget_gib * GIB // one_state == 135


def test_qwen3_5_on_one_h100_keeps_its_float32_state_in_larger_pages():
    """Qwen3.5-27B on one H100 at v0.33.0 (the default), TP 1:

    * attention token of one layer: 2 x 4 KV heads x 256 x 2 bytes = 4,096;
    * one state layer: conv 3 x (2 x 16 x 128 + 48 x 128) x 2 = 61,440 bytes plus recurrent 48 x 128 x 128 in
      float32 (the config's mamba_ssm_dtype) = 3,145,728: 3,207,168 bytes;
    * block 64 x ceil(3,207,168 / (64 x 4,096)) = 64 x 13 = 832 tokens, a page of 3,407,872 bytes;
    * 16 attention and 48 state layers: groups of 16 (1 + 3), a block is 16 x 3,407,872 = 54,525,952 bytes;
    * 262,144 tokens: ceil(262,144 / 832) = 316 + 3 x 3 = 325 blocks = 17,720,934,400 bytes; 32,768 tokens:
      40 + 9 = 49 blocks.
    """
    h100 = CAT.gpus["H100-SXM"]
    full = memory_fit(QWEN35, h100)
    assert full.kv_per_sequence_gib * GIB == 325 * 54_525_952 and full.kv_reserved_gib * GIB == 54_525_952
    assert full.fits and full.capacity_sequences == (int(full.kv_budget_gib * GIB // 54_525_952) - 1) // 325 == 1
    short = memory_fit(QWEN35, h100, max_context_tokens=32_768)
    assert short.capacity_sequences == (int(short.kv_budget_gib * GIB // 54_525_952) - 1) // 49 == 8
    assert "attention blocks of 832 tokens" in short.kv_pages


def test_without_flashinfer_s_gdn_prefill_a_sequence_keeps_two_state_pages_on_16_token_alignment():
    """On an L40S (Ada, compute capability 8.9) v0.33.0 runs the GDN prefill in Triton: no checkpoint page, alignment 16.
    Qwen3-Next at TP 4 (one KV head a rank: 1,024 bytes a token; state 1,097,728 / 4 = 274,432 bytes):
    block 16 x ceil(274,432 / 16,384) = 16 x 17 = 272 tokens; 8,192 tokens take ceil(8,192 / 272) = 31 + 3 x 2 = 37
    blocks of 12 x 272 x 1,024 x 4 ranks bytes."""
    fit = memory_fit(NEXT, CAT.gpus["L40S"], tensor_parallel=4, precision="fp8", max_context_tokens=8192)
    assert "attention blocks of 272 tokens" in fit.kv_pages and "2 state page(s)" in fit.kv_pages
    assert fit.kv_per_sequence_gib * GIB == 37 * 12 * 272 * 1024 * 4


def test_the_null_block_costs_a_dense_row_one_sequence_where_the_blocks_divide_evenly():
    """Llama-3.1-8B in bf16 on one L4 at 92 %: 24 x 0.92 - 2 - 8.03e9 x 2 / 2^30 = 5.123 GiB of KV cache, 2,622 whole
    blocks of 16 tokens x 128 KiB = 2 MiB. At 1,104 tokens a sequence takes 69 blocks and 2,622 = 38 x 69: the null block
    vLLM's BlockPool keeps (block 0, in both releases) leaves 2,621 blocks, 37 sequences."""
    for release in ("v0.11.2", "v0.33.0"):
        fit = memory_fit(LLAMA_8B, CAT.gpus["L4"], max_context_tokens=1104, gpu_memory_utilization=0.92, engine_version=release)
        assert int(fit.kv_budget_gib * GIB // (16 * 131_072)) == 38 * 69
        assert fit.capacity_sequences == 37


def test_the_null_block_decides_whether_v0_33_starts_at_the_edge():
    """Llama-3.1-70B in fp8 on one H100 at 92 %: the 3.94 GiB left hold 12,896 tokens of 320 KiB in whole 16-token blocks
    (v0.11.2's check); v0.33.0 holds one 5 MiB block (16 x 320 KiB) back first, so 12,896 tokens no longer start there and
    its own estimate says 12,880."""
    h100 = CAT.gpus["H100-SXM"]
    old = memory_fit(LLAMA_70B, h100, precision="fp8", max_context_tokens=12_896, gpu_memory_utilization=0.92, engine_version="v0.11.2")
    new = memory_fit(LLAMA_70B, h100, precision="fp8", max_context_tokens=12_896, gpu_memory_utilization=0.92, engine_version="v0.33.0")
    assert old.fits and old.kv_reserved_gib == 0
    assert not new.fits and new.kv_reserved_gib * GIB == 16 * 327_680
    assert new.max_tokens_that_fit == 12_880 and "at most 12,880 tokens would fit" in new.reason
    assert "the block vLLM holds back 0.00" not in new.reason  # under a hundredth of a GiB it is not spelt out


def test_hangar_size_shows_the_pages_of_a_hybrid_model():
    result = CliRunner().invoke(app, ["size", NEXT.hf_id, "--limit", "1"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "hybrid pages: attention blocks of" in result.output and "layer groups of 12" in result.output
    assert "vLLM's start-up check, with the one block it holds back" in result.output


def test_without_prefix_caching_v0_33_keeps_one_state_page_and_no_checkpoint_alignment():
    """`--no-enable-prefix-caching` makes v0.33.0's `mamba_cache_mode` "none": no checkpoint, so 16-token alignment
    (16 x ceil(548,864 / 16,384) = 544 tokens, as v0.11.2) and one state page a sequence: 482 + 3 = 485 blocks of
    12 x 557,056 bytes on each of the two H200s."""
    fit = memory_fit(NEXT, CAT.gpus["H200"], tensor_parallel=2, prefix_caching=False)
    assert "attention blocks of 544 tokens" in fit.kv_pages and "1 state page(s) per sequence (prefix caching off)" in fit.kv_pages
    assert fit.kv_per_sequence_gib * GIB == 485 * 12 * 557_056 * 2


def _raw_server(*flags: str) -> list[ResourceRecord]:
    """A raw vLLM v0.33.0 Deployment of Qwen3-Next on two H200s of a p5en node group, at 56.23 % of their memory."""
    args = ["--model", NEXT.hf_id, "--tensor-parallel-size", "2", "--gpu-memory-utilization", "0.5623", *flags]
    container = {"name": "vllm", "image": "vllm/vllm-openai:v0.33.0", "args": args, "resources": {"limits": {"nvidia.com/gpu": "2"}}}
    inputs = {"metadata": {"name": "next"}, "spec": {"template": {"spec": {"containers": [container], "nodeSelector": {"hangar.dev/pool": "h200"}}}}}
    pool = {"instanceTypes": ["p5en.48xlarge"], "scalingConfig": {"minSize": 0.0, "maxSize": 1.0, "desiredSize": 0.0}, "capacityType": "ON_DEMAND",
            "labels": {"hangar.dev/pool": "h200"}}
    return [
        ResourceRecord(urn="urn:pulumi:test::raw::kubernetes:apps/v1:Deployment::next", type="kubernetes:apps/v1:Deployment", name="next",
                       parent=None, custom=True, inputs=inputs),
        ResourceRecord(urn="urn:pulumi:test::raw::aws:eks/nodeGroup:NodeGroup::h200", type="aws:eks/nodeGroup:NodeGroup", name="h200",
                       parent=None, custom=True, inputs=pool),
    ]


def _fit_violations(records: list[ResourceRecord]) -> list[str]:
    return [v.message for v in evaluate(records, load_pack_config({}, "test")) if v.policy == HARDWARE_FIT]


def test_the_fit_rule_reads_prefix_caching_from_the_server_flags():
    """At 56.23 % of 2 x 141 GiB (158.57 GiB) the weights (148.50 GiB, the routers whole on both GPUs) and overhead (4)
    leave 6.07 GiB: one full-context sequence in 'align' mode needs 465 blocks + the null block of 12 x 589,824 x 2 bytes
    (6.14 GiB) and does not start; without prefix caching 485 + 1 blocks of 12 x 557,056 x 2 bytes (6.05 GiB) do."""
    assert [w.prefix_caching for w in serving_workloads(_raw_server())] == [None]
    assert [w.prefix_caching for w in serving_workloads(_raw_server("--no-enable-prefix-caching"))] == [False]
    assert [w.prefix_caching for w in serving_workloads(_raw_server("--enable-prefix-caching"))] == [True]
    (on,) = _fit_violations(_raw_server())
    assert "does not fit" in on and "KV cache of one 262,144-token sequence 6.1" in on
    assert _fit_violations(_raw_server("--enable-prefix-caching")) == [on]
    assert _fit_violations(_raw_server("--no-enable-prefix-caching")) == []
