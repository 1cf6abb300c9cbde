"""A copy of a stack whose stack file names a catalog overrides directory, and an override row written into it as a user would: what the weakening and diff base-cache tests share."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from tests.conftest import ROOT

DATA = ROOT / "hangar" / "catalog" / "data"
BAD = ROOT / "tests" / "bad_stacks"


def override(directory: Path, table: str, key_column: str, key: str, **changes: str) -> None:
    """Write `directory/table` with the packaged row `key` changed as given (an override file a user would write)."""
    rows = list(csv.DictReader((DATA / table).open(encoding="utf-8")))
    (row,) = [r for r in rows if r[key_column] == key]
    row.update(changes)
    directory.mkdir(exist_ok=True)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerow(row)
    (directory / table).write_text(text.getvalue(), encoding="utf-8")


UNSIZED = "acme/llama-3.1-8b-support"
"""A team's own fine-tune of Llama 3.1 8B Instruct, its row written by hand (no config.json imported): no widths."""


def unsized_model(directory: Path) -> str:
    """Write UNSIZED's override row into `directory` (Llama 3.1 8B Instruct's row without the widths, vocabulary and
    output head a config.json would give) and return the directory's path: a model whose LoRA slots and embeddings
    the catalog cannot size (no packaged row lacks them: every one is read from a config.json or the vendor's own
    architecture arguments)."""
    override(directory, "models.csv", "hf_id", "meta-llama/Llama-3.1-8B-Instruct", hf_id=UNSIZED, base_model="meta-llama/Llama-3.1-8B-Instruct",
             hidden_size="", intermediate_size="", vocab_size="", tie_word_embeddings="", text_model_type="", dtype="", revision="",
             config_verified="false", source="acme's own fine-tune; config.json not imported")
    return str(directory)


def project(tmp_path: Path, stack: str, *, source: Path = BAD, overrides: str | None = "ours") -> Path:
    """A copy of a stack (with the repository's program) whose stack file names `overrides`."""
    (tmp_path / "stacks").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(ROOT / "__main__.py", tmp_path / "__main__.py")
    text = (source / "stacks" / f"Pulumi.{stack}.yaml").read_text()
    if overrides:
        text = text.replace("    budget:\n", f"    catalog_overrides: {overrides}\n    budget:\n", 1)
    (tmp_path / "stacks" / f"Pulumi.{stack}.yaml").write_text(text)
    return tmp_path
