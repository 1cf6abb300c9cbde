"""A text model type inside an architecture every vLLM release registers: Devstral Small 2 against Mistral Small 3.1.

Both are `Mistral3ForConditionalGeneration`, so an architecture cannot tell them apart; Devstral Small 2's text config is
`ministral3` (transformers 5 only), Mistral Small 3.1's `mistral`. The row's `text_model_type` carries the difference, and
`hangar.sizing.engine_models` refuses Devstral Small 2 before v0.20.0, the first release that loads it (the module docstring
has the sources).
"""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path

from typer.testing import CliRunner

from hangar.catalog.model_config import model_row, read_config
from hangar.cli import app
from hangar.sizing.engine_models import engine_refusal, first_served
from tests.config_errors import config_problems
from tests.h200_stacks import with_deployment

CONFIGS = Path(__file__).parent / "model_configs"
DEVSTRAL = "mistralai/Devstral-Small-2-24B-Instruct-2512"


def devstral_config() -> dict:
    return json.loads((CONFIGS / "devstral-small-2-24b-instruct.json").read_text())


def mistral_small_config() -> dict:
    """The same file with a `mistral` text config, as Mistral Small 3.1 writes it (one layout, one architecture)."""
    config = devstral_config()
    return {**config, "text_config": {**config["text_config"], "model_type": "mistral"}}


def row(config: dict, hf_id: str = DEVSTRAL):
    return model_row(hf_id, config, licence_id="apache-2.0", source="tests/model_configs", as_of=datetime.date(2026, 12, 2))


def test_the_reader_keeps_the_text_model_type_beside_the_layout():
    devstral, small = read_config(devstral_config()), read_config(mistral_small_config())
    assert (devstral.model_type, devstral.text_model_type) == ("mistral", "ministral3")
    assert (small.model_type, small.text_model_type) == ("mistral", "mistral")
    nameless = devstral_config()
    del nameless["text_config"]["model_type"]  # Mistral3Config builds a text config without one as "mistral"
    assert read_config(nameless).text_model_type == "mistral"
    assert row(devstral_config()).text_model_type == "ministral3"


def test_packaged_rows_carry_it_from_their_config_and_leave_it_empty_without_one():
    from hangar.catalog import load_catalog

    catalog = load_catalog()
    assert catalog.model("google/gemma-3-27b-it").text_model_type == "gemma3_text"
    assert catalog.model("moonshotai/Kimi-K2-Instruct").text_model_type == "kimi_k2"  # as written; read as deepseek_v3
    assert catalog.model("CohereLabs/c4ai-command-r-v01").text_model_type == "cohere"
    assert catalog.model("meta-llama/Llama-3.1-405B-Instruct").text_model_type is None  # read from Meta's SKU args, not a config.json


def test_devstral_small_2_is_refused_until_v0_20_0_for_the_reason_each_release_has():
    devstral = row(devstral_config())
    assert engine_refusal(devstral, "v0.11.2") == (
        f"vLLM v0.11.2 cannot load {DEVSTRAL}: its text config's model_type ministral3 came in transformers 5.0.0, and v0.11.2 "
        "requires transformers>=4.56.0,<5, whose Mistral3Config cannot build that text config; vLLM serves it from v0.20.0 "
        "when it reads the config.json. If the repository also ships Mistral's params.json and consolidated*.safetensors (not "
        "read here), v0.11.2 loads those with --config-format mistral --load-format mistral --tokenizer-mode mistral (flags "
        "Hangar does not pass; by default from v0.12.0), as PixtralForConditionalGeneration over MistralForCausalLM with its "
        "llama_4_scaling"
    )
    assert "and v0.19.0 requires transformers>=4.56.0,<5" in engine_refusal(devstral, "v0.19.0")
    assert engine_refusal(devstral, "v0.19.1") == (
        f"vLLM v0.19.1 cannot load {DEVSTRAL}: v0.19.1 admits transformers 5 but gives the ministral3 text config no "
        "architectures, so its model registry raises 'No model architectures are specified'; vLLM serves it from v0.20.0 "
        "when it reads the config.json. If the repository also ships Mistral's params.json and consolidated*.safetensors (not "
        "read here), v0.19.1 loads those instead by default, as PixtralForConditionalGeneration over MistralForCausalLM with "
        "its llama_4_scaling"
    )
    assert engine_refusal(devstral, "v0.10.0").startswith(f"vLLM v0.10.0 cannot load {DEVSTRAL}: v0.10.0 is older than v0.11.2, where its text config")
    assert engine_refusal(devstral, "v0.20.0") is None and engine_refusal(devstral, "0.33.0") is None
    assert first_served(devstral) == "v0.20.0"


def test_mistral_small_3_1_of_the_same_architecture_is_not_refused():
    small = row(mistral_small_config(), "mistralai/Mistral-Small-3.1-24B-Instruct-2503")
    assert engine_refusal(small, "v0.11.2") is None and first_served(small) is None


def test_an_imported_devstral_on_an_older_engine_is_a_config_error_naming_the_release(tmp_path, aws_environment):
    overrides = tmp_path / "overrides"
    config = tmp_path / "config.json"
    config.write_text(json.dumps(devstral_config()))
    imported = CliRunner().invoke(app, ["catalog", "import-model", DEVSTRAL, "--config", str(config), "--licence", "apache-2.0",
                                        "--overrides", str(overrides)], catch_exceptions=False, env={"COLUMNS": "200"})
    assert imported.exit_code == 0, imported.output
    raw = with_deployment(copy.deepcopy(aws_environment), model=DEVSTRAL, engine_version="v0.19.1")
    raw["catalog_overrides"] = str(overrides)
    problems = [p for p in config_problems(raw) if ".model:" in p]
    assert problems == [
        f"Pulumi.test.yaml: hangar:environment.deployments[0].model: vLLM v0.19.1 cannot load {DEVSTRAL}: v0.19.1 admits "
        "transformers 5 but gives the ministral3 text config no architectures, so its model registry raises 'No model "
        "architectures are specified'; vLLM serves it from v0.20.0 when it reads the config.json. If the repository also "
        "ships Mistral's params.json and consolidated*.safetensors (not read here), v0.19.1 loads those instead by default, "
        "as PixtralForConditionalGeneration over MistralForCausalLM with its llama_4_scaling: set "
        "deployments[0].engine_version to v0.20.0 or later, "
        "or serve another model (Hangar's generated vLLM arguments are verified for v0.11.2 and v0.33.0); "
        f"got '{DEVSTRAL}'"
    ]
