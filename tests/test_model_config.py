"""The config.json reader, the KV memory of each attention layout against published figures, and `import-model`.

Fixtures are real config.json files (tests/model_configs/, each with its repository, path and commit in
sources.json). Published figures cited beside each test.
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.model_config import ConfigError, read_config
from hangar.cli import app
from hangar.sizing import GIB, memory_fit, sequence_kv
from tests.model_configs.derive_rows import config_url, quant_config, quant_config_path, revision

CONFIGS = Path(__file__).parent / "model_configs"
SOURCES = json.loads((CONFIGS / "sources.json").read_text())
CAT = load_catalog()
ROW_SOURCES = sorted(n for n, s in SOURCES.items() if s["hf_id"] in CAT.models and not s.get("reader_only"))
"""Fixtures a packaged row is read from (a `reader_only` one is a trimmed copy that tests the reader alone)."""


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


def arch(name: str):
    return read_config(config(name), quant_config(SOURCES[name]) if name in SOURCES else None)


# --- the packaged rows are what the reader reads ---------------------------------------------------------


@pytest.mark.parametrize("name", ROW_SOURCES)
def test_packaged_rows_agree_with_their_config_json(name):
    source = SOURCES[name]
    row = CAT.model(source["hf_id"])
    assert {k: getattr(row, k) for k in arch(name).row_fields()} == arch(name).row_fields()
    assert row.config_verified and row.revision == revision(source)
    assert f"config.json: {config_url(source)} (" in row.source


ALIASES = sorted((alias, n) for n, s in SOURCES.items() for alias in s.get("aliases", []))
"""A repository's former names (Hugging Face redirects them), whose rows are read from the same fixture."""


@pytest.mark.parametrize(("alias", "name"), ALIASES)
def test_a_former_repo_name_has_the_row_its_fixture_gives(alias, name):
    row, current = CAT.model(alias), CAT.model(SOURCES[name]["hf_id"])
    assert {k: getattr(row, k) for k in arch(name).row_fields()} == arch(name).row_fields()
    assert row.config_verified and row.revision == current.revision and row.source == current.source


def test_command_r_v01_reads_its_context_from_model_max_length():
    # Cohere's file (alibaba/rtp-llm ff8ce851): model_max_length 131072 replaces max_position_embeddings 8192, as vLLM reads it
    fields = config("c4ai-command-r-v01.json")
    assert (fields["max_position_embeddings"], fields["model_max_length"]) == (8192, 131072)
    assert CAT.model("CohereLabs/c4ai-command-r-v01").max_context_tokens == 131072
    assert read_config({k: v for k, v in fields.items() if k != "model_max_length"}).max_context_tokens == 8192


def test_every_fixture_is_a_file_with_its_source():
    assert set(SOURCES) == {p.name for p in CONFIGS.glob("*.json")} - {"sources.json"}
    for name, source in SOURCES.items():
        if "repo" in source:  # a copy in a public repository, at a commit
            assert source["repo"] and source["path"].endswith("config.json") and len(source["commit"]) == 40, name
        elif "duplicate_of" in source:  # read on the page of the file in a Hugging Face duplicate of the release's repo
            assert source["duplicate_of"] == source["hf_id"], name
            assert re.fullmatch(r"https://huggingface\.co/[\w.-]+/[\w.-]+/blob/[\w.-]+/config\.json", source["url"]), name
            assert re.fullmatch(r"[0-9a-f]{7,40}", source["revision"]) and (CONFIGS / name).stat().st_size == source["bytes"], name
        elif "ref" in source:  # read at a pull request's ref whose commit and size the copy does not show: never a row
            assert source["reader_only"] and source["ref"].startswith("refs/pr/"), name
            assert source["url"] == f"https://huggingface.co/{source['hf_id']}/blob/{source['ref'].replace('/', '%2F')}/config.json", name
        else:  # read on the Hugging Face page of the file at a revision, whose size the page states
            assert source["url"] == f"https://huggingface.co/{source['hf_id']}/blob/{source['revision']}/config.json", name
            assert len(source["revision"]) == 40 and (CONFIGS / name).stat().st_size == source["bytes"], name


def test_a_trimmed_copy_is_never_the_source_of_a_row():
    # a release whose only copies are trimmed (Llama 4) has no packaged row: a team imports it with import-model
    trimmed = {s["hf_id"] for s in SOURCES.values() if s.get("reader_only")}
    assert "meta-llama/Llama-4-Scout-17B-16E-Instruct" in trimmed and not trimmed & set(CAT.models)


def test_every_packaged_row_is_read_from_a_primary_source():
    # issue 19: a row comes from the release's own config.json (or the vendor's own architecture arguments, source
    # "architecture:"); where none could be read the row is left out (catalog README, "Left out"), never compiled
    for model in CAT.models.values():
        assert "sizing.md" not in model.source and "/work/" not in model.source and "reference" not in model.source.split("config.json")[0]
        assert model.source.startswith(("config.json: https://", "architecture: https://")), model.hf_id
        assert model.config_verified and model.revision, model.hf_id


SOURCE_ONLY_ROWS = {  # rows verified from a vendor's architecture arguments (or a config.json the reader cannot read), at a revision
    "meta-llama/Llama-3.1-405B-Instruct": ("github.com/meta-llama/llama-models/blob/1768925a9d343b19459b5bc2acc893c842874179", (126, 128, 8, 128, 131072)),
    "google/gemma-2-9b": ("github.com/google-deepmind/gemma/blob/06211cae254a5f5f58099b5fa3663ff6d105f151", (42, 16, 8, 256, 8192)),
    "microsoft/Phi-3-mini-4k-instruct": ("github.com/huggingface/transformers/blob/008e574391258935f3ecc3035c882e73bbcac419", (32, 32, 32, 96, 4096)),
    "openai-community/gpt2": ("github.com/huggingface/transformers/blob/01ae98ae2414210efd0d9ac1ffe78ff21588f1f7", (12, 12, 12, 64, 1024)),
    "distilbert/distilgpt2": ("huggingface.co/distilbert/distilgpt2/blob/09daaa0f403ae0cc7008de3fe24d179565245e6f", (6, 12, 12, 64, 1024)),
}


@pytest.mark.parametrize("hf_id", SOURCE_ONLY_ROWS)
def test_rows_verified_from_architecture_arguments_cite_them_at_a_commit(hf_id):
    where, shape = SOURCE_ONLY_ROWS[hf_id]
    row = CAT.model(hf_id)
    assert row.config_verified and row.source.startswith(f"architecture: https://{where}/")
    assert row.revision == where.rsplit("/", 1)[1] and "not from config.json" in row.notes
    assert (row.layers, row.attention_heads, row.kv_heads, row.head_dim, row.max_context_tokens) == shape
    assert row.kv_bytes_per_token_bf16 == 2 * row.layers * row.kv_heads * row.head_dim * 2  # K and V, 2 bytes each


# --- parameters against published counts -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, total, active",
    [
        ("llama-3.1-8b-instruct.json", 8.0, None),  # Meta, Llama 3.1 model card (meta-llama/llama-models): 8B
        ("llama-3.1-70b-instruct.json", 70.0, None),  # same card: 70B
        ("deepseek-v3.json", 671, 36.6),  # DeepSeek-V3 README_WEIGHTS.md: 671B total, 36.6B activated (0.9B of it the output head)
        ("gpt-oss-120b.json", 116.8, 5.1),  # OpenAI, "Introducing gpt-oss" (2025-08-05) and model card arXiv 2508.10925: 116.8B total, 5.1B active
        ("gpt-oss-20b.json", 20.9, 3.6),  # same: 20.9B total, 3.6B active
    ],
)
def test_parameter_estimates_match_published_counts(name, total, active):
    found = arch(name)
    assert found.params_total_b == pytest.approx(total, rel=0.01)
    assert (found.params_active_b is None) == (active is None)
    if active is not None:
        assert found.params_active_b == pytest.approx(active, rel=0.01)


@pytest.mark.parametrize(
    "name, total, active",
    [
        ("kimi-k2-instruct.json", 1000, 32),  # MoonshotAI/Kimi-K2 README at c6157be8: "1T" total, "32B" activated
        ("qwen3-30b-a3b.json", 30, 3),  # QwenLM/Qwen3 README at 7a2f61ff: the MoE sizes are named total-A-activated, "30B-A3B"
        ("qwen3-235b-a22b.json", 235, 22),  # same README: "235B-A22B"
        ("qwen3-coder-480b-a35b-instruct.json", 480, 35),  # the release's name, same convention: 480B total, 35B activated
        ("llama-3.1-405b.json", 405, None),  # meta-llama/llama-models Llama 3.1 model card: 405B
        ("mixtral-8x7b-instruct-v0.1.json", 47, 13),  # Mixtral of Experts (arXiv 2401.04088) abstract: 47B parameters, 13B active
        ("qwen3.5-397b-a17b.json", 397, 17),  # QwenLM/Qwen3.5 README at 7e103aeb names the sizes total-A-activated: 397B-A17B
    ],
)
def test_parameter_estimates_match_rounded_published_counts(name, total, active):
    # published as rounded figures (1T, 30B, 3B), so within 3%; active counts leave out the input embedding (a lookup)
    found = arch(name)
    assert found.params_total_b == pytest.approx(total, rel=0.03)
    assert (found.params_active_b is None) == (active is None)
    if active is not None:
        assert found.params_active_b == pytest.approx(active, rel=0.03)


# --- KV memory per attention layout ----------------------------------------------------------------------


def test_gemma3_27b_has_52_sliding_and_10_full_layers_as_vllm_documents():
    # vLLM v0.11.2 docs/design/hybrid_kv_cache_manager.md: "Gemma-3-27b has 52 sliding window attention layers and 10 full attention layers"
    gemma = arch("gemma-3-27b-it.json")
    assert (gemma.layers, gemma.sliding_window_layers, gemma.sliding_window) == (62, 52, 1024)
    assert gemma.max_context_tokens == 131072  # Gemma3TextConfig default; vLLM does not rescale Gemma 3's rope
    row = CAT.model("google/gemma-3-27b-it")
    # one 32k sequence on a GPU: 10 layers keep all 32,768 tokens, 52 keep window - 1 + 2,048 batched tokens (+ a block)
    per_layer_token = 2 * 16 * 128 * 2
    kv = sequence_kv(row, 32768, max_num_batched_tokens=2048)
    assert kv.full_attention_bytes == 10 * 32768 * per_layer_token
    assert kv.sliding_tokens == (math.ceil((1024 - 1 + 2048) / 16) + 1) * 16 == 3088
    assert kv.sliding_window_bytes == 52 * 3088 * per_layer_token
    assert kv.total_bytes / GIB == pytest.approx(3.725, abs=0.001)  # 2.5 GiB in full layers + 1.23 GiB in windows; the old all-layers formula said 15.5
    assert row.kv_bytes_per_token_bf16 * 32768 / GIB == pytest.approx(15.5)
    # on a TPU vLLM has no hybrid KV-cache manager: every layer keeps every token
    assert sequence_kv(row, 32768, hybrid_kv_cache=False).total_bytes / GIB == pytest.approx(15.5)


def test_a_short_gemma3_config_takes_gemma3textconfig_defaults():
    # gemma-3-4b-it's text_config gives hidden_size, intermediate_size, layers, window and rope scaling only; heads (8), KV heads (4),
    # head_dim (256) and vocab_size (262,208) are Gemma3TextConfig defaults at transformers 008f5c8c
    short = config("gemma-3-4b-it.json")
    assert not {"num_attention_heads", "num_key_value_heads", "head_dim", "vocab_size"} & set(short["text_config"])
    gemma = arch("gemma-3-4b-it.json")
    assert (gemma.attention_heads, gemma.kv_heads, gemma.head_dim, gemma.layers) == (8, 4, 256, 34)
    assert (gemma.sliding_window, gemma.sliding_window_layers) == (1024, 34 - 34 // 6)  # every 6th layer global: 5 of 34
    assert gemma.kv_bytes_per_token_bf16 == 2 * 34 * 4 * 256 * 2
    # the release is named 4B; the ESTIMATE adds the SigLIP tower its vision_config describes (27 blocks of width 1152)
    assert gemma.multimodal and 4.0 < gemma.params_total_b < 4.5
    # a field the file does give wins over the default
    wider = {**short, "text_config": {**short["text_config"], "num_attention_heads": 16, "num_key_value_heads": 8}}
    assert (read_config(wider).attention_heads, read_config(wider).kv_heads) == (16, 8)


def test_kimi_k2_is_read_as_the_deepseek_v3_architecture_it_ships():
    kimi = arch("kimi-k2-instruct.json")
    assert config("kimi-k2-instruct.json")["model_type"] == "kimi_k2" and kimi.model_type == "deepseek_v3"
    assert (kimi.layers, kimi.attention_heads, kimi.kv_lora_rank, kimi.qk_rope_head_dim) == (61, 64, 512, 64)
    assert (kimi.num_experts, kimi.num_experts_per_tok, kimi.max_context_tokens) == (384, 8, 4096 * 32)  # yarn: 4096 x 32


def test_a_hybrid_mixture_of_experts_is_read_layer_by_layer():
    # Qwen3.5-35B-A3B: layer_types puts full attention on every 4th of 40 layers, gated-delta-net on the rest; every layer routes
    # 8 of 256 experts plus a shared one; the vision tower makes it multimodal
    qwen = arch("qwen3.5-35b-a3b.json")
    assert (qwen.model_type, qwen.layers, qwen.attention_layers, qwen.kv_heads, qwen.head_dim) == ("qwen3_5_moe_text", 40, 10, 2, 256)
    assert qwen.kv_bytes_per_token_bf16 == 2 * 10 * 2 * 256 * 2
    assert (qwen.num_experts, qwen.num_experts_per_tok, qwen.multimodal, qwen.max_context_tokens) == (256, 8, True, 262144)
    per_layer = 3 * (2 * 16 * 128 + 32 * 128) * 2 + 32 * 128 * 128 * 4  # Qwen3.5-9B's gated-delta-net shape, float32 recurrent state
    assert qwen.state_bytes_per_sequence == 30 * per_layer


def test_a_zero_shared_expert_size_means_no_shared_expert():
    coder = config("qwen3-coder-480b-a35b-instruct.json")
    assert coder["shared_expert_intermediate_size"] == 0
    assert arch("qwen3-coder-480b-a35b-instruct.json").num_experts == 160


def test_gemma2_alternates_sliding_and_full_layers():
    gemma = arch("gemma-2-9b-it.json")  # Gemma 2 report: local 4096-token sliding window every other layer, global 8192
    assert (gemma.sliding_window_layers, gemma.sliding_window, gemma.max_context_tokens) == (21, 4096, 8192)
    # at its full 8k context each sliding layer keeps min(4095 + 2048, 8192) tokens
    kv = sequence_kv(CAT.model("google/gemma-2-9b-it"), 8192, max_num_batched_tokens=2048)
    assert kv.sliding_tokens == (math.ceil(6143 / 16) + 1) * 16


def test_gpt_oss_alternates_128_token_windows_with_full_layers():
    for name, layers in (("gpt-oss-120b.json", 36), ("gpt-oss-20b.json", 24)):
        found = arch(name)
        assert (found.sliding_window, found.sliding_window_layers, found.num_experts_per_tok) == (128, layers // 2, 4)
    row = CAT.model("openai/gpt-oss-120b")
    kv = sequence_kv(row, 131072, max_num_batched_tokens=8192)
    assert kv.full_attention_bytes == 18 * 131072 * 2 * 8 * 64 * 2
    assert kv.sliding_tokens == (math.ceil((127 + 8192) / 16) + 1) * 16


def test_mla_caches_the_compressed_latent_as_the_deepseek_v2_paper_counts_it():
    # DeepSeek-V2 (arXiv 2405.04434) Table 1 and §2.1: MLA caches (d_c + d_h^R) x l elements per token, with d_c = 4 d_h and
    # d_h^R = d_h / 2 "equal to GQA with only 2.25 groups"; vLLM v0.11.2 MLAAttentionSpec: one head of that size, no separate K and V
    deepseek = arch("deepseek-v3.json")
    d_h = config("deepseek-v3.json")["qk_nope_head_dim"]
    assert deepseek.kv_lora_rank == 4 * d_h and deepseek.qk_rope_head_dim == d_h // 2
    assert deepseek.kv_lora_rank + deepseek.qk_rope_head_dim == 2 * 2.25 * d_h == 576  # vLLM's ground truth: head_size 576
    assert deepseek.kv_bytes_per_token_bf16 == 61 * 576 * 2
    assert deepseek.max_context_tokens == 4096 * 40  # yarn: original_max_position_embeddings x factor
    # MHA with its 128 heads of 192/128 would cache 61 x 128 x (192 + 128) elements: 71x more
    assert 61 * 128 * (192 + 128) / (61 * 576) == pytest.approx(71.1, abs=0.1)


def test_a_hybrid_model_caches_kv_only_in_its_attention_layers():
    qwen = arch("qwen3.5-9b.json")
    assert (qwen.layers, qwen.attention_layers, qwen.kv_heads, qwen.head_dim) == (32, 8, 4, 256)
    assert qwen.kv_bytes_per_token_bf16 == 2 * 8 * 4 * 256 * 2
    # vLLM gated_delta_net_state_shape: conv (kernel - 1) x (2 x 16 x 128 + 32 x 128) in bf16, recurrent 32 x 128 x 128 in
    # the config's mamba_ssm_dtype, float32 (v0.33.0's Qwen3.5 config hook)
    per_layer = 3 * (2 * 16 * 128 + 32 * 128) * 2 + 32 * 128 * 128 * 4
    assert qwen.state_bytes_per_sequence == 24 * per_layer
    # Qwen3-Next names no mamba_ssm_dtype: its whole state is bf16
    next_ = arch("qwen3-next-80b-a3b-thinking.json")
    assert next_.state_bytes_per_sequence == 36 * (3 * (2 * 16 * 128 + 32 * 128) + 32 * 128 * 128) * 2
    assert qwen.max_context_tokens == 262144


def test_the_state_is_fixed_per_sequence_and_counts_toward_fit(tmp_path):
    row = _import(tmp_path, "Qwen/Qwen3.5-9B", "qwen3.5-9b.json", "--licence", "apache-2.0").model("Qwen/Qwen3.5-9B")
    short, long = sequence_kv(row, 1024), sequence_kv(row, 65536)
    assert short.state_bytes == long.state_bytes == row.state_bytes_per_sequence
    assert long.full_attention_bytes == 64 * short.full_attention_bytes
    # in vLLM v0.11.2's own terms (Triton's GDN prefill on an L4: 16-token alignment): one layer's state on one rank is
    # 3 x 8,192 x 2 + 32 x 128 x 128 x 4 = 2,146,304 bytes; an attention token 2 x 4 x 256 x 2 = 4,096 bytes a layer, so a
    # block of 16 x ceil(2,146,304 / 65,536) = 528 tokens; the 8 attention layers take ceil(16,384 / 528) = 32 pages
    # each and the 24 state layers one each: 8 x 32 + 24 = 280 pages of 528 x 4,096 bytes
    fit = memory_fit(row, CAT.gpu("L4"), max_context_tokens=16384, engine_version="v0.11.2")
    assert fit.kv_per_sequence_gib == pytest.approx(280 * 528 * 4096 / GIB)


def test_moe_fields_are_read_for_each_family():
    assert (arch("deepseek-v3.json").num_experts, arch("deepseek-v3.json").num_experts_per_tok) == (256, 8)
    assert (arch("gpt-oss-20b.json").num_experts, arch("gpt-oss-20b.json").num_experts_per_tok) == (32, 4)
    assert arch("llama-3.1-8b-instruct.json").num_experts is None


# --- refusals name the field -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"model_type": "rwkv"}, "model_type", "'rwkv' is not a layout Hangar can read"),
        ({"num_hidden_layers": None}, "num_hidden_layers", "missing"),
        ({"num_key_value_heads": 3}, "num_key_value_heads", "does not divide num_attention_heads 32"),
        ({"hidden_size": "4096"}, "hidden_size", "'4096' is not a positive whole number"),
        ({"layer_types": ["full_attention"] * 31}, "layer_types", "expected a list of 32 layer types"),
        ({"layer_types": ["full_attention"] * 31 + ["mamba"]}, "layer_types", "'mamba' not understood"),
    ],
)
def test_a_config_it_cannot_interpret_is_refused_naming_the_field(change, field, words):
    broken = {**config("llama-3.1-8b-instruct.json"), **change}
    with pytest.raises(ConfigError) as raised:
        read_config({k: v for k, v in broken.items() if v is not None})
    assert raised.value.field == field and words in str(raised.value)


@pytest.mark.parametrize(
    "name, change, field, words",
    [
        ("qwen3-next-80b-a3b-thinking.json", {"linear_value_head_dim": None}, "linear_value_head_dim", "missing"),
        ("qwen3-next-80b-a3b-thinking.json", {"linear_conv_kernel_dim": None}, "linear_conv_kernel_dim", "missing"),
        ("qwen3-next-80b-a3b-thinking.json", {"linear_num_key_heads": 0}, "linear_num_key_heads", "not a positive whole number"),
        ("qwen3.5-9b.json", {"mamba_ssm_dtype": "float8_e4m3fn"}, "mamba_ssm_dtype", "'float8_e4m3fn' is not a state type Hangar can size"),
    ],
)
def test_a_hybrid_config_missing_what_its_state_needs_is_refused_naming_the_field(name, change, field, words):
    raw = config(name)
    text = raw.get("text_config", raw)
    broken = {k: v for k, v in {**text, **change}.items() if v is not None}
    with pytest.raises(ConfigError) as raised:
        read_config({**raw, "text_config": broken} if "text_config" in raw else broken)
    assert raised.value.field == field and words in str(raised.value)


# --- hangar catalog import-model -------------------------------------------------------------------------

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["catalog", "import-model", *args], catch_exceptions=False, env={"COLUMNS": "200"})


def _import(tmp_path: Path, hf_id: str, name: str, *extra: str):
    result = _run(hf_id, "--config", str(CONFIGS / name), "--overrides", str(tmp_path), *extra)
    assert result.exit_code == 0, result.output
    return load_catalog(tmp_path)


@pytest.mark.parametrize("name", ROW_SOURCES)
def test_an_import_equals_the_packaged_row(tmp_path, name):
    hf_id = SOURCES[name]["hf_id"]
    quant = quant_config_path(SOURCES[name])
    imported = _import(tmp_path, hf_id, name, "--revision", "main", *(["--quant-config", str(quant)] if quant else [])).model(hf_id)
    packaged = CAT.model(hf_id)
    fields = arch(name).row_fields()
    assert {k: getattr(imported, k) for k in fields} == {k: getattr(packaged, k) for k in fields}
    assert imported.licence_id == packaged.licence_id  # the catalog's licence when none is given


def test_import_writes_a_sourced_override_row_a_stack_can_use(tmp_path):
    result = _run("Qwen/Qwen3.5-9B", "--config", str(CONFIGS / "qwen3.5-9b.json"), "--licence", "apache-2.0", "--revision", "abc123",
                  "--overrides", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert f"wrote Qwen/Qwen3.5-9B to {tmp_path / 'models.csv'}" in result.stdout
    assert "32 layers (8 with attention, 24 with a fixed state of 49.1 MiB per sequence)" in result.stdout
    (row,) = csv.DictReader((tmp_path / "models.csv").open())
    assert row["hf_id"] == "Qwen/Qwen3.5-9B" and row["revision"] == "abc123" and row["config_verified"] == "true"
    assert row["source"].startswith("config.json of Qwen/Qwen3.5-9B at revision abc123 (https://huggingface.co/Qwen/Qwen3.5-9B/blob/abc123/config.json)")
    assert "qwen3.5-9b.json" in row["source"]
    # a second import of another model keeps the first; re-importing replaces, never duplicates
    _import(tmp_path, "openai/gpt-oss-20b", "gpt-oss-20b.json")
    _import(tmp_path, "Qwen/Qwen3.5-9B", "qwen3.5-9b.json", "--licence", "apache-2.0")
    assert sorted(r["hf_id"] for r in csv.DictReader((tmp_path / "models.csv").open())) == ["Qwen/Qwen3.5-9B", "openai/gpt-oss-20b"]


def test_import_refuses_and_writes_nothing(tmp_path):
    broken = tmp_path / "config.json"
    broken.write_text(json.dumps({**config("llama-3.1-8b-instruct.json"), "model_type": "rwkv"}))
    result = _run("acme/rwkv-7b", "--config", str(broken), "--licence", "apache-2.0", "--overrides", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert f"--config {broken}: model_type: 'rwkv' is not a layout Hangar can read" in result.stderr
    assert not (tmp_path / "out").exists()
    result = _run("acme/new-model", "--config", str(CONFIGS / "phi-4.json"), "--overrides", str(tmp_path / "out"))
    assert result.exit_code == 2 and "--licence: acme/new-model is not in the catalog, so its licence must be given" in result.stderr
    result = _run("acme/new-model", "--config", str(CONFIGS / "phi-4.json"), "--licence", "acme-eula", "--overrides", str(tmp_path / "out"))
    assert result.exit_code == 2 and "--licence: unknown licence 'acme-eula'" in result.stderr
    not_json = tmp_path / "notes.txt"
    not_json.write_text("layers: 32")
    result = _run("acme/new-model", "--config", str(not_json), "--licence", "mit", "--overrides", str(tmp_path / "out"))
    assert result.exit_code == 2 and "is not JSON" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_the_reader_sees_what_vllm_sees():
    # vLLM's own ground truth of model shapes, tests/config/model_arch_groundtruth.json (vllm-project/vllm at 0a4f4724,
    # read 2026-12-01): lmsys/gpt-oss-20b-bf16 (a bf16 repack of gpt-oss-20b) has 24 layers, 64 heads, 8 KV heads of 64,
    # 32 experts
    oss = arch("gpt-oss-20b.json")
    assert (oss.layers, oss.attention_heads, oss.kv_heads, oss.head_dim, oss.num_experts) == (24, 64, 8, 64, 32)
