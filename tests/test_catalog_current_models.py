"""Fit verdicts on the current-family rows added from their config.json (Qwen3 dense, Llama 3.2 text).

Each row's fields are checked against its fixture by tests/test_model_config.py; these tests check that
the sizing gives a user the verdict the row implies.
"""

from __future__ import annotations

import pytest

from hangar.catalog import load_catalog
from hangar.sizing import GIB, memory_fit

CAT = load_catalog()


def test_qwen3_32b_kv_per_sequence_is_64_layers_of_8_kv_heads_at_its_full_context():
    # config.json: 64 layers x 8 KV heads x head_dim 128 x (K+V) x 2 bytes = 256 KiB per token;
    # max_position_embeddings 40960 -> exactly 10 GiB for one full-context sequence.
    fit = memory_fit(CAT.model("Qwen/Qwen3-32B"), CAT.gpu("H100-SXM"))
    assert fit.max_context_tokens == 40960
    assert fit.kv_per_sequence_gib == pytest.approx(40960 * 262144 / GIB) == pytest.approx(10.0)


def test_qwen3_32b_in_bf16_does_not_start_on_one_l4_and_says_why():
    fit = memory_fit(CAT.model("Qwen/Qwen3-32B"), CAT.gpu("L4"), max_context_tokens=8192)
    assert not fit.fits and fit.reason
    assert fit.weights_gib > 60  # 32.76B parameters x 2 bytes = 61 GiB > an L4's 24 GB


def test_llama_3_2_1b_instruct_fits_one_l4_at_its_full_context():
    model = CAT.model("meta-llama/Llama-3.2-1B-Instruct")
    fit = memory_fit(model, CAT.gpu("L4"))
    assert fit.fits and fit.max_context_tokens == 131072
    assert fit.capacity_sequences >= 1
    assert model.licence_id == "llama-3.2-community"
