"""The content-addressed plan cache: a stack's plan stored under a key made of everything it depends on.

A plan is a pure function of its inputs, so a key over all of them can stand for it: the stack file,
every file under the project directory (the program, and for Hangar's own repository `components/`,
`hangar/` with the catalog's data, `policies/`), the installed Hangar library's `hangar/`,
`components/` and `policies/` trees where the project does not hold its own, the catalog overrides
the stack file names, the policy config given with `--policy-config`, the versions of Python and of the installed Pulumi SDKs and pydantic,
and the day (`HANGAR_TODAY` or the wall clock: a cluster's Kubernetes support, and so the plan's
warnings, depend on it). A change to any of them makes a new key, so the cache is never invalidated,
only missed.

Entries live in `<project>/.hangar-cache/plans/<key>.json`: safe to delete at any time (the next run
plans again), ignored by git. A damaged entry counts as a miss. `--no-cache` on a command, or
`HANGAR_NO_CACHE=1` in the environment, bypasses the cache (neither read nor written).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from hangar.kubernetes_support import TODAY_VARIABLE, today

CACHE_DIRECTORY = ".hangar-cache"
DISABLE_VARIABLE = "HANGAR_NO_CACHE"
FORMAT = 1
"""Bumped when an entry's layout changes, so older entries are missed rather than misread."""
_HANGAR_TREES = ("hangar", "components", "policies")
LIBRARY = Path(__file__).resolve().parent.parent
"""Where the running Hangar's `hangar/`, `components/` and `policies/` trees sit (a checkout, or site-packages)."""


def disabled_by_environment() -> bool:
    """Whether `HANGAR_NO_CACHE` is set to anything but empty or 0."""
    return os.environ.get(DISABLE_VARIABLE, "").strip() not in ("", "0")


class PlanCache:
    """Plans stored as JSON files named by their key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def for_project(cls, root: Path) -> PlanCache:
        return cls(root.resolve() / CACHE_DIRECTORY / "plans")

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            entry = json.loads((self.directory / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) and entry.get("format") == FORMAT else None

    def put(self, key: str, entry: dict[str, Any]) -> None:
        """Write atomically (a concurrent reader sees the whole entry or none); a cache that cannot be written is skipped."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump({"format": FORMAT, **entry}, stream, default=str)
            os.replace(temporary, self.directory / f"{key}.json")
        except OSError:
            pass


def plan_key(root: Path, stack_file: Path, *, catalog_overrides: Path | None = None, policy_config: Path | None = None, extra: Iterable[str] = ()) -> str:
    """The key of one stack's plan: a SHA-256 over every input named in the module docstring."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    root = root.resolve()
    add("stack-file", _read(stack_file))
    _add_tree(add, "project", root)
    for name in _HANGAR_TREES:
        tree = LIBRARY / name
        # A project that holds its own tree of that name (Hangar's repository, a base checkout of it)
        # imports that copy, which is hashed above with the project.
        if tree.is_dir() and not tree.is_relative_to(root) and not (root / name).is_dir():
            _add_tree(add, f"library/{name}", tree)
    if catalog_overrides is not None:
        overrides = catalog_overrides if catalog_overrides.is_absolute() else root / catalog_overrides
        if overrides.is_dir():
            _add_tree(add, "overrides", overrides)
        else:
            add("overrides", _read(overrides))
    add("policy-config", b"" if policy_config is None else _read(policy_config))
    add("runtime", json.dumps(runtime_versions(), sort_keys=True).encode())
    add("today", _today().encode())
    for item in extra:
        add("extra", item.encode())
    return digest.hexdigest()


def runtime_versions() -> dict[str, str]:
    """Python's version and the installed Pulumi SDKs' and pydantic's: what the plan runs on."""
    versions = {"python": platform.python_version()}
    for distribution in metadata.distributions():
        name = (distribution.metadata["Name"] or "").lower().replace("_", "-")
        if name.startswith("pulumi") or name.startswith("pydantic"):
            versions[name] = distribution.version
    return versions


def _today() -> str:
    try:
        return today().isoformat()
    except ValueError:  # a bad HANGAR_TODAY: the plan reports it; the key just keeps it apart
        return os.environ.get(TODAY_VARIABLE, "")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"\0missing"


def _add_tree(add: Any, label: str, top: Path) -> None:
    """Every file under `top` by relative path and content, except hidden files and directories (`.git`, `.venv`, the cache) and byte-code."""
    for directory, subdirectories, files in os.walk(top):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith(".") and d != "__pycache__" and not d.endswith(".egg-info"))
        for name in sorted(files):
            if name.startswith(".") or name.endswith((".pyc", ".pyo")):  # `.git` names a worktree's own admin directory
                continue
            path = Path(directory) / name
            add(f"{label}/{path.relative_to(top).as_posix()}", _read(path))
