"""Architectures the pinned vLLM (v0.11.2) no longer serves are refused when a config.json is read.

vLLM v0.11.2 raises for every architecture in its registry's `_PREVIOUSLY_SUPPORTED_MODELS`
(vllm/model_executor/models/registry.py), Llama 3.2 Vision's `MllamaForConditionalGeneration` among them, so a catalog
row for one would size a model the server cannot load. The reader refuses it naming `architectures` and the last vLLM
release that served it. The Llama 3.2 90B Vision fixture is a whole copy of its config.json (source in sources.json).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.catalog.model_config import ConfigError, read_config
from hangar.cli import app

CONFIGS = Path(__file__).parent / "model_configs"
VISION = CONFIGS / "llama-3.2-90b-vision-instruct.json"


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


def test_llama_3_2_vision_is_refused_because_vllm_0_11_2_no_longer_serves_mllama():
    vision = json.loads(VISION.read_text())
    assert vision["architectures"] == ["MllamaForConditionalGeneration"] and vision["model_type"] == "mllama"
    with pytest.raises(ConfigError, match=r"^architectures: MllamaForConditionalGeneration is not served by vLLM v0\.11\.2, "
                                          r"the server Hangar deploys: vLLM served it until v0\.10\.2$"):
        read_config(vision)
    # without the architecture the layout itself is still unknown to the reader: refused, naming model_type
    with pytest.raises(ConfigError, match=r"^model_type: 'mllama_text_model' is not a layout Hangar can read"):
        read_config({k: v for k, v in vision.items() if k != "architectures"})


def test_a_layout_the_reader_knows_is_refused_when_vllm_dropped_its_architecture():
    phi = config("phi-4.json")
    assert read_config(phi).layers == phi["num_hidden_layers"]  # Phi3ForCausalLM: served
    with pytest.raises(ConfigError, match=r"^architectures: Phi3SmallForCausalLM is not served by vLLM v0\.11\.2.*until v0\.9\.2$"):
        read_config({**phi, "architectures": ["Phi3SmallForCausalLM"]})


def test_import_model_refuses_it_and_writes_nothing(tmp_path):
    out = tmp_path / "overrides"
    result = CliRunner().invoke(app, ["catalog", "import-model", "meta-llama/Llama-3.2-90B-Vision-Instruct", "--config", str(VISION),
                                      "--licence", "mit", "--overrides", str(out)], catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert f"--config {VISION}: architectures: MllamaForConditionalGeneration is not served by vLLM v0.11.2" in result.stderr
    assert "Traceback" not in result.output and not out.exists()
