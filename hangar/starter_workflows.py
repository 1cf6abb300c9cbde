"""The GitHub workflows of a project that uses the installed Hangar, possibly in a subfolder of its repository.

`hangar.gitops_workflows` renders the workflows of Hangar's own repository, where the project is at the root,
`./bin/hangar` installs the checkout into `.venv` and the policy pack is the `policies/` folder. A team's
project (`hangar init`) differs in three ways, and `adapt` rewrites the rendered workflows for them:

* hangar-llm comes from the project's `requirements.txt`, installed into `.venv` (the virtualenv
  Pulumi.yaml names, so `pulumi` runs the program in it); there are no Hangar tests to run;
* the pack is the installed one: a step asks `hangar policy-pack-path` for its directory;
* the project may live in a folder (`infra/`): `run` steps default to it (`defaults.run.working-directory`),
  `pulumi/actions` gets it as `work-dir`, and paths that actions read from the repository root
  (the SARIF file, `hashFiles`, cache paths, the policy config) carry it.

GitHub reads workflows only from the repository root's `.github/workflows`, so they are written there.
Sources: GitHub's workflow syntax (`defaults.run.working-directory` applies to `run` steps only; `hashFiles`
patterns are relative to GITHUB_WORKSPACE), docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax,
read 2026-12-01; pulumi/actions action.yml (`work-dir`: "Location of your Pulumi files. Defaults to ./").
"""

from __future__ import annotations

import copy
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from hangar.gitops_steps import CACHE, PULUMI_ACTION
from hangar.gitops_workflows import PULL_REQUEST, render_workflows
from hangar.spec import Environment

INSTALL_HANGAR = (
    "python -m pip install --quiet uv\n"
    "uv venv --seed .venv\n"
    "uv pip install --quiet --python .venv/bin/python -r requirements.txt\n"
)
"""hangar-llm and what the program imports, from the project's requirements.txt, into the virtualenv Pulumi.yaml names
(`--seed` puts pip in it: Pulumi's pip toolchain runs `python -m pip` there)."""
PACK_STEP = {"name": "The policy pack installed with hangar-llm", "id": "pack", "run": 'echo "path=$(.venv/bin/hangar policy-pack-path)" >> "$GITHUB_OUTPUT"'}
CHECKOUT_INSTALL = "./bin/hangar --help"
"""How Hangar's own workflows install it: the marker of the steps this module replaces."""
TESTS = "./bin/test"
CACHE_ACTION = CACHE.split("@")[0]


@dataclass(frozen=True)
class ProjectLayout:
    """Where a project that uses the installed Hangar sits in its git repository."""

    repository: Path
    """The repository's top level: where `.github/` goes."""
    folder: str
    """The project's folder from there, POSIX, `""` at the root."""

    def path(self, relative: str) -> str:
        """A project path as actions that read from the repository root need it."""
        return str(PurePosixPath(self.folder) / relative) if self.folder else relative


REQUIRES_HANGAR = re.compile(r"^\s*hangar[-_]llm\b", re.IGNORECASE | re.MULTILINE)


def uses_installed_hangar(project: Path) -> bool:
    """A project whose requirements.txt requires hangar-llm, as `hangar init` writes it (Hangar's own repository installs itself: `-e .`)."""
    try:
        return REQUIRES_HANGAR.search((project / "requirements.txt").read_text(encoding="utf-8")) is not None
    except (OSError, UnicodeDecodeError):
        return False


def git_toplevel(directory: Path) -> Path | None:
    """The git repository holding `directory` (its nearest existing ancestor), or None outside any."""
    existing = directory.resolve()
    while not existing.exists():
        existing = existing.parent
    try:
        completed = subprocess.run(["git", "-C", str(existing), "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    except FileNotFoundError:
        return None
    return Path(completed.stdout.strip()).resolve() if completed.returncode == 0 and completed.stdout.strip() else None


def layout_of(project: Path) -> ProjectLayout:
    """The project's repository (else the project is its own root) and its folder inside it."""
    project = project.resolve()
    top = git_toplevel(project) or project
    folder = project.relative_to(top).as_posix()
    return ProjectLayout(top, "" if folder == "." else folder)


def adapt(name: str, workflow: dict[str, Any], layout: ProjectLayout) -> dict[str, Any]:
    """`workflow` (rendered for Hangar's own repository) as the project at `layout` needs it; the input is not changed."""
    workflow = copy.deepcopy(workflow)
    jobs = workflow["jobs"]
    for job_name in [job for job, body in jobs.items() if any(TESTS in str(step.get("run", "")) for step in body.get("steps", []))]:
        del jobs[job_name]  # Hangar's own tests: a team's project has none to run here
        for body in jobs.values():
            needs = body.get("needs")
            if needs == job_name or (isinstance(needs, list) and job_name in needs):
                body["needs"] = [n for n in ([needs] if isinstance(needs, str) else needs) if n != job_name] or None
                if body["needs"] is None:
                    del body["needs"]
    for body in jobs.values():
        body["steps"] = _steps(body.get("steps", []), layout)
    if layout.folder:
        # After `env`, before `jobs`, as a reader expects it.
        ordered = {key: value for key, value in workflow.items() if key != "jobs"}
        ordered["defaults"] = {"run": {"working-directory": layout.folder}}
        ordered["jobs"] = jobs
        workflow = ordered
    return workflow


def _steps(steps: list[dict[str, Any]], layout: ProjectLayout) -> list[dict[str, Any]]:
    adapted: list[dict[str, Any]] = []
    for step in steps:
        step = dict(step)
        if CHECKOUT_INSTALL in str(step.get("run", "")):
            step["run"] = INSTALL_HANGAR
        uses = str(step.get("uses", ""))
        with_ = dict(step.get("with") or {})
        if uses == PULUMI_ACTION and "command" in with_:
            if with_.get("policyPacks") == "policies":
                pack = dict(PACK_STEP)
                if "if" in step:
                    pack["if"] = step["if"]
                adapted.append(pack)
                with_["policyPacks"] = "${{ steps.pack.outputs.path }}"
            if "policyPackConfigs" in with_:
                with_["policyPackConfigs"] = "${{ github.workspace }}/" + layout.path(str(with_["policyPackConfigs"]))
            if layout.folder:
                with_["work-dir"] = layout.folder
        elif uses.startswith("github/codeql-action/upload-sarif") and "sarif_file" in with_:
            with_["sarif_file"] = layout.path(str(with_["sarif_file"]))
        elif uses.startswith(CACHE_ACTION):  # actions/cache, its restore and save halves (the uv cache, the plan cache)
            with_ = {key: _cache_value(key, value, layout) for key, value in with_.items()}
        if isinstance(step.get("if"), str):
            step["if"] = _hash_files(step["if"], layout)
        if with_:
            step["with"] = with_
        adapted.append(step)
    return adapted


HASH_FILES = re.compile(r"hashFiles\(([^)]*)\)")
QUOTED = re.compile(r"'([^']*)'")


def _hash_files(expression: str, layout: ProjectLayout) -> str:
    """`hashFiles('x')` → `hashFiles('<folder>/x')`: its patterns are relative to the repository root, not the working directory."""
    return HASH_FILES.sub(lambda match: "hashFiles(" + QUOTED.sub(lambda q: f"'{layout.path(q.group(1))}'", match.group(1)) + ")", expression)


def _cache_value(key: str, value: Any, layout: ProjectLayout) -> Any:
    """actions/cache reads `path` and `hashFiles` patterns from the repository root: project paths gain the folder;
    the key hashes requirements.txt, which says what is installed, where Hangar's repository hashes pyproject.toml."""
    if not isinstance(value, str):
        return value
    value = _hash_files(value.replace("hashFiles('pyproject.toml')", "hashFiles('requirements.txt')"), layout)
    if key == "path":
        value = "\n".join(line if not line.strip() or line.strip().startswith(("~", "/", "$")) else layout.path(line.strip()) for line in value.split("\n"))
    return value


HANGAR_TESTS = "# Every pull request: the tests, the policy pack offline"
"""The pull-request header's first line as Hangar's own repository has it (it runs Hangar's tests, which a team's project has none of)."""


def render_for_project(environments: dict[str, Environment], awaits: dict[str, int], layout: ProjectLayout) -> dict[str, str]:
    """The workflows of a project using the installed Hangar at `layout`: path from the repository root → text."""
    texts = render_workflows(environments, awaits, adapt=lambda name, workflow: adapt(name, workflow, layout))
    texts[PULL_REQUEST] = texts[PULL_REQUEST].replace(HANGAR_TESTS, "# Every pull request: the policy pack offline", 1)
    return texts
