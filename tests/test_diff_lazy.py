"""A `hangar diff` whose sides are all in the cache imports neither the spec, the rules, the catalog, sizing nor Pulumi.

Each stack's two sides are read back (plan, priced verdict) and compared; pricing's records are all it needs of
`hangar.cost`. Checked in fresh interpreters (this test process has imported everything already), on the small
foreign program in a git repository: the base commit checked by `check --all`, one stack changed in the working tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.cli import app
from tests.foreign_repo import foreign_program_repo

SCRIPT = """
import json, sys
from hangar.cli import app
code = 0
try:
    app(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
heavy = ("hangar.spec", "hangar.policies", "hangar.catalog", "hangar.sizing", "hangar.cost", "pulumi")
loaded = sorted(name for name in sys.modules if any(name == top or name.startswith(top + ".") for top in heavy))
sys.stderr.write("\\n" + json.dumps({"exit": code, "heavy": loaded}))
"""
COST_RECORDS = {"hangar.cost", "hangar.cost.report", "hangar.cost.services"}
"""What reading a priced verdict back imports of pricing: its records (`hangar.cost` imports its pricers, with the catalog, only to price)."""


def diff_fresh(repo: Path) -> tuple[str, dict]:
    """`hangar diff --base HEAD --all --format json` in a fresh interpreter with the cache on: its output, exit code and heavy modules."""
    environment = {key: value for key, value in os.environ.items() if key != "HANGAR_NO_CACHE"}
    command = [sys.executable, "-P", "-c", SCRIPT, "diff", "--base", "HEAD", "--all", "--format", "json", "-C", str(repo)]
    done = subprocess.run(command, cwd=repo, env=environment, capture_output=True, text=True, timeout=600)
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


def test_a_warm_diff_reads_both_sides_without_the_spec_rules_catalog_sizing_or_pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HANGAR_NO_CACHE", raising=False)
    repo = foreign_program_repo(tmp_path / "repo")
    checked = CliRunner().invoke(app, ["check", "--all", "--format", "json", "-C", str(repo)], catch_exceptions=False)
    assert checked.exit_code == 0, checked.output  # what main's workflow leaves in the cache for the base commit
    stack_file = repo / "stacks" / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("search-dev", "search-dev-2"))
    pull_request_output, pull_request = diff_fresh(repo)  # the changed stack's head side planned, priced and judged
    assert pull_request["exit"] == 0
    assert {"pulumi", "hangar.policies.rules", "hangar.cost.pricers"} <= set(pull_request["heavy"])  # the control
    warm_output, warm = diff_fresh(repo)
    assert (warm_output, warm["exit"]) == (pull_request_output, 0)
    assert {entry["stack"]: entry["status"] for entry in json.loads(warm_output)["stacks"]} == {"dev": "changed", "prod": "unchanged"}
    assert set(warm["heavy"]) <= COST_RECORDS and "hangar.cost.report" in warm["heavy"], warm["heavy"]
