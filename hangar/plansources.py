"""Where the plan cache reads a project's files: the working tree on disk, or a git commit without a checkout.

Both give the same digest for the same content, so a plan stored from a working tree is found for a
commit holding the same files, and the other way round (`hangar diff` keys its base side this way).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

POLICY_PACK_FILE = "PulumiPolicy.yaml"
"""The file that makes a directory a Pulumi policy pack (pulumi_policy's project file): not an input of a plan."""


def normal(relative: str) -> str:
    """A relative path as the sources name files: `/`-separated, without `./` or a trailing `/`."""
    return "/".join(part for part in relative.replace(os.sep, "/").split("/") if part not in ("", "."))


class Source(Protocol):
    """Where a key's project files are read: a directory on disk, or a git commit."""

    def read(self, relative: str) -> bytes | None:
        """The content of a file (a `/`-separated path from the project directory), or None."""

    def digest(self, relative: str) -> bytes:
        """A digest of a file's content (a fixed marker when it is missing)."""

    def files(self, relative: str) -> list[str]:
        """Every file under a directory, as project paths, sorted (hidden paths, byte-code and policy packs left out; [] if none)."""

    def listing(self, relative: str) -> list[str] | None:
        """The names in a directory that a key depends on (importable ones for a package or the project's top), or None when there is none."""


def importable(names: Iterable[tuple[str, bool, bool]]) -> list[str]:
    """From (name, is a directory, holds `__init__.py`): the names Python could import a module from (modules and regular packages)."""
    return sorted(name for name, directory, package in names if (package if directory else name.endswith(".py")) and not name.startswith("."))


def visible(names: Iterable[tuple[str, bool, bool]]) -> list[str]:
    """Every name a program listing a directory would see and use: hidden names and byte-code left out."""
    return sorted(
        name for name, _directory, _package in names if not name.startswith(".") and name != "__pycache__" and not name.endswith((".pyc", ".pyo"))
    )


def _is_package_directory(names: Iterable[tuple[str, bool, bool]]) -> bool:
    return any(name == "__init__.py" for name, directory, _ in names if not directory)


class WorkingTree:
    """The project's files on disk."""

    def __init__(self, root: Path) -> None:
        self.root = os.path.abspath(root)

    def _path(self, relative: str) -> str:
        return os.path.join(self.root, *relative.split("/")) if relative else self.root

    def read(self, relative: str) -> bytes | None:
        try:
            with open(self._path(relative), "rb") as stream:
                return stream.read()
        except OSError:
            return None

    def digest(self, relative: str) -> bytes:
        path = self._path(relative)
        try:
            status = os.stat(path)
        except OSError:
            return b"\0missing"
        return _file_digest(path, status)

    def files(self, relative: str) -> list[str]:
        top = self._path(relative)
        if not os.path.isdir(top):
            return []
        found: list[str] = []
        _walk(top, lambda path, _status: found.append(os.path.relpath(path, self.root).replace(os.sep, "/")))
        return sorted(found)

    def listing(self, relative: str) -> list[str] | None:
        path = self._path(relative)
        try:
            entries = [
                (entry.name, entry.is_dir(), entry.is_dir() and os.path.isfile(os.path.join(entry.path, "__init__.py"))) for entry in os.scandir(path)
            ]
        except OSError:
            return None
        return importable(entries) if not relative or _is_package_directory(entries) else visible(entries)


class GitTree:
    """The project's files at a git commit, read from the repository's objects (no checkout).

    Contents are the blobs as committed (no smudge filter or line-ending conversion): a working tree
    checked out with conversions hashes differently and only misses. Files are listed once with
    `git ls-tree -r -z` and read through one `git cat-file --batch` process (git-scm.com/docs/git-ls-tree,
    git-scm.com/docs/git-cat-file, read 2026-12-01).
    """

    def __init__(self, repository: Path, commit: str, prefix: str = "") -> None:
        self.repository, self.commit = repository, commit
        self.prefix = normal(prefix)
        listing = subprocess.run(
            ["git", "-C", str(repository), "ls-tree", "-r", "-z", "--full-tree", commit, "--", *([self.prefix] if self.prefix else [])],
            capture_output=True,
            check=True,
        ).stdout
        self.blobs: dict[str, str] = {}
        start = len(self.prefix) + 1 if self.prefix else 0
        for record in listing.split(b"\0"):
            meta, _, path = record.partition(b"\t")
            fields = meta.split()
            if len(fields) == 3 and fields[1] == b"blob":
                self.blobs[os.fsdecode(path)[start:]] = fields[2].decode()
        self.directories: dict[str, dict[str, tuple[bool, bool]]] = {}
        for path in self.blobs:
            parts = path.split("/")
            for depth in range(len(parts)):
                parent, name = "/".join(parts[:depth]), parts[depth]
                is_directory = depth < len(parts) - 1
                self.directories.setdefault(parent, {})[name] = (
                    is_directory,
                    is_directory and f"{parent}/{name}/__init__.py".lstrip("/") in self.blobs,
                )
        self._contents: dict[str, bytes] = {}
        self._digests: dict[str, bytes] = {}
        self._reader: subprocess.Popen | None = None

    def read(self, relative: str) -> bytes | None:
        oid = self.blobs.get(normal(relative))
        if oid is None:
            return None
        if oid not in self._contents:
            self._contents[oid] = self._cat(oid)
        return self._contents[oid]

    def digest(self, relative: str) -> bytes:
        oid = self.blobs.get(normal(relative))
        if oid is None:
            return b"\0missing"
        if oid not in self._digests:
            self._digests[oid] = hashlib.sha256(self.read(relative) or b"").digest()
        return self._digests[oid]

    def files(self, relative: str) -> list[str]:
        top = normal(relative)
        inside = [path for path in self.blobs if path.startswith(f"{top}/")] if top else list(self.blobs)
        return sorted(path for path in inside if _kept(path[len(top) + 1 if top else 0 :], self.blobs, top))

    def listing(self, relative: str) -> list[str] | None:
        found = self.directories.get(normal(relative))
        if found is None:
            return None
        entries = [(name, directory, package) for name, (directory, package) in found.items()]
        return importable(entries) if not relative or _is_package_directory(entries) else visible(entries)

    def _cat(self, oid: str) -> bytes:
        if self._reader is None:
            self._reader = subprocess.Popen(["git", "-C", str(self.repository), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self._reader.stdin is not None and self._reader.stdout is not None
        self._reader.stdin.write(f"{oid}\n".encode())
        self._reader.stdin.flush()
        header = self._reader.stdout.readline().split()
        if len(header) != 3:
            return b""
        data = self._reader.stdout.read(int(header[2]))
        self._reader.stdout.read(1)  # the newline after the content
        return data

    def close(self) -> None:
        if self._reader is not None:
            with contextlib.suppress(OSError):
                self._reader.stdin.close()  # type: ignore[union-attr]
            self._reader.wait()
            self._reader = None

    def __enter__(self) -> GitTree:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _kept(relative: str, blobs: dict[str, str], top: str) -> bool:
    """Whether `tree_digest` would count a file (relative to the directory walked): no hidden part, byte-code, egg-info or policy pack."""
    parts = relative.split("/")
    if any(part.startswith(".") or part == "__pycache__" or part.endswith(".egg-info") for part in parts) or relative.endswith((".pyc", ".pyo")):
        return False
    for depth in range(len(parts)):
        directory = "/".join([top, *parts[:depth]]).strip("/")
        if f"{directory}/{POLICY_PACK_FILE}".lstrip("/") in blobs:
            return False
    return True


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


def _walk(top: str, visit: Callable[[str, os.stat_result], None]) -> None:
    """Call `visit(path, status)` for every file under `top`, in name order; hidden paths, byte-code, `*.egg-info` and policy packs left out."""
    try:
        entries = sorted(os.scandir(top), key=lambda entry: entry.name)
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
                _walk(entry.path, visit)
        elif not name.endswith((".pyc", ".pyo")):
            try:
                status = entry.stat()
            except OSError:
                continue
            visit(entry.path, status)


def tree_digest(top: Path, skip_file: Callable[[str], bool] = lambda _path: False) -> bytes:
    """A digest of every file under `top` by relative path and content (what `_walk` visits, less what `skip_file` refuses)."""
    digest = hashlib.sha256()
    start = os.path.abspath(top)

    def visit(path: str, status: os.stat_result) -> None:
        if not skip_file(path):
            relative = os.path.relpath(path, start).replace(os.sep, "/").encode()
            digest.update(len(relative).to_bytes(4, "big") + relative + _file_digest(path, status))

    _walk(start, visit)
    return digest.digest()
