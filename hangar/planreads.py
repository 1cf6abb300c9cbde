"""Which files a plan read: every file this process opened for reading and every module it imported, for the plan cache's key.

A plan is keyed on the files it read (`hangar.plancache`), not on every file of the project: a change to a
README, a test or a docs page then misses no plan. The files are learned by watching the process, not
by a list kept by hand:

- every file opened for reading through `open` (`io.open`, which `pathlib` and `importlib.resources`
  call) since `install()` — data such as the catalog's CSVs and prompt templates; data read once and
  kept by the process (the catalog) may be read before the plan that uses it, so this is process-wide;
- the file of every imported module (`sys.modules`): a module is read once per process and may have
  been imported before the plan started;
- while a plan runs (`planning()`): the files opened with `io.open_code` (runpy reads the program's
  `__main__.py` with it) and the directories listed with `os.listdir` / `os.scandir`: a program that
  reads every file of a directory (prompt templates) plans differently when one is added. Listings
  outside a plan are Hangar's own (finding the stack files), not the program's.

Files read by other work of the same process (another stack's plan) are counted too: more files in the
key can only make it miss, never hit wrongly. Which of them belong to the project or to Hangar's library
is for the caller to say (`hangar.plancache.read_names`).

Why wrappers and not an audit hook (`sys.addaudithook`): a hook is called for every audited event of
the process, and a plan raises ~300,000 (mostly `object.__getattr__`); at ~0.5 µs each in a Python hook
that cost 5-10 % of a cold plan (measured 2026-12-01). The wrappers cost a call per open or listing.
`install()` is called by `hangar.plancache` (the processes that keep plans), never by the program:
`pulumi up` of a Hangar program runs unwrapped.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import Any

_opened: set[str] = set()
_listed: set[str] = set()
_installed = False
_planning = 0
_real_open = io.open
_real_open_code = io.open_code
_real_listdir = os.listdir
_real_scandir = os.scandir
WRITE_ONLY = ("w", "a", "x")
"""An `open` mode that only writes (without `+`): what a plan writes is not what it read."""


def _note(paths: set[str], path: Any) -> None:
    if isinstance(path, str):
        paths.add(path)
    elif isinstance(path, (bytes, os.PathLike)):
        with contextlib.suppress(TypeError, ValueError):
            paths.add(os.fsdecode(path))


def _open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
    if not (isinstance(mode, str) and mode.startswith(WRITE_ONLY) and "+" not in mode):
        _note(_opened, file)
    return _real_open(file, mode, *args, **kwargs)


def _open_code(path: Any) -> Any:
    _note(_opened, path)
    return _real_open_code(path)


def _listdir(path: Any = None) -> Any:
    _note(_listed, "." if path is None else path)
    return _real_listdir(path)


def _scandir(path: Any = ".") -> Any:
    _note(_listed, path)
    return _real_scandir(path)


def install() -> None:
    """Start recording files opened for reading (once per process; later calls do nothing)."""
    global _installed
    if not _installed:
        io.open = builtins.open = _open  # type: ignore[assignment]
        _installed = True


@contextlib.contextmanager
def planning() -> Iterator[None]:
    """Also record `io.open_code` files and listed directories inside this block (a plan being made); the real functions come back after it."""
    global _planning
    if _planning == 0:
        io.open_code = _open_code  # type: ignore[assignment]
        os.listdir, os.scandir = _listdir, _scandir  # type: ignore[assignment]
    _planning += 1
    try:
        yield
    finally:
        _planning -= 1
        if _planning == 0:
            io.open_code = _real_open_code  # type: ignore[assignment]
            os.listdir, os.scandir = _real_listdir, _real_scandir  # type: ignore[assignment]


def recording() -> bool:
    return _installed


def files_read() -> set[str]:
    """Absolute paths of every file opened for reading since `install()` and of every imported module's file."""
    paths = {os.path.abspath(path) for path in list(_opened)}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str):
            paths.add(os.path.abspath(path))
    return paths


def directories_listed() -> set[str]:
    """Absolute paths of the directories listed while a plan ran."""
    return {os.path.abspath(path) for path in list(_listed)}
