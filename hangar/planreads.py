"""Which files a plan read: every file this process opened and every module it imported, for the plan cache's key.

A plan is keyed on the files it read (`hangar.plancache`), not on every file of the project: a change to a
README, a test or a docs page then misses no plan. The files are learned by watching the process, not
by a list kept by hand:

- every file opened for reading since `install()`, through Python's audit hook for the `open` event
  (raised by `open`, `io.open`, `os.open` and `io.open_code` with the path, mode and flags: the Python
  docs' audit events table, docs.python.org/3.11/library/audit_events.html, read 2026-12-01) — data
  such as the catalog's CSVs, templates, the program's `__main__.py`;
- the file of every imported module (`sys.modules`): a module is read once per process and may have
  been imported before the plan started;
- every directory listed while a plan runs (`planning()`), through the `os.listdir` and `os.scandir`
  events: a program that reads every file of a directory (prompt templates) plans differently when
  one is added. Listings outside a plan are Hangar's own (finding the stack files), not the program's.

Files read before the plan by other work of the same process (another stack's plan) are counted too:
more files in the key can only make it miss, never hit wrongly. Which of them belong to the project or
to Hangar's library is for the caller to say (`hangar.plancache.read_names`).

`install()` is called when `hangar` is imported (hangar/__init__.py), so nothing the process reads
after that escapes; an audit hook cannot be removed, and this one only adds a path to a set.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

_opened: set[str] = set()
_listed: set[str] = set()
_installed = False
_planning = 0


WRITE_ONLY = ("w", "a", "x")
"""An `open` mode that only writes (without `+`): what a plan writes is not what it read."""


def _hook(event: str, args: tuple) -> None:
    if event == "open":
        path, mode, flags = args
        if (mode.startswith(WRITE_ONLY) and "+" not in mode) if isinstance(mode, str) else (isinstance(flags, int) and flags & os.O_WRONLY):
            return
        _add(_opened, path)
    elif _planning and event in ("os.listdir", "os.scandir"):
        _add(_listed, "." if args[0] is None else args[0])


def _add(paths: set[str], path: object) -> None:
    if isinstance(path, str):
        paths.add(path)
    elif isinstance(path, bytes):
        paths.add(os.fsdecode(path))


def install() -> None:
    """Start recording opened files (once per process; later calls do nothing)."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True


@contextlib.contextmanager
def planning() -> Iterator[None]:
    """Record the directories listed inside this block (a plan being made)."""
    global _planning
    _planning += 1
    try:
        yield
    finally:
        _planning -= 1


def recording() -> bool:
    return _installed


def directories_listed() -> set[str]:
    """Absolute paths of the directories listed while a plan ran."""
    return {os.path.abspath(path) for path in list(_listed)}


def files_read() -> set[str]:
    """Absolute paths of every file opened since `install()` and of every imported module's file."""
    paths = {os.path.abspath(path) for path in list(_opened)}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str):
            paths.add(os.path.abspath(path))
    return paths
