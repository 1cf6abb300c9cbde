"""DeepSeek's `moe_layer_freq`: vLLM v0.11.2 and v0.33.0 deepseek_v2.py route layer i only where i >= first_k_dense_replace
and i % moe_layer_freq == 0, the other layers keeping a dense MLP. The fixture is DeepSeek-V3's real config.json
(tests/model_configs/deepseek-v3.json: moe_layer_freq 1, first_k_dense_replace 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hangar.catalog.model_config import ConfigError, read_config

V3 = json.loads((Path(__file__).parent / "model_configs" / "deepseek-v3.json").read_text())


def test_every_layer_from_the_first_routed_one_routes_in_the_release():
    v3 = read_config(V3)
    assert (V3["moe_layer_freq"], V3["first_k_dense_replace"], v3.dense_mlp_layers) == (1, 3, 3)


def test_a_frequency_of_two_keeps_every_odd_layer_dense():
    # 61 layers: 0-2 dense, then of 3..60 the odd ones (29) dense too; 29 layers route
    every_other = read_config({**V3, "moe_layer_freq": 2})
    assert every_other.dense_mlp_layers == 3 + 29
    v3 = read_config(V3)
    hidden, expert = V3["hidden_size"], 3 * V3["hidden_size"] * V3["moe_intermediate_size"]
    routed = V3["n_routed_experts"] * expert + V3["n_shared_experts"] * expert + hidden * V3["n_routed_experts"]
    dense = 3 * hidden * V3["intermediate_size"]
    assert (v3.params_total_b - every_other.params_total_b) * 1e9 == pytest.approx(29 * (routed - dense), rel=1e-3)


def test_a_bad_frequency_is_named():
    with pytest.raises(ConfigError) as raised:
        read_config({**V3, "moe_layer_freq": 0})
    assert raised.value.field == "moe_layer_freq"
