"""Sliding-window and full-attention layers share the KV pool in groups of equal size, the last of a kind padded.

vLLM v0.11.2 and v0.33.0 (`_get_kv_cache_groups_uniform_page_size`) split Gemma 3 27B's 52 sliding and 10 full layers
into one full group and six sliding groups of 10 ("Add 8 padding layers"); a request takes its blocks in every group
(`get_max_concurrency_for_kv_cache_config`), so the padding costs sequences at both releases, and v0.33.0's start-up
check counts it too (`_max_memory_usage_bytes_from_groups`). gpt-oss's 18 + 18 (and 12 + 12) layers need no padding.
The figures below are written out from those rules (`hangar.sizing.kv_pool` cites the files).
"""

from __future__ import annotations

import pytest

from hangar.catalog import load_catalog
from hangar.sizing import memory_fit
from hangar.sizing.kv_blocks import kv_layout
from hangar.sizing.kv_pool import kv_pool, window_groups

CAT = load_catalog()
MIB = 2**20


def pool(hf_id: str, tokens: int, release: str, batched: int = 8192):
    return kv_pool(CAT.model(hf_id), tokens, engine_version=release, capability=90, layout=kv_layout(release, capability=90),
                   max_num_batched_tokens=batched)


@pytest.mark.parametrize(
    ("hf_id", "groups"),
    [("google/gemma-3-27b-it", (1, 6)), ("google/gemma-3-4b-it", (1, 6)), ("openai/gpt-oss-120b", (1, 1)), ("openai/gpt-oss-20b", (1, 1)),
     ("google/gemma-2-9b-it", (1, 1))],
)
def test_the_layers_form_the_groups_vllm_makes(hf_id, groups):
    model = CAT.model(hf_id)
    for release in ("v0.11.2", "v0.33.0"):
        assert window_groups(model, "auto", 1, kv_layout(release), release == "v0.33.0") == groups


def test_gemma_4_s_kinds_of_page_are_not_grouped_so():
    """Its full layers cache 2 x 512 a token, its sliding ones another shape: not one page size."""
    assert window_groups(CAT.model("google/gemma-4-26B-A4B"), "auto", 1, kv_layout("v0.33.0"), True) is None


def test_gemma_3_27b_pays_for_its_eight_padding_layers():
    """65,536 tokens on an H200 (16-token blocks of 8,192 bytes a token and layer: 128 KiB pages, 1.25 MiB a block of
    ten). v0.33.0 keeps 1,023 + 2 x 8,192 tokens of a sliding layer: 1,088 blocks + 1; v0.11.2 1,023 + 8,192: 576 + 1."""
    newer = pool("google/gemma-3-27b-it", 65536, "v0.33.0")
    assert newer.block_bytes == 10 * 16 * 8192
    assert newer.blocks_per_sequence == 4096 + 6 * 1089
    assert newer.sequence_bytes == 10630 * 1.25 * MIB  # padding counted: 60 sliding pages a block column, not 52
    older = pool("google/gemma-3-27b-it", 65536, "v0.11.2")
    assert older.blocks_per_sequence == 4096 + 6 * 577
    assert older.sequence_bytes == (10 * 4096 + 52 * 577) * 16 * 8192  # its start-up check sums the layers
    # what a user sees: at v0.33.0 an H200 holds 5 such sequences (6 if the padding were free), at v0.11.2 8
    h200 = CAT.gpu("H200")
    fits = {release: memory_fit(CAT.model("google/gemma-3-27b-it"), h200, max_context_tokens=65536, concurrent_sequences=8, engine_version=release)
            for release in ("v0.11.2", "v0.33.0")}
    assert {release: fit.capacity_sequences for release, fit in fits.items()} == {"v0.11.2": 8, "v0.33.0": 5}
    budget_blocks = int(fits["v0.33.0"].kv_budget_gib * 2**30 // newer.block_bytes)
    assert fits["v0.33.0"].capacity_sequences == (budget_blocks - 1) // 10630
    assert (budget_blocks - 1) * 10 // (10 * 4096 + 52 * 1089) == 6  # counted by layers, the padding free
    assert fits["v0.33.0"].kv_per_sequence_gib == pytest.approx(10630 * 1.25 / 1024)


def test_gpt_oss_needs_no_padding_so_groups_and_layers_agree():
    """gpt-oss-120b: 18 sliding (window 128) and 18 full layers of 8 KV heads x 64: 2,048 bytes a token and layer."""
    for release, sliding_blocks in (("v0.11.2", 8 + 512 + 1), ("v0.33.0", 8 + 1024 + 1)):
        fit = pool("openai/gpt-oss-120b", 131072, release)
        # min(127 + in flight, 131,072) tokens in 16-token blocks, + 1: 127 + 8,192 -> 520 (+1), 127 + 16,384 -> 1,032 (+1)
        assert fit.blocks_per_sequence == 8192 + sliding_blocks
        assert fit.block_bytes == 18 * 16 * 2048
        assert fit.sequence_bytes == 18 * 16 * 2048 * fit.blocks_per_sequence
