"""Errors raised by the catalog, written for the person who has to fix the data.

Two kinds, because they call for different fixes:

* `CatalogError` — a data file is wrong (a bad cell, a dangling reference).
  Each problem names the file, the row, the column, the value given and what
  is allowed; all problems found are reported together, one line each.
* `CatalogLookupError` — code or a stack config asked for a name the catalog
  does not know.  It names what was asked and lists the alternatives, closest
  first.  It subclasses `KeyError` so `except KeyError` still works, but
  overrides `__str__` so the message does not come out wrapped in quotes.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True)
class Problem:
    """One bad cell (or row) in one catalog file."""

    file: str
    row: int | None  # 1-based data row (the header is row 0); None for file-level problems
    line: int | None  # physical line in the file, as an editor shows it
    column: str | None
    value: Any
    message: str

    def describe(self) -> str:
        where = self.file
        if self.row is not None:
            where += f": row {self.row}"
            if self.line is not None and self.line != self.row + 1:
                where += f" (line {self.line})"
        if self.column is not None:
            where += f", column '{self.column}'"
        shown = "" if self.value is None else f": {self.value!r}"
        return f"{where}{shown}: {self.message}"


class CatalogError(ValueError):
    """A catalog data file (packaged or override) holds a bad row."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(p.describe() for p in self.problems))


class RowProblem(ValueError):
    """Raised inside schema validators to blame one column of the row.

    Pydantic wraps it; the loader unwraps it to fill `Problem.column`.
    """

    def __init__(self, column: str, value: Any, message: str):
        self.column = column
        self.value = value
        self.message = message
        super().__init__(f"{column}: {message}")


def suggestions(name: str, alternatives: list[str], n: int = 3) -> list[str]:
    """Closest alternatives: same name in another case, then names containing it, then similar spellings."""
    wanted = name.lower()
    lowered = {a.lower(): a for a in alternatives}
    ranked: list[str] = []
    if wanted in lowered:
        ranked.append(lowered[wanted])
    if wanted:
        ranked.extend(a for a in alternatives if wanted in a.lower())
    ranked.extend(lowered[m] for m in difflib.get_close_matches(wanted, list(lowered), n=n, cutoff=0.5))
    return list(dict.fromkeys(ranked))[:n]


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _shortlist(items: list[str], limit: int = 60) -> str:
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", ... ({len(items) - limit} more)"


class CatalogLookupError(KeyError):
    """A name asked of the catalog is not in it."""

    def __init__(self, kind: str, name: str, alternatives: Iterable[str], context: str = ""):
        self.kind = kind
        self.name = name
        self.alternatives: tuple[str, ...] = tuple(alternatives)
        self.context = context
        self.message = self._compose()
        super().__init__(self.message)

    def _compose(self) -> str:
        alts = list(dict.fromkeys(self.alternatives))
        head = f"unknown {self.kind} {self.name!r}{self.context}"
        if not alts:
            return f"{head}; the catalog has none"
        close = suggestions(self.name, alts)
        hint = f" (did you mean {_or_list(close)}?)" if close else ""
        return f"{head}{hint}; known: {_shortlist(alts)}"

    def __str__(self) -> str:
        return self.message
