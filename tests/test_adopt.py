"""A team adopts Hangar from the built wheel alone: `hangar init infra` in its repository, then plan, check, render, diff.

Everything runs with the console script of a fresh virtualenv holding only the wheel and its dependencies
(tests/wheel_install.py `installed_wheel`, built once per session), in a temporary git repository whose project
lives in `infra/` — nothing from this checkout is on the path.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.wheel_install import InstalledWheel, installed_wheel
from tests.workflow_checks import actionlint

STACK = "gke-dev"


@dataclass(frozen=True)
class Adopted:
    wheel: InstalledWheel
    repository: Path
    init: subprocess.CompletedProcess[str]

    @property
    def project(self) -> Path:
        return self.repository / "infra"

    def hangar(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return self.wheel.run(self.wheel.hangar, *args, cwd=cwd or self.project)


def git(repository: Path, *args: str) -> str:
    completed = subprocess.run(["git", "-C", str(repository), *args], capture_output=True, text=True, check=True)
    return completed.stdout.strip()


@pytest.fixture(scope="module")
def adopted(tmp_path_factory: pytest.TempPathFactory) -> Adopted:
    wheel = installed_wheel()
    repository = tmp_path_factory.mktemp("team-repo")
    git(repository, "init", "--quiet", "--initial-branch", "main")
    git(repository, "config", "user.email", "platform@example.com")
    git(repository, "config", "user.name", "Platform team")
    (repository / "README.md").write_text("# The team's repository\n", encoding="utf-8")
    git(repository, "add", "README.md")
    git(repository, "commit", "--quiet", "-m", "The team's repository, before Hangar")
    init = wheel.run(wheel.hangar, "init", "infra", "--target", "gke", cwd=repository)
    return Adopted(wheel, repository, init)


def test_init_writes_the_project_into_the_subfolder_and_the_workflows_at_the_repository_root(adopted: Adopted):
    assert adopted.init.returncode == 0, adopted.init.stderr
    written = sorted(path.relative_to(adopted.repository).as_posix() for path in adopted.repository.rglob("*") if path.is_file() and ".git" not in path.parts)
    assert written == sorted(
        [
            ".github/actionlint.yaml",
            ".github/workflows/deploy.yml",
            ".github/workflows/pull-request.yml",
            "README.md",
            "infra/.gitignore",
            "infra/Pulumi.yaml",
            "infra/README.md",
            "infra/__main__.py",
            f"infra/policies/config/{STACK}.json",
            "infra/requirements.txt",
            "infra/schema/stack.schema.json",
            f"infra/stacks/Pulumi.{STACK}.yaml",
        ]
    )
    assert yaml.safe_load((adopted.project / "Pulumi.yaml").read_text())["name"] == "infra"
    assert "from hangar.components.program import build_stack" in (adopted.project / "__main__.py").read_text()
    for path in written:
        assert path in adopted.init.stdout


@pytest.mark.parametrize("command", [("plan", STACK), ("check", "--all"), ("stacks",)], ids=" ".join)
def test_the_new_stack_plans_and_passes_its_checks(adopted: Adopted, command: tuple[str, ...]):
    result = adopted.hangar(*command)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert STACK in result.stdout


def test_the_new_stack_renders_its_manifests(adopted: Adopted, tmp_path: Path):
    result = adopted.hangar("render", STACK, "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    manifests = list((tmp_path / STACK).rglob("*.yaml"))
    kinds = {yaml.safe_load(path.read_text()).get("kind") for path in manifests if path.name != "helm-releases.yaml"}
    assert {"StatefulSet", "Service"} & kinds or {"Deployment", "Service"} <= kinds


def test_sarif_locations_are_relative_to_the_repository_root(adopted: Adopted):
    result = adopted.hangar("check", "--all", "--format", "sarif")
    assert result.returncode == 0, result.stderr
    sarif = json.loads(result.stdout)
    uris = {location["physicalLocation"]["artifactLocation"]["uri"] for run in sarif["runs"] for finding in run["results"] for location in finding["locations"]}
    assert uris <= {f"infra/stacks/Pulumi.{STACK}.yaml"}


def test_the_policy_config_is_the_one_hangar_generates_for_the_stack(adopted: Adopted):
    result = adopted.hangar("policy-config", STACK)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads((adopted.project / "policies" / "config" / f"{STACK}.json").read_text())


def workflow(adopted: Adopted, name: str) -> dict:
    return yaml.safe_load((adopted.repository / ".github" / "workflows" / name).read_text())


@pytest.mark.parametrize("name", ["deploy.yml", "pull-request.yml"])
def test_the_workflows_work_from_the_subfolder_with_the_installed_pack(adopted: Adopted, name: str):
    document = workflow(adopted, name)
    assert document["defaults"] == {"run": {"working-directory": "infra"}}
    steps = [step for job in document["jobs"].values() for step in job["steps"]]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "./bin/" not in runs  # Hangar's own scripts are not in a team's repository
    assert "-r requirements.txt" in runs and "hangar policy-pack-path" in runs
    pulumi = [step["with"] for step in steps if step.get("uses", "").startswith("pulumi/actions") and "command" in step.get("with", {})]
    assert pulumi, "no pulumi step"
    for inputs in pulumi:
        assert inputs["work-dir"] == "infra"
        assert inputs["policyPacks"] == "${{ steps.pack.outputs.path }}"
        assert inputs["policyPackConfigs"] == "${{ github.workspace }}/infra/policies/config/gke-dev.json"
    for step in steps:
        if step.get("uses", "").startswith("github/codeql-action/upload-sarif"):
            assert step["with"]["sarif_file"] == "infra/hangar.sarif" and "hashFiles('infra/hangar.sarif')" in step["if"]
    assert "test" not in document["jobs"]
    header = (adopted.repository / ".github" / "workflows" / name).read_text().split("\nname:")[0]
    assert "the tests" not in header and "tests/test_workflows.py" not in header


def test_the_generated_workflows_pass_actionlint(adopted: Adopted):
    result = actionlint(Path(".github/workflows/deploy.yml"), Path(".github/workflows/pull-request.yml"), cwd=adopted.repository)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gitops_workflows_re_renders_the_same_files_from_the_subfolder(adopted: Adopted):
    before = {name: (adopted.repository / ".github" / name).read_text() for name in ("workflows/deploy.yml", "workflows/pull-request.yml", "actionlint.yaml")}
    result = adopted.hangar("gitops", "workflows", "--write")
    assert result.returncode == 0, result.stderr
    after = {name: (adopted.repository / ".github" / name).read_text() for name in before}
    assert after == before
    assert not (adopted.project / ".github").exists()


def test_init_refuses_to_overwrite_and_writes_nothing(adopted: Adopted):
    before = {path: path.read_bytes() for path in adopted.repository.rglob("*") if path.is_file() and ".git" not in path.parts}
    result = adopted.wheel.run(adopted.wheel.hangar, "init", "infra", "--target", "eks", cwd=adopted.repository)
    assert result.returncode == 2
    assert "infra/Pulumi.yaml: exists" in result.stderr and "nothing was written" in result.stderr
    after = {path: path.read_bytes() for path in adopted.repository.rglob("*") if path.is_file() and ".git" not in path.parts}
    assert after == before


def test_diff_against_the_base_finds_the_project_folder_there(adopted: Adopted, tmp_path: Path):
    # The project committed as the base; the working tree raises the stack's budget.
    clone = tmp_path / "clone"
    shutil.copytree(adopted.repository, clone, ignore=shutil.ignore_patterns(".hangar-cache"))
    git(clone, "add", "-A")
    git(clone, "commit", "--quiet", "-m", "Hangar in infra/")
    stack_file = clone / "infra" / "stacks" / f"Pulumi.{STACK}.yaml"
    stack_file.write_text(stack_file.read_text().replace("max_replicas: 2", "max_replicas: 1"), encoding="utf-8")
    result = adopted.wheel.run(adopted.wheel.hangar, "diff", "--base", "HEAD", "--all", "--format", "json", cwd=clone / "infra")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    (stack,) = report["stacks"]
    assert stack["stack"] == STACK and stack["status"] == "changed", stack
