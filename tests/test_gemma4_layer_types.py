"""Gemma 4's sliding and full layers where config.json states no `layer_types`, read as vLLM v0.33.0 gets them.

transformers 5.25.0 (and 5.16.1 / 5.20.2, the range vLLM v0.33.0 requires) `models/gemma4/configuration_gemma4.py`
`Gemma4TextConfig.__post_init__`: without `layer_types`, layer i slides unless (i + 1) % 6 == 0; the last layer is made
full attention whatever the file says; `sliding_window` defaults to 512. vLLM v0.33.0 `models/gemma4.py` reads
`config.layer_types`. The fixture is the real google/gemma-4-26B-A4B config.json (tests/model_configs/gemma-4-26b-a4b.json),
whose 30 `layer_types` are that pattern written out (layers 5, 11, 17, 23 and 29 full).
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.model_config import read_config
from hangar.cli import app

GEMMA = json.loads((Path(__file__).parent / "model_configs" / "gemma-4-26b-a4b.json").read_text())
TEXT = GEMMA["text_config"]
DERIVED = ["full_attention" if (i + 1) % 6 == 0 else "sliding_attention" for i in range(30)]


def with_text(drop: tuple[str, ...] = (), **change) -> dict:
    text = {key: value for key, value in TEXT.items() if key not in drop}
    return {**GEMMA, "text_config": {**text, **change}}


def test_the_packaged_config_states_the_pattern_transformers_derives():
    assert TEXT["layer_types"] == DERIVED


def test_without_layer_types_the_model_is_sized_as_with_the_derived_list_written_out():
    derived, written = read_config(with_text(drop=("layer_types",))), read_config(with_text(layer_types=DERIVED))
    assert derived == written


def test_without_layer_types_the_kv_per_token_counts_25_sliding_layers():
    """25 sliding layers cache 8 KV heads x 256 and 5 full layers 2 KV heads x 512 (global_head_dim, k_eq_v), K and V,
    2 bytes: 2 x (25 x 8 x 256 + 5 x 2 x 512) x 2 = 225,280 bytes a token, not 30 full layers' 2 x 30 x 2 x 512 x 2."""
    gemma = read_config(with_text(drop=("layer_types",)))
    assert (gemma.sliding_window_layers, gemma.sliding_window) == (25, TEXT["sliding_window"])
    assert gemma.kv_bytes_per_token_bf16 == 225_280


def test_a_sliding_window_pattern_key_does_not_change_transformers_every_sixth():
    assert read_config(with_text(drop=("layer_types",), sliding_window_pattern=2)).sliding_window_layers == 25


def test_without_sliding_window_the_sliding_layers_take_512():
    assert read_config(with_text(drop=("layer_types", "sliding_window"))).sliding_window == 512


def test_a_last_layer_declared_sliding_is_read_full_as_transformers_forces_it():
    declared = [*DERIVED[:-1], "sliding_attention"]
    assert read_config(with_text(layer_types=declared)) == read_config(GEMMA)


def test_import_model_without_layer_types_writes_the_sliding_layers(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(with_text(drop=("layer_types",))))
    result = CliRunner().invoke(app, ["catalog", "import-model", "acme/gemma-4-no-layer-types", "--config", str(path), "--licence",
                                      "apache-2.0", "--overrides", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    model = load_catalog(tmp_path).model("acme/gemma-4-no-layer-types")
    packaged = load_catalog().model("google/gemma-4-26B-A4B")
    assert (model.sliding_window_layers, model.kv_bytes_per_token_bf16) == (25, packaged.kv_bytes_per_token_bf16) == (25, 225_280)
