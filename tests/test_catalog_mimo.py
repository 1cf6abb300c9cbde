"""Xiaomi's MiMo-V2-Flash (`mimo_v2_flash`, `hangar.catalog.mimo`): the reader on NVIDIA aiconfigurator's copy of its
config.json (`reader_only` in sources.json: not shown to be the whole file, so no packaged row), the bytes a token costs
as vLLM v0.33.0 caches it, the parameter estimate against the published size, `hangar size` on eight H200s, the
refusal of a deployment pinned to vLLM v0.11.2, and the configs refused naming the field.

Bytes per token, by hand from vLLM v0.33.0's mimo_v2.py and kv_cache_interface.py (wheel, read 2026-12-02):
`hybrid_layer_pattern` has 0 (full attention) at layers 0, 5, 11, 17, 23, 29, 35, 41, 47 - 9 layers - and 1 (sliding
window 128) at the other 39. A full layer caches `num_key_value_heads` 4 heads, a sliding layer `swa_num_key_value_heads`
8, each head K of `head_dim` 192 and V of `v_head_dim` 128 (`AttentionSpec`: head_size + head_size_v), in bf16:
full 4 x (192 + 128) x 2 = 2,560 bytes a layer, sliding 8 x 320 x 2 = 5,120. The config's `attention_chunk_size` (128)
turns the hybrid KV-cache manager off (vllm/config/vllm.py), so every sliding layer is cached like a full one:
9 x 2,560 + 39 x 5,120 = 23,040 + 199,680 = 222,720 bytes a token (217.5 KiB). Not 2 x 192 a head: that would be
9 x 4 x 2 x 192 x 2 + 39 x 8 x 2 x 192 x 2 = 267,264.

Parameters (ESTIMATE): embedding and head 2 x 152,576 x 4,096 = 1,249,902,592; attention q 4,096 x 64 x 192 + o 64 x
128 x 4,096 = 83,886,080 a layer, plus k and v 4,096 x KV heads x 320 (4 heads: 5,242,880; 8: 10,485,760), so 9 x
89,128,960 + 39 x 94,371,840 = 4,482,662,400; layer 0's dense MLP 3 x 4,096 x 16,384 = 201,326,592; 47 MoE layers of
256 experts x 3 x 4,096 x 2,048 plus a 4,096 x 256 router = 302,844,477,440. Total 308.778B against the README's
"309B total parameters"; active (head, attention, dense MLP, 8 experts and the router a layer) 14.821B against "15B".
"""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.config_fields import ConfigError
from hangar.catalog.model_config import model_row, read_config
from hangar.cli import app
from hangar.sizing.engine_models import engine_refusal, first_served
from hangar.sizing.kv import kv_bytes_per_token
from hangar.sizing.lora_architectures import architecture, lora_refusal, supports_lora
from tests.config_errors import config_problems
from tests.h200_stacks import with_deployment

CONFIGS = Path(__file__).parent / "model_configs"
SOURCE = json.loads((CONFIGS / "sources.json").read_text())["mimo-v2-flash.json"]
HF_ID = "XiaomiMiMo/MiMo-V2-Flash"
FULL, SLIDING = (0, 5, 11, 17, 23, 29, 35, 41, 47), 39
KV_PER_TOKEN = 9 * 4 * (192 + 128) * 2 + SLIDING * 8 * (192 + 128) * 2


def config() -> dict:
    return json.loads((CONFIGS / "mimo-v2-flash.json").read_text())


def imported(tmp_path: Path, path: Path | None = None, licence: str = "mit"):
    return CliRunner().invoke(
        app, ["catalog", "import-model", HF_ID, "--config", str(path or CONFIGS / "mimo-v2-flash.json"), "--licence", licence,
              "--overrides", str(tmp_path / "ours")],
        catch_exceptions=False, env={"COLUMNS": "200"},
    )


def test_the_copy_tests_the_reader_and_makes_no_packaged_row():
    assert SOURCE["hf_id"] == HF_ID and SOURCE["reader_only"] and "no auto_map" in SOURCE["note"]
    assert HF_ID not in load_catalog().models


def test_every_layer_is_cached_with_its_own_kv_heads_and_a_v_head_narrower_than_k():
    arch = read_config(config())
    assert [i for i, v in enumerate(config()["hybrid_layer_pattern"]) if v == 0] == list(FULL)
    assert (arch.model_type, arch.layers, arch.attention_heads, arch.kv_heads, arch.head_dim, arch.v_head_dim) == ("mimo_v2_flash", 48, 64, 4, 192, 128)
    assert arch.layer_kv_heads == "4 8x4 4 8x5 4 8x5 4 8x5 4 8x5 4 8x5 4 8x5 4 8x5 4"
    assert (arch.sliding_window, arch.sliding_window_layers, arch.global_kv_heads) == (None, None, None)  # cached as full: manager off
    assert arch.kv_bytes_per_token_bf16 == KV_PER_TOKEN == 222_720


def test_the_experts_the_dense_first_layer_and_the_context():
    arch = read_config(config())
    assert (arch.num_experts, arch.num_experts_per_tok, arch.moe_intermediate_size, arch.intermediate_size) == (256, 8, 2048, 16384)
    assert (arch.dense_mlp_layers, arch.shared_expert_intermediate_size, arch.tie_word_embeddings) == (1, None, False)
    assert (arch.dtype, arch.max_context_tokens, arch.vocab_size, arch.multimodal) == ("fp8", 262_144, 152_576, False)


def test_the_estimate_matches_the_readme_and_leaves_out_the_prediction_layers():
    arch = read_config(config())
    assert (arch.params_total_b, arch.params_active_b) == (308.778, 14.821)
    assert arch.params_total_b == pytest.approx(309, rel=0.01) and arch.params_active_b == pytest.approx(15, rel=0.02)
    assert read_config({**config(), "num_nextn_predict_layers": 3}).params_total_b == arch.params_total_b  # vLLM skips "mtp" weights


def test_kv_bytes_over_tensor_parallel_replicate_the_full_layers_four_heads_only():
    row = _row()
    assert kv_bytes_per_token(row) == KV_PER_TOKEN
    # TP 8: a full layer's 4 KV heads are stored on all 8 ranks (max(1, 4 // 8) each), a sliding layer's 8 once
    assert kv_bytes_per_token(row, tensor_parallel=8) == 9 * 8 * 640 + SLIDING * 8 * 640


def _row():
    return model_row(HF_ID, config(), licence_id="mit", source="config.json: test", as_of=datetime.date(2026, 12, 2))


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"attention_chunk_size": None}, "attention_chunk_size", "would keep its hybrid KV-cache manager on"),
        ({"hybrid_layer_pattern": [0, 1] * 23}, "hybrid_layer_pattern", "expected a list of 48 entries"),
        ({"moe_layer_freq": 1}, "moe_layer_freq", "makes every layer dense unless it is a list"),
        ({"swa_v_head_dim": 192}, "swa_v_head_dim", "K/V head sizes 192/192 differ from the full layers' 192/128"),
        ({"swa_num_attention_heads": 96}, "swa_num_attention_heads", "96 differs from num_attention_heads 64"),
        ({"swa_num_key_value_heads": 7}, "swa_num_key_value_heads", "7 does not divide swa_num_attention_heads 64"),
        ({"n_shared_experts": 1}, "n_shared_experts", "builds no shared expert"),
        ({"tie_word_embeddings": True}, "tie_word_embeddings", "never ties it"),
        ({"hidden_act": "gelu"}, "hidden_act", "supports silu only"),
        ({"swa_head_dim": None}, "swa_head_dim", "missing"),
    ],
)
def test_a_config_vllm_would_serve_otherwise_is_refused_naming_the_field(change, field, says):
    changed = {k: v for k, v in {**config(), **change}.items() if v is not None}
    with pytest.raises(ConfigError) as refused:
        read_config(changed)
    assert refused.value.field == field and says in str(refused.value)


def test_import_model_says_what_it_read_and_writes_a_row(tmp_path):
    result = imported(tmp_path)
    assert result.exit_code == 0, result.output
    assert ("308.778B parameters (14.821B active, 8 of 256 experts); 48 layers (48 with attention, 4 KV heads in 9, 8 in 39; 0 without); "
            "4 KV heads x 192 (K; V 128); 217.5 KiB/token of bf16 KV in full layers; max context 262,144") in result.stdout
    row = load_catalog(tmp_path / "ours").model(HF_ID)
    assert (row.licence_id, row.dtype, row.family, row.kv_bytes_per_token_bf16, row.v_head_dim) == ("mit", "fp8", "mimo_v2_flash", KV_PER_TOKEN, 128)


def test_import_model_refuses_a_config_without_the_chunk_size_with_exit_2(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text(json.dumps({k: v for k, v in config().items() if k != "attention_chunk_size"}))
    result = imported(tmp_path, bad)
    assert result.exit_code == 2 and f"error: --config {bad}: attention_chunk_size: absent" in result.output
    assert not (tmp_path / "ours" / "models.csv").exists()


def test_hangar_size_in_fp8_on_aws(tmp_path):
    assert imported(tmp_path).exit_code == 0
    args = ["size", HF_ID, "--overrides", str(tmp_path / "ours"), "--context", "32768", "--cloud", "aws", "--precision", "fp8"]
    result = CliRunner().invoke(app, args, catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "4 KV heads x 192 (K; V 128)" in result.stdout
    as_json = json.loads(CliRunner().invoke(app, [*args, "--format", "json"], catch_exceptions=False).stdout)
    h200 = [o["memory"] for o in as_json["feasible"] if o["accelerator"] == "H200" and o["tensor_parallel"] == 8]
    # ONE 32,768-token sequence at TP 8: 222,720 bytes x 1.10345 (the full layers' 4 heads stored on 8 ranks, 8 heads a
    # layer in all) x 32,768 = 7.50 GiB
    assert h200 and all(m["kv_replication"] == pytest.approx(384 / 348) for m in h200)
    assert all(m["kv_per_sequence_gib"] == (9 + SLIDING) * 8 * 640 * 32768 / 2**30 == 7.5 for m in h200)
    assert all(m["fits"] and m["capacity_sequences"] >= 16 for m in h200)


def test_vllm_v0_11_2_cannot_load_it_and_v0_33_0_can(tmp_path, aws_environment):
    assert imported(tmp_path).exit_code == 0
    row = load_catalog(tmp_path / "ours").model(HF_ID)
    assert architecture(row) == "MiMoV2FlashForCausalLM" and supports_lora("MiMoV2FlashForCausalLM", "v0.33.0") is False
    assert lora_refusal(row, "v0.33.0") == (
        f"vLLM v0.33.0's MiMoV2FlashForCausalLM (the model class of {HF_ID}) does not implement SupportsLoRA: with --enable-lora "
        "vLLM refuses to start (MiMoV2FlashForCausalLM does not support LoRA yet)"
    )
    assert engine_refusal(row, "v0.33.0") is None and engine_refusal(row, "v0.23.0") is None and first_served(row) is None
    raw = with_deployment(copy.deepcopy(aws_environment), model=HF_ID, engine_version="v0.11.2")
    raw["catalog_overrides"] = str(tmp_path / "ours")
    assert [p for p in config_problems(raw) if ".model:" in p] == [
        f"Pulumi.test.yaml: hangar:environment.deployments[0].model: vLLM v0.11.2 cannot load {HF_ID}: MiMoV2FlashForCausalLM is not "
        "in v0.11.2's model registry, and its Transformers backend cannot stand in: transformers 4.57.6, the last release v0.11.2's "
        "transformers<5 admits, has no mimo_v2_flash model; vLLM v0.33.0 serves it: set deployments[0].engine_version to v0.33.0 "
        "(the releases between v0.11.2 and it were not read for it), or serve another "
        f"model (Hangar's generated vLLM arguments are verified for v0.11.2 and v0.33.0); got '{HF_ID}'"
    ]
