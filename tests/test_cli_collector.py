"""The `hangar` console script runs with the garbage collector's thresholds raised (hangar.collector.COLLECTOR_THRESHOLDS).

A cold plan spends a quarter of its time in collections that walk the provider SDKs' objects again and again;
the thresholds make them rare. Checked in a fresh interpreter through the console script's own entry point.
"""

from __future__ import annotations

import json
import subprocess
import sys

from hangar.collector import COLLECTOR_THRESHOLDS
from tests.conftest import ROOT
from tests.foreign_repo import foreign_program_repo

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


def test_the_base_side_of_diff_is_planned_with_the_same_thresholds(tmp_path):
    """diff's base planner is a process of its own (hangar/base_planner.py): its program runs with the raised thresholds too."""
    record = tmp_path / "thresholds.json"
    program = (ROOT / "tests" / "foreign_program" / "__main__.py").read_text()
    spy = f"import gc, json\nopen({str(record)!r}, 'w').write(json.dumps(gc.get_threshold()))\n"
    repo = foreign_program_repo(tmp_path / "repo", {"__main__.py": spy + program})
    out = tmp_path / "plans.json"
    done = subprocess.run([sys.executable, str(ROOT / "hangar" / "base_planner.py"), str(repo), str(out), "dev"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "plan" in json.loads(out.read_text())["dev"]  # the program ran to the end
    assert tuple(json.loads(record.read_text())) == COLLECTOR_THRESHOLDS
