"""Qwen2.5-72B-Instruct, read from its config.json (a Hugging Face duplicate of Qwen's repository; sources.json).

The file sets `max_position_embeddings` 32768 and no `rope_scaling`: the model card's 131072 tokens need YaRN added
to the config by hand, so the row, like vLLM, takes 32768. 80 layers x 8 KV heads x head_dim 128 x (K+V) x 2 bytes
is 320 KiB of bf16 KV per token.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hangar.catalog import load_catalog
from hangar.catalog.model_config import read_config
from hangar.sizing import GIB, memory_fit

CONFIGS = Path(__file__).parent / "model_configs"
CAT = load_catalog()
HF_ID = "Qwen/Qwen2.5-72B-Instruct"


def test_the_row_is_read_from_the_config_json_and_says_where_that_was():
    row = CAT.model(HF_ID)
    source = json.loads((CONFIGS / "sources.json").read_text())["qwen2.5-72b-instruct.json"]
    assert row.config_verified and row.revision == source["revision"] == "0357c27"
    assert row.source.startswith(f"config.json: {source['url']} (a copy of the Hugging Face repo's config.json, in a Hugging Face duplicate of {HF_ID}")
    assert row.licence_id == "qwen"  # the Qwen LICENSE AGREEMENT with its 100M-MAU clause, unchanged by the re-read


def test_its_context_is_the_config_s_32768_tokens_not_the_model_card_s_yarn_figure():
    config = json.loads((CONFIGS / "qwen2.5-72b-instruct.json").read_text())
    assert config["max_position_embeddings"] == 32768 and "rope_scaling" not in config
    assert read_config(config).max_context_tokens == CAT.model(HF_ID).max_context_tokens == 32768
    assert CAT.model(HF_ID).kv_bytes_per_token_bf16 == 80 * 8 * 128 * 2 * 2 == 320 * 1024


def test_in_bf16_it_needs_four_h100s_at_its_full_context_and_two_say_how_short_they_fall():
    model, h100 = CAT.model(HF_ID), CAT.gpu("H100-SXM")
    two = memory_fit(model, h100, tensor_parallel=2)
    assert not two.fits and "short" in two.reason and two.kv_per_sequence_gib == pytest.approx(32768 * 327680 / GIB)
    assert memory_fit(model, h100, tensor_parallel=4).fits
