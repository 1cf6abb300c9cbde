"""The KV cache of one sequence as each read vLLM release lays it out (hangar.sizing.kv_blocks).

v0.11.2 forces 64-token blocks for latent attention on Hopper (FlashMLA) and 128 on B200 (CUTLASS MLA), 16 elsewhere;
v0.33.0 takes the backend's: 16 on Hopper (FLASH_ATTN_MLA), 32 on B200 (FLASHINFER_MLA). A sparse model (DeepSeek-V3.2)
gets 64 in both. A sliding-window layer keeps its window plus max_num_batched_tokens at v0.11.2, plus twice that at
v0.33.0 (two batches in flight under async scheduling). An fp8 cache of DeepSeek-V3.2 takes the 656-byte "fp8_ds_mla"
layout at v0.11.2 everywhere, at v0.33.0 only on Hopper (FLASHMLA_SPARSE); on B200 FLASHINFER_MLA_SPARSE stores plain fp8.
"""

from __future__ import annotations

import pytest

from hangar.catalog import load_catalog
from hangar.sizing import memory_fit, sequence_kv
from hangar.sizing.kv_blocks import kv_layout

CATALOG = load_catalog()
DEEPSEEK = CATALOG.models["deepseek-ai/DeepSeek-V3"]
SPARSE = CATALOG.models["deepseek-ai/DeepSeek-V3.2"]
GPT_OSS = CATALOG.models["openai/gpt-oss-20b"]
LATENT_BYTES = 61 * (512 + 64) * 2
"""DeepSeek-V3's bf16 latent per token: 61 layers x (kv_lora_rank 512 + qk_rope_head_dim 64) x 2 bytes."""


@pytest.mark.parametrize(
    ("version", "gpu", "block"),
    [
        ("v0.11.2", "H100-SXM", 64),
        ("v0.11.2", "B200", 128),
        ("v0.11.2", "A100-80GB", 16),
        ("v0.33.0", "H100-SXM", 16),
        ("v0.33.0", "B200", 32),
        ("v0.33.0", "A100-80GB", 16),
    ],
)
def test_a_latent_attention_sequence_is_rounded_to_the_blocks_of_its_release_and_gpu(version, gpu, block):
    fit = memory_fit(DEEPSEEK, CATALOG.gpus[gpu], precision="fp8", tensor_parallel=8, max_context_tokens=1000, engine_version=version)
    cached = -(-1000 // block) * block  # whole blocks
    assert fit.kv_per_sequence_gib * 2**30 == pytest.approx(cached * LATENT_BYTES * 8)  # every TP rank keeps the whole latent


def test_a_standard_attention_model_keeps_16_token_blocks_in_both_releases():
    for version in ("v0.11.2", "v0.33.0"):
        for capability in (80, 90, 100, None):
            assert kv_layout(version, capability=capability).block_size == 16


def test_a_sparse_latent_model_gets_64_token_blocks_in_both_releases():
    assert {kv_layout(v, mla=True, sparse=True, capability=c).block_size for v in ("v0.11.2", "v0.33.0") for c in (90, 100)} == {64}


def test_a_sliding_window_keeps_one_batch_in_flight_at_v0_11_2_and_two_at_v0_33_0():
    # H100: max_num_batched_tokens 8192 by default; gpt-oss-20b's window is 128 tokens.
    old = memory_fit(GPT_OSS, CATALOG.gpus["H100-SXM"], precision="mxfp4", max_context_tokens=131072, engine_version="v0.11.2")
    new = memory_fit(GPT_OSS, CATALOG.gpus["H100-SXM"], precision="mxfp4", max_context_tokens=131072, engine_version="v0.33.0")
    assert old.max_num_batched_tokens == new.max_num_batched_tokens == 8192
    assert sequence_kv(GPT_OSS, 131072, max_num_batched_tokens=8192, layout=kv_layout("v0.11.2")).sliding_tokens == (-(-(127 + 8192) // 16) + 1) * 16
    assert sequence_kv(GPT_OSS, 131072, max_num_batched_tokens=8192, layout=kv_layout("v0.33.0")).sliding_tokens == (-(-(127 + 2 * 8192) // 16) + 1) * 16
    sliding_token = 2 * 8 * 64 * 2  # K and V, 8 KV heads of 64, bf16, per layer
    assert (new.kv_per_sequence_gib - old.kv_per_sequence_gib) * 2**30 == pytest.approx(12 * sliding_token * (16528 - 8336))


def test_a_sliding_window_never_keeps_more_than_the_sequence():
    short = sequence_kv(GPT_OSS, 100, max_num_batched_tokens=8192, layout=kv_layout("v0.33.0"))
    assert short.sliding_tokens == (-(-100 // 16) + 1) * 16


@pytest.mark.parametrize(("version", "gpu", "latent_bytes"), [("v0.11.2", "B200", 656), ("v0.33.0", "H100-SXM", 656), ("v0.33.0", "B200", 576)])
def test_an_fp8_sparse_latent_takes_the_ds_mla_layout_where_its_backend_uses_it(version, gpu, latent_bytes):
    fit = memory_fit(SPARSE, CATALOG.gpus[gpu], precision="fp8", kv_cache_dtype="fp8", tensor_parallel=8, max_context_tokens=6400, engine_version=version)
    per_token = 61 * latent_bytes + SPARSE.indexer_bytes_per_token
    assert fit.kv_per_sequence_gib * 2**30 == pytest.approx(6400 * per_token * 8)


def test_a_release_that_was_not_read_is_laid_out_as_the_pinned_one():
    assert kv_layout("v0.20.0", mla=True, capability=90) == kv_layout(None, mla=True, capability=90)
    assert kv_layout("0.33.0", mla=True, capability=100) == kv_layout("v0.33.0", mla=True, capability=100)
