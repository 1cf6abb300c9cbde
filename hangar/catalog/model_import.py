"""Write a model row read from a config.json into a catalog override directory, whole or not at all.

The row replaces any row of the same `hf_id` in `<directory>/models.csv` (created with the full
header when missing); the result is loaded back with the packaged catalog before it replaces the
file, so a row that does not validate (an unknown licence, say) leaves the directory as it was.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .errors import CatalogError
from .loader import load_catalog
from .mistral_params import is_mistral_params
from .model_config import ConfigError, model_row
from .model_row import Model
from .modelopt import HF_QUANT_CONFIG

MODELS_FILE = "models.csv"


def read_config_file(path: Path) -> dict[str, Any]:
    """The JSON object in `path`; ConfigError (field "(file)") when it is missing or not JSON."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ConfigError("(file)", f"cannot read {path}: {error.strerror or error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError("(file)", f"{path} is not JSON: {error.msg} at line {error.lineno}") from None


def import_row(
    hf_id: str,
    config_path: Path,
    *,
    licence_id: str,
    revision: str | None,
    today: datetime.date,
    base_licence_id: str | None = None,
    base_model: str | None = None,
    family: str | None = None,
    quant_config_path: Path | None = None,
) -> Model:
    """The catalog row for `hf_id` from its config.json, with its source: the file and the revision read.

    Like vLLM, it reads the `hf_quant_config.json` of a ModelOpt checkpoint (`hangar.catalog.modelopt`) when config.json
    declares no quantisation: `quant_config_path`, else the file of that name beside config.json if there is one. A
    `quant_config_path` given for a config.json that has its own `quantization_config` is refused: vLLM would not read it."""
    config = read_config_file(config_path)
    quant_path = quant_config_path
    if quant_path is None and (Path(config_path).parent / HF_QUANT_CONFIG).is_file():
        quant_path = Path(config_path).parent / HF_QUANT_CONFIG
    own = isinstance(config, dict) and any(isinstance(config.get(key), dict) for key in ("quantization_config", "compression_config"))
    if quant_config_path is not None and own:
        raise ConfigError(HF_QUANT_CONFIG, f"{quant_config_path} is not read: config.json has its own quantization_config, which vLLM reads instead")
    quant = read_config_file(quant_path) if quant_path is not None and not own else None
    kind = "params.json" if is_mistral_params(config) else "config.json"  # Mistral's own format (hangar.catalog.mistral_params)
    at = f"revision {revision} (https://huggingface.co/{hf_id}/blob/{revision}/{kind})" if revision else "an unrecorded revision"
    read = Path(config_path).name if quant is None else f"{Path(config_path).name} and {Path(quant_path).name}"
    source = f"{kind} of {hf_id} at {at}, read from {read} by hangar catalog import-model on {today.isoformat()}"
    return model_row(
        hf_id,
        config,
        licence_id=licence_id,
        base_licence_id=base_licence_id,
        base_model=base_model,
        source=source,
        revision=revision,
        as_of=today,
        family=family,
        notes="parameter counts are ESTIMATES from the config's weight shapes",
        quant_config=quant,
    )


def write_model_override(directory: Path, row: Model) -> Path:
    """Put `row` in `<directory>/models.csv` (replacing its hf_id), check the whole catalog loads, then replace the file."""
    directory = Path(directory)
    target = directory / MODELS_FILE
    columns = list(Model.model_fields)
    rows: list[dict[str, str]] = []
    if target.exists():
        with target.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns += [c for c in reader.fieldnames or [] if c not in columns]
            rows = [r for r in reader if (r.get("hf_id") or "").strip() != row.hf_id]
    rows.append({name: _cell(getattr(row, name)) for name in Model.model_fields})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    with tempfile.TemporaryDirectory(prefix="hangar-import-") as scratch:
        # validate the directory as it would be, with the packaged catalog, before touching it
        staged = Path(scratch)
        if directory.is_dir():
            for other in directory.glob("*.csv"):
                if other.name != MODELS_FILE:
                    shutil.copyfile(other, staged / other.name)
        (staged / MODELS_FILE).write_text(buffer.getvalue(), encoding="utf-8")
        try:
            load_catalog(staged)
        except CatalogError as error:  # name the file the user will have, not the scratch copy
            raise CatalogError(dataclasses.replace(p, file=str(directory / Path(p.file).name)) for p in error.problems) from None
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".models-", suffix=".csv", dir=directory)
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
        out.write(buffer.getvalue())
    os.replace(temporary, target)
    return target


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
