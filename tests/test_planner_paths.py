"""The planner and the service never change the working directory: a stack config's relative paths (catalog
overrides, prompt templates) are read from the project directory because that path is passed down."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.cli import app
from hangar.diff_sides import head_side
from hangar.stackfile import read_project
from hangar.stackservice import plan_stack, stack_verdict
from tests.conftest import ROOT

runner = CliRunner()
RATE = 0.75


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The edge example with its own catalog rows and prompt templates, both named by relative paths."""
    root = tmp_path / "project"
    (root / "stacks").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", root / "Pulumi.yaml")
    shutil.copy(ROOT / "__main__.py", root / "__main__.py")
    edge = (ROOT / "stacks" / "Pulumi.edge.yaml").read_text()
    edge = edge.replace("    budget:\n", "    catalog_overrides: our-catalog\n    budget:\n", 1)
    edge = edge.replace("        pool: l4\n", "        pool: l4\n        prompt_templates_dir: prompts\n", 1)
    (root / "stacks" / "Pulumi.edge.yaml").write_text(edge)
    (root / "our-catalog").mkdir()
    header = (ROOT / "hangar" / "catalog" / "data" / "instances.csv").read_text().splitlines()[0]
    row = f"onprem,l4-box,site,L4,1,16,64,{RATE},,our finance team's amortised rate,2026-11-01,our asset register,,,"
    (root / "our-catalog" / "instances.csv").write_text(f"{header}\n{row}\n")
    (root / "prompts").mkdir()
    (root / "prompts" / "answer.j2").write_text("{# variables: context, question #}\nContext: {{ context }}\nQuestion: {{ question }}\n")
    return root


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from another directory, and make any change of the working directory fail the test."""
    directory = tmp_path / "elsewhere"
    directory.mkdir()
    monkeypatch.chdir(directory)

    def refuse(path):  # noqa: ANN001 - os.chdir's signature
        raise AssertionError(f"the working directory was changed to {path}")

    monkeypatch.setattr(os, "chdir", refuse)
    return directory


def test_plan_check_and_cost_read_relative_paths_from_the_project_without_changing_directory(project: Path, elsewhere: Path):
    planned = runner.invoke(app, ["plan", "edge", "--format", "json", "--no-cache", "-C", str(project)], catch_exceptions=False)
    assert planned.exit_code == 0, planned.output
    resources = json.loads(planned.stdout)["resources"]
    (config_map,) = [r for r in resources if r["type"] == "kubernetes:core/v1:ConfigMap" and "answer.j2" in r["inputs"].get("data", {})]
    assert "Question: {{ question }}" in config_map["inputs"]["data"]["answer.j2"]
    cost = runner.invoke(app, ["cost", "edge", "--format", "json", "--no-cache", "-C", str(project)], catch_exceptions=False)
    assert json.loads(cost.stdout)["totals"]["usd_per_month_max"] == RATE * 720  # our-catalog's row priced the pool
    checked = runner.invoke(app, ["check", "edge", "--format", "json", "--no-cache", "-C", str(project)], catch_exceptions=False)
    assert checked.exit_code == 0, checked.output
    assert not [v for v in json.loads(checked.stdout)[0]["violations"] if v["policy"] == "hangar-cannot-judge"]
    assert Path.cwd() == elsewhere


def test_the_service_and_the_diff_side_judge_with_the_projects_catalog_without_changing_directory(project: Path, elsewhere: Path):
    stack_plan = plan_stack(project, "edge", cache=False)
    verdict = stack_verdict(stack_plan, "edge")
    assert not [v for v in verdict.violations if v.policy == "hangar-cannot-judge"]
    side = head_side(read_project(project), "edge", cache=False)
    assert side.error is None and side.cost is not None and side.cost.usd_per_month_max == RATE * 720
    assert Path.cwd() == elsewhere


def test_a_relative_policy_config_catalog_is_read_from_the_project(project: Path, elsewhere: Path, tmp_path: Path):
    stack_file = project / "stacks" / "Pulumi.edge.yaml"
    stack_file.write_text(stack_file.read_text().replace("    catalog_overrides: our-catalog\n", ""))
    generated = runner.invoke(app, ["policy-config", "edge", "-C", str(project)], catch_exceptions=False)
    policy = {name: {**entry, "catalogOverrides": "our-catalog"} if name == "hangar-cannot-judge" else entry for name, entry in json.loads(generated.stdout).items()}
    (tmp_path / "policy.json").write_text(json.dumps(policy))
    checked = runner.invoke(app, ["check", "edge", "--format", "json", "--no-cache", "--policy-config", str(tmp_path / "policy.json"), "-C", str(project)])
    assert checked.exit_code == 0, checked.output
    assert not [v for v in json.loads(checked.stdout)[0]["violations"] if v["policy"] == "hangar-cannot-judge"]
