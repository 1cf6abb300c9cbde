"""On a plan-cache hit no Pulumi SDK is imported: the command reads the stored plan, prices and judges it.

Checked in a fresh interpreter each time (this test process has imported everything already): the
cold run imports the program's SDKs (the control), the warm run none of them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = """
import json, sys
from hangar.cli import app
try:
    app(["check", "edge", "--format", "json", "-C", sys.argv[1]])
except SystemExit as exit:
    code = exit.code
loaded = sorted(name for name in sys.modules if name.split(".")[0] == "pulumi" or name.split(".")[0].startswith("pulumi_"))
sys.stderr.write(json.dumps({"exit": code, "loaded": loaded}))
"""


def check_in_fresh_interpreter(project: Path) -> tuple[str, dict]:
    environment = {key: value for key, value in os.environ.items() if key != "HANGAR_NO_CACHE"}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(project)], capture_output=True, text=True, env=environment, timeout=600)
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


def test_a_cache_hit_imports_no_pulumi_sdk(tmp_path: Path):
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, project / name)
    shutil.copy(ROOT / "stacks" / "Pulumi.edge.yaml", project / "stacks" / "Pulumi.edge.yaml")

    cold_output, cold = check_in_fresh_interpreter(project)
    assert cold["exit"] == 0 and {"pulumi", "pulumi_kubernetes"} <= set(cold["loaded"])  # planning loads them
    warm_output, warm = check_in_fresh_interpreter(project)
    assert warm["exit"] == 0 and warm["loaded"] == []
    assert warm_output == cold_output and json.loads(warm_output)[0]["stack"] == "edge"
