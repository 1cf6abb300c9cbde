"""NVIDIA's Llama-Nemotron (`nemotron-nas`, DeciLMForCausalLM): the reader on the real config.json, the packaged row,
its fit on H100s per vLLM release, per-layer KV heads in sizing, and the refusals of blocks vLLM would not build.

The file is NVIDIA's copy of nvidia/Llama-3_3-Nemotron-Super-49B-v1's config.json (tests/model_configs/
llama-3.3-nemotron-super-49b-v1.json; sources.json names the aiconfigurator commit). Configs with other per-layer
KV heads are that file edited here, to exercise layers whose heads differ; they are inputs, not a release's facts.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.layer_runs import decode_runs, describe_layers, kv_head_counts
from hangar.catalog.model_config import ConfigError, model_row, read_config
from hangar.catalog.nemotron_nas import ffn_mult_to_width
from hangar.cli import app
from hangar.sizing import kv_bytes_per_token, kv_replication, memory_fit
from hangar.sizing.kv_pool import kv_pool
from hangar.sizing.lora_architectures import architecture
from hangar.sizing.tensor_parallel import tp_problems

SUPER = "nvidia/Llama-3_3-Nemotron-Super-49B-v1"
CONFIG = json.loads((Path(__file__).parent / "model_configs" / "llama-3.3-nemotron-super-49b-v1.json").read_text())
KV_PER_TOKEN = 2 * 49 * 8 * 128 * 2  # (K, V) x 49 attention layers x 8 KV heads x head size 128 x 2 bytes
GIB = 2**30


def edited(**blocks: dict) -> dict:
    """The real config with some layers' blocks changed: `blocks` maps 'layer_<i>' to {'attention': {...}, 'ffn': {...}}."""
    config = copy.deepcopy(CONFIG)
    for key, change in blocks.items():
        block = config["block_configs"][int(key.removeprefix("layer_"))]
        for part, values in change.items():
            block[part].update(values)
    return config


# --- the reader on the real file ----------------------------------------------------------------------------------


def test_the_reader_gives_each_layer_its_own_attention_and_mlp():
    arch = read_config(CONFIG)
    assert (arch.model_type, arch.layers, arch.attention_heads, arch.head_dim, arch.hidden_size, arch.vocab_size) == ("nemotron-nas", 80, 64, 128, 8192, 128256)
    assert arch.attention_layers == 49  # 31 of the 80 layers have a no-op attention
    assert arch.kv_heads == 8 and arch.layer_kv_heads == "8x6 0x2 8x3 0 8x30 0x10 8 0x18 8x9"
    assert arch.kv_bytes_per_token_bf16 == KV_PER_TOKEN == 200_704  # 196 KiB, where Llama 3.3 70B's 80 layers take 320
    widths = decode_runs("layer_mlp_widths", arch.layer_mlp_widths)
    assert len(widths) == 80 and 0 not in widths and (min(widths), max(widths)) == (2816, 28672)
    assert arch.intermediate_size is None and arch.max_context_tokens == 131072 and arch.tie_word_embeddings is False


def test_the_mlp_width_is_vllms_rule_and_the_widest_is_llama_70bs():
    assert ffn_mult_to_width(5.25, 8192) == 28672  # int(2 x 5.25 x 8192 / 3), a multiple of 256: Llama 3.3 70B's width
    assert ffn_mult_to_width(0.5, 8192) == 2816  # 2730 rounded up to a multiple of 256
    assert ffn_mult_to_width(1.3125, 8192) == 7168


def test_the_parameter_estimate_is_the_cards_49b():
    assert read_config(CONFIG).params_total_b == pytest.approx(49.867, abs=0.001)  # the card: "49B"


# --- the packaged row ---------------------------------------------------------------------------------------------


def test_the_packaged_row_is_the_file_with_nvidias_licence_and_llamas_through_its_base():
    catalog = load_catalog()
    row = catalog.model(SUPER)
    assert row.config_verified and row.revision == "095f58a51c4ca8e61b66ec108d86f223f8d559ce"
    assert "ai-dynamo/aiconfigurator/blob/095f58a51c4ca8e61b66ec108d86f223f8d559ce/aic-core/" in row.source
    assert (row.licence_id, row.base_model, row.family, row.text_model_type) == (
        "nvidia-open-model-license", "meta-llama/Llama-3.3-70B-Instruct", "Llama Nemotron", "nemotron-nas")
    assert {licence.id for licence, _ in catalog.model_licences(SUPER)} == {"nvidia-open-model-license", "llama-3.3-community"}
    assert kv_head_counts(row) == {8: 49} and architecture(row) == "DeciLMForCausalLM"


def test_a_row_whose_per_layer_heads_disagree_with_its_kv_bytes_is_refused():
    row = load_catalog().model(SUPER)
    fields = row.model_dump()
    with pytest.raises(ValueError, match="kv_bytes_per_token_bf16"):
        type(row)(**{**fields, "kv_bytes_per_token_bf16": 2 * 80 * 8 * 128 * 2})
    with pytest.raises(ValueError, match="layer_kv_heads.*gives 79 layers"):
        type(row)(**{**fields, "layer_kv_heads": "8x6 0x2 8x3 0 8x30 0x10 8 0x18 8x8"})
    with pytest.raises(ValueError, match="layer_mlp_widths.*run '28672x' is not"):
        type(row)(**{**fields, "layer_mlp_widths": "28672x"})


# --- sizing: a deployment on H100s, per release -------------------------------------------------------------------


@pytest.mark.parametrize(("release", "tp", "usable", "sequences"), [
    ("v0.11.2", 2, 144.0, 1), ("v0.33.0", 2, 147.2, 2), ("v0.11.2", 4, 288.0, 7), ("v0.33.0", 4, 294.4, 7),
])  # fmt: skip
def test_on_h100s_it_starts_at_tp_2_and_4_with_one_sequence_of_its_full_context_taking_24_5_gib(release, tp, usable, sequences):
    catalog = load_catalog()
    fit = memory_fit(catalog.model(SUPER), catalog.gpu("H100-SXM"), tensor_parallel=tp, engine_version=release)
    assert fit.fits and fit.reason is None
    assert fit.usable_gib == pytest.approx(usable)  # 80 GiB x TP at 90% (v0.11.2) or 92% (v0.33.0)
    assert fit.kv_per_sequence_gib == pytest.approx(131072 * KV_PER_TOKEN / GIB) == 24.5
    assert fit.kv_replication == 1.0 and fit.capacity_sequences == sequences


def test_one_h100_cannot_hold_its_weights_and_says_so():
    catalog = load_catalog()
    fit = memory_fit(catalog.model(SUPER), catalog.gpu("H100-SXM"), engine_version="v0.33.0")
    assert not fit.fits
    assert "KV cache of one 131,072-token sequence 24.5" in fit.reason and fit.reason.endswith("the weights alone do not fit")


def test_the_pool_holds_back_one_block_of_every_attention_layers_page_at_v0_33_0_only():
    row = load_catalog().model(SUPER)
    newer = kv_pool(row, 131072, engine_version="v0.33.0", capability=90, tensor_parallel=2)
    older = kv_pool(row, 131072, engine_version="v0.11.2", capability=90, tensor_parallel=2)
    assert newer.block_bytes == older.block_bytes == 16 * KV_PER_TOKEN  # one group: a block is the 49 layers' pages
    assert (newer.reserved_bytes, older.reserved_bytes) == (16 * KV_PER_TOKEN, 0.0)
    assert newer.sequence_bytes == older.sequence_bytes == 131072 * KV_PER_TOKEN


# --- per-layer KV heads that differ ---------------------------------------------------------------------------------


def fewer_heads_in_the_last_nine() -> dict:
    """Layers 71-79 grouping 16 query heads per KV head: 4 KV heads there, 8 in the other 40 attention layers."""
    return edited(**{f"layer_{i}": {"attention": {"n_heads_in_group": 16}} for i in range(71, 80)})


def test_kv_bytes_sum_each_layers_own_heads():
    arch = read_config(fewer_heads_in_the_last_nine())
    assert arch.kv_heads == 8 and arch.layer_kv_heads == "8x6 0x2 8x3 0 8x30 0x10 8 0x18 4x9"
    assert arch.kv_bytes_per_token_bf16 == 2 * (40 * 8 + 9 * 4) * 128 * 2


def test_tensor_parallel_above_a_layers_heads_replicates_that_layer_only():
    row = model_row("example/nas", fewer_heads_in_the_last_nine(), licence_id="nvidia-open-model-license", source="test", as_of="2026-12-02")
    assert kv_replication(row, 4) == 1.0
    # TP 8: the 4-head layers keep one head on each of 8 ranks (x2), the 8-head layers one each (x1)
    assert kv_replication(row, 8) == pytest.approx((40 * 8 + 9 * 8) / (40 * 8 + 9 * 4))
    assert kv_bytes_per_token(row, tensor_parallel=8) == 2 * (40 * 8 + 9 * 8) * 128 * 2


def test_every_layers_head_count_must_take_the_tensor_parallel_degree():
    config = edited(**{f"layer_{i}": {"attention": {"n_heads_in_group": 8}} for i in range(8)})
    config.update(num_attention_heads=48, hidden_size=6144)  # 6 KV heads in every attention layer...
    for i in range(71, 80):
        config["block_configs"][i]["attention"]["n_heads_in_group"] = 16  # ...but 3 in the last nine
    row = model_row("example/nas-48", config, licence_id="nvidia-open-model-license", source="test", as_of="2026-12-02")
    assert tp_problems(row, 2) == ["TP 2 does not divide the 3 KV heads of 9 attention layers"]
    assert tp_problems(row, 4) == ["TP 4 is not a multiple of the 3 KV heads of 9 attention layers",
                                   "TP 4 does not divide the 6 KV heads of 40 attention layers"]


# --- refusals, each naming the field ------------------------------------------------------------------------------


@pytest.mark.parametrize(("config", "field", "says"), [
    (edited(layer_3={"attention": {"replace_with_linear": True}}), "block_configs[3].attention.replace_with_linear", "never a linear replacement"),
    (edited(layer_5={"ffn": {"replace_with_linear": True}}), "block_configs[5].ffn.replace_with_linear", "never a linear replacement"),
    (edited(layer_0={"attention": {"window_length": 4096}}), "block_configs[0].attention.window_length", "ignore it"),
    (edited(layer_2={"attention": {"n_heads_in_group": 3}}), "block_configs[2].attention.n_heads_in_group", "does not divide num_attention_heads 64"),
    (edited(layer_2={"attention": {"n_heads_in_group": None}}), "block_configs[2].attention.n_heads_in_group", "missing"),
    (edited(layer_4={"ffn": {"ffn_mult": None}}), "block_configs[4].ffn.ffn_mult", "v0.11.2 sizes a layer's MLP from ffn_mult only"),
    ({**CONFIG, "block_configs": CONFIG["block_configs"][:79]}, "block_configs", "expected a list of 80 layer blocks"),
    (edited(**{f"layer_{i}": {"attention": {"no_op": True}} for i in range(80)}), "block_configs", "no layer has attention"),
])  # fmt: skip
def test_a_block_vllm_would_not_build_is_refused_naming_its_field(config, field, says):
    with pytest.raises(ConfigError) as error:
        read_config(config)
    assert error.value.field == field and says in str(error.value)


def test_import_model_refuses_such_a_config_with_the_field_and_exit_code_2(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(edited(layer_3={"attention": {"replace_with_linear": True}})))
    result = CliRunner().invoke(
        app, ["catalog", "import-model", "example/nas", "--config", str(path), "--licence", "nvidia-open-model-license", "--overrides", str(tmp_path / "ours")],
        catch_exceptions=False, env={"COLUMNS": "250"},
    )
    assert result.exit_code == 2
    assert "block_configs[3].attention.replace_with_linear: true: vLLM v0.11.2 and v0.33.0" in result.output
    assert not (tmp_path / "ours").exists()


def test_import_model_reads_the_real_file_and_says_which_layers_have_attention(tmp_path):
    result = CliRunner().invoke(
        app, ["catalog", "import-model", "example/super", "--config", str(Path(__file__).parent / "model_configs" / "llama-3.3-nemotron-super-49b-v1.json"),
              "--licence", "nvidia-open-model-license", "--overrides", str(tmp_path / "ours")],
        catch_exceptions=False, env={"COLUMNS": "250"},
    )
    assert result.exit_code == 0
    assert "49.867B parameters; 80 layers (49 with attention, 8 KV heads each; 31 without); 8 KV heads x 128; 196 KiB/token" in result.output
    assert "8x6 0x2 8x3 0 8x30 0x10 8 0x18 8x9" in (tmp_path / "ours" / "models.csv").read_text()


def test_differing_heads_are_described_layer_count_by_layer_count():
    row = model_row("example/nas", fewer_heads_in_the_last_nine(), licence_id="nvidia-open-model-license", source="test", as_of="2026-12-02")
    assert describe_layers(row) == "49 with attention, 4 KV heads in 9, 8 in 40; 31 without"


def test_a_refusal_says_some_layers_are_replicated_not_the_first_layers_count():
    row = model_row("example/nas", fewer_heads_in_the_last_nine(), licence_id="nvidia-open-model-license", source="test", as_of="2026-12-02")
    fit = memory_fit(row, load_catalog().gpu("T4"), tensor_parallel=8, engine_version="v0.33.0")
    assert not fit.fits
    assert fit.reason.endswith("TP 8 exceeds some layers' KV heads, replicating the KV cache x1.1 overall")
