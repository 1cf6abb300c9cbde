"""A row `hangar catalog import-model` makes names the class its config.json names: the release checks
(hangar.sizing.engine_models) and the LoRA checks key on it, so an unmapped model_type would pass a release that
cannot load the model (Qwen3.5 imported at vLLM v0.11.2 did, 2026-12-03)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from hangar.catalog.config_fields import ConfigError
from hangar.catalog.model_config import model_row
from hangar.sizing.engine_models import engine_refusal
from hangar.sizing.lora_architectures import architecture

CONFIGS = sorted(path for path in (Path(__file__).parent / "model_configs").glob("*.json") if path.name != "sources.json")


def imported(path: Path):
    config = json.loads(path.read_text())
    try:
        return config, model_row(f"team/{path.stem}", config, licence_id="apache-2.0", source="test", as_of=datetime.date(2026, 12, 3))
    except ConfigError:
        return config, None  # refused layouts are tested where they are refused


READ = [path for path in CONFIGS if imported(path)[1] is not None]


def test_the_fixtures_read_are_most_of_them():
    assert len(READ) >= len(CONFIGS) - 5  # Llama 3.2 Vision and Step's curated copies are refused, by name, elsewhere


@pytest.mark.parametrize("path", READ, ids=[path.stem for path in READ])
def test_an_imported_row_names_the_class_of_its_config(path: Path):
    config, row = imported(path)
    named = config.get("architectures", [None])[0]
    if named == "Ministral3ForCausalLM":
        named = "MistralForCausalLM"  # registered as Mistral's class; its releases are judged by its text type (ministral3)
    if named == "Gemma3ForConditionalGeneration" and row.multimodal is False:
        named = "Gemma3ForCausalLM"
    assert architecture(row) == named


def test_qwen3_5_imported_is_refused_at_v0_11_2_as_the_packaged_row_is():
    _, row = imported(Path(__file__).parent / "model_configs" / "qwen3.5-27b.json")
    refusal = engine_refusal(row, "v0.11.2")
    assert refusal is not None and "Qwen3_5ForConditionalGeneration is not in v0.11.2's model registry" in refusal
    assert engine_refusal(row, "v0.33.0") is None
