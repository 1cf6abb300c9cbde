"""The `hangar` console script runs with the garbage collector's thresholds raised (hangar.cli.app.COLLECTOR_THRESHOLDS).

A cold plan spends a quarter of its time in collections that walk the provider SDKs' objects again and again;
the thresholds make them rare. Checked in a fresh interpreter through the console script's own entry point.
"""

from __future__ import annotations

import json
import subprocess
import sys

from hangar.cli.app import COLLECTOR_THRESHOLDS
from tests.conftest import ROOT

SCRIPT = """
import gc, json, sys
from hangar.cli import app
before = gc.get_threshold()
try:
    app(["stacks", "-C", sys.argv[1]])
except SystemExit as exit:
    code = exit.code
sys.stderr.write("\\n" + json.dumps({"exit": code, "before": before, "during": gc.get_threshold(), "enabled": gc.isenabled()}))
"""


def test_a_run_collects_garbage_rarely_but_still_collects():
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT)], capture_output=True, text=True, timeout=300)
    run = json.loads(done.stderr.strip().splitlines()[-1])
    assert run["exit"] == 0 and "eks-prod" in done.stdout
    assert tuple(run["before"]) == (700, 10, 10)  # CPython's defaults until the command starts (the control)
    assert tuple(run["during"]) == COLLECTOR_THRESHOLDS and run["enabled"]
