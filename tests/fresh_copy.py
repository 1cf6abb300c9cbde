"""Run the CLI on a copy of Hangar's own repository in a fresh interpreter, as a user's process would.

A test that asks what a warm run imports, or which change to the repository misses the cache, needs a
process of its own (this one has imported everything already) and a copy of the repository it may change.
The program starts with `PRELUDE`: the copy's own `hangar`, with its components and policies, is imported
(`hangar.base_planner.BaseCheckoutOnly`, as `diff` plans a base checkout), never the installed one.
`foreign_program_copy` gives the cache tests their small non-Hangar program to change.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PRELUDE = """
import importlib.util, json, sys
from pathlib import Path

copy = Path(sys.argv[1])
sys.path.insert(0, str(copy))
spec = importlib.util.spec_from_file_location("base_planner", copy / "hangar" / "base_planner.py")
base_planner = importlib.util.module_from_spec(spec)
spec.loader.exec_module(base_planner)
sys.meta_path.insert(0, base_planner.BaseCheckoutOnly(copy))  # hangar, hangar.components, hangar.policies from the copy only
from hangar.cli import app

HEAVY = ("hangar.spec", "hangar.policies", "hangar.catalog", "hangar.cost", "pulumi")


def heavy():
    return sorted(name for name in sys.modules if any(name == top or name.startswith(top + ".") for top in HEAVY))
"""
"""The start of every program `run_in_copy` runs: `copy` (the copy's path), `app` (its CLI) and `heavy()` are defined.

`heavy()` names the modules imported so far of those a run that reads its result from the cache need not import:
the spec, the rules, the catalog, pricing and Pulumi.
"""


def copy_repository(copy: Path) -> Path:
    """Copy the files git tracks (and untracked ones it does not ignore) of this checkout to `copy`; return it."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"], capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    return copy


def run_in_copy(copy: Path, body: str) -> subprocess.CompletedProcess:
    """`PRELUDE` + `body` in a fresh interpreter in `copy`, with the plan cache switched on; its output captured."""
    environment = {key: value for key, value in os.environ.items() if key != "HANGAR_NO_CACHE"}
    return subprocess.run([sys.executable, "-c", PRELUDE + body, str(copy)], cwd=copy, env=environment, capture_output=True, text=True, timeout=600)


def foreign_program_copy(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the small foreign program (tests/foreign_program) at `root`, with the plan cache switched on (conftest switches it off)."""
    monkeypatch.delenv("HANGAR_NO_CACHE", raising=False)
    shutil.copytree(ROOT / "tests" / "foreign_program", root)
    return root
