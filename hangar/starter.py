"""`hangar init`: a new Pulumi project that builds its environment from the installed Hangar.

One stack for the chosen target (this release's example for it, `hangar.examples`), its policy config,
the program, the project file, the stack-file JSON Schema for editors, a README saying what to edit, and
the GitHub workflows (rendered by `hangar.gitops_workflows` from the stack's `deployer:`, adapted by
`hangar.starter_workflows` for an installed Hangar and the project's folder in its repository).

Everything is made in a scratch directory first — the stack is validated and planned there, for the
policy config and the deploy job's timeout — and written only when nothing it would write exists:
a failure leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import re
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from hangar.gitops_deploy import longest_await_seconds
from hangar.gitops_steps import WorkflowError
from hangar.gitops_workflows import ACTIONLINT, DEPLOY, PULL_REQUEST
from hangar.spec import stack_file_schema
from hangar.stackfile import StackConfigError, read_environment, read_project
from hangar.starter_workflows import ProjectLayout, layout_of, render_for_project

TARGETS: dict[str, str] = {"eks": "eks-prod", "gke": "gke-dev", "gke-tpu": "gke-tpu", "aks": "aks-staging", "onprem": "onprem", "edge": "edge"}
"""Each target's first stack: this release's example stack for it (stacks/ in Hangar's repository)."""
WORKFLOW_FILES = (DEPLOY, PULL_REQUEST, ACTIONLINT)
"""What the workflow generator writes, from the repository root."""
PROJECT_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
"""A Pulumi project name (pulumi/pulumi sdk/go/common/workspace/templates.go, ValidateProjectName, read 2026-12-01)."""


class StarterError(ValueError):
    """A project `hangar init` will not write; one line per problem."""


@dataclass(frozen=True)
class Starter:
    """What `hangar init` writes: absolute path → text, and where the project sits."""

    project: Path
    stack: str
    layout: ProjectLayout
    files: dict[Path, str]


def version() -> str:
    return importlib.metadata.version("hangar-llm")


def example_stack(target: str) -> tuple[str, str]:
    """(stack name, stack file text) of the target's example."""
    if target not in TARGETS:
        raise StarterError(f"--target: {target!r} is not a target; choose one of {', '.join(TARGETS)}")
    stack = TARGETS[target]
    return stack, (resources.files("hangar.examples") / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")


def project_files(name: str, stack: str, stack_text: str, folder: str) -> dict[str, str]:
    """The project's own files, relative to its directory (the policy config and workflows come from planning them)."""
    return {
        "Pulumi.yaml": PULUMI_YAML.format(name=name),
        "__main__.py": MAIN_PY,
        "requirements.txt": f"# What Pulumi installs into .venv (Pulumi.yaml: virtualenv); upgrade here, after reading hangar-llm's CHANGELOG.\nhangar-llm=={version()}\n",
        ".gitignore": ".venv/\n__pycache__/\n.hangar-cache/\n",
        f"stacks/Pulumi.{stack}.yaml": stack_text,
        "schema/stack.schema.json": json.dumps(stack_file_schema(), indent=2) + "\n",
        "README.md": README.format(name=name, stack=stack, version=version(), cd=f"cd {folder}\n" if folder else ""),
    }


def plan_starter(directory: Path, target: str, name: str | None = None) -> Starter:
    """Everything `hangar init DIRECTORY --target TARGET` writes, made and checked in a scratch directory; nothing written yet."""
    directory = directory.resolve()
    if directory.exists() and not directory.is_dir():
        raise StarterError(f"{directory}: exists and is not a directory")
    name = name or directory.name
    if not PROJECT_NAME.match(name):
        raise StarterError(f"--name: {name!r} is not a Pulumi project name (letters, digits, '_', '.', '-'; at most 100); pass --name")
    stack, stack_text = example_stack(target)
    layout = layout_of(directory)
    relative = project_files(name, stack, stack_text, layout.folder)
    # Refused before the stack is planned (seconds), and again just before writing.
    _refuse_existing([directory / path for path in [*relative, f"policies/config/{stack}.json"]] + [layout.repository / path for path in WORKFLOW_FILES])
    with tempfile.TemporaryDirectory(prefix="hangar-init-") as scratch:
        root = Path(scratch)
        for path, text in relative.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
        relative[f"policies/config/{stack}.json"], workflows = _derived(root, stack, layout)
    files = {directory / path: text for path, text in relative.items()}
    files |= {layout.repository / path: text for path, text in workflows.items()}
    return Starter(directory, stack, layout, files)


def _derived(root: Path, stack: str, layout: ProjectLayout) -> tuple[str, dict[str, str]]:
    """The stack's policy config and the workflows, from validating and planning the scratch project."""
    from hangar.plan import PlanError  # the planner loads Pulumi: only init needs it here
    from hangar.stack_policy import policy_config_document
    from hangar.stackplan import plan_project_stack

    try:
        project = read_project(root)
        environments = {stack: read_environment(project, stack)}
        config = json.dumps(policy_config_document(root, stack), indent=2) + "\n"
        awaits = {stack: longest_await_seconds(plan_project_stack(root, stack).plan)}
        workflows = render_for_project(environments, awaits, layout)
    except StackConfigError as error:
        raise StarterError("\n".join(str(problem) for problem in error.problems)) from None
    except (WorkflowError, PlanError) as error:
        raise StarterError(str(error).strip()) from None
    return config, workflows


def _refuse_existing(paths: list[Path]) -> None:
    existing = sorted(path for path in paths if path.exists() or path.is_symlink())
    if existing:
        raise StarterError("\n".join(f"{path}: exists; hangar init writes only new files, so nothing was written (move it, or init another directory)" for path in existing))


def write_starter(starter: Starter) -> list[Path]:
    """Write every file, or none: an existing file is never overwritten; a write that fails removes what was written."""
    _refuse_existing(list(starter.files))
    made = sorted({parent for path in starter.files for parent in path.parents if not parent.exists()}, key=lambda d: len(d.parts), reverse=True)
    written: list[Path] = []
    try:
        for path, text in sorted(starter.files.items()):
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8") as handle:  # "x": fails rather than replace a file made meanwhile
                handle.write(text)
            written.append(path)
    except OSError as error:
        for path in written:
            path.unlink(missing_ok=True)
        for directory in made:  # deepest first; only the directories this run made, and only when left empty
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise StarterError(f"{error.filename or starter.project}: cannot be written ({error.strerror or error}); nothing was left behind") from None
    return written


PULUMI_YAML = """\
name: {name}
description: Infrastructure for serving large language models, built with Hangar (hangar-llm)
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: .venv
main: .
stackConfigDir: stacks
"""

MAIN_PY = '''\
"""The Pulumi program: validate this stack's `hangar:environment` and build it with the installed Hangar."""

from hangar.components.program import build_stack

build_stack()
'''

README = """\
# {name}: LLM-serving infrastructure with Hangar

Written by `hangar init` (hangar-llm {version}). The environment is the stack file; the program only builds it.

## What to edit

- `stacks/Pulumi.{stack}.yaml`: your account, project or subscription and region; the `budget`, the
  `licence` terms you accept, the node pools, the models you serve, and the `deployer` (where `pulumi up`
  runs). Your editor completes and checks it against `schema/stack.schema.json`.
- After changing the stack file: `hangar policy-config {stack} > policies/config/{stack}.json` (the pack's
  config) and, when the `deployer` changed, `hangar gitops workflows --write` (the workflows).
- More stacks: copy the stack file to `stacks/Pulumi.<name>.yaml`, change its `name`, and generate its policy config.
- `requirements.txt` pins hangar-llm; to upgrade, read its CHANGELOG first.

## Check it offline (no cloud credentials)

```bash
{cd}python -m venv .venv && .venv/bin/pip install -r requirements.txt
.venv/bin/hangar plan {stack}       # what pulumi up would create, its cost, the policies' verdicts
.venv/bin/hangar check --all        # the policy pack offline
.venv/bin/hangar render {stack}     # the Kubernetes manifests
```

## Running it for real

```bash
pulumi login                                  # or your own backend: pulumi login s3://...
pulumi stack select --create {stack}
pulumi preview --policy-pack "$(.venv/bin/hangar policy-pack-path)" --policy-pack-config policies/config/{stack}.json
pulumi up      --policy-pack "$(.venv/bin/hangar policy-pack-path)" --policy-pack-config policies/config/{stack}.json
```

The workflows in `.github/workflows/` run the same on every pull request and every merge; their header
says which secrets and variables they need.
"""
