"""A git repository holding the small foreign program with two stacks (dev, prod): what the diff tests plan against a base commit."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT


def foreign_program_repo(root: Path, extra_files: dict[str, str] | None = None) -> Path:
    """Copy tests/foreign_program to `root` without its broken stack, add a prod stack and `extra_files`, commit it as `base`."""
    shutil.copytree(ROOT / "tests" / "foreign_program", root)
    (root / "stacks" / "Pulumi.broken.yaml").unlink()
    dev = (root / "stacks" / "Pulumi.dev.yaml").read_text()
    (root / "stacks" / "Pulumi.prod.yaml").write_text(dev.replace("search-dev", "search-prod"))
    for name, text in (extra_files or {}).items():
        (root / name).write_text(text)
    for command in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"]):
        subprocess.run(["git", "-C", str(root), *command], check=True)
    return root
