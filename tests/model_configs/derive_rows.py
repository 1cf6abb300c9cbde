"""Re-derive the packaged model rows from the config.json fixtures beside this file.

`python -m tests.model_configs.derive_rows` rewrites `hangar/catalog/data/models.csv`: every row whose
model has a fixture gets the architecture `hangar.catalog.model_config` reads from it, with the fixture's
source and revision (and, where the entry names one, its `licence_source`); a fixture whose `sources.json`
entry carries a `row` (family, licence_id, licence source, notes, base_model) and whose model has no row
yet adds one; an entry marked `reader_only` (a trimmed copy) tests the reader and never makes a row. Rows without a
fixture are left as they are. tests/test_model_config.py checks that the packaged rows equal what this produces.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path
from typing import Any

from hangar.catalog.model_config import read_config
from hangar.catalog.model_row import Model

HERE = Path(__file__).parent
MODELS_CSV = HERE.parent.parent / "hangar" / "catalog" / "data" / "models.csv"
NOTE = "architecture and parameter counts (ESTIMATE from weight shapes) read from config.json by hangar.catalog.model_config"
STALE = ("as_of approximate", "licence via a 3rd-party listing", "architecture assumed", "not re-read")
"""Note fragments of a row compiled before its config.json was read, dropped once it is."""


def config_url(entry: dict[str, Any]) -> str:
    """Where the fixture was read: a GitHub blob at a commit, or a Hugging Face page of the file (the release's own at a
    revision, or a Hugging Face duplicate of the release's repository: `duplicate_of`)."""
    if entry.get("repo"):
        return f"https://github.com/{entry['repo']}/blob/{entry['commit']}/{entry['path']}"
    return entry["url"]


def revision(entry: dict[str, Any]) -> str:
    return entry.get("commit") or entry["revision"]


def quant_config_path(entry: dict[str, Any]) -> Path | None:
    """The fixture of the `hf_quant_config.json` kept beside a ModelOpt checkpoint's config.json (its `quant_config`
    entry: `file` under this directory, `path` in the same repository at the same commit), or None."""
    return HERE / entry["quant_config"]["file"] if entry.get("quant_config") else None


def quant_config(entry: dict[str, Any]) -> dict[str, Any] | None:
    """That file's contents, which the reader takes where config.json declares no quantisation (as vLLM does)."""
    path = quant_config_path(entry)
    return None if path is None else json.loads(path.read_text())


def _source(entry: dict[str, Any], licence_source: str) -> str:
    kind = "a copy of the Hugging Face repo's config.json" if entry.get("repo") else "the Hugging Face repo's config.json"
    if entry.get("duplicate_of"):
        kind = f"a copy of the Hugging Face repo's config.json, in a Hugging Face duplicate of {entry['duplicate_of']} at its commit {entry['revision']}"
    quant = ""
    if entry.get("quant_config"):
        quant = f"; hf_quant_config.json: https://github.com/{entry['repo']}/blob/{entry['commit']}/{entry['quant_config']['path']}"
    return f"config.json: {config_url(entry)} ({kind}, read {entry['read']}){quant}; licence: {licence_source}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def derive(rows: list[dict[str, str]], sources: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    """The rows with every fixture's architecture applied, and the new rows its sources.json entries describe."""
    by_id = {row["hf_id"]: row for row in rows}
    for name, entry in sorted(sources.items()):
        if entry.get("reader_only"):  # a trimmed copy that tests the reader: never the source of a packaged row
            continue
        arch = read_config(json.loads((HERE / name).read_text()), quant_config(entry))
        row = by_id.get(entry["hf_id"])
        if row is None:
            spec = entry.get("row")
            if spec is None:
                continue
            row = {"hf_id": entry["hf_id"], "family": spec["family"], "licence_id": spec["licence_id"], "base_licence_id": spec.get("base_licence_id") or "",
                   "base_model": spec.get("base_model") or "", "notes": "; ".join([NOTE, *spec.get("notes", [])]),
                   "source": _source(entry, spec["licence_source"])}
            rows.append(row)
            by_id[row["hf_id"]] = row
        else:
            licence_source = row["source"].split("; licence: ", 1)[1] if "; licence: " in row["source"] else row["source"]
            row["source"] = _source(entry, entry.get("licence_source", licence_source))
            kept = [part for part in row["notes"].split("; ") if part and part != NOTE and not any(stale in part for stale in STALE)]
            row["notes"] = "; ".join([NOTE, *kept])
        row.update({key: _cell(value) for key, value in arch.row_fields().items()})
        row.update(config_verified="true", revision=revision(entry), as_of=entry["read"])
    return rows


def main() -> None:
    with MODELS_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    columns += [name for name in Model.model_fields if name not in columns]
    rows = derive(rows, json.loads((HERE / "sources.json").read_text()))
    for row in rows:  # every row must still be a valid Model
        Model(**{k: v for k, v in row.items() if v != ""})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    MODELS_CSV.write_text(buffer.getvalue(), encoding="utf-8")
    print(f"{MODELS_CSV}: {len(rows)} rows, derived {datetime.date.today().isoformat()}")


if __name__ == "__main__":
    main()
