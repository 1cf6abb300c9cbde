"""The wheel built from a copy of the sources (`uv build --wheel`, as a release would be) and installed with its dependencies, nothing from this checkout, into a fresh virtualenv, once per test session: what the wheel and adopt tests share."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

SOURCE_IGNORE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".hangar-cache", ".pytest_cache", ".hypothesis", "tests", "bench")


@dataclass(frozen=True)
class InstalledWheel:
    """The built wheel and a fresh virtualenv holding only it and its dependencies."""

    wheel: Path
    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def hangar(self) -> Path:
        return self.venv / "bin" / "hangar"

    def env(self) -> dict[str, str]:
        """The environment a user's shell would give: no PYTHONPATH into this checkout; bytecode written once, then reused;
        the plan cache on (the suite turns it off for in-process tests), so one plan serves plan, check and render."""
        dropped = ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV", "HANGAR_NO_CACHE")
        environment = {key: value for key, value in os.environ.items() if key not in dropped}
        environment["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{environment.get('PATH', '')}"
        return environment

    def run(self, *args: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(arg) for arg in args], cwd=cwd, env=self.env(), capture_output=True, text=True, timeout=timeout)


def _uv() -> str:
    beside = Path(sys.executable).parent / "uv"  # bin/_venv.sh installs uv into .venv
    found = str(beside) if beside.is_file() else shutil.which("uv")
    assert found, "uv is needed to build the wheel: pip install uv"
    return found


@functools.cache
def installed_wheel() -> InstalledWheel:
    """Build the wheel from a copy of the sources and install it into a fresh venv (once per session)."""
    base = Path(tempfile.mkdtemp(prefix="hangar-wheel-"))
    atexit.register(shutil.rmtree, base, True)
    source, dist, venv = base / "source", base / "dist", base / "venv"
    # A copy: setuptools keeps a build/ directory in the tree it builds, whose stale files would reach the wheel.
    shutil.copytree(ROOT, source, ignore=SOURCE_IGNORE)
    built = subprocess.run([_uv(), "build", "--wheel", "--out-dir", str(dist), str(source)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = dist.glob("hangar_llm-*.whl")
    made = subprocess.run([_uv(), "venv", "--quiet", "--python", sys.executable, str(venv)], capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr[-3000:]
    installed = subprocess.run([_uv(), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(wheel)], capture_output=True, text=True, timeout=900)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return InstalledWheel(wheel, venv)
