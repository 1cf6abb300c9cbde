"""Piped into a file or a CI log, every value prints whole (Rich would otherwise assume 80 columns and cut cells)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

HANGAR = Path(sys.executable).parent / "hangar"
CUT = re.compile(r"[\w,.$/)]…")
"""A value Rich shortened: text running into an ellipsis (the plan's own "…  (n lines cut)" notes stand alone)."""


def piped(*args: str) -> str:
    """Run the console script with stdout and stderr going to pipes, as in CI, with no COLUMNS set."""
    env = {key: value for key, value in os.environ.items() if key != "COLUMNS"}
    result = subprocess.run([str(HANGAR), *args, "-C", str(ROOT)], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


def test_cost_through_a_pipe_keeps_every_cell_whole():
    output = piped("cost", "aks-staging")
    assert "Standard_NC48ads_A100_v4 (2 x A100-80GB)" in output
    assert "10,578" in output and "11,066" in output
    assert CUT.findall(output) == []


def test_plan_through_a_pipe_keeps_every_cell_whole():
    output = piped("plan", "aks-staging")
    assert "Standard_NC48ads_A100_v4 (2 x A100-80GB)" in output
    assert CUT.findall(output) == []
