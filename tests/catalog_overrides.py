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
