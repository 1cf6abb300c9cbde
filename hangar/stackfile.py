"""Read a Pulumi project and its stack files, and turn the `hangar:environment` object into an `Environment`.

Every way a stack file can be wrong — missing, not YAML, failing the spec — ends in one
`StackConfigError` whose problems print one line each: file, key path, what is allowed, what was given.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hangar.spec import Environment

CONFIG_NAMESPACE = "hangar"
ENVIRONMENT_KEY = f"{CONFIG_NAMESPACE}:environment"


@dataclasses.dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a stack config, at one key path."""

    file: str
    path: str
    message: str
    given: Any = None
    has_given: bool = True

    def __str__(self) -> str:
        given = f"; got {_show(self.given)}" if self.has_given else ""
        location = f"{self.file}: {self.path}" if self.path else self.file
        return f"{location}: {self.message}{given}"


class StackConfigError(Exception):
    """A stack config that cannot be used; `problems` holds one entry per problem."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclasses.dataclass(frozen=True)
class PulumiProject:
    """The parts of `Pulumi.yaml` that Hangar needs to find and run a program."""

    root: Path
    name: str
    runtime: str
    main: Path
    stack_config_dir: Path

    def stack_file(self, stack: str) -> Path:
        return self.stack_config_dir / f"Pulumi.{stack}.yaml"

    def stacks(self) -> list[str]:
        """Names of the stacks that have a stack file, sorted."""
        return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in self.stack_config_dir.glob("Pulumi.*.yaml"))


def read_project(root: Path) -> PulumiProject:
    """Read `root/Pulumi.yaml` (or .yml)."""
    candidates = [root / "Pulumi.yaml", root / "Pulumi.yml"]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise StackConfigError([ConfigProblem(str(candidates[0]), "", "no Pulumi project file here", has_given=False)])
    document = _load_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("name"), str):
        raise StackConfigError([ConfigProblem(str(path), "name", "a Pulumi project needs a string 'name'", _get(document, "name"))])
    runtime = document.get("runtime", "")
    runtime_name = runtime.get("name", "") if isinstance(runtime, dict) else str(runtime)
    main = root / str(document.get("main", "."))
    config_dir = root / str(document.get("stackConfigDir", "."))
    return PulumiProject(root=root, name=document["name"], runtime=runtime_name, main=main, stack_config_dir=config_dir)


def read_stack_config(project: PulumiProject, stack: str) -> dict[str, Any]:
    """The `config:` mapping of a stack file, with keys namespaced as Pulumi does (`key` → `<project>:key`)."""
    path = project.stack_file(stack)
    if not path.is_file():
        known = ", ".join(project.stacks()) or "none"
        raise StackConfigError([ConfigProblem(str(path), "", f"no such stack file; stacks here: {known}", has_given=False)])
    document = _load_yaml(path)
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise StackConfigError([ConfigProblem(str(path), "", "a stack file must be a YAML mapping", type(document).__name__)])
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise StackConfigError([ConfigProblem(str(path), "config", "must be a mapping of config keys", config)])
    return {(key if ":" in key else f"{project.name}:{key}"): value for key, value in config.items()}


def read_environment(project: PulumiProject, stack: str) -> Environment:
    """The validated `Environment` of one stack, or a `StackConfigError` naming every problem."""
    config = read_stack_config(project, stack)
    return environment_from_config(config.get(ENVIRONMENT_KEY), str(project.stack_file(stack)))


def environment_from_config(raw: Any, source: str) -> Environment:
    """Validate the raw `hangar:environment` value (a mapping, or its JSON text) into an `Environment`."""
    if raw is None:
        raise StackConfigError([ConfigProblem(source, ENVIRONMENT_KEY, "required: the environment object is missing", has_given=False)])
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise StackConfigError([ConfigProblem(source, ENVIRONMENT_KEY, f"is not a JSON object ({error.msg})", raw)]) from None
    try:
        return Environment.model_validate(raw)
    except ValidationError as error:
        raise StackConfigError(problems_from_validation(error, raw, source)) from None


def problems_from_validation(error: ValidationError, raw: Any, source: str) -> list[ConfigProblem]:
    """One `ConfigProblem` per pydantic error, with paths as the user wrote them (union tags removed)."""
    problems = []
    for detail in error.errors(include_url=False):
        path = key_path(detail["loc"], raw)
        context = detail.get("ctx") or {}
        if detail["type"] == "hangar_cross_field":
            for found in context["problems"]:
                problems.append(ConfigProblem(source, _join(path, found["path"]), found["message"], found["given"]))
        elif detail["type"] == "missing":
            problems.append(ConfigProblem(source, path, "required key is missing", has_given=False))
        elif detail["type"] == "extra_forbidden":
            problems.append(ConfigProblem(source, path, "unknown key; see `hangar schema` for the keys allowed here", detail["input"]))
        else:
            problems.append(ConfigProblem(source, path, detail["msg"], detail["input"]))
    return problems


def key_path(loc: tuple[Any, ...], raw: Any) -> str:
    """`hangar:environment.clusters[0].node_pools[1]` from a pydantic location, walking the input to drop union tags."""
    path = ENVIRONMENT_KEY
    node = raw
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            node = node[part] if isinstance(node, list) and -len(node) <= part < len(node) else None
        elif isinstance(node, dict) and part in node:
            path += f".{part}"
            node = node[part]
        elif isinstance(node, dict) and part in node.values():
            pass  # a discriminated-union tag such as 'aws': the value of `provider`, not a key the user wrote
        else:
            path += f".{part}"
            node = None
    return path


def _join(base: str, relative: str) -> str:
    return f"{base}.{relative}" if relative and not relative.startswith("[") else f"{base}{relative}"


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(error, "problem", None) or str(error)
        raise StackConfigError([ConfigProblem(str(path), "", f"not valid YAML{where}: {reason}", has_given=False)]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise StackConfigError([ConfigProblem(str(path), "", f"cannot be read: {error}", has_given=False)]) from None


def _get(document: Any, key: str) -> Any:
    return document.get(key) if isinstance(document, dict) else None


def _show(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
