"""Qwen3-8B's real config.json with the YaRN block its model card describes: the config whose context differs between
vLLM v0.11.2 and v0.33.0 (`hangar.sizing.context`), shared by tests/test_context_releases.py and tests/docs_facts.py."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from hangar.catalog.model_config import model_row

CONFIGS = Path(__file__).parent / "model_configs"
YARN = {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}
"""The rope_scaling block Qwen3's model card has users add for 131,072 tokens (tests/model_configs/sources.json's note on
Qwen3-8B: "131072 with YaRN per the model card, not configured here")."""
QWEN3_YARN = "example-org/Qwen3-8B-YaRN"


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


def qwen3_yarn(**extra) -> dict:
    return {**config("qwen3-8b.json"), "rope_scaling": dict(YARN), **extra}


def yarn_row(**extra):
    return model_row(QWEN3_YARN, qwen3_yarn(**extra), licence_id="apache-2.0", base_model="Qwen/Qwen3-8B",
                     source="Qwen3-8B's config.json with its model card's YaRN block", as_of=datetime.date(2026, 12, 2))
