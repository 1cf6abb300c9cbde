"""Sparse-attention decode (`hangar.sizing.sparse_decode`): DeepSeek-V3.2, GLM-5 and MiniMax-M3 read their indexer's top-k
tokens and every indexer key, not the whole context, so `hangar size` estimates them faster at long contexts than the
same row read as dense attention, and the same below `index_topk` tokens."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.config_fields import ConfigError
from hangar.catalog.model_config import read_config
from hangar.cli import app
from hangar.sizing.memory import Accelerator
from hangar.sizing.performance import Replica
from tests.catalog_overrides import override

CONFIGS = Path(__file__).parent / "model_configs"
CAT = load_catalog()
V32 = "deepseek-ai/DeepSeek-V3.2"
H200 = Accelerator.of(CAT.gpu("H200"))


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


def node_tokens_per_s(context: int, overrides: Path | None = None) -> float:
    """The best option's tok/s per node `hangar size` reports for DeepSeek-V3.2 in fp8 on AWS at `context` tokens."""
    args = ["size", V32, "--context", str(context), "--cloud", "aws", "--precision", "fp8", "--limit", "1", "--format", "json"]
    result = CliRunner().invoke(app, args + (["--overrides", str(overrides)] if overrides else []), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    best = json.loads(result.output)["best"]
    assert best["instance_type"] == "p5en.48xlarge"
    return best["node_decode_tokens_per_s_estimate"]


def dense(tmp_path: Path) -> Path:
    """An overrides directory whose DeepSeek-V3.2 row drops the sparse columns: the estimate before sparse decode."""
    override(tmp_path / "dense", "models.csv", "hf_id", V32, index_topk="", sparse_attention_layers="")
    return tmp_path / "dense"


def test_hangar_size_estimates_deepseek_v32_faster_at_128k_than_dense(tmp_path):
    sparse, as_dense = node_tokens_per_s(131072), node_tokens_per_s(131072, dense(tmp_path))
    assert sparse > 2 * as_dense  # 573 against 225 tok/s on 8 x H200


def test_hangar_size_is_unchanged_below_the_top_k(tmp_path):
    assert node_tokens_per_s(2048) == pytest.approx(node_tokens_per_s(2048, dense(tmp_path)))


def test_a_decode_step_reads_the_top_k_latents_and_every_indexer_key():
    model = CAT.model(V32)
    assert (model.index_topk, model.sparse_attention_layers, model.indexer_bytes_per_token) == (2048, 61, 61 * 132)
    latent = 61 * 576 * 2  # bf16 latent of every layer, whole on each of the 8 ranks
    replica = Replica(model, H200, tensor_parallel=8, precision="fp8")
    assert replica.kv_bytes(131072) == 8 * (latent * 2048 + 61 * 132 * 131072)
    assert replica.kv_bytes(1000) == 8 * (latent + 61 * 132) * 1000  # inside the top-k: the whole context, as dense
    fp8 = Replica(model, H200, tensor_parallel=8, precision="fp8", kv_cache_dtype="fp8")
    assert fp8.kv_bytes(131072) == 8 * (61 * 656 * 2048 + 61 * 132 * 131072)  # vLLM's 656-byte fp8_ds_mla latent


def test_glm52_reads_the_keys_of_its_21_indexers_and_top_k_latents_on_all_78_layers():
    arch = read_config(config("glm-5.2.json"))
    assert (arch.index_topk, arch.sparse_attention_layers, arch.indexer_bytes_per_token) == (2048, 78, 21 * 132)


def test_minimax_m3_attends_to_16_blocks_of_128_tokens_on_its_57_sparse_layers():
    arch = read_config(config("minimax-m3.json"))
    assert (arch.index_topk, arch.sparse_attention_layers) == (2048, 57)


def test_a_minimax_m3_block_size_vllm_does_not_run_is_refused_naming_the_field():
    bad = config("minimax-m3.json")
    bad["sparse_attention_config"] = {**bad["sparse_attention_config"], "sparse_block_size": 64}
    with pytest.raises(ConfigError) as refused:
        read_config(bad)
    assert refused.value.field == "sparse_attention_config.sparse_block_size"
    assert "64: vLLM's MiniMax-M3 kernels take 128-token blocks" in str(refused.value)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"index_topk": None}, "sparse_attention_layers: give it with index_topk and indexer_bytes_per_token"),
        ({"sparse_attention_layers": 62}, "sparse_attention_layers: at most the attention layers (61)"),
        ({"sparse_attention_layers": None}, "index_topk: only a row with csa_layers (DeepSeek-V4) or sparse_attention_layers"),
    ],
)
def test_a_row_with_half_the_sparse_columns_is_refused_naming_the_column(changes, says):
    model = CAT.model(V32)
    with pytest.raises(ValueError, match=re.escape(says)):
        type(model)(**{**model.model_dump(), **changes})
