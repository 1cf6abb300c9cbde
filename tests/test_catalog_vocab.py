"""The vocabulary of a model row (`vocab_size`): the rows of its token embedding and output head.

What LoRA's embedding / lm_head slots are sized from. Read by the same reader as the other architecture
columns from the config.json fixtures in tests/model_configs/ (sources in sources.json), from the text
model's config where a release nests one; a row whose config.json was not read keeps it empty.
"""

from __future__ import annotations

import csv
import datetime
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from hangar.catalog import load_catalog
from hangar.catalog.errors import CatalogError
from hangar.catalog.model_config import ConfigError, read_config
from hangar.catalog.model_import import import_row, write_model_override
from hangar.catalog.model_row import Model

CONFIGS = Path(__file__).parent / "model_configs"
SOURCES = json.loads((CONFIGS / "sources.json").read_text())
CAT = load_catalog()


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


def test_every_row_read_from_a_config_carries_that_configs_vocabulary():
    checked = 0
    for name, entry in SOURCES.items():
        if entry.get("reader_only") or entry["hf_id"] not in {m.hf_id for m in CAT.models.values()}:
            continue
        fields = config(name)
        text = fields.get("text_config") if isinstance(fields.get("text_config"), dict) else fields
        if "vocab_size" in text:  # Gemma 3's short configs leave it to the transformers default (next test)
            assert CAT.model(entry["hf_id"]).vocab_size == text["vocab_size"], name
            checked += 1
    assert checked >= 30


def test_known_vocabularies_of_several_families():
    expected = {
        "meta-llama/Llama-3.1-8B-Instruct": 128256,
        "Qwen/Qwen3-8B": 151936,
        "deepseek-ai/DeepSeek-V3": 129280,
        "openai/gpt-oss-20b": 201088,
        "mistralai/Mistral-7B-Instruct-v0.3": 32768,
        "google/gemma-4-26B-A4B": 262144,
    }
    assert {hf_id: CAT.model(hf_id).vocab_size for hf_id in expected} == expected


def test_a_nested_text_config_gives_the_vocabulary_and_gemma3_takes_the_transformers_default():
    scout = config("llama-4-scout-17b-16e-instruct.json")
    assert "vocab_size" not in scout or scout["vocab_size"] == scout["text_config"]["vocab_size"]
    assert read_config(scout).vocab_size == scout["text_config"]["vocab_size"] == 202048
    short = config("gemma-3-4b-it.json")
    text = {k: v for k, v in short["text_config"].items() if k != "vocab_size"}
    assert read_config({**short, "text_config": text}).vocab_size == 262_208  # Gemma3TextConfig default at transformers 008f5c8c


def test_a_config_without_a_vocabulary_is_refused_naming_the_field():
    fields = {k: v for k, v in config("qwen3-8b.json").items() if k != "vocab_size"}
    with pytest.raises(ConfigError, match=r"^vocab_size: missing"):
        read_config(fields)
    with pytest.raises(ConfigError, match=r"^vocab_size: 0 is not a positive whole number"):
        read_config({**fields, "vocab_size": 0})


@pytest.mark.parametrize(
    ("hf_id", "vocab", "stated"),
    [
        ("meta-llama/Llama-3.1-405B-Instruct", 128256, "vocab_size VOCAB_SIZE = 128256"),  # llama-models sku_list.py
        ("microsoft/Phi-3-mini-4k-instruct", 32064, "vocab_size 32064"),  # Phi3Config default
        ("openai-community/gpt2", 50257, "vocab_size 50257"),  # GPT2Config default
    ],
)
def test_rows_verified_from_architecture_arguments_carry_the_vocabulary_those_arguments_state(hf_id, vocab, stated):
    row = CAT.model(hf_id)
    assert row.vocab_size == vocab and stated in row.source


def test_unread_vocabularies_stay_empty():
    # DeepMind's gemma2_9b num_embed (256128) is its own checkpoint's embedding, not the HF config's vocab_size
    gemma = CAT.model("google/gemma-2-9b")
    assert gemma.vocab_size is None and "vocab_size left empty" in (gemma.notes or "")
    assert CAT.model("google/gemma-2-9b-it").vocab_size == 256000


def test_import_model_writes_the_vocabulary(tmp_path):
    row = import_row("acme/qwen3-8b-copy", CONFIGS / "qwen3-8b.json", licence_id="apache-2.0", revision=None, today=datetime.date(2026, 12, 2))
    target = write_model_override(tmp_path, row)
    with target.open(newline="") as handle:
        (written,) = list(csv.DictReader(handle))
    assert written["vocab_size"] == "151936"
    assert load_catalog(tmp_path).model("acme/qwen3-8b-copy").vocab_size == 151936


def test_a_row_with_a_bad_vocabulary_is_refused_naming_the_column(tmp_path):
    with pytest.raises(ValidationError, match="vocab_size"):
        Model(**{**CAT.model("Qwen/Qwen3-8B").model_dump(), "vocab_size": 0})
    packaged = CAT.model("Qwen/Qwen3-8B").model_dump(mode="json")
    packaged.update(hf_id="acme/bad-vocab", vocab_size="many")
    with (tmp_path / "models.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(packaged))
        writer.writeheader()
        writer.writerow({k: "" if v is None else v for k, v in packaged.items()})
    with pytest.raises(CatalogError, match="vocab_size"):
        load_catalog(tmp_path)
