"""GLM-4.7 (`glm4_moe`), read by `hangar catalog import-model` from a config.json kept as a reader test (sources.json).

The copy was read at a pull request's ref of zai-org's repository, whose commit and size it does not show, so it makes
no packaged row (`reader_only`); a team serving GLM-4.7 imports its own config.json. The layout: 92 layers of
grouped-query attention (8 KV heads of 128), the first 3 with a dense MLP, the other 89 routing each token to 8 of 160
experts beside one shared expert; 92 x 8 x 128 x (K+V) x 2 bytes is 368 KiB of bf16 KV per token.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.model_config import read_config
from hangar.cli import app
from hangar.sizing import GIB, memory_fit

CONFIGS = Path(__file__).parent / "model_configs"
SOURCE = json.loads((CONFIGS / "sources.json").read_text())["glm-4.7.json"]
HF_ID = "zai-org/GLM-4.7"


def imported(tmp_path: Path):
    result = CliRunner().invoke(
        app, ["catalog", "import-model", HF_ID, "--config", str(CONFIGS / "glm-4.7.json"), "--licence", "mit", "--overrides", str(tmp_path)],
        catch_exceptions=False, env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    return result, load_catalog(tmp_path)


def test_the_copy_is_a_reader_test_and_makes_no_packaged_row():
    assert SOURCE["hf_id"] == HF_ID and SOURCE["reader_only"] and SOURCE["ref"] == "refs/pr/49"
    assert HF_ID not in load_catalog().models


def test_the_reader_reads_its_experts_dense_layers_and_grouped_kv():
    arch = read_config(json.loads((CONFIGS / "glm-4.7.json").read_text()))
    assert (arch.model_type, arch.layers, arch.attention_heads, arch.kv_heads, arch.head_dim) == ("glm4_moe", 92, 96, 8, 128)
    assert (arch.num_experts, arch.num_experts_per_tok, arch.dense_mlp_layers) == (160, 8, 3)
    assert (arch.intermediate_size, arch.moe_intermediate_size, arch.shared_expert_intermediate_size) == (12288, 1536, 1536)
    assert arch.kv_bytes_per_token_bf16 == 92 * 8 * 128 * 2 * 2 == 368 * 1024
    assert (arch.max_context_tokens, arch.vocab_size, arch.tie_word_embeddings) == (202752, 151552, False)


def test_import_model_says_what_it_read(tmp_path):
    result, _ = imported(tmp_path)
    assert f"wrote {HF_ID} to {tmp_path / 'models.csv'}" in result.stdout
    assert "(32.854B active, 8 of 160 experts); 92 layers; 8 KV heads x 128; 368 KiB/token of bf16 KV in full layers; max context 202,752" in result.stdout


def test_in_bf16_eight_h100s_cannot_hold_its_weights_and_eight_h200s_take_four_full_context_sequences(tmp_path):
    _, catalog = imported(tmp_path)
    model = catalog.model(HF_ID)
    h100 = memory_fit(model, catalog.gpu("H100-SXM"), tensor_parallel=8)
    assert not h100.fits and h100.reason.endswith("the weights alone do not fit") and h100.weights_gib > h100.usable_gib
    h200 = memory_fit(model, catalog.gpu("H200"), tensor_parallel=8)
    assert h200.fits and h200.capacity_sequences == 4
    assert h200.kv_per_sequence_gib == pytest.approx(202752 * 368 * 1024 / GIB)
