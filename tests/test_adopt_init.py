"""`hangar init`: every target's project, and every way it refuses — with nothing half-written.

(The whole adoption path from the built wheel, in a subfolder of a git repository: tests/test_adopt.py.)
"""

from __future__ import annotations

import json
import pathlib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hangar.cli import app
from hangar.starter import TARGETS
from tests.conftest import ROOT

runner = CliRunner()


def files_under(directory: Path) -> list[str]:
    return sorted(path.relative_to(directory).as_posix() for path in directory.rglob("*") if path.is_file())


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_init_writes_a_project_for_every_target_from_its_example_stack(target: str, tmp_path: Path):
    project = tmp_path / "llm-infra"
    result = runner.invoke(app, ["init", str(project), "--target", target])
    assert result.exit_code == 0, result.output
    stack = TARGETS[target]
    assert files_under(project) == sorted(
        [
            ".github/actionlint.yaml",
            ".github/workflows/deploy.yml",
            ".github/workflows/pull-request.yml",
            ".gitignore",
            "Pulumi.yaml",
            "README.md",
            "__main__.py",
            f"policies/config/{stack}.json",
            "requirements.txt",
            "schema/stack.schema.json",
            f"stacks/Pulumi.{stack}.yaml",
        ]
    )
    # The example stack as this release ships it, and the policy config the repository keeps current for it.
    assert (project / "stacks" / f"Pulumi.{stack}.yaml").read_text() == (ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text()
    assert json.loads((project / "policies" / "config" / f"{stack}.json").read_text()) == json.loads((ROOT / "policies" / "config" / f"{stack}.json").read_text())
    assert json.loads((project / "schema" / "stack.schema.json").read_text()) == json.loads((ROOT / "schema" / "stack.schema.json").read_text())
    pulumi = yaml.safe_load((project / "Pulumi.yaml").read_text())
    assert pulumi["name"] == "llm-infra" and pulumi["stackConfigDir"] == "stacks" and pulumi["runtime"]["options"]["virtualenv"] == ".venv"
    assert (project / "requirements.txt").read_text().splitlines()[-1].startswith("hangar-llm==")
    readme = (project / "README.md").read_text()
    assert f"stacks/Pulumi.{stack}.yaml" in readme and "hangar policy-pack-path" in readme
    # At the repository's root (the project is its own root here), no working directory to set.
    assert "defaults" not in yaml.safe_load((project / ".github" / "workflows" / "deploy.yml").read_text())


def test_init_refuses_when_any_file_it_would_write_exists_and_writes_nothing(tmp_path: Path):
    (tmp_path / "README.md").write_text("ours\n")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.gke-dev.yaml").write_text("ours too\n")
    result = runner.invoke(app, ["init", str(tmp_path), "--target", "gke"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: {tmp_path / 'README.md'}: exists; hangar init writes only new files, so nothing was written (move it, or init another directory)",
        f"error: {tmp_path / 'stacks' / 'Pulumi.gke-dev.yaml'}: exists; hangar init writes only new files, so nothing was written (move it, or init another directory)",
    ]
    assert files_under(tmp_path) == ["README.md", "stacks/Pulumi.gke-dev.yaml"]
    assert (tmp_path / "README.md").read_text() == "ours\n"


def test_a_write_that_fails_half_way_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    project = tmp_path / "infra"
    real_open = pathlib.Path.open

    def failing_open(self, mode="r", *args, **kwargs):  # noqa: ANN001 - Path.open's signature
        if self.name == "stack.schema.json" and "x" in mode:
            raise OSError(28, "No space left on device", str(self))
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", failing_open)
    result = runner.invoke(app, ["init", str(project), "--target", "gke"])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {project / 'schema' / 'stack.schema.json'}: cannot be written (No space left on device); nothing was left behind"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "gke", "--name", "my infra"], "error: --name: 'my infra' is not a Pulumi project name (letters, digits, '_', '.', '-'; at most 100); pass --name"),
        (["--target", "gke", "--name", "x" * 101], "is not a Pulumi project name"),
    ],
)
def test_init_refuses_a_name_pulumi_would_refuse(tmp_path: Path, args: list[str], message: str):
    result = runner.invoke(app, ["init", str(tmp_path / "infra"), *args])
    assert result.exit_code == 2 and message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_init_names_the_targets_when_given_another(tmp_path: Path):
    result = runner.invoke(app, ["init", str(tmp_path), "--target", "gcp"])
    assert result.exit_code == 2
    assert "'gcp' is not one of" in result.stderr and all(f"'{target}'" in result.stderr for target in TARGETS)
    assert list(tmp_path.iterdir()) == []


def test_init_refuses_a_file_as_the_directory(tmp_path: Path):
    (tmp_path / "infra").write_text("")
    result = runner.invoke(app, ["init", str(tmp_path / "infra"), "--target", "edge"])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'infra'}: exists and is not a directory"


def test_the_starter_workflows_go_to_the_repository_root_with_the_project_folder_as_working_directory(tmp_path: Path):
    import subprocess

    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)
    result = runner.invoke(app, ["init", str(tmp_path / "deploy" / "llm"), "--target", "aks"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "deploy" / "llm" / ".github").exists()
    deploy = yaml.safe_load((tmp_path / ".github" / "workflows" / "deploy.yml").read_text())
    assert deploy["defaults"] == {"run": {"working-directory": "deploy/llm"}}
    caches = [step["with"] for job in deploy["jobs"].values() for step in job["steps"] if step.get("uses", "").startswith("actions/cache")]
    # actions/cache reads its paths and hashFiles patterns from the repository root: the project's carry its folder.
    uv = [inputs for inputs in caches if inputs["path"] == "~/.cache/uv"]
    assert uv and all(inputs["key"] == "uv-${{ runner.os }}-${{ hashFiles('deploy/llm/requirements.txt') }}" for inputs in uv)
    plans = [inputs for inputs in caches if inputs["path"] != "~/.cache/uv"]
    assert plans and all(inputs["path"] == "deploy/llm/.hangar-cache" for inputs in plans)
