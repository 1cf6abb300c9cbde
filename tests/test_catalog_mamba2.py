"""Mamba2 + attention hybrids through the reader and sizing: NVIDIA Nemotron-H (`nemotron_h`) and IBM Granite 4.0
(`granitemoehybrid`).

The Nemotron-H files are NVIDIA's own config.json copies (tests/model_configs/, sources.json); they make no catalog row
(their licences were not read: hangar/catalog/data/README.md), so the sizing tests build the row `hangar catalog
import-model` would. No Granite 4.0 config.json was found: its tests use transformers' `GraniteMoeHybridConfig` defaults
(the PyPI wheel transformers-4.57.1, read 2026-12-02) with a `layer_types` list written here, which the class leaves
unset. Every figure is derived by hand from the vLLM sources `hangar/sizing/kv_pool.py` and `hangar/catalog/mamba_layout.py`
cite (v0.11.2 and v0.33.0).
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
from hangar.sizing import GIB, memory_fit
from hangar.sizing.engine_models import engine_refusal, remote_code
from hangar.sizing.kv_pool import state_bytes_per_rank
from hangar.sizing.tensor_parallel import tp_problems
from tests.config_errors import config_problems
from tests.granite_configs import GRANITE_DEFAULTS
from tests.h200_stacks import with_deployment

CONFIGS = Path(__file__).parent / "model_configs"
CAT = load_catalog()
NANO_ID = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"
H56_ID = "nvidia/Nemotron-H-56B-Base-8K"


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


def row(hf_id: str, fields: dict):
    return model_row(hf_id, fields, licence_id="nvidia-open-model-license", source="test", as_of=datetime.date(2026, 12, 2))


NANO = row(NANO_ID, config("nvidia-nemotron-3-nano-30b-a3b-bf16.json"))
H56 = row(H56_ID, config("nemotron-h-56b-base-8k.json"))



# --- the reader --------------------------------------------------------------------------------------------------


def test_nemotron_h_56b_reads_54_mamba2_54_mlp_and_10_attention_layers():
    """The Hugging Face card says "ten Attention layers" and NVIDIA's blog "54 Mamba-2, 54 MLP, and 10 Self-Attention
    layers". One Mamba2 layer's state at v0.33.0: conv 3 x (256 x 64 + 2 x 8 x 256) x 2 bytes = 122,880 plus the
    temporal state 256 x 64 x 256 in float32 (v0.33.0's default for Nemotron-H) = 16,777,216."""
    arch = read_config(config("nemotron-h-56b-base-8k.json"))
    assert (arch.layers, arch.attention_layers, arch.state_layers) == (118, 10, 54)
    assert (arch.kv_heads, arch.head_dim, arch.kv_bytes_per_token_bf16) == (8, 128, 2 * 10 * 8 * 128 * 2)
    assert (arch.mamba_heads, arch.mamba_head_dim, arch.mamba_state_size, arch.mamba_groups, arch.mamba_conv_kernel) == (256, 64, 256, 8, 4)
    assert arch.mamba_ssm_dtype == "float32" and arch.state_bytes_per_sequence == 54 * (122_880 + 16_777_216)
    assert (arch.intermediate_size, arch.num_experts, arch.max_context_tokens, arch.tie_word_embeddings) == (32768, None, 8192, False)
    assert arch.params_total_b == pytest.approx(56, rel=0.01)  # "This model has 56B model parameters"


def test_nemotron_3_nano_reads_its_moe_layers_and_the_ssm_dtype_its_config_names():
    arch = read_config(config("nvidia-nemotron-3-nano-30b-a3b-bf16.json"))
    assert (arch.layers, arch.attention_layers, arch.state_layers) == (52, 6, 23)
    assert (arch.num_experts, arch.num_experts_per_tok, arch.moe_intermediate_size, arch.shared_expert_intermediate_size) == (128, 6, 1856, 3712)
    assert (arch.intermediate_size, arch.dense_mlp_layers, arch.kv_heads, arch.max_context_tokens) == (None, None, 2, 262_144)
    # conv 3 x (64 x 64 + 2 x 8 x 128) x 2 = 36,864; temporal 64 x 64 x 128 x 4 (mamba_ssm_cache_dtype float32)
    assert arch.state_bytes_per_sequence == 23 * (36_864 + 2_097_152)
    assert arch.params_total_b == pytest.approx(31.6, abs=0.05)  # NVIDIA's name: 30B total, 3B active
    assert arch.params_active_b == pytest.approx(3.2, abs=0.05)
    halved = read_config({**config("nvidia-nemotron-3-nano-30b-a3b-bf16.json"), "mamba_ssm_cache_dtype": "bfloat16"})
    assert halved.state_bytes_per_sequence == 23 * (36_864 + 1_048_576)


def test_granite_defaults_read_experts_and_a_shared_mlp_in_every_layer():
    """Mixer width mamba_expand x hidden = 8,192 in 128 heads of 64; one group; attention heads of 4096 / 32 = 128, KV
    heads defaulting to the 32 attention heads. Granite has no ssm dtype rule: the state stays 16-bit."""
    arch = read_config(GRANITE_DEFAULTS)
    assert (arch.layers, arch.attention_layers, arch.state_layers, arch.kv_heads, arch.head_dim) == (32, 4, 28, 32, 128)
    assert (arch.mamba_heads, arch.mamba_head_dim, arch.mamba_groups, arch.mamba_ssm_dtype) == (128, 64, 1, None)
    assert arch.state_bytes_per_sequence == 28 * (3 * (8192 + 2 * 256) * 2 + 128 * 64 * 256 * 2)
    assert (arch.num_experts, arch.moe_intermediate_size, arch.shared_expert_intermediate_size, arch.intermediate_size) == (8, 11008, 1024, None)
    dense = read_config({**GRANITE_DEFAULTS, "num_local_experts": 0})  # granite-4.0-h-micro's layout: the shared MLP only
    assert (dense.num_experts, dense.intermediate_size, dense.params_active_b) == (None, 1024, None)


@pytest.mark.parametrize(("change", "field", "says"), [
    ({"hybrid_override_pattern": "M*-"}, "hybrid_override_pattern", "names 3 layers, num_hidden_layers 118"),
    ({"hybrid_override_pattern": "X" * 118}, "hybrid_override_pattern", "'X' not understood; known: M, *, -, E"),
    ({"hybrid_override_pattern": "M-" * 59}, "hybrid_override_pattern", "has 59 Mamba2 and 0 attention layers"),
    ({"attention_head_dim": 96}, "attention_head_dim", "but vLLM reads head_dim, which this config leaves at its default 128"),
    ({"intermediate_size": [32768, 16384]}, "intermediate_size", "a width per MLP layer is not one intermediate_size"),
    ({"mamba_ssm_cache_dtype": "fp8"}, "mamba_ssm_cache_dtype", "'fp8' is not a state type Hangar can size"),
    ({"mamba_num_heads": None}, "mamba_num_heads", "missing; the reader needs it"),
])  # fmt: skip
def test_a_nemotron_h_config_the_reader_cannot_size_is_refused_by_field(change, field, says):
    with pytest.raises(ConfigError) as raised:
        read_config({**config("nemotron-h-56b-base-8k.json"), **change})
    assert raised.value.field == field and says in str(raised.value)


@pytest.mark.parametrize(("change", "field", "says"), [
    ({"layer_types": None}, "layer_types", "expected a list of 32 layer types"),
    ({"layer_types": ["mamba"] * 31 + ["linear_attention"]}, "layer_types", "'linear_attention' not understood; known: mamba, attention"),
    ({"mamba_d_head": 32}, "mamba_d_head", "32 x mamba_n_heads 128 is not mamba_expand x hidden_size = 8192"),
    ({"num_local_experts": 0, "shared_intermediate_size": 0}, "shared_intermediate_size", "the layers would have no MLP"),
])  # fmt: skip
def test_a_granite_config_the_reader_cannot_size_is_refused_by_field(change, field, says):
    with pytest.raises(ConfigError) as raised:
        read_config({**GRANITE_DEFAULTS, **change})
    assert raised.value.field == field and says in str(raised.value)


def test_import_model_writes_a_nemotron_row_and_describes_its_mamba2_layers(tmp_path):
    result = CliRunner().invoke(app, ["catalog", "import-model", NANO_ID, "--config", str(CONFIGS / "nvidia-nemotron-3-nano-30b-a3b-bf16.json"),
                                      "--licence", "nvidia-open-model-license", "--overrides", str(tmp_path / "ours")])
    assert result.exit_code == 0, result.output
    assert ("52 layers (6 with attention, 23 with a fixed state (Mamba2: 64 heads x 64, state 128, 8 groups) of 46.8 MiB per sequence)"
            in result.stdout)
    assert load_catalog(tmp_path / "ours").model(NANO_ID).state_layers == 23


# --- the state per rank, the pages, the fit ----------------------------------------------------------------------


def test_a_single_group_is_replicated_on_every_rank_before_the_conv_channels_are_split():
    """Granite's one group at TP 2: vLLM's `extra_groups_for_head_shards` adds 1, so each rank keeps conv
    3 x (8,192 + 2 x 2 x 256) / 2 channels, not 3 x (8,192 + 2 x 256) / 2; the heads split evenly."""
    granite = row("example-org/granite-defaults", GRANITE_DEFAULTS)
    per_rank = state_bytes_per_rank(granite, 2, "v0.33.0")
    assert per_rank == 3 * (8192 + 2 * 2 * 256) // 2 * 2 + 64 * 64 * 256 * 2
    assert per_rank > granite.state_bytes_per_sequence // 28 // 2
    # Nemotron-H's 8 groups divide over 2 ranks; v0.11.2 keeps its temporal state 16-bit, v0.33.0 float32
    assert state_bytes_per_rank(H56, 2, "v0.11.2") == 3 * 20_480 // 2 * 2 + 128 * 64 * 256 * 2
    assert state_bytes_per_rank(H56, 2, "v0.33.0") == 3 * 20_480 // 2 * 2 + 128 * 64 * 256 * 4


def test_tensor_parallel_must_divide_the_mamba2_heads_and_groups():
    assert tp_problems(NANO, 8) == []
    assert tp_problems(NANO, 16) == ["TP 16 does not divide the 8 Mamba2 groups (vLLM replicates a single group only)"]
    granite = row("example-org/granite-defaults", GRANITE_DEFAULTS)
    assert tp_problems(granite, 16) == []  # one group: replicated on every rank


def test_nemotron_3_nano_on_one_h100_at_v0_33():
    """At its 262,144 tokens, TP 1, v0.33.0 (prefix caching on: 'align' mode):

    * an attention token of one layer: 2 x 2 KV heads x 128 x 2 bytes = 1,024;
    * one Mamba2 layer's state: 36,864 + 2,097,152 = 2,134,016 bytes;
    * Mamba2 exports no checkpoint alignment: block 16 x ceil(2,134,016 / (16 x 1,024)) = 16 x 131 = 2,096 tokens, a page
      of 2,146,304 bytes; 3 state pages a sequence (2 + the checkpoint page MambaMixer2's spec always carries);
    * 6 attention and 23 state layers: groups of 6, 1 attention and 4 state groups, a block 6 pages = 12,877,824 bytes;
    * a sequence: ceil(262,144 / 2,096) = 126 + 4 x 3 = 138 blocks.
    """
    fit = memory_fit(NANO, CAT.gpus["H100-SXM"], engine_version="v0.33.0")
    assert "attention blocks of 2,096 tokens" in fit.kv_pages and "3 state page(s) per sequence" in fit.kv_pages
    assert fit.kv_per_sequence_gib * GIB == 138 * 12_877_824 and fit.kv_reserved_gib * GIB == 12_877_824
    assert fit.fits and fit.capacity_sequences == (int(fit.kv_budget_gib * GIB // 12_877_824) - 1) // 138
    short = memory_fit(NANO, CAT.gpus["H100-SXM"], engine_version="v0.33.0", max_context_tokens=8192)
    # ceil(8,192 / 2,096) = 4 + 12 state pages: the state, not the attention, is most of a short sequence
    assert short.kv_per_sequence_gib * GIB == 16 * 12_877_824
    assert short.capacity_sequences == (int(short.kv_budget_gib * GIB // 12_877_824) - 1) // 16


def test_nemotron_3_nano_at_v0_11_2_keeps_a_16_bit_state_in_one_page_and_needs_remote_code():
    """v0.11.2 (prefix caching off for hybrids): state 36,864 + 64 x 64 x 128 x 2 = 1,085,440 bytes; block
    16 x ceil(1,085,440 / 16,384) = 16 x 67 = 1,072 tokens; by layers: 6 x ceil(262,144 / 1,072) = 6 x 245 = 1,470
    attention pages + 23 state pages = 1,493 pages of 1,097,728 bytes. But v0.11.2 reads its config.json only with
    --trust-remote-code."""
    fit = memory_fit(NANO, CAT.gpus["H100-SXM"], engine_version="v0.11.2")
    assert fit.kv_per_sequence_gib * GIB == 1_493 * 1_097_728 and fit.kv_reserved_gib == 0
    assert "1 state page(s) per sequence (prefix caching off)" in fit.kv_pages
    assert engine_refusal(NANO, "v0.11.2") is None and engine_refusal(NANO, "v0.33.0") is None  # both register the class
    assert remote_code(NANO, "v0.11.2") == (
        f"vLLM v0.11.2 reads {NANO_ID}'s config (nemotron_h) only with --trust-remote-code, which runs the model repository's "
        "own configuration_nemotron_h.py in the server: neither it nor transformers 4.57 has its config class (v0.33.0 reads "
        "it with transformers' own)"
    )
    assert remote_code(NANO, "v0.33.0") is None and remote_code(NANO) is not None  # no release named: either pinned one


def test_turning_prefix_caching_off_at_v0_33_keeps_one_state_page():
    fit = memory_fit(NANO, CAT.gpus["H100-SXM"], engine_version="v0.33.0", max_context_tokens=8192, prefix_caching=False)
    assert "1 state page(s) per sequence (prefix caching off)" in fit.kv_pages
    assert fit.kv_per_sequence_gib * GIB == (4 + 4 * 1) * 12_877_824


def test_a_nemotron_deployment_pinned_to_v0_11_2_must_allow_remote_code(tmp_path, aws_environment):
    imported = CliRunner().invoke(app, ["catalog", "import-model", NANO_ID, "--config", str(CONFIGS / "nvidia-nemotron-3-nano-30b-a3b-bf16.json"),
                                        "--licence", "nvidia-open-model-license", "--overrides", str(tmp_path / "ours")])
    assert imported.exit_code == 0, imported.output
    raw = with_deployment(copy.deepcopy(aws_environment), model=NANO_ID, engine_version="v0.11.2")
    raw["catalog_overrides"] = str(tmp_path / "ours")
    problems = [p for p in config_problems(raw) if "trust_remote_code" in p]
    assert problems == [
        f"Pulumi.test.yaml: hangar:environment.deployments[0].trust_remote_code: {remote_code(NANO, 'v0.11.2')}: set "
        "deployments[0].trust_remote_code to true if you trust that code, or serve another model; got 'unset (false)'"
    ]

