"""The content-addressed plan cache: a stack's plan stored under a key made of everything it depends on.

A plan is a pure function of its inputs, so a key over all of them can stand for it: the stack file,
every file under the project directory (the program, and for Hangar's own repository `components/`
and `hangar/` with the catalog's data) except the OTHER stacks' files and Pulumi policy packs (a
directory holding `PulumiPolicy.yaml`: the program never imports a pack; its rules judge the plan
afresh on every run), the installed Hangar library's `hangar/` and `components/` trees where the
project does not hold its own, the catalog overrides
the stack file names, the policy config given with `--policy-config`, the versions of Python and of the installed Pulumi SDKs and pydantic,
and the day (`HANGAR_TODAY` or the wall clock: a cluster's Kubernetes support, and so the plan's
warnings, depend on it). A change to any of them makes a new key, so the cache is never invalidated,
only missed.

Entries live in `<project>/.hangar-cache/plans/<key>.json`: safe to delete at any time (the next run
plans again), ignored by git. A damaged entry (cut short, not JSON, not a plan) counts as a miss and
is planned and written again. `--no-cache` on a command, or `HANGAR_NO_CACHE=1` in the environment,
bypasses the cache (neither read nor written).

Size: after each write the directory is cut back to `HANGAR_CACHE_MAX_MB` mebibytes (default
`DEFAULT_MAX_MB`), least recently used entries first (a hit touches its entry's modification time);
the entry just written is always kept. Writers never clash: each entry is written to a temporary
file in the same directory and renamed over its name (`os.replace`, atomic on POSIX and Windows), so
a concurrent reader sees a whole entry or none, and two runs writing the same key both leave a whole
one. Temporary files a killed writer left behind are removed by the next clean-up once stale.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import platform
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from hangar.kubernetes_support import TODAY_VARIABLE, today

CACHE_DIRECTORY = ".hangar-cache"
DISABLE_VARIABLE = "HANGAR_NO_CACHE"
SIZE_VARIABLE = "HANGAR_CACHE_MAX_MB"
DEFAULT_MAX_MB = 100.0
"""The default size limit: over a thousand plans of the example stacks' size (their entries take 40-100 KB)."""
STALE_TEMPORARY_SECONDS = 3600.0
"""A temporary file older than this belongs to a writer that was killed: clean-up removes it."""
TEMPORARY_SUFFIX = ".tmp"
FORMAT = 1
"""Bumped when an entry's layout changes, so older entries are missed rather than misread."""
_HANGAR_TREES = ("hangar", "components", "policies")
POLICY_PACK_FILE = "PulumiPolicy.yaml"
"""The file that makes a directory a Pulumi policy pack (pulumi_policy's project file): not an input of a plan."""
STACK_FILE = re.compile(r"^Pulumi\.[^/]+\.ya?ml$")
"""A stack file's name (`Pulumi.<stack>.yaml`; `Pulumi.yaml` itself is the project file and stays an input)."""
DIST_INFO = re.compile(r"^((?:pulumi|pydantic)[A-Za-z0-9_.]*)-([^-]+)\.dist-info$", re.IGNORECASE)
"""An installed distribution's record: `{name}-{version}.dist-info`, exactly one dash (PyPA "Recording installed
projects", packaging.python.org/specifications/recording-installed-packages, read 2026-12-01)."""
LIBRARY = Path(__file__).resolve().parent.parent
"""Where the running Hangar's `hangar/`, `components/` and `policies/` trees sit (a checkout, or site-packages)."""


def disabled_by_environment() -> bool:
    """Whether `HANGAR_NO_CACHE` is set to anything but empty or 0."""
    return os.environ.get(DISABLE_VARIABLE, "").strip() not in ("", "0")


def max_bytes_from_environment() -> int:
    """The size limit `HANGAR_CACHE_MAX_MB` sets (MiB, a number >= 0), else the default; ValueError names a bad value."""
    text = os.environ.get(SIZE_VARIABLE, "").strip()
    if not text:
        return int(DEFAULT_MAX_MB * 2**20)
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = -1.0
    if not 0 <= megabytes < float("inf"):
        raise ValueError(f"{SIZE_VARIABLE}: the plan cache's size limit must be a number of MiB, 0 or more; got {text!r}")
    return int(megabytes * 2**20)


class PlanCache:
    """Plans stored as JSON files named by their key, kept under a size limit (least recently used go first)."""

    def __init__(self, directory: Path, max_bytes: int | None = None) -> None:
        self.directory = directory
        self.max_bytes = max_bytes_from_environment() if max_bytes is None else max_bytes

    @classmethod
    def for_project(cls, root: Path) -> PlanCache:
        return cls(root.resolve() / CACHE_DIRECTORY / "plans")

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry stored under `key`, or None: absent, unreadable, not JSON or not a plan entry of this format."""
        path = self.directory / f"{key}.json"
        try:
            entry = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return None
        if not (isinstance(entry, dict) and entry.get("format") == FORMAT and isinstance(entry.get("plan"), dict)):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: the size clean-up removes least recently used entries first
        return entry

    def put(self, key: str, entry: dict[str, Any]) -> None:
        """Write atomically, then clean up by size; a cache that cannot be written is skipped (the plan stands)."""
        temporary = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=f"{key[:16]}.", suffix=TEMPORARY_SUFFIX)
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump({"format": FORMAT, **entry}, stream, default=str)
            os.replace(temporary, self.directory / f"{key}.json")
            temporary = None
            self.clean(keep=key)
        except OSError:
            pass
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)

    def clean(self, keep: str | None = None) -> list[Path]:
        """Remove least recently used entries until the directory fits the size limit (`keep` stays); return what was removed.

        Stale temporary files go first. Safe beside other runs: an entry another run removed first is skipped.
        """
        entries: list[tuple[float, int, Path]] = []
        removed: list[Path] = []
        now = time.time()
        try:
            listing = list(os.scandir(self.directory))
        except OSError:
            return removed
        for item in listing:
            try:
                status = item.stat(follow_symlinks=False)
            except OSError:
                continue
            path = Path(item.path)
            if item.name.endswith(TEMPORARY_SUFFIX):
                if now - status.st_mtime > STALE_TEMPORARY_SECONDS and _unlink(path):
                    removed.append(path)
            elif item.name.endswith(".json") and item.is_file(follow_symlinks=False):
                entries.append((status.st_mtime, status.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries, key=lambda entry: entry[0]):
            if total <= self.max_bytes:
                break
            if path.stem == keep:
                continue
            if _unlink(path):
                removed.append(path)
            total -= size
        return removed


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:  # another run cleaned it first
        return False
    except OSError:
        return False
    return True


def plan_key(root: Path, stack_file: Path, *, catalog_overrides: Path | None = None, policy_config: Path | None = None, extra: Iterable[str] = ()) -> str:
    """The key of one stack's plan: a SHA-256 over every input named in the module docstring."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    root = root.resolve()
    add("stack-file", _read(stack_file))
    own = os.path.abspath(stack_file)
    add("project", tree_digest(root, lambda path: path != own and STACK_FILE.match(os.path.basename(path)) is not None))
    for name in _HANGAR_TREES:
        tree = LIBRARY / name
        # A project that holds its own tree of that name (Hangar's repository, a base checkout of it)
        # imports that copy, which is hashed above with the project.
        if tree.is_dir() and not tree.is_relative_to(root) and not (root / name).is_dir() and not (tree / POLICY_PACK_FILE).is_file():
            add(f"library/{name}", tree_digest(tree))
    if catalog_overrides is not None:
        overrides = catalog_overrides if catalog_overrides.is_absolute() else root / catalog_overrides
        if overrides.is_dir():
            add("overrides", tree_digest(overrides))
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
    return dict(_installed_versions())


@functools.cache
def _installed_versions() -> tuple[tuple[str, str], ...]:
    """Read once per process from the `.dist-info` directories' names on sys.path (the first one of a name wins, as for imports).

    No distribution's metadata is parsed: reading all of them took ~70-180 ms per call.
    """
    versions = {"python": platform.python_version()}
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for name in names:
            match = DIST_INFO.match(name)
            if match:
                versions.setdefault(re.sub(r"[-_.]+", "-", match.group(1)).lower(), match.group(2))
    return tuple(sorted(versions.items()))


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


RACY_SECONDS = 2.0
"""A file modified less than this long ago is always read again: its content could change without its size or time stamp changing (git's "racily clean" case)."""
_digests: dict[tuple[str, int, int, int], bytes] = {}
"""File digests this process has computed, by path, inode, size and modification time."""


def _file_digest(path: str, status: os.stat_result) -> bytes:
    """SHA-256 of a file's content; remembered for this process by path, inode, size and modification time once it is older than `RACY_SECONDS`.

    `check --all` keys six stacks on one project tree: each file is read once, not six times.
    """
    stamp = (path, status.st_ino, status.st_size, status.st_mtime_ns)
    known = _digests.get(stamp)
    if known is not None:
        return known
    try:
        with open(path, "rb") as stream:
            digest = hashlib.sha256(stream.read()).digest()
    except OSError:
        return b"\0missing"
    if time.time() - status.st_mtime > RACY_SECONDS:
        _digests[stamp] = digest
    return digest


def tree_digest(top: Path, skip_file: Callable[[str], bool] = lambda _path: False) -> bytes:
    """A digest of every file under `top` by relative path and content.

    Left out: hidden files and directories (`.git`, `.venv`, the cache), byte-code, `*.egg-info`, Pulumi
    policy packs, and files `skip_file` (given the absolute path) refuses.
    """
    digest = hashlib.sha256()
    start = os.path.abspath(top)

    def walk(directory: str) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError:
            return
        if any(entry.name == POLICY_PACK_FILE for entry in entries):
            return
        for entry in entries:
            name = entry.name
            if name.startswith("."):  # `.git` also names a worktree's own admin file
                continue
            if entry.is_dir(follow_symlinks=True):
                if name != "__pycache__" and not name.endswith(".egg-info"):
                    walk(entry.path)
            elif not name.endswith((".pyc", ".pyo")) and not skip_file(entry.path):
                try:
                    status = entry.stat()
                except OSError:
                    continue
                relative = os.path.relpath(entry.path, start).replace(os.sep, "/").encode()
                digest.update(len(relative).to_bytes(4, "big") + relative + _file_digest(entry.path, status))

    walk(start)
    return digest.digest()
