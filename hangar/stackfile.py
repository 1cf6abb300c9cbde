"""Read a Pulumi project and its stack files, and turn the `hangar:environment` object into an `Environment`.

Every way a stack file can be wrong — missing, unreadable, not YAML, ambiguous YAML (a key twice, a
YAML bomb, a `!!binary` value: `hangar.stackyaml`), failing the spec — ends in one `StackConfigError`
whose problems print one line each: file, key path or line, what is allowed, what was given. A value
is never echoed where it may be a credential: under an unknown key, or a key named like a secret.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import re
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from hangar.stackyaml import StackYamlError
from hangar.stackyaml import load as load_yaml_text

if TYPE_CHECKING:
    from pydantic import ValidationError

    from hangar.spec import Environment

CONFIG_NAMESPACE = "hangar"
ENVIRONMENT_KEY = f"{CONFIG_NAMESPACE}:environment"
HF_TOKEN_KEY = "huggingface_token"
API_KEY_KEY = "api_key"
"""The secret stack config keys (`hangar:<key>`) of the Hugging Face token and the API key (`pulumi config set --secret <key> ...`)."""
CREDENTIAL_KEYS = (f"{CONFIG_NAMESPACE}:{HF_TOKEN_KEY}", f"{CONFIG_NAMESPACE}:{API_KEY_KEY}")
"""Stack config keys that hold a credential: only ever as a Pulumi secret (`secure:`), never in plain text."""
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""Characters that would break a one-line message or drive a terminal."""
SECRET_LOOKING = re.compile(r"((?<![a-z])token(?![a-z])|secret|password|passwd|api_?key|credential|private_?key|kubeconfig)")
"""Words of a key (snake_cased, lower case) that may hold a credential: its value is never echoed in an error. "token"
only as a word of its own (`hf_token`, `apiToken`), not a count of tokens (`max_context_tokens`) or a `tokenizer`."""


def secret_looking(key: str) -> bool:
    """Whether `key` (a config key, snake_case or camelCase) is named like a credential (`SECRET_LOOKING`)."""
    return bool(SECRET_LOOKING.search(re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).lower()))


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
        # One line, whatever a key, a path or a message carries: control characters (a newline, an ANSI escape) are escaped.
        return CONTROL.sub(lambda match: json.dumps(match.group())[1:-1], f"{location}: {self.message}{given}")


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
        """Names of the stacks that have a stack file, sorted; StackConfigError if the directory cannot be read."""
        try:
            return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in self.stack_config_dir.glob("Pulumi.*.yaml"))
        except OSError as error:
            reason = error.strerror or str(error)
            raise StackConfigError([ConfigProblem(str(self.stack_config_dir), "", f"the stack config directory cannot be read: {reason}", has_given=False)]) from None


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
        raise StackConfigError([ConfigProblem(str(path), "line 1", "a stack file must be a YAML mapping (with a `config:` key)", type(document).__name__)])
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise StackConfigError([ConfigProblem(str(path), "config", "must be a mapping of config keys", config)])
    namespaced = {(key if ":" in key else f"{project.name}:{key}"): value for key, value in config.items()}
    plaintext = [key for key in CREDENTIAL_KEYS if key in namespaced and not _encrypted(namespaced[key])]
    if plaintext:
        raise StackConfigError([_plaintext_credential(str(path), key) for key in plaintext])
    return namespaced


def _encrypted(value: Any) -> bool:
    """A Pulumi secret as the stack file holds it: `{secure: <ciphertext>}`."""
    return isinstance(value, dict) and set(value) == {"secure"}


def _plaintext_credential(source: str, key: str) -> ConfigProblem:
    name = key.split(":", 1)[1]
    return ConfigProblem(
        source,
        key,
        f"holds a credential in plain text (value hidden); remove it from the stack file and set it as a secret with "
        f"`pulumi config set --secret {name} <value>`",
        has_given=False,
    )


def read_environment(project: PulumiProject, stack: str) -> Environment:
    """The validated `Environment` of one stack, or a `StackConfigError` naming every problem."""
    config = read_stack_config(project, stack)
    return environment_from_config(config.get(ENVIRONMENT_KEY), str(project.stack_file(stack)))


ROOTED_PATHS = ("catalog_overrides", "deployments[].prompt_templates_dir")
"""The environment's path keys: a relative one means a path from the project directory (where Pulumi.yaml is)."""


def environment_from_config(raw: Any, source: str, base: Path | None = None) -> Environment:
    """Validate the raw `hangar:environment` value (a mapping, or its JSON text) into an `Environment`.

    With `base` (the project directory), relative paths of `ROOTED_PATHS` are read from there, not from
    the working directory, so no caller has to change it; problems still show the values as written.
    """
    if raw is None:
        raise StackConfigError([ConfigProblem(source, ENVIRONMENT_KEY, "required: the environment object is missing", has_given=False)])
    if isinstance(raw, str):
        try:
            raw = json.loads(raw, object_pairs_hook=_unique_pairs, parse_constant=_no_constant)
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}, column {error.colno}"
            raise StackConfigError([ConfigProblem(source, ENVIRONMENT_KEY, f"is not a JSON object ({error.msg} at {where} of the JSON text)", has_given=False)]) from None
        except (ValueError, RecursionError) as error:
            reason = str(error) if isinstance(error, ValueError) else "nested too deeply"
            raise StackConfigError([ConfigProblem(source, ENVIRONMENT_KEY, f"is not a usable JSON object: {reason}", has_given=False)]) from None
    # The spec (pydantic and its models) is imported here, on first validation: reading a project and its
    # stack files does not need it, and a verdict from the cache (hangar.verdictcache) validates nothing.
    from pydantic import ValidationError

    from hangar.spec import Environment

    try:
        return Environment.model_validate(_rooted(raw, base) if base is not None else raw)
    except ValidationError as error:
        raise StackConfigError(problems_from_validation(error, raw, source)) from None


def _rooted(raw: Any, base: Path) -> Any:
    """A copy of `raw` whose relative `ROOTED_PATHS` values start at `base` (`~` paths and other types are left to the spec)."""

    def rooted(value: Any) -> Any:
        if isinstance(value, str) and value and not value.startswith("~") and "\0" not in value and not Path(value).is_absolute():
            return str(base / value)
        return value

    if not isinstance(raw, dict):
        return raw
    copy = dict(raw)
    if "catalog_overrides" in copy:
        copy["catalog_overrides"] = rooted(copy["catalog_overrides"])
    if isinstance(copy.get("deployments"), list):
        copy["deployments"] = [
            {**item, "prompt_templates_dir": rooted(item["prompt_templates_dir"])} if isinstance(item, dict) and "prompt_templates_dir" in item else item
            for item in copy["deployments"]
        ]
    return copy


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are unique: the second of two equal keys is an error, not a silent override."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r} in one JSON object; a key may appear once")
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a config may hold")


def problems_from_validation(error: ValidationError, raw: Any, source: str) -> list[ConfigProblem]:
    """One `ConfigProblem` per pydantic error, with paths as the user wrote them (union tags removed).

    A value is hidden where it may be a credential: under an unknown key (a token pasted into the
    wrong place) or under a key named like a secret.
    """
    problems = []
    for detail in error.errors(include_url=False):
        path = key_path(detail["loc"], raw)
        context = detail.get("ctx") or {}
        hidden = secret_looking(path.rsplit(".", 1)[-1])
        if detail["type"] == "hangar_cross_field":
            for found in context["problems"]:
                where = _join(path, found["path"])
                if secret_looking(where.rsplit(".", 1)[-1]):
                    problems.append(ConfigProblem(source, where, f"{found['message']} (value hidden)", has_given=False))
                else:
                    problems.append(ConfigProblem(source, where, found["message"], found["given"]))
        elif detail["type"] == "missing":
            problems.append(ConfigProblem(source, path, "required key is missing", has_given=False))
        elif detail["type"] == "union_tag_not_found":
            allowed = ", ".join(repr(tag) for tag in _union_tags(context))
            problems.append(ConfigProblem(source, f"{path}.{context.get('discriminator', '').strip(chr(39))}", f"required key is missing: one of {allowed}", has_given=False))
        elif detail["type"] == "extra_forbidden":
            problems.append(ConfigProblem(source, path, _unknown_key(path), has_given=False))
        elif hidden:
            problems.append(ConfigProblem(source, path, f"{detail['msg']} (value hidden)", has_given=False))
        else:
            problems.append(ConfigProblem(source, path, detail["msg"], detail["input"]))
    return problems


def _unknown_key(path: str) -> str:
    """An unknown key, its value never echoed: it may be a credential put in the wrong place."""
    message = "unknown key (value hidden); see `hangar schema` for the keys allowed here"
    leaf = path.rsplit(".", 1)[-1]
    if secret_looking(leaf):
        message += f"; a credential belongs in the secret stack config, not here: `pulumi config set --secret {leaf} <value>`"
    return message


def _union_tags(context: dict[str, Any]) -> list[str]:
    """The values a discriminated union accepts (today only a cluster's `provider`), for the message of a missing tag."""
    if str(context.get("discriminator", "")).strip("'") != "provider":
        return []
    from hangar.spec import Cluster

    members = typing.get_args(typing.get_args(Cluster)[0])
    return [tag for member in members for tag in typing.get_args(member.model_fields["provider"].annotation)]


def key_path(loc: tuple[Any, ...], raw: Any) -> str:
    """`hangar:environment.clusters[0].node_pools[1]` from a pydantic location, walking the input to drop union tags."""
    path = ENVIRONMENT_KEY
    node = raw
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            node = node[part] if isinstance(node, list) and -len(node) <= part < len(node) else None
        elif isinstance(node, dict) and part in node:
            path += _segment(part)
            node = node[part]
        elif isinstance(node, dict) and part in node.values():
            pass  # a discriminated-union tag such as 'aws': the value of `provider`, not a key the user wrote
        else:
            path += _segment(part)
            node = None
    return path


def _segment(key: Any) -> str:
    """`.key` for a key as the user writes it; `["..."]` (JSON-quoted) for one with spaces, control characters or a newline."""
    text = str(key)
    return f".{text}" if re.fullmatch(r"[A-Za-z0-9_.:/\-\[\]]+", text) else f"[{json.dumps(text)}]"


def _join(base: str, relative: str) -> str:
    return f"{base}.{relative}" if relative and not relative.startswith("[") else f"{base}{relative}"


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> Any:
    """A YAML text parsed once per process: one command reads a stack file up to three times (key, plan, verdict)."""
    return load_yaml_text(text)


def _load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise StackConfigError([ConfigProblem(str(path), "", f"cannot be read: {reason}", has_given=False)]) from None
    try:
        return copy.deepcopy(_parsed(text))  # a copy: callers may change what they get
    except yaml.reader.ReaderError as error:  # a control character (an ANSI escape, NUL): it has a position, not a mark
        line = text[: error.position].count("\n") + 1
        character = error.character if isinstance(error.character, str) else chr(error.character)
        message = f"the character {character!r} is not allowed in YAML (a control character); remove it"
        raise StackConfigError([ConfigProblem(str(path), f"line {line}", message, has_given=False)]) from None
    except StackYamlError as error:
        mark = error.problem_mark
        raise StackConfigError([ConfigProblem(str(path), f"line {mark.line + 1}, column {mark.column + 1}", str(error.problem), has_given=False)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(error, "problem", None) or str(error).replace("\n", " ")
        raise StackConfigError([ConfigProblem(str(path), "", f"not valid YAML{where}: {reason}", has_given=False)]) from None
    except RecursionError:
        raise StackConfigError([ConfigProblem(str(path), "", "nested too deeply to read", has_given=False)]) from None


def _get(document: Any, key: str) -> Any:
    return document.get(key) if isinstance(document, dict) else None


def _show(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
