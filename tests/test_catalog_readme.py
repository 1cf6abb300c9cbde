"""hangar/catalog/data/README.md's lists of what the packaged catalog leaves out stay true.

The README names, in backticks, the releases left out (no row), and says that no row is compiled from a model card; a
row added while the README says it is left out fails here, as does a config.json kept in tests/model_configs/ that
makes no row and is not explained there, or a row compiled from a model card.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hangar.catalog import load_catalog
from tests.docs_sync import ROOT

README = ROOT / "hangar" / "catalog" / "data" / "README.md"
CONFIGS = Path(__file__).parent / "model_configs"
CAT = load_catalog()
RELEASE = re.compile(r"`([A-Za-z0-9][\w.-]*/[\w.-]+(?<!\.py)(?<!\.json)(?<!\.md)(?<!\.csv))`")
"""A Hugging Face repo id in backticks (`org/name`), not a file path such as `models/sku_list.py`."""


def section(text: str, heading: str) -> str:
    """The text under `## heading` up to the next `## `."""
    start = text.index(f"## {heading}\n")
    following = text.find("\n## ", start + 1)
    return text[start : following if following != -1 else len(text)]


def releases(text: str) -> set[str]:
    return set(RELEASE.findall(text))


def test_every_release_listed_as_left_out_has_no_row():
    left_out = releases(section(README.read_text(), "Left out (no row), and why"))
    assert left_out, "the README lists releases left out in backticks"
    assert sorted(left_out & set(CAT.models)) == []


def test_no_row_is_compiled_from_a_model_card_as_the_readme_says():
    # issue 19: where no primary source could be read, the row is left out (and listed), never compiled
    rows = section(README.read_text(), "Rows not read from a config.json")
    assert "\nNo rows keep numbers compiled from model cards" in rows and releases(rows) == set()
    assert [hf_id for hf_id, model in CAT.models.items() if not model.config_verified] == []
    left_out = releases(section(README.read_text(), "Left out (no row), and why"))
    assert {"meta-llama/Llama-4-Scout-17B-16E-Instruct", "deepseek-ai/DeepSeek-R1-Distill-Llama-70B"} <= left_out


@pytest.mark.parametrize(
    "name",
    sorted(name for name, entry in json.loads((CONFIGS / "sources.json").read_text()).items()
           if not entry.get("reader_only") and entry["hf_id"] not in CAT.models),
)
def test_a_config_json_kept_without_a_row_is_listed_with_its_reason(name):
    entry = json.loads((CONFIGS / "sources.json").read_text())[name]
    assert entry["hf_id"] in releases(section(README.read_text(), "Left out (no row), and why")), (
        f"tests/model_configs/{name} makes no catalog row: say why under 'Left out (no row), and why'"
    )


# --- the checks can fail -------------------------------------------------------------------------------------


def test_a_left_out_release_that_has_a_row_is_caught():
    text = "## Left out (no row), and why\n\n- `Qwen/Qwen3-32B`: said to have no row\n\n## Next\n"
    assert releases(section(text, "Left out (no row), and why")) & set(CAT.models) == {"Qwen/Qwen3-32B"}


def test_paths_and_field_names_in_backticks_are_not_taken_for_releases():
    text = "`tests/model_configs/` `models/sku_list.py` `quantization_config` `model_type: ministral3` `google/gemma-3-1b-it`"
    assert releases(text) == {"google/gemma-3-1b-it"}
