"""IBM Granite's sliding-window checkpoints (`granite_swa`, `granitemoe_swa`), read and sized as vLLM v0.33.0 builds them,
and refused at v0.11.2, which does not serve them (`hangar.catalog.layouts_granite_swa`, `hangar.sizing.engine_granite`).

No config.json of a Granite SWA release was found (searched 2026-12-03: the file-string index holds other projects' test
dictionaries naming the model types only), so the configs are transformers-5.16.1's class defaults: `GraniteSWAConfig`
(vocab 100,352, hidden 2,560, MLP 8,192, 24 layers of 20 query and 4 KV heads, tied head, 8,192 positions, window 128,
layer i full where i % 4 == 0) and `GraniteMoeSWAConfig` (`GraniteMoeSharedConfig`'s shape with the same window rule).
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
from hangar.sizing.engine_models import engine_refusal, first_served

CAT = load_catalog()
SWA = {
    "architectures": ["GraniteSWAForCausalLM"], "model_type": "granite_swa", "vocab_size": 100352, "hidden_size": 2560,
    "intermediate_size": 8192, "num_hidden_layers": 24, "num_attention_heads": 20, "torch_dtype": "bfloat16",
}  # fmt: skip
"""`GraniteSWAConfig`'s defaults for the shape; its KV heads, head, context, window and layer pattern left to the class."""
MOE_SWA = {
    "architectures": ["GraniteMoeSWAForCausalLM"], "model_type": "granitemoe_swa", "vocab_size": 32000, "hidden_size": 4096,
    "intermediate_size": 11008, "num_hidden_layers": 32, "num_attention_heads": 32, "torch_dtype": "bfloat16",
    "shared_intermediate_size": 1024,
}  # fmt: skip
"""`GraniteMoeSWAConfig`'s defaults for the shape, with a 1,024-wide shared expert."""


def row(hf_id: str, config: dict):
    return model_row(hf_id, config, licence_id="apache-2.0", source="test", as_of=datetime.date(2026, 12, 3))


def test_granite_swa_takes_its_class_defaults_and_slides_three_layers_in_four():
    """Layers 0, 4, ..., 20 full (6), the other 18 slide over 128 tokens; 4 KV heads of 2,560 / 20 = 128."""
    arch = read_config(SWA)
    assert (arch.model_type, arch.kv_heads, arch.head_dim, arch.sliding_window, arch.sliding_window_layers) == ("granite_swa", 4, 128, 128, 18)
    assert (arch.max_context_tokens, arch.tie_word_embeddings) == (8192, True)
    assert arch.kv_bytes_per_token_bf16 == 24 * 2 * 4 * 128 * 2
    # per layer 2 x 2,560^2 + 2 x 2,560 x 512 of attention and 3 x 2,560 x 8,192 of MLP; one tied 100,352 x 2,560 embedding
    assert arch.params_total_b == round((24 * (2 * 2560**2 + 2 * 2560 * 512 + 3 * 2560 * 8192) + 100352 * 2560) / 1e9, 3)
    kinds = read_config({**SWA, "layer_types": ["sliding_attention"] * 23 + ["full_attention"], "sliding_window": 512})
    assert (kinds.sliding_window, kinds.sliding_window_layers) == (512, 23)
    assert read_config({**SWA, "num_key_value_heads": None}).kv_heads == 20  # the class's None: every query head


def test_granitemoe_swa_reads_granite_moe_shared_with_sliding_layers():
    arch = read_config(MOE_SWA)
    assert (arch.model_type, arch.num_experts, arch.shared_expert_intermediate_size, arch.kv_heads) == ("granitemoe_swa", 8, 1024, 32)
    assert (arch.sliding_window, arch.sliding_window_layers, arch.max_context_tokens, arch.tie_word_embeddings) == (128, 24, 2048, False)
    assert (arch.params_total_b, arch.params_active_b) == (37.442, 11.339)  # the granitemoeshared model's weights


@pytest.mark.parametrize(("config", "change", "field", "says"), [
    (SWA, {"layer_types": ["full_attention"] * 23}, "layer_types", "is not a list of 24 layer types"),
    (SWA, {"layer_types": ["linear_attention"] * 24}, "layer_types", "each full_attention or sliding_attention"),
    (SWA, {"sliding_window": None}, "sliding_window", "a window of None, full attention"),
    (MOE_SWA, {"head_dim": 64}, "head_dim", "differs from hidden_size / num_attention_heads = 128"),
])  # fmt: skip
def test_a_granite_swa_config_vllm_would_read_otherwise_is_refused_by_field(config, change, field, says):
    with pytest.raises(ConfigError) as raised:
        read_config({**config, **change})
    assert raised.value.field == field and says in str(raised.value)


def test_v0_33_caches_the_sliding_layers_over_their_window_only():
    """At 65,536 tokens (the context stated here), blocks of 16 tokens, 6 full and 18 sliding layers of one page (16 x 2 x
    4 x 128 x 2 = 32,768 bytes) in groups of 6: the full group takes 4,096 blocks, each of the 3 sliding groups its
    window - 1 plus the tokens in flight (two batches of 8,192) in whole blocks, plus one: ceil(16,511 / 16) + 1 = 1,033.
    Were every layer full, 4 groups of 4,096."""
    config = {**SWA, "max_position_embeddings": 65536}
    fit = memory_fit(row("example-org/granite-swa", config), CAT.gpus["H100-SXM"], engine_version="v0.33.0")
    full = memory_fit(row("example-org/granite-full", {**config, "layer_types": ["full_attention"] * 24}), CAT.gpus["H100-SXM"],
                      engine_version="v0.33.0")  # fmt: skip
    assert fit.kv_per_sequence_gib * GIB == (4096 + 3 * 1033) * 6 * 32768
    assert full.kv_per_sequence_gib * GIB == 4 * 4096 * 6 * 32768 == 65536 * 24 * 2 * 4 * 128 * 2
    assert fit.capacity_sequences > 2 * full.capacity_sequences


@pytest.mark.parametrize("config", [SWA, MOE_SWA])
def test_a_granite_swa_deployment_is_refused_at_v0_11_2_naming_v0_29(config):
    model = row("example-org/granite-swa", config)
    name = config["architectures"][0]
    assert engine_refusal(model, "v0.11.2") == (
        f"vLLM v0.11.2 cannot load example-org/granite-swa: {name} is not in v0.11.2's model registry, and its Transformers "
        f"backend cannot stand in: the model_type {config['model_type']} came in transformers 5.15.0, and v0.11.2 requires "
        "transformers>=4.56.0,<5; vLLM serves it from v0.29.0"
    )
    assert engine_refusal(model, "v0.33.0") is None and engine_refusal(model, "v0.29.0") is None
    assert first_served(model) == "v0.29.0"


def test_import_model_writes_a_granite_swa_row(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(SWA))
    result = CliRunner().invoke(app, ["catalog", "import-model", "example-org/granite-swa", "--config", str(path), "--licence", "apache-2.0",
                                      "--overrides", str(tmp_path / "ours")])  # fmt: skip
    assert result.exit_code == 0, result.output
    imported = load_catalog(tmp_path / "ours").model("example-org/granite-swa")
    assert (imported.family, imported.sliding_window, imported.sliding_window_layers) == ("granite_swa", 128, 18)
