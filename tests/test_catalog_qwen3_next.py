"""Qwen3-Next-80B-A3B-Thinking: a packaged row read from its config.json (tests/model_configs/, source in sources.json).

Hybrid gated-delta-net / gated attention with 512 experts. The output gate of its attention is on unless the config
turns it off (vLLM `qwen3_next.py` at 6365b387: `getattr(config, "attn_output_gate", True)`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hangar.catalog import load_catalog
from hangar.catalog.model_config import read_config

CONFIGS = Path(__file__).parent / "model_configs"
CAT = load_catalog()
HF_ID = "Qwen/Qwen3-Next-80B-A3B-Thinking"


def config() -> dict:
    return json.loads((CONFIGS / "qwen3-next-80b-a3b-thinking.json").read_text())


def test_the_row_caches_kv_in_every_fourth_layer_and_a_fixed_state_in_the_others():
    row = CAT.model(HF_ID)
    assert (row.layers, row.attention_layers, row.kv_heads, row.head_dim) == (48, 12, 2, 256)
    assert row.kv_bytes_per_token_bf16 == 2 * 12 * 2 * 256 * 2
    # 36 gated-delta-net layers: conv state (4 - 1) x (2 x 16 x 128 + 32 x 128) and recurrent state 32 x 128 x 128, 16-bit
    assert row.state_bytes_per_sequence == 36 * (3 * (2 * 16 * 128 + 32 * 128) + 32 * 128 * 128) * 2
    assert (row.num_experts, row.num_experts_per_tok, row.moe_intermediate_size, row.intermediate_size) == (512, 10, 512, None)
    assert (row.licence_id, row.family, row.max_context_tokens, row.multimodal) == ("apache-2.0", "Qwen3-Next", 262144, False)


def test_its_attention_output_gate_is_counted_though_the_config_does_not_name_it():
    fields = config()
    assert "attn_output_gate" not in fields
    gated, ungated = read_config(fields), read_config({**fields, "attn_output_gate": False})
    # 12 full-attention layers whose query projection is twice as wide: hidden x heads x head_dim more each
    assert round((gated.params_total_b - ungated.params_total_b) * 1e9) == pytest.approx(12 * 2048 * 16 * 256, abs=2e6)
    assert CAT.model(HF_ID).params_total_b == gated.params_total_b
    # the release's name, as Qwen names its MoE sizes (total-A-activated): 80B total
    assert gated.params_total_b == pytest.approx(80, rel=0.01)
