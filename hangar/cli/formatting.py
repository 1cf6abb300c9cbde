"""What the hardware and price commands share: catalog loading with clean errors, money, JSON output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from hangar.cli.app import fail

if TYPE_CHECKING:
    from hangar.catalog import Catalog

OverridesOption = typer.Option(
    None, "--overrides", help="Directory (or one CSV) of catalog rows that add to or replace the packaged ones.", show_default=False
)
UNKNOWN = "unknown"


def load_catalog_or_fail(overrides: Path | None) -> Catalog:
    from hangar.catalog import CatalogError, load_catalog  # here: `hangar cost` prints a stored report without the catalog

    try:
        return load_catalog(overrides)
    except CatalogError as error:
        raise fail([p.describe() for p in error.problems])


def money(value: float | None, digits: int = 2) -> str:
    return UNKNOWN if value is None else f"{value:,.{digits}f}"


def print_json(document: Any) -> None:
    json.dump(document, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def split_values(values: list[str] | None) -> list[str]:
    """Repeated options and comma-separated lists alike: `-p fp8 -p bf16` or `-p fp8,bf16`."""
    return [item.strip() for value in values or [] for item in value.split(",") if item.strip()]


