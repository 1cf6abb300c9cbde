"""The content-addressed plan cache: a stack's plan stored under a key made of everything it read.

A plan is a pure function of its inputs, so a key over all of them can stand for it. The key has two parts:

- **the stack's inputs**, known before planning (`inputs_key`): the stack file, the project file
  (`Pulumi.yaml`), the catalog overrides the stack file names, the policy config given with
  `--policy-config`, the versions of Python and of the installed Pulumi SDKs and pydantic, and the day
  (`HANGAR_TODAY` or the wall clock: a cluster's Kubernetes support, and so the plan's warnings, depend on it);
- **the files the plan read**, learned while it was made (`hangar.planreads`, named by `read_names`):
  every module the process imported and every file it opened under the project directory or Hangar's
  installed library (`hangar/`, with `components/` and `policies/` inside it), and the directories the
  program listed. Left out: other stacks' files, Pulumi policy packs (a directory holding
  `PulumiPolicy.yaml`: the program never imports a pack; its rules judge the plan afresh on every run),
  Hangar's CLI modules (nothing below the CLI imports them: tests/test_layers.py), hidden paths (`.git`,
  `.venv`, the cache), byte-code and virtualenvs. So in Hangar's own repository a change to the README,
  the docs or the tests misses no plan; a change to a component, the catalog's data or the program does.

The files a plan read are stored beside it (`<inputs key>.reads`, JSON: the last few sets of names seen
for those inputs); a lookup hashes each set's files as they are now and finds the plan stored under the
result. Files are read from a `Source`: the working tree (`WorkingTree`), or a git commit without a checkout
(`GitTree`: `hangar diff` keys its base side by the base commit). A change to any input makes a new key, so
the cache is never invalidated, only missed.

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
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hangar import planreads
from hangar.clock import TODAY_VARIABLE, today
from hangar.plansources import POLICY_PACK_FILE, GitTree, Source, WorkingTree, normal, tree_digest

planreads.install()  # a process that keeps plans records the files it reads (before any data is read: modules load none at import)

__all__ = ["GitTree", "PlanCache", "Source", "WorkingTree", "inputs_key", "read_names", "reads_key", "tree_digest"]

CACHE_DIRECTORY = ".hangar-cache"
DISABLE_VARIABLE = "HANGAR_NO_CACHE"
SIZE_VARIABLE = "HANGAR_CACHE_MAX_MB"
DEFAULT_MAX_MB = 100.0
"""The default size limit: over a thousand plans of the example stacks' size (their entries take 40-100 KB)."""
STALE_TEMPORARY_SECONDS = 3600.0
"""A temporary file older than this belongs to a writer that was killed: clean-up removes it."""
TEMPORARY_SUFFIX = ".tmp"
FORMAT = 2
"""Bumped when an entry's layout or the key's makeup changes, so older entries are missed rather than misread."""
READS_SUFFIX = ".reads"
"""A stack's inputs key + this: the sets of files its plans read (newest first)."""
MAX_READ_SETS = 8
"""Read sets kept per inputs key: commands import different modules, so one stack's plans may have read a few different sets."""
_HANGAR_TREES = ("hangar", "components", "policies")
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
    def for_project(cls, root: Path, kind: str = "plans") -> PlanCache:
        """The project's cache of plans, or (`kind="verdicts"`) of the verdicts judged on them (`hangar.verdictcache`)."""
        return cls(root.resolve() / CACHE_DIRECTORY / kind)

    def get(self, key: str, field: str = "plan") -> dict[str, Any] | None:
        """The entry stored under `key`, or None: absent, unreadable, not JSON or not an entry of this format holding `field` (a plan, or a verdict)."""
        path = self.directory / f"{key}.json"
        try:
            entry = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return None
        if not (isinstance(entry, dict) and entry.get("format") == FORMAT and isinstance(entry.get(field), dict)):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: the size clean-up removes least recently used entries first
        return entry

    def put(self, key: str, entry: dict[str, Any]) -> None:
        """Write atomically, then clean up by size; a cache that cannot be written is skipped (the plan stands)."""
        self._write(f"{key}.json", {"format": FORMAT, **entry})
        self.clean(keep=key)

    def lookup(self, inputs: str, source: Source, field: str = "plan") -> dict[str, Any] | None:
        """The entry stored for a stack with these inputs whose read files are, in `source`, as they were when it was planned; else None."""
        found = self.search(inputs, source, field)
        return found[0] if found is not None else None

    def search(self, inputs: str, source: Source, field: str = "plan") -> tuple[dict[str, Any], str, list[str]] | None:
        """`lookup`, with the key the entry was found under and the read set that made it; else None."""
        for reads in self.read_sets(inputs):
            key = reads_key(inputs, reads, source)
            entry = self.get(key, field)
            if entry is not None:
                return entry, key, reads
        return None

    def find(self, inputs: str, source: Source) -> tuple[str, list[str]] | None:
        """The key of the stored entry `lookup` would return, and the read set it was stored under, without reading it; else None."""
        for reads in self.read_sets(inputs):
            key = reads_key(inputs, reads, source)
            if (self.directory / f"{key}.json").is_file():
                return key, reads
        return None

    def store(self, inputs: str, reads: list[str], source: Source, entry: dict[str, Any]) -> str:
        """Store a plan under its inputs and the files it read (as they are in `source`), and remember that read set; return its key."""
        key = reads_key(inputs, reads, source)
        sets = [reads, *(known for known in self.read_sets(inputs) if known != reads)][:MAX_READ_SETS]
        self._write(f"{inputs}{READS_SUFFIX}", {"format": FORMAT, "sets": sets})
        self.put(key, entry)
        return key

    def read_sets(self, inputs: str) -> list[list[str]]:
        """The sets of files that plans with these inputs read, newest first ([] when none is stored or it is damaged)."""
        path = self.directory / f"{inputs}{READS_SUFFIX}"
        try:
            document = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return []
        sets = document.get("sets") if isinstance(document, dict) and document.get("format") == FORMAT else None
        if not isinstance(sets, list):
            return []
        with contextlib.suppress(OSError):
            os.utime(path)
        return [known for known in sets if isinstance(known, list) and all(isinstance(name, str) for name in known)]

    def _write(self, name: str, document: dict[str, Any]) -> None:
        """Write one file of the cache atomically (a temporary file renamed over it); a cache that cannot be written is skipped."""
        temporary = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=f"{name[:16]}.", suffix=TEMPORARY_SUFFIX)
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(document, stream, default=str)
            os.replace(temporary, self.directory / name)
            temporary = None
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
            elif item.name.endswith((".json", READS_SUFFIX)) and item.is_file(follow_symlinks=False):
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


def inputs_key(
    source: Source,
    stack_file: str,
    *,
    project_files: Iterable[str] = ("Pulumi.yaml", "Pulumi.yml"),
    catalog_overrides: str | None = None,
    policy_config: Path | None = None,
    extra: Iterable[str] = (),
) -> str:
    """The first half of a plan's key: the stack's inputs known before planning (module docstring), read from `source`.

    `stack_file` and a relative `catalog_overrides` are paths from the project directory; an absolute
    overrides path and the policy config are read from the file system.
    """
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("format", str(FORMAT).encode())
    add("stack-file", _or_missing(source.read(stack_file)))
    for name in project_files:
        add(f"project-file/{name}", _or_missing(source.read(name)))
    if catalog_overrides is not None:
        overrides = Path(catalog_overrides).expanduser()
        if overrides.is_absolute():
            add("overrides", tree_digest(overrides) if overrides.is_dir() else _read(overrides))
        else:
            relative = normal(catalog_overrides)
            files = source.files(relative)
            add("overrides", b"".join(name.encode() + b"\0" + source.digest(name) for name in files) if files else _or_missing(source.read(relative)))
    add("policy-config", b"" if policy_config is None else _read(policy_config))
    add("runtime", json.dumps(runtime_versions(), sort_keys=True).encode())
    add("today", _today().encode())
    for item in extra:
        add("extra", item.encode())
    return digest.hexdigest()


def reads_key(inputs: str, reads: Iterable[str], source: Source) -> str:
    """The whole key: the inputs key and, for each file or directory a plan read, its name and its content now."""
    digest = hashlib.sha256(inputs.encode())
    for name in reads:
        digest.update(name.encode() + b"\0" + _read_digest(name, source))
    return digest.hexdigest()


def _read_digest(name: str, source: Source) -> bytes:
    """A read's content: `p:` a project path (from `source`), `l:` a path of Hangar's installed library (the file system); a trailing `/` names a directory's listing."""
    kind, _, path = name.partition(":")
    if kind == "p":
        return _listing_digest(source.listing(path[:-1])) if path.endswith("/") else source.digest(path)
    if kind == "l":
        return _listing_digest(WorkingTree(LIBRARY).listing(path[:-1])) if path.endswith("/") else WorkingTree(LIBRARY).digest(path)
    return b"\0unknown"


def _listing_digest(names: list[str] | None) -> bytes:
    return b"\0missing" if names is None else hashlib.sha256("\0".join(names).encode()).digest()


SKIPPED_PARTS = ("__pycache__", "site-packages", "node_modules")
"""Path parts under which nothing is a plan's input: byte-code, installed packages (their versions are keyed instead)."""
CLI_PACKAGE = "hangar/cli/"


def read_names(
    files: Iterable[str], directories: Iterable[str], root: Path, stack_config_dir: Path | None = None, *, packs: bool = False, library_first: bool = False
) -> list[str]:
    """The sorted names, for a key, of the files and directories a plan read that belong to the project at `root` or to Hangar's library.

    Each module's directory is named too (a `/`-ended name): a module added beside it could be imported
    in its stead. Excluded: what the module docstring lists, and the listing of `stack_config_dir` (it
    changes when a stack is added; the program does not read it). With `packs`, policy packs' files are
    named too: a verdict (`hangar.verdictcache`) is what their rules make of a plan. With `library_first`, a
    file of Hangar's library is named as the library's (`l:`, hashed as installed) even where the project
    holds it too (Hangar's own repository): a verdict is made by this process's rules, spec and catalog, also
    for the base side of `diff`, whose project files are read from the base commit.
    """
    # Each place by the path it was given and by its real path: a file is recorded as it was opened,
    # through a symbolic link (macOS's /tmp) or not.
    tops = {os.path.abspath(root), os.path.realpath(root)}
    libraries = {os.path.abspath(LIBRARY), os.path.realpath(LIBRARY), os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))}
    project_places = [("p", top, top) for top in tops]
    library_places = [("l", os.path.join(library, tree), library) for library in libraries for tree in _HANGAR_TREES]
    places = library_places + project_places if library_first else project_places + library_places
    names: set[str] = set()
    pack_directories: dict[str, bool] = {}

    def name_of(path: str) -> tuple[str, str] | None:
        for kind, place, base in places:
            if path == place or path.startswith(place + os.sep):
                break
        else:
            return None
        relative = os.path.relpath(path, base).replace(os.sep, "/")
        relative = "" if relative == "." else relative
        parts = relative.split("/") if relative else []
        if any(part.startswith(".") or part in SKIPPED_PARTS or part.endswith(".egg-info") for part in parts):
            return None
        if f"{relative}/".startswith(CLI_PACKAGE) or (not packs and _in_policy_pack(base, parts, pack_directories)):
            return None
        return kind, relative

    for path in files:
        found = name_of(path)
        if found is None or found[1].endswith((".pyc", ".pyo")) or STACK_FILE.match(found[1].rsplit("/", 1)[-1]) or os.path.isdir(path):
            continue
        kind, relative = found
        names.add(f"{kind}:{relative}")
        if relative.endswith(".py"):
            names.add(f"{kind}:{relative.rpartition('/')[0]}/")
    skipped = {os.path.abspath(stack_config_dir), os.path.realpath(stack_config_dir)} if stack_config_dir is not None else set()
    for path in directories:
        found = name_of(path)
        if found is not None and path not in skipped:
            names.add(f"{found[0]}:{found[1]}/" if found[1] else f"{found[0]}:/")
    names.add("p:/")
    return sorted(names)


def _in_policy_pack(base: str, parts: list[str], packs: dict[str, bool]) -> bool:
    """Whether a path (its parts below `base`) lies in a directory holding `PulumiPolicy.yaml`."""
    directory = base
    for part in parts[:-1]:
        directory = os.path.join(directory, part)
        if directory not in packs:
            packs[directory] = os.path.isfile(os.path.join(directory, POLICY_PACK_FILE))
        if packs[directory]:
            return True
    return False


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


def _or_missing(data: bytes | None) -> bytes:
    return b"\0missing" if data is None else data


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"\0missing"

