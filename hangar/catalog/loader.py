"""Read the catalog's CSV files, validate every row, apply user overrides, cross-check references.

Nothing is read at import time: `load_catalog()` parses the packaged files
on first use and caches the result (per override path, and per the override
files' modification times so an edited file is re-read).

Overrides are a directory holding any of gpus.csv, instances.csv, tpus.csv,
models.csv, licences.csv, kubernetes_versions.csv, accelerator_performance.csv,
serving_measurements.csv (or one of those files named directly), with the same
columns as the packaged files; columns that are optional may be left out.  A
row whose key matches a packaged row replaces it; a new key adds a row.  Keys:
gpus `name`; instances (`cloud`, `instance_type`, `region`); tpus
(`generation`, `machine_type`, `single_host`); models `hf_id`; licences `id`;
kubernetes_versions (`cloud`, `version`); accelerator_performance `accelerator`; serving_measurements `id`.
An on-prem GPU server at an amortised $/hour is an instances row with
cloud=onprem.  Override rows are validated exactly like packaged ones.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable

from pydantic import BaseModel, ValidationError

from .catalog import Catalog
from .errors import CatalogError, Problem, RowProblem
from .kubernetes import KubernetesVersion
from .licence_row import Licence
from .model_row import Model
from .performance import AcceleratorPerformance, ServingMeasurement
from .schema import Gpu, InstanceType, TpuMachine


@dataclass(frozen=True)
class Table:
    """One data file: its row model and the key that identifies a row."""

    filename: str
    row: type[BaseModel]
    key: Callable[[Any], Hashable]
    key_columns: tuple[str, ...]


TABLES: tuple[Table, ...] = (
    Table("gpus.csv", Gpu, lambda r: r.name, ("name",)),
    Table("instances.csv", InstanceType, lambda r: r.key, ("cloud", "instance_type", "region")),
    Table("tpus.csv", TpuMachine, lambda r: r.key, ("generation", "machine_type", "single_host")),
    Table("models.csv", Model, lambda r: r.hf_id, ("hf_id",)),
    Table("licences.csv", Licence, lambda r: r.id, ("id",)),
    Table("kubernetes_versions.csv", KubernetesVersion, lambda r: r.key, ("cloud", "version")),
    Table("accelerator_performance.csv", AcceleratorPerformance, lambda r: r.accelerator, ("accelerator",)),
    Table("serving_measurements.csv", ServingMeasurement, lambda r: r.id, ("id",)),
)
_BY_NAME = {t.filename: t for t in TABLES}


@dataclass(frozen=True)
class Located:
    """A validated row and where it came from (for error messages)."""

    row: Any
    file: str
    index: int
    line: int


_SLUG = "a lower-case id of letters, digits, '.' and '-' (e.g. apache-2.0)"
_PATTERN_HELP = {
    "flags": "upper-case tokens separated by spaces (e.g. SUSPECT_LOW ESTIMATE)",
    "hf_id": "a Hugging Face repo id 'org/name'",
    "base_model": "a Hugging Face repo id 'org/name'",
    "id": _SLUG,
    "licence_id": _SLUG,
    "base_licence_id": _SLUG,
    "generation": _SLUG,
}


def _problem_from(err: dict, file: str, index: int, line: int, cells: dict[str, str]) -> Problem:
    """Turn one pydantic error into a Problem naming the column and the value given."""
    ctx_error = (err.get("ctx") or {}).get("error")
    if isinstance(ctx_error, RowProblem):
        return Problem(file, index, line, ctx_error.column, ctx_error.value, ctx_error.message)
    loc = err.get("loc") or ()
    column = str(loc[0]) if loc else None
    if err.get("type") == "missing":
        return Problem(file, index, line, column, None, "required: this cell may not be empty")
    if err.get("type") == "extra_forbidden":
        return Problem(file, index, line, column, None, "unknown column")
    value = cells.get(column, err.get("input")) if len(loc) <= 1 else err.get("input")
    message = err.get("msg", "invalid")
    if err.get("type") == "string_pattern_mismatch" and column in _PATTERN_HELP:
        message = f"expected {_PATTERN_HELP[column]}"
    if column and column.startswith("price") and err.get("type") in ("float_parsing", "greater_than"):
        message += "; a price is a positive number of USD, or an empty cell when unknown"
    return Problem(file, index, line, column, value, message)


def _read_rows(text: str, file: str, table: Table) -> tuple[list[Located], list[Problem]]:
    """Parse and validate every row of one CSV file; collect all problems rather than stop at the first."""
    reader = csv.reader(io.StringIO(text))
    rows: list[Located] = []
    problems: list[Problem] = []
    header = next(reader, None)
    if header is None:
        return rows, [Problem(file, None, None, None, None, "file is empty: expected a header row")]
    header = [h.strip() for h in header]
    allowed = list(table.row.model_fields)
    for name in header:
        if name not in table.row.model_fields:
            problems.append(Problem(file, 0, 1, name, None, f"unknown column; allowed: {', '.join(allowed)}"))
    if len(set(header)) != len(header):
        problems.append(Problem(file, 0, 1, None, None, "header names a column twice"))
    for missing in (c for c in table.key_columns if c not in header):
        problems.append(Problem(file, 0, 1, missing, None, "key column missing from the header"))
    if problems:
        return rows, problems
    index = 0
    while True:
        line = reader.line_num + 1
        try:
            cells_list = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(file, index + 1, line, None, None, f"CSV syntax: {exc}"))
            break
        if not any(c.strip() for c in cells_list) or cells_list[0].lstrip().startswith("#"):
            continue  # blank line or comment
        index += 1
        if len(cells_list) > len(header):
            problems.append(Problem(file, index, line, None, None, f"{len(cells_list)} cells but the header has {len(header)}"))
            continue
        cells = {h: c.strip() for h, c in zip(header, cells_list)}
        present = {h: c for h, c in cells.items() if c != ""}  # empty cell = unknown -> field default
        try:
            rows.append(Located(table.row.model_validate(present), file, index, line))
        except ValidationError as exc:
            problems.extend(_problem_from(e, file, index, line, cells) for e in exc.errors())
    return rows, problems


def _merge(
    table: Table, base: list[Located], extra: list[Located], problems: list[Problem]
) -> list[Located]:
    """Rows of `base` with `extra` applied: same key replaces in place, new key appends."""
    merged: dict[Hashable, Located] = {}
    for source in (base, extra):
        seen: dict[Hashable, Located] = {}
        for item in source:
            key = table.key(item.row)
            if key in seen:
                first = seen[key]
                problems.append(
                    Problem(item.file, item.index, item.line, ", ".join(table.key_columns), key,
                            f"duplicate key: row {first.index} already defines it")
                )
                continue
            seen[key] = item
            merged[key] = item
    return list(merged.values())


def _check_references(located: dict[str, list[Located]], problems: list[Problem]) -> None:
    """Instance GPUs must be catalog GPUs; model licences must be catalog licences; a base model must be a catalog model;
    performance rows and measurements must name catalog accelerators (and models)."""
    gpus = {item.row.name for item in located["gpus.csv"]}
    licences = {item.row.id for item in located["licences.csv"]}
    for item in located["instances.csv"]:
        if item.row.gpu is not None and item.row.gpu not in gpus:
            problems.append(Problem(item.file, item.index, item.line, "gpu", item.row.gpu,
                                    f"unknown GPU; allowed: {', '.join(sorted(gpus))} (or add it to gpus.csv)"))
    models = {item.row.hf_id for item in located["models.csv"]}
    accelerators = gpus | {f"TPU {item.row.generation}" for item in located["tpus.csv"]}
    for item in located["accelerator_performance.csv"]:
        if item.row.accelerator not in accelerators:
            problems.append(Problem(item.file, item.index, item.line, "accelerator", item.row.accelerator,
                                    f"unknown accelerator; allowed: {', '.join(sorted(accelerators))} (a TPU chip is 'TPU <generation>')"))
    for item in located["serving_measurements.csv"]:
        if item.row.accelerator not in accelerators:
            problems.append(Problem(item.file, item.index, item.line, "accelerator", item.row.accelerator,
                                    f"unknown accelerator; allowed: {', '.join(sorted(accelerators))}"))
        if item.row.model not in models:
            problems.append(Problem(item.file, item.index, item.line, "model", item.row.model, "unknown model (add it to models.csv)"))
    for item in located["models.csv"]:
        if item.row.base_model is not None and item.row.base_model not in models:
            problems.append(Problem(item.file, item.index, item.line, "base_model", item.row.base_model,
                                    "unknown base model: a derived model's base must be a catalog model (add its row, from its config.json)"))
        for column in ("licence_id", "base_licence_id"):
            value = getattr(item.row, column)
            if value is not None and value not in licences:
                problems.append(Problem(item.file, item.index, item.line, column, value,
                                        f"unknown licence; allowed: {', '.join(sorted(licences))} (or add it to licences.csv)"))


@functools.cache
def _packaged() -> tuple[dict[str, list[Located]], tuple[Problem, ...]]:
    """Parse the packaged data files once."""
    data = resources.files("hangar.catalog") / "data"
    located: dict[str, list[Located]] = {}
    problems: list[Problem] = []
    for table in TABLES:
        entry = data / table.filename
        rows, found = _read_rows(entry.read_text(encoding="utf-8-sig"), f"hangar/catalog/data/{table.filename}", table)
        merged = _merge(table, [], rows, found)
        located[table.filename] = merged
        problems.extend(found)
    return located, tuple(problems)


def _override_files(path: Path) -> list[Path]:
    """The override CSV files under `path` (a directory, or one of the catalog's files named directly)."""
    if not path.exists():
        raise CatalogError([Problem(str(path), None, None, None, None, "override path does not exist")])
    names = ", ".join(_BY_NAME)
    if path.is_file():
        if path.name not in _BY_NAME:
            raise CatalogError([Problem(str(path), None, None, None, None, f"override file must be named one of: {names}")])
        return [path]
    files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
    unknown = [p for p in files if p.name not in _BY_NAME]
    if unknown:
        raise CatalogError([Problem(str(p), None, None, None, None, f"not a catalog file name; expected one of: {names}") for p in unknown])
    return files


def _build(override_files: Iterable[Path]) -> Catalog:
    packaged, packaged_problems = _packaged()
    problems = list(packaged_problems)
    located = {name: list(rows) for name, rows in packaged.items()}
    for path in override_files:
        table = _BY_NAME[path.name]
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            reason = f"not UTF-8 text ({error.reason} at byte {error.start})" if isinstance(error, UnicodeDecodeError) else (error.strerror or str(error))
            problems.append(Problem(str(path), None, None, None, None, f"cannot be read: {reason}; save it as UTF-8 CSV"))
            continue
        rows, found = _read_rows(text, str(path), table)
        problems.extend(found)
        located[table.filename] = _merge(table, located[table.filename], rows, problems)
    _check_references(located, problems)
    if problems:
        raise CatalogError(problems)
    return Catalog(
        gpus={i.row.name: i.row for i in located["gpus.csv"]},
        instances=tuple(i.row for i in located["instances.csv"]),
        tpus=tuple(i.row for i in located["tpus.csv"]),
        models={i.row.hf_id: i.row for i in located["models.csv"]},
        licences={i.row.id: i.row for i in located["licences.csv"]},
        kubernetes_versions=tuple(i.row for i in located["kubernetes_versions.csv"]),
        performance={i.row.accelerator: i.row for i in located["accelerator_performance.csv"]},
        measurements=tuple(i.row for i in located["serving_measurements.csv"]),
    )


@functools.cache
def _cached(path: Path | None, stamp: tuple) -> Catalog:
    return _build(_override_files(path) if path is not None else [])


def load_catalog(overrides: Path | str | None = None) -> Catalog:
    """The packaged catalog, with the rows of `overrides` applied; cached per path (and file mtimes).

    Raises CatalogError listing every bad row (file, row, column, value, what is allowed).
    """
    if overrides is None:
        return _cached(None, ())
    try:
        path = Path(overrides).expanduser().resolve()
    except RuntimeError:  # `~name/...` for a user this machine does not know
        raise CatalogError([Problem(str(overrides), None, None, None, None, "override path starts with ~ but names no known home directory")]) from None
    files = _override_files(path)
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return _cached(path, stamp)
