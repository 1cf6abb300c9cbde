"""Quantised weights as vLLM v0.11.2 holds them: the token embedding and output head stay 16-bit (hangar.sizing.embeddings).

A row carries `tie_word_embeddings` (one matrix or two), read from config.json or its transformers class default, and an
fp8, int8, awq or gptq replica is sized with vocab_size x hidden_size x (1 or 2) parameters at 2 bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.model_config import ConfigError, read_config
from hangar.catalog.model_row import Model
from hangar.cli import app
from hangar.sizing import memory_fit, rank_options
from hangar.sizing.embeddings import embedding_parameters
from hangar.sizing.memory import BYTES_PER_PARAM, weight_bytes

CONFIGS = Path(__file__).parent / "model_configs"
CAT = load_catalog()


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


# --- the column --------------------------------------------------------------------------------------------------


def test_rows_carry_whether_the_head_is_the_embedding_as_their_config_says():
    assert CAT.model("meta-llama/Llama-3.2-1B-Instruct").tie_word_embeddings is True  # config.json: true
    assert CAT.model("Qwen/Qwen3-0.6B").tie_word_embeddings is True
    assert CAT.model("Qwen/Qwen3-8B").tie_word_embeddings is False
    assert CAT.model("deepseek-ai/DeepSeek-V3").tie_word_embeddings is False
    assert CAT.model("openai/gpt-oss-120b").tie_word_embeddings is False
    # Gemma 3's short config leaves it out: Gemma3TextConfig's default (transformers 4.57.1) ties them
    assert "tie_word_embeddings" not in config("gemma-3-27b-it.json")["text_config"]
    assert CAT.model("google/gemma-3-27b-it").tie_word_embeddings is True
    assert CAT.model("Qwen/Qwen2.5-72B-Instruct").tie_word_embeddings is False  # config.json (a Hugging Face duplicate): false
    # a row read from a vendor's architecture arguments that do not say it leaves it unknown (gemma-2-9b: DeepMind's
    # TransformerConfig, whose num_embed is its own checkpoint's and not the Hugging Face config's vocabulary)
    assert CAT.model("google/gemma-2-9b").tie_word_embeddings is None


def test_the_hand_kept_rows_say_it_from_their_sources_and_are_sized_by_it():
    # Meta's Transformer builds tok_embeddings and output apart; Phi3Config defaults to False; GPT2Config leaves it to
    # PretrainedConfig's default, True (distilgpt2's config.json names no value either)
    llama = CAT.model("meta-llama/Llama-3.1-405B-Instruct")
    assert (llama.tie_word_embeddings, CAT.model("microsoft/Phi-3-mini-4k-instruct").tie_word_embeddings) == (False, False)
    assert CAT.model("openai-community/gpt2").tie_word_embeddings is True
    assert CAT.model("distilbert/distilgpt2").tie_word_embeddings is True
    assert "models/llama3_1/api/model.py" in llama.source
    pair = 2 * 128_256 * 16_384  # 4.2B parameters kept at 2 bytes in fp8
    assert embedding_parameters(llama) == pair
    assert weight_bytes(llama, "fp8") == pytest.approx((405e9 - pair) + 2 * pair)
    assert embedding_parameters(CAT.model("openai-community/gpt2")) == 50_257 * 768  # one matrix


def test_the_reader_takes_the_text_config_then_the_file_then_the_class_default():
    llama = config("llama-3.1-8b-instruct.json")
    assert read_config({**llama, "tie_word_embeddings": True}).tie_word_embeddings is True
    scout = config("llama-4-scout-17b-16e-instruct.json")
    assert "tie_word_embeddings" not in scout and "tie_word_embeddings" not in scout["text_config"]
    assert read_config(scout).tie_word_embeddings is False  # Llama4TextConfig's default
    assert read_config({**scout, "text_config": {**scout["text_config"], "tie_word_embeddings": True}}).tie_word_embeddings is True
    gemma2 = {k: v for k, v in config("gemma-2-9b-it.json").items() if k != "tie_word_embeddings"}
    assert read_config(gemma2).tie_word_embeddings is True  # Gemma2Config's default


def test_a_config_that_does_not_say_and_whose_default_was_not_read_is_refused_naming_the_field():
    qwen35 = config("qwen3.5-9b.json")
    text = {k: v for k, v in qwen35["text_config"].items() if k != "tie_word_embeddings"}
    with pytest.raises(ConfigError, match=r"^tie_word_embeddings: missing, and the transformers default for qwen3_5_text was not read"):
        read_config({k: v for k, v in {**qwen35, "text_config": text}.items() if k != "tie_word_embeddings"})
    with pytest.raises(ConfigError, match=r"^tie_word_embeddings: 'yes' is not true or false"):
        read_config({**config("qwen3-8b.json"), "tie_word_embeddings": "yes"})


def test_a_row_with_a_bad_value_is_refused_naming_the_column():
    with pytest.raises(ValidationError, match="tie_word_embeddings"):
        Model(**{**CAT.model("Qwen/Qwen3-8B").model_dump(), "tie_word_embeddings": "sometimes"})


# --- the sizing ---------------------------------------------------------------------------------------------------


def test_fp8_keeps_an_untied_embedding_and_head_in_16_bits():
    deepseek = CAT.model("deepseek-ai/DeepSeek-V3")
    embeddings = 2 * 129_280 * 7168  # embed_tokens and lm_head, 1.85B parameters
    assert embedding_parameters(deepseek) == embeddings
    assert weight_bytes(deepseek, "fp8") == pytest.approx((deepseek.params_total_b * 1e9 - embeddings) * 1 + embeddings * 2)
    assert weight_bytes(deepseek, "fp8") - deepseek.params_total_b * 1e9 == pytest.approx(embeddings)  # 1.85 GB more than 1 byte each


def test_a_tied_head_is_one_matrix_counted_once():
    small = CAT.model("meta-llama/Llama-3.2-1B-Instruct")
    shared = 128_256 * 2048
    assert embedding_parameters(small) == shared
    for precision in ("fp8", "int8", "awq", "gptq"):
        per = BYTES_PER_PARAM[precision]
        assert weight_bytes(small, precision) == pytest.approx((small.params_total_b * 1e9 - shared) * per + shared * 2), precision
    assert weight_bytes(small, "bf16") == pytest.approx(small.params_total_b * 2e9)  # 16-bit: nothing changes


def test_active_weights_keep_the_head_in_16_bits():
    qwen = CAT.model("Qwen/Qwen3-30B-A3B")
    head = 151_936 * 2048
    assert weight_bytes(qwen, "fp8", active=True) == pytest.approx((qwen.params_active_b * 1e9 - head) + 2 * head)


def test_4_bit_formats_count_group_scales_and_zeros():
    assert BYTES_PER_PARAM["awq"] == BYTES_PER_PARAM["gptq"] == pytest.approx(0.51953125)  # 4 bits + (16 + 4) bits per 128


def test_a_row_without_the_embedding_shape_is_sized_as_before():
    row = CAT.model("google/gemma-2-9b")  # no vocab_size (see above): no embedding shape
    assert embedding_parameters(row) is None
    assert weight_bytes(row, "fp8") == pytest.approx(row.params_total_b * 1e9)


def test_mxfp4_already_held_the_rest_in_bf16():
    gpt_oss = CAT.model("openai/gpt-oss-120b")
    assert weight_bytes(gpt_oss, "mxfp4") / 2**30 == pytest.approx(60.77, abs=0.01)


def test_the_embeddings_decide_whether_llama_70b_fp8_starts_on_one_h100_at_8k():
    llama = CAT.model("meta-llama/Llama-3.1-70B-Instruct")
    fit = memory_fit(llama, CAT.gpu("H100-SXM"), precision="fp8", max_context_tokens=8192, engine_version="v0.11.2")  # 90 % of the memory
    assert not fit.fits and fit.max_tokens_that_fit == 7_648 and "weights 67.7" in fit.reason


# --- what hangar size offers ---------------------------------------------------------------------------------------


def test_size_offers_an_fp8_checkpoint_in_fp8_only_and_says_why():
    ranking = rank_options("deepseek-ai/DeepSeek-V3", CAT)
    assert ranking.feasible and {o.precision for o in ranking.feasible} == {"fp8"}
    assert not any(r.precision in ("bf16", "fp16", "int8", "awq", "gptq") for r in ranking.infeasible)  # not tried at all
    assert "not offered: bf16, fp16, int8, awq, gptq (deepseek-ai/DeepSeek-V3 is published in fp8, which vLLM v0.33.0 loads whatever --dtype says)" in ranking.notes


def test_an_fp8_repack_names_its_16_bit_base_for_bf16():
    ranking = rank_options("Qwen/Qwen3-32B-FP8", CAT, precisions=["bf16"])
    assert ranking.feasible == ()
    assert ("not offered: bf16 (Qwen/Qwen3-32B-FP8 is published in fp8, which vLLM v0.33.0 loads whatever --dtype says); "
            "its 16-bit checkpoint is Qwen/Qwen3-32B: size that for bf16") in ranking.notes
    assert rank_options("Qwen/Qwen3-32B", CAT, precisions=["bf16"]).feasible


def test_a_16_bit_checkpoint_is_not_offered_in_a_format_vllm_finds_no_config_for():
    ranking = rank_options("Qwen/Qwen3-8B", CAT)
    assert {o.precision for o in ranking.feasible} <= {"bf16", "fp16", "fp8"} and {"bf16", "fp8"} <= {o.precision for o in ranking.feasible}
    note = next(n for n in ranking.notes if n.startswith("not offered: "))
    assert note == ("not offered: int8 (vLLM v0.33.0 quantises no dense weights to int8 as it loads: import a W8A8 int8 checkpoint under its "
                    "own id); awq, gptq (vLLM v0.33.0 finds no awq or gptq config in a 16-bit checkpoint: import one quantised ahead of time "
                    "under its own id)")
    asked = rank_options("Qwen/Qwen3-8B", CAT, precisions=["awq"])
    assert asked.feasible == () and asked.infeasible
    assert all("finds no awq quantisation config in a bf16 checkpoint" in r.reasons[0] for r in asked.infeasible)


def test_hangar_size_prints_what_is_not_offered():
    result = CliRunner().invoke(app, ["size", "deepseek-ai/DeepSeek-V3", "--limit", "1"], catch_exceptions=False, env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "not offered: bf16, fp16, int8, awq, gptq (deepseek-ai/DeepSeek-V3 is published in fp8" in result.stdout
    refused = CliRunner().invoke(app, ["size", "deepseek-ai/DeepSeek-V3", "--precision", "bf16", "--why-not"], catch_exceptions=False, env={"COLUMNS": "300"})
    assert refused.exit_code == 0, refused.output
    assert "no feasible option" in refused.stdout and "loads deepseek-ai/DeepSeek-V3's fp8 quantization_config whatever --dtype says" in refused.stdout


def test_moe_throughput_reads_the_shared_embedding_and_head_in_16_bits():
    from hangar.sizing.performance import Replica, _expert_split, routed_share

    qwen = CAT.model("Qwen/Qwen3-30B-A3B")
    embeddings = 2 * 151_936 * 2048  # untied: embed_tokens and lm_head, among the weights every token's step reads
    assert embedding_parameters(qwen) == embeddings
    replica = Replica(qwen, CAT.gpu("H100-SXM"), precision="fp8")
    shared, experts = _expert_split(qwen)
    expected = (shared - embeddings) * 1 + embeddings * 2 + experts * routed_share(qwen, 16) * 1
    assert replica.weights_read(16) == pytest.approx(expected)
    assert replica.weights_read(16) - (shared + experts * routed_share(qwen, 16)) == pytest.approx(embeddings)  # 0.62 GB more a step
    # 16-bit weights: nothing changes
    bf16 = Replica(qwen, CAT.gpu("H100-SXM"), precision="bf16")
    assert bf16.weights_read(16) == pytest.approx((shared + experts * routed_share(qwen, 16)) * 2)
