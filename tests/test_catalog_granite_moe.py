"""IBM Granite's mixtures of experts with a shared expert (`granitemoeshared`) and Granite 4.0's attention-only
`granitemoehybrid` (ibm-granite/granite-4.0-micro's layout), read and sized as vLLM v0.11.2 and v0.33.0 build them.

No whole config.json of a `granitemoeshared` release or of granite-4.0-micro was found (searched 2026-12-03: the
file-string index holds other projects' test dictionaries only; ibm-granite/gguf keeps model-card READMEs, no
config.json), so the configs here are transformers' class defaults: `GraniteMoeSharedConfig` (transformers-4.57.6
`__init__` and 5.16.1's fields: vocab 32,000, hidden 4,096, 32 layers of 32 heads, KV heads = heads, 8 experts of
11,008 with 2 routed a token, untied head, 2,048 positions, `shared_intermediate_size` 0) with the shared expert set to
1,024 wide here; `GraniteMoeHybridConfig` (tests/granite_configs.py's `GRANITE_DEFAULTS`, whose
`shared_intermediate_size` default is 1,024) with every layer "attention" written here.
"""

from __future__ import annotations

import datetime
import json

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.config_fields import ConfigError
from hangar.catalog.model_config import model_row, read_config
from hangar.cli import app
from hangar.sizing import GIB, memory_fit
from hangar.sizing.engine_models import engine_refusal
from tests.granite_configs import GRANITE_DEFAULTS

CAT = load_catalog()
SHARED = {
    "architectures": ["GraniteMoeSharedForCausalLM"], "model_type": "granitemoeshared", "hidden_size": 4096, "intermediate_size": 11008,
    "num_hidden_layers": 32, "num_attention_heads": 32, "vocab_size": 32000, "torch_dtype": "bfloat16", "shared_intermediate_size": 1024,
}  # fmt: skip
"""`GraniteMoeSharedConfig`'s defaults for the shape, with a 1,024-wide shared expert."""
ALL_ATTENTION = {**GRANITE_DEFAULTS, "layer_types": ["attention"] * 32}
"""`GraniteMoeHybridConfig`'s defaults with no Mamba2 layer (the experts, and the shared MLP of 1,024, in every layer)."""
MICRO_LAYOUT = {**ALL_ATTENTION, "num_local_experts": 0}
"""granite-4.0-micro's layout: attention only, the shared MLP the only MLP."""


def row(hf_id: str, config: dict):
    return model_row(hf_id, config, licence_id="apache-2.0", source="test", as_of=datetime.date(2026, 12, 3))


def test_granitemoeshared_reads_mixtrals_layout_with_its_ungated_shared_expert():
    """Per layer: attention 4 x 4,096^2 = 67,108,864; 8 experts of 3 x 4,096 x 11,008 = 135,266,304; the router 4,096 x 8;
    the shared MLP 3 x 4,096 x 1,024 = 12,582,912 (no gate on its output, unlike Qwen's). 32 layers and two 32,000 x
    4,096 embeddings: 37,441,548,288; active, 2 experts and the head: 11,339,300,864."""
    arch = read_config(SHARED)
    assert (arch.model_type, arch.num_experts, arch.num_experts_per_tok, arch.moe_intermediate_size) == ("granitemoeshared", 8, 2, 11008)
    assert (arch.shared_expert_intermediate_size, arch.intermediate_size, arch.kv_heads, arch.head_dim) == (1024, None, 32, 128)
    assert (arch.params_total_b, arch.params_active_b) == (37.442, 11.339)
    assert (arch.max_context_tokens, arch.tie_word_embeddings) == (2048, False)
    without = read_config({key: value for key, value in SHARED.items() if key != "shared_intermediate_size"})
    assert (without.shared_expert_intermediate_size, without.params_total_b) == (None, 37.039)  # the class default 0: none


@pytest.mark.parametrize(("change", "field", "says"), [
    ({"head_dim": 64}, "head_dim", "differs from hidden_size / num_attention_heads = 128"),
    ({"layer_types": ["sliding_attention", "full_attention"] * 16, "sliding_window": 4096}, "layer_types",
     "v0.11.2's GraniteAttention none"),
    ({"shared_intermediate_size": "wide"}, "shared_intermediate_size", "'wide'"),
])  # fmt: skip
def test_a_granitemoeshared_config_vllm_would_read_otherwise_is_refused_by_field(change, field, says):
    with pytest.raises(ConfigError) as raised:
        read_config({**SHARED, **change})
    assert raised.value.field == field and says in str(raised.value)


def test_import_model_writes_a_granitemoeshared_row(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(SHARED))
    result = CliRunner().invoke(app, ["catalog", "import-model", "example-org/granite-shared", "--config", str(path), "--licence", "apache-2.0",
                                      "--overrides", str(tmp_path / "ours")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "37.442B parameters (11.339B active, 2 of 8 experts); 32 layers; 32 KV heads x 128" in result.stdout
    imported = load_catalog(tmp_path / "ours").model("example-org/granite-shared")
    assert (imported.family, imported.shared_expert_intermediate_size) == ("granitemoeshared", 1024)


def test_an_all_attention_granitemoehybrid_is_sized_as_the_attention_model_vllm_serves():
    """vLLM's `ModelConfig.is_hybrid` is False for it at both releases: no Mamba2 state, every layer caches K/V. With the
    experts and the shared MLP it is the granitemoeshared model above, weight for weight."""
    arch = read_config(ALL_ATTENTION)
    assert (arch.state_layers, arch.attention_layers, arch.state_bytes_per_sequence, arch.mamba_heads) == (None, None, None, None)
    assert arch.kv_bytes_per_token_bf16 == 2 * 32 * 32 * 128 * 2
    assert (arch.params_total_b, arch.params_active_b) == (read_config(SHARED).params_total_b, read_config(SHARED).params_active_b)
    micro = read_config(MICRO_LAYOUT)
    # per layer 67,108,864 of attention + 12,582,912 of MLP; two embeddings: 2,811,756,544
    assert (micro.num_experts, micro.intermediate_size, micro.params_total_b) == (None, 1024, 2.812)


@pytest.mark.parametrize("release", ["v0.11.2", "v0.33.0"])
def test_granite_micros_layout_fits_with_attention_pages_only_at_both_releases(release):
    """2,048 tokens x 512 KiB = 1 GiB of KV a sequence and 2.812B x 2 bytes of weights, no state page (a hybrid has one)."""
    micro = row("example-org/granite-micro-layout", MICRO_LAYOUT)
    fit = memory_fit(micro, CAT.gpus["H100-SXM"], engine_version=release)
    assert engine_refusal(micro, release) is None
    assert (fit.kv_pages, fit.kv_per_sequence_gib * GIB, fit.weights_gib * GIB, fit.fits) == (None, 2**30, 5_624_000_000, True)
    hybrid = memory_fit(row("example-org/granite-hybrid", {**GRANITE_DEFAULTS, "num_local_experts": 0}), CAT.gpus["H100-SXM"],
                        engine_version=release)  # fmt: skip
    assert "state page(s) per sequence" in hybrid.kv_pages


def test_a_granitemoehybrid_without_attention_is_still_refused():
    with pytest.raises(ConfigError) as raised:
        read_config({**GRANITE_DEFAULTS, "layer_types": ["mamba"] * 32})
    assert raised.value.field == "layer_types" and "has 32 Mamba2 and 0 attention layers" in str(raised.value)
