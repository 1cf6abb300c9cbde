"""ModelOpt `quant_algo: MIXED_PRECISION` checkpoints: each module `quantized_layers` lists sized in its own format, the
rest in 16 bits, on NVIDIA's four repacks (tests/model_configs, sources.json; no rows: their licences were not read, so
each is imported here under a licence row a team adds itself).

The listed parameters, by hand from the files' shapes and lists (vLLM v0.33.0 builds these modules so:
hangar.catalog.mixed_sizers):
* Qwen3.6-27B: FP8 attention (48 linear-attention layers: in_proj_qkv 5,120 -> 2 x 16 x 128 + 48 x 128 = 10,240,
  in_proj_z and out_proj 6,144 wide; 16 full-attention layers: a gated q_proj 5,120 -> 2 x 24 x 256, k_proj and v_proj
  -> 4 x 256, o_proj back); W4A16_NVFP4 MLPs (64 x 3 x 5,120 x 17,408) and lm_head (248,320 x 5,120);
* Qwen3.6-35B-A3B: FP8 attention likewise (30 and 10 layers, hidden 2,048, 32 value heads, 16 query and 2 KV heads of
  256); W4A16_NVFP4 routed experts (40 layers x 256 x 3 x 2,048 x 512), shared experts (3 x 2,048 x 512) and lm_head;
* MiniMax-M3: MXFP8 attention (60 layers, 64 query and 4 KV heads of 128), the 57 sparse layers' index projections
  (6,144 -> 5 heads of 128), shared experts (57 x 3 x 6,144 x 3,072) and the 3 dense MLPs (3 x 6,144 x 12,288); NVFP4
  routed experts (57 x 128 x 3 x 6,144 x 3,072); lm_head excluded (16-bit);
* Nemotron 3.5 Lightning: FP8 Mamba2 projections (23 layers: in_proj 2,688 -> 64 x 64 + 6,144 + 64, out_proj 4,096 back);
  W4A16_NVFP4 routed experts (23 x 128 x up and down of 2,688 x 1,856), shared experts (2 x 2,688 x 3,712) and lm_head
  (131,072 x 2,688); its attention layers' projections are excluded (16-bit).
Weights: nvfp4 0.5625 bytes, fp8 1, mxfp8 1.03125 (hangar.sizing.mixed), the rest of params_total_b at 2.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.config_fields import ConfigError
from hangar.catalog.model_config import read_config
from hangar.cli import app
from hangar.sizing.engine_models import engine_refusal, first_served
from tests.catalog_overrides import override

CONFIGS = Path(__file__).parent / "model_configs"
QWEN27, QWEN35 = "nvidia/Qwen3.6-27B-NVFP4", "nvidia/Qwen3.6-35B-A3B-NVFP4"
MINIMAX, LIGHTNING = "nvidia/MiniMax-M3-NVFP4", "nvidia/NVIDIA-Nemotron-3.5-Lightning-30B-A3B-NVFP4"
FILES = {QWEN27: ("nvidia-qwen3.6-27b-nvfp4.json", None), QWEN35: ("nvidia-qwen3.6-35b-a3b-nvfp4.json", None),
         MINIMAX: ("nvidia-minimax-m3-nvfp4.json", None),
         LIGHTNING: ("nvidia-nemotron-3.5-lightning-30b-a3b-nvfp4.json", "hf_quant_config/nvidia-nemotron-3.5-lightning-30b-a3b-nvfp4.json")}


def _attention(hidden: int, heads: int, kv: int, dim: int, gated: bool) -> int:
    return hidden * heads * dim * (2 if gated else 1) + 2 * hidden * kv * dim + heads * dim * hidden


LISTED = {
    QWEN27: {"nvfp4": 64 * 3 * 5120 * 17408 + 248320 * 5120,
             "fp8": 48 * (5120 * 10240 + 2 * 5120 * 6144) + 16 * _attention(5120, 24, 4, 256, gated=True)},
    QWEN35: {"nvfp4": 40 * (256 * 3 * 2048 * 512 + 3 * 2048 * 512) + 248320 * 2048,
             "fp8": 30 * (2048 * 8192 + 2 * 2048 * 4096) + 10 * _attention(2048, 16, 2, 256, gated=True)},
    MINIMAX: {"nvfp4": 57 * 128 * 3 * 6144 * 3072,
              "mxfp8": 60 * _attention(6144, 64, 4, 128, gated=False) + 57 * 6144 * 5 * 128 + 57 * 3 * 6144 * 3072 + 3 * 3 * 6144 * 12288},
    LIGHTNING: {"nvfp4": 23 * (128 * 2 * 2688 * 1856 + 2 * 2688 * 3712) + 131072 * 2688, "fp8": 23 * 2688 * (10304 + 4096)},
}
BYTES = {"nvfp4": 0.5625, "fp8": 1.0, "mxfp8": 1.03125}


def files(hf_id: str) -> tuple[dict, dict | None]:
    name, quant = FILES[hf_id]
    return json.loads((CONFIGS / name).read_text()), json.loads((CONFIGS / quant).read_text()) if quant else None


@pytest.fixture(scope="module")
def overrides(tmp_path_factory) -> Path:
    """The four repacks imported as a team would: config.json (with hf_quant_config.json beside it for Lightning), under a
    licence row the team adds itself."""
    root = tmp_path_factory.mktemp("mixed")
    override(root / "o", "licences.csv", "id", "apache-2.0", id="team-read")
    for hf_id, (name, quant) in FILES.items():
        checkpoint = root / name.removesuffix(".json")
        checkpoint.mkdir()
        shutil.copyfile(CONFIGS / name, checkpoint / "config.json")
        if quant:
            shutil.copyfile(CONFIGS / quant, checkpoint / "hf_quant_config.json")
        result = CliRunner().invoke(app, ["catalog", "import-model", hf_id, "--config", str(checkpoint / "config.json"), "--licence", "team-read",
                                          "--overrides", str(root / "o")], env={"COLUMNS": "400"})
        assert result.exit_code == 0, result.output
    return root / "o"


# --- reading -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("hf_id", "kv"), [(QWEN27, "fp8"), (QWEN35, None), (MINIMAX, None), (LIGHTNING, "fp8")])
def test_each_listed_module_is_counted_in_its_own_format(hf_id, kv):
    arch = read_config(*files(hf_id))
    listed = LISTED[hf_id]
    column = " ".join(f"{form}:{listed[form] / 1e9:.3f}" for form in ("nvfp4", *sorted(f for f in listed if f != "nvfp4")))
    assert (arch.dtype, arch.kv_cache_dtype, arch.mixed_params_b, arch.unquantised_params_b) == ("nvfp4", kv, column, None)


def test_import_model_says_what_each_format_holds(tmp_path):
    override(tmp_path / "o", "licences.csv", "id", "apache-2.0", id="team-read")
    result = CliRunner().invoke(app, ["catalog", "import-model", QWEN27, "--config", str(CONFIGS / FILES[QWEN27][0]), "--licence", "team-read",
                                      "--overrides", str(tmp_path / "o")], env={"COLUMNS": "400"})
    assert result.exit_code == 0 and "weights (ModelOpt MIXED_PRECISION): 18.384B nvfp4, 7.214B fp8, 1.708B in 16 bits" in result.output


def test_the_rows_say_what_each_format_holds(overrides):
    rows = {hf_id: load_catalog(overrides).model(hf_id) for hf_id in FILES}
    assert {hf_id: row.mixed_params_b for hf_id, row in rows.items()} == {
        QWEN27: "nvfp4:18.384 fp8:7.214", QWEN35: "nvfp4:32.847 fp8:1.279", MINIMAX: "nvfp4:413.122 mxfp8:10.548",
        LIGHTNING: "nvfp4:30.186 fp8:0.890",
    }


# --- what `hangar size` shows ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hf_id", "gib", "verdict", "routers"),
    [
        # 18.384 x 0.5625 + 7.214 + (27.306 - 25.598) x 2 = 20.971 GB
        (QWEN27, 19.531, ("g6e.xlarge", 1, "L40S", "fp8", 1, 39), 0),
        # its config.json declares no fp8 KV cache (vLLM takes it over the legacy file's); 16-bit routers, counted so
        (QWEN35, 20.161, ("g6e.xlarge", 1, "L40S", "auto", 1, 77), 0),
        # its routers in the 16-bit rest (hangar.sizing.replicated_weights reads no minimax_m3_vl router)
        (MINIMAX, 232.828, ("p4d.24xlarge", 8, "A100-40GB", "auto", 8, 16), 0),
        # float32 routers on an L4 (23 x 2,688 x 128; hangar.sizing.replicated_weights): 2 bytes a weight more
        (LIGHTNING, 17.592, ("g6.xlarge", 1, "L4", "fp8", 1, 14), 23 * 2688 * 128 * 2),
    ],
)
def test_hangar_size_counts_the_weights_format_by_format(overrides, hf_id, gib, verdict, routers):
    result = CliRunner().invoke(app, ["size", hf_id, "--cloud", "aws", "--overrides", str(overrides), "--format", "json", "--limit", "1"],
                                env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    best = json.loads(result.stdout)["feasible"][0]
    memory = best["memory"]
    assert (best["instance_type"], best["accelerators_per_node"], best["accelerator"], best["kv_cache_dtype"], best["tensor_parallel"],
            memory["capacity_sequences"], best["precision"]) == (*verdict, "nvfp4")
    row = load_catalog(overrides).model(hf_id)
    groups = row.mixed_params()
    by_hand = sum(b * 1e9 * BYTES[f] for f, b in groups.items()) + (row.params_total_b - sum(groups.values())) * 1e9 * 2 + routers
    assert memory["weights_gib"] == pytest.approx(by_hand / 2**30) and round(memory["weights_gib"], 3) == gib


# --- what is refused -----------------------------------------------------------------------------------------------------


def qwen27(change) -> dict:
    config = copy.deepcopy(files(QWEN27)[0])
    change(config["quantization_config"]["quantized_layers"])
    return config


ATTN = "model.language_model.layers.3.self_attn"
EXPERTS = "model.language_model.layers.0.mlp.experts"


@pytest.mark.parametrize(
    ("config", "field", "says"),
    [
        (qwen27(lambda q: q.update({f"{ATTN}.o_proj": {"quant_algo": "W4A8_AWQ"}})), f"quantization_config.quantized_layers['{ATTN}.o_proj'].quant_algo",
         "'W4A8_AWQ': vLLM v0.33.0 builds no quantised layer for it (it would load the layer unquantised, not these weights); Hangar sizes NVFP4, W4A16_NVFP4, FP8, MXFP8"),
        (qwen27(lambda q: q.update({f"{ATTN}.o_proj": {"quant_algo": "FP8_PB_WO"}})), f"quantization_config.quantized_layers['{ATTN}.o_proj'].quant_algo",
         "'FP8_PB_WO': vLLM v0.33.0 builds it, but Hangar does not size its scales"),
        (qwen27(lambda q: q.update({"model.language_model.layers.0.mlp.up_proj": {"quant_algo": "NVFP4", "group_size": 32}})),
         "quantization_config.quantized_layers['model.language_model.layers.0.mlp.up_proj'].group_size", "32; NVFP4 scales blocks of 16 weights"),
        (qwen27(lambda q: q.pop(f"{ATTN}.k_proj")), f"quantization_config.quantized_layers['{ATTN}.q_proj']",
         "lists self_attn.q_proj of layer 3 in fp8 but self_attn.k_proj not at all: vLLM fuses them into one layer"),
        (qwen27(lambda q: q.update({"model.language_model.visual.blocks.0.attn.qkv": {"quant_algo": "FP8"}})),
         "quantization_config.quantized_layers['model.language_model.visual.blocks.0.attn.qkv']", "a module Hangar cannot place"),
        (qwen27(lambda q: q.update({"model.language_model.layers.3.linear_attn.out_proj": {"quant_algo": "FP8"}})),
         "quantization_config.quantized_layers['model.language_model.layers.3.linear_attn.out_proj']", "a module the layout does not have"),
        (qwen27(lambda q: q.clear()), "quantization_config.quantized_layers", "missing or empty"),
    ],
)
def test_what_hangar_cannot_size_is_refused_naming_the_entry(config, field, says):
    with pytest.raises(ConfigError) as raised:
        read_config(config)
    assert raised.value.field == field and says in str(raised.value)


def test_routed_experts_outside_nvfp4_are_refused():
    config = copy.deepcopy(files(QWEN35)[0])
    config["quantization_config"]["quantized_layers"][EXPERTS] = {"quant_algo": "FP8"}
    with pytest.raises(ConfigError) as raised:
        read_config(config)
    assert raised.value.field == f"quantization_config.quantized_layers['{EXPERTS}']" and "routed experts in fp8" in str(raised.value)


def test_an_excluded_module_stays_16_bit_whatever_the_map_says():
    config = copy.deepcopy(files(QWEN27)[0])
    config["quantization_config"]["ignore"].append("model.language_model.layers.0.mlp*")
    mlp = 3 * 5120 * 17408
    assert read_config(config).mixed_params_b == f"nvfp4:{(LISTED[QWEN27]['nvfp4'] - mlp) / 1e9:.3f} fp8:7.214"


# --- which vLLM release loads it -------------------------------------------------------------------------------------------


def test_vllm_v0_11_2_cannot_load_it_and_hangar_plans_it_from_v0_33_0(overrides):
    row = load_catalog(overrides).model(LIGHTNING)  # nemotron_h: an architecture both releases register
    assert engine_refusal(row, "v0.11.2") == (
        f"vLLM v0.11.2 cannot load {LIGHTNING}: its ModelOpt quant_algo MIXED_PRECISION is not one that release takes (v0.11.2 raises "
        "\"Unknown ModelOpt quant algo\" for an hf_quant_config.json, \"ModelOpt currently only supports: ['FP8', 'NVFP4']\" for a config.json); "
        "Hangar plans it from v0.33.0")
    assert "only from config.json: an hf_quant_config.json declaring it fails before v0.33.0" in engine_refusal(row, "v0.25.0")
    assert (engine_refusal(row, "v0.33.0"), first_served(row)) == (None, "v0.33.0")
    assert all(engine_refusal(load_catalog(overrides).model(hf_id), "v0.11.2") for hf_id in FILES)


def test_a_layout_whose_reader_does_not_size_it_module_by_module_refuses_it():
    config = json.loads((CONFIGS / "llama-3.3-nemotron-super-49b-v1.json").read_text())  # nemotron-nas: per-layer blocks
    quant = {"producer": {"name": "modelopt"}, "quantization": {"quant_algo": "MIXED_PRECISION", "quantized_layers": {"model.layers.0.mlp.up_proj": {"quant_algo": "NVFP4"}}}}
    with pytest.raises(ConfigError) as raised:
        read_config(config, quant)
    assert raised.value.field == "hf_quant_config.json.quantization.quant_algo" and "sized for the generic, MiniMax-M3 and Nemotron-H layouts only" in str(raised.value)
