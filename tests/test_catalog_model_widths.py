"""The residual and MLP widths of a model row (hidden_size, intermediate_size, moe_intermediate_size).

What per-module shapes (LoRA weights among them) are sized from. Read from the config.json fixtures in
tests/model_configs/ (sources in sources.json); a row whose config.json was not read keeps them empty.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hangar.catalog import load_catalog
from hangar.catalog.errors import RowProblem
from hangar.catalog.model_config import ConfigError, read_config
from hangar.catalog.model_row import Model

CONFIGS = Path(__file__).parent / "model_configs"
SOURCES = json.loads((CONFIGS / "sources.json").read_text())
CAT = load_catalog()


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


def test_a_dense_model_has_its_config_widths_and_no_expert_width():
    llama = CAT.model("meta-llama/Llama-3.1-8B-Instruct")
    fields = config("llama-3.1-8b-instruct.json")
    assert (llama.hidden_size, llama.intermediate_size, llama.moe_intermediate_size) == (fields["hidden_size"], fields["intermediate_size"], None)
    assert (llama.hidden_size, llama.intermediate_size) == (4096, 14336)


def test_a_mixture_whose_every_layer_routes_has_no_dense_width():
    # Mixtral's and gpt-oss's `intermediate_size` is one expert's width: every layer routes, none has a dense MLP
    for hf_id, name in (("mistralai/Mixtral-8x7B-Instruct-v0.1", "mixtral-8x7b-instruct-v0.1.json"), ("openai/gpt-oss-20b", "gpt-oss-20b.json")):
        row = CAT.model(hf_id)
        assert (row.intermediate_size, row.moe_intermediate_size) == (None, config(name)["intermediate_size"]), hf_id
    # Qwen3 MoE states both, but with no mlp_only_layers and decoder_sparse_step 1 the dense width is never used
    qwen = config("qwen3-30b-a3b.json")
    assert qwen["intermediate_size"] and not qwen.get("mlp_only_layers")
    assert (CAT.model("Qwen/Qwen3-30B-A3B").intermediate_size, CAT.model("Qwen/Qwen3-30B-A3B").moe_intermediate_size) == (None, 768)
    # a config that keeps some layers dense gets the dense width back
    assert read_config({**qwen, "mlp_only_layers": [0]}).intermediate_size == qwen["intermediate_size"]


def test_deepseek_keeps_a_dense_width_for_its_first_layers_and_an_expert_width_for_the_rest():
    v3 = config("deepseek-v3.json")
    row = CAT.model("deepseek-ai/DeepSeek-V3")
    assert v3["first_k_dense_replace"] == 3
    assert (row.hidden_size, row.intermediate_size, row.moe_intermediate_size) == (7168, v3["intermediate_size"], v3["moe_intermediate_size"]) == (7168, 18432, 2048)
    all_routed = {k: v for k, v in v3.items() if k != "first_k_dense_replace"}  # absent: no dense layer
    assert read_config(all_routed).intermediate_size is None
    assert read_config({**v3, "first_k_dense_replace": 0}).intermediate_size is None  # 0 says the same, and is not refused
    # no shared expert (absent or 0) takes one expert's width from every routed layer
    no_shared = read_config({k: v for k, v in v3.items() if k != "n_shared_experts"})
    assert read_config({**v3, "n_shared_experts": 0}).params_total_b == no_shared.params_total_b < read_config(v3).params_total_b


def test_llama4_dense_layers_use_intermediate_size_mlp_and_its_experts_intermediate_size():
    maverick = config("llama-4-maverick-17b-128e-instruct.json")["text_config"]
    read = read_config(config("llama-4-maverick-17b-128e-instruct.json"))
    assert maverick["interleave_moe_layer_step"] == 2 and maverick["intermediate_size_mlp"] != maverick["intermediate_size"]
    assert (read.intermediate_size, read.moe_intermediate_size) == (maverick["intermediate_size_mlp"], maverick["intermediate_size"])
    scout = read_config(config("llama-4-scout-17b-16e-instruct.json"))  # interleave step 1: every layer routes
    assert (scout.intermediate_size, scout.moe_intermediate_size) == (None, config("llama-4-scout-17b-16e-instruct.json")["text_config"]["intermediate_size"])


def test_gemma4_has_a_dense_mlp_beside_its_experts_in_every_layer():
    text = config("gemma-4-26b-a4b.json")["text_config"]
    row = CAT.model("google/gemma-4-26B-A4B")
    assert (row.hidden_size, row.intermediate_size, row.moe_intermediate_size) == (text["hidden_size"], text["intermediate_size"], text["moe_intermediate_size"])


def test_a_short_gemma3_config_takes_the_default_mlp_width():
    short = config("gemma-3-4b-it.json")
    text = {k: v for k, v in short["text_config"].items() if k != "intermediate_size"}
    assert read_config({**short, "text_config": text}).intermediate_size == 9216  # Gemma3TextConfig default at transformers 008f5c8c


def test_a_dense_config_without_an_mlp_width_is_refused_naming_the_field():
    fields = {k: v for k, v in config("qwen3-8b.json").items() if k != "intermediate_size"}
    with pytest.raises(ConfigError, match=r"^intermediate_size: missing"):
        read_config(fields)


def test_every_packaged_row_has_its_widths_from_its_source():
    # every row is read from a config.json kept in tests/model_configs/ or from the vendor's architecture arguments
    read = {hf_id for s in SOURCES.values() if not s.get("reader_only") for hf_id in [s["hf_id"], *s.get("aliases", [])]}
    for model in CAT.models.values():
        assert model.hf_id in read or model.source.startswith("architecture: "), model.hf_id
        assert model.hidden_size and (model.moe_intermediate_size is None) == (model.num_experts is None), model.hf_id


def test_llama_405b_instruct_mlp_width_is_what_metas_feedforward_makes_of_its_sku_args():
    # llama-models 1768925a: sku_list.py dim 16384, ffn_dim_multiplier 1.2, multiple_of 4096; model.py FeedForward(hidden_dim=4 x dim)
    dim, multiplier, multiple_of = 16384, 1.2, 4096
    hidden = int(multiplier * int(2 * 4 * dim / 3))
    width = multiple_of * ((hidden + multiple_of - 1) // multiple_of)
    row = CAT.model("meta-llama/Llama-3.1-405B-Instruct")
    assert (row.hidden_size, row.intermediate_size) == (dim, width) == (16384, 53248)
    assert "ffn_dim_multiplier 1.2, multiple_of 4096" in row.source
    # the base model's config.json, read by the reader, agrees
    base = config("llama-3.1-405b.json")
    assert (base["hidden_size"], base["intermediate_size"]) == (row.hidden_size, row.intermediate_size)


@pytest.mark.parametrize(
    "hf_id, widths, stated",
    [
        ("google/gemma-2-9b", (3584, 14336), "embed_dim 3584 (hidden_size), hidden_dim 14336"),  # DeepMind TransformerConfig.gemma2_9b
        ("microsoft/Phi-3-mini-4k-instruct", (3072, 8192), "hidden_size 3072, intermediate_size 8192"),  # Phi3Config defaults
        ("openai-community/gpt2", (768, 3072), "n_embd 768, n_inner None"),  # GPT2Config: n_inner None is 4 x n_embd
    ],
)
def test_rows_verified_from_architecture_arguments_carry_the_widths_those_arguments_state(hf_id, widths, stated):
    row = CAT.model(hf_id)
    assert (row.hidden_size, row.intermediate_size, row.moe_intermediate_size) == (*widths, None)
    assert stated in row.source


def test_gemma_2_9b_widths_agree_with_the_instruct_releases_config_json():
    it = config("gemma-2-9b-it.json")
    base = CAT.model("google/gemma-2-9b")
    assert (base.hidden_size, base.intermediate_size) == (it["hidden_size"], it["intermediate_size"])


ROW = CAT.model("Qwen/Qwen3-8B").model_dump()


@pytest.mark.parametrize(
    "change, column, message",
    [
        ({"moe_intermediate_size": 1024}, "moe_intermediate_size", "only a mixture of experts"),
        ({"intermediate_size": None}, "intermediate_size", "required with hidden_size for a dense model"),
        ({"hidden_size": None}, "intermediate_size", "give hidden_size with the MLP widths"),
        ({"num_experts": 8, "num_experts_per_tok": 2}, "moe_intermediate_size", "required with hidden_size for a mixture of 8 experts"),
        ({"intermediate_size": 0}, "intermediate_size", "greater than 0"),
    ],
)
def test_inconsistent_widths_in_a_row_are_refused(change, column, message):
    with pytest.raises(Exception) as error:
        Model(**{**ROW, **change})
    problem = error.value.errors()[0]
    assert column in str(problem.get("loc")) + str(problem.get("ctx", {}).get("error", RowProblem(column, None, "")).column)
    assert message in str(error.value)
