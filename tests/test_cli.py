"""The `hangar` command as a user runs it: output, JSON, and exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from hangar.cli import app
from hangar.spec import stack_file_schema
from tests.conftest import EXAMPLE_STACKS, ROOT

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_plan_prints_the_tree_and_counts():
    result = run("plan", "eks-prod", "-C", str(ROOT))
    verdict = json.loads(run("check", "eks-prod", "-C", str(ROOT), "--format", "json").stdout)[0]
    assert result.exit_code == (1 if any(v["level"] == "mandatory" for v in verdict["violations"]) else 0), result.output
    assert "hangar / stack eks-prod" in result.output
    assert "eks-prod hangar:index:Environment" in result.output
    assert "aws:eks/nodeGroup:NodeGroup" in result.output
    assert "resources" in result.output


def test_plan_as_json_lists_every_resource():
    result = run("plan", "eks-prod", "--format", "json", "-C", str(ROOT))
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["stack"] == "eks-prod"
    types = {r["type"] for r in document["resources"]}
    assert "hangar:index:Environment" in types and "aws:eks/cluster:Cluster" in types
    assert all(set(r) >= {"urn", "type", "name", "parent", "inputs"} for r in document["resources"])


def test_plan_of_a_foreign_program():
    result = run("plan", "dev", "-C", str(ROOT / "tests" / "foreign_program"))
    assert result.exit_code == 0, result.output
    assert "artifacts aws:s3/bucket:Bucket" in result.output


def bad_project(tmp_path: Path, environment_yaml: str) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.bad.yaml").write_text("config:\n  hangar:environment:\n" + environment_yaml)
    return tmp_path


def test_a_bad_stack_exits_2_with_one_line_per_problem(tmp_path):
    root = bad_project(tmp_path, "    name: Bad_Name\n    tier: production\n")
    result = run("plan", "bad", "-C", str(root))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    stack_file = f"{root}/stacks/Pulumi.bad.yaml"
    assert lines[0] == f"error: {stack_file}: hangar:environment.name: must be lower-case letters, digits and '-', 1-40 characters, starting with a letter; got 'Bad_Name'"
    assert lines[1] == f"error: {stack_file}: hangar:environment.tier: Input should be 'dev', 'staging' or 'prod'; got 'production'"
    assert all(line.startswith(f"error: {stack_file}: ") for line in lines)
    assert "Traceback" not in result.output


def test_a_missing_stack_exits_2(tmp_path):
    result = run("plan", "nope", "-C", str(ROOT))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {ROOT}/stacks/Pulumi.nope.yaml: no such stack file; stacks here: {', '.join(sorted(EXAMPLE_STACKS))}"


def test_a_program_that_raises_exits_2_with_its_message():
    result = run("plan", "broken", "-C", str(ROOT / "tests" / "foreign_program"))
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: stack broken: the tiny program was asked to fail"


def test_stacks_lists_the_examples():
    result = run("stacks", "-C", str(ROOT))
    assert result.exit_code == 0
    for stack in EXAMPLE_STACKS:
        assert stack in result.output
    assert "90,000" in result.output


def test_stacks_reports_an_invalid_stack_and_exits_2(tmp_path):
    root = bad_project(tmp_path, "    name: x\n")
    result = run("stacks", "-C", str(root))
    assert result.exit_code == 2
    assert "invalid" in result.stdout
    assert f"error: {root}/stacks/Pulumi.bad.yaml: hangar:environment.tier: required key is missing" in result.stderr


def test_schema_is_the_committed_one():
    result = run("schema")
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed == stack_file_schema()
    committed = json.loads((ROOT / "schema" / "stack.schema.json").read_text())
    assert committed == printed, "schema/stack.schema.json is stale: run `hangar schema > schema/stack.schema.json`"


def test_the_console_script_runs_without_a_traceback(tmp_path):
    root = bad_project(tmp_path, "    name: x\n")
    hangar = Path(sys.executable).parent / "hangar"
    result = subprocess.run([str(hangar), "plan", "bad", "-C", str(root)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "hangar:environment.tier: required key is missing" in result.stderr


def test_the_plan_tree_reads_the_same_on_every_run():
    first = run("plan", "eks-prod", "-C", str(ROOT)).stdout
    second = run("plan", "eks-prod", "-C", str(ROOT)).stdout
    assert first == second
    tree = first.split(" resources")[0]
    assert tree.index("prod hangar:aws:Network") < tree.index("prod pulumi:providers:aws")  # components before resources
