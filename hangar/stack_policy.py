"""The policy configs a stack is judged with, and how their catalog-override paths are spelled in messages.

From `--policy-config`, else generated from the stack file's Hangar environment (as `hangar policy-config`
prints it), else the pack's defaults; a relative `catalogOverrides` is a path from the project directory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hangar.stackfile import ENVIRONMENT_KEY, PulumiProject, environment_from_config, read_project, read_stack_config

# The rules are imported in the functions that use them: a cached verdict needs none of them.
if TYPE_CHECKING:
    from hangar.policies.rules.base import PolicyConfig
    from hangar.spec import Environment


def override_spellings(project: PulumiProject, stack: str, policy_config: Path | None) -> dict[str, str]:
    """Each relative catalog-overrides path this stack's policy configs name: its absolute form → as written."""
    written: list[Any] = []
    if policy_config is not None:
        try:
            raw = json.loads(policy_config.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = None
        if isinstance(raw, dict):
            written += [entry.get("catalogOverrides") for entry in raw.values() if isinstance(entry, dict)]
    else:
        environment = read_stack_config(project, stack).get(ENVIRONMENT_KEY)
        if isinstance(environment, dict):
            written.append(environment.get("catalog_overrides"))
    root = project.root.resolve()
    return {str(root / value): value for value in written if relative_path(value)}


def relative_path(value: Any) -> bool:
    """Whether a configured path is relative, so read from the project directory: a non-empty string, neither `~`-rooted nor absolute."""
    return isinstance(value, str) and bool(value) and not value.startswith("~") and not Path(value).is_absolute()


def respell(text: str, spelled: dict[str, str]) -> str:
    for absolute, written in spelled.items():
        text = text.replace(absolute, written)
    return text


def stack_policy_configs(project: PulumiProject, stack: str, policy_config: Path | None, environment: Environment | None = None) -> dict[str, PolicyConfig]:
    """The validated policy configs for a stack: from --policy-config, else generated from its Hangar environment, else defaults.

    A relative `catalogOverrides` (in the file, or generated from the stack file) is a path from the project directory.
    """
    from hangar.policies.rules import load_pack_config
    from hangar.policies.rules.config import pack_config_for

    if policy_config is not None:
        try:
            raw = json.loads(policy_config.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ValueError(f"{policy_config}: cannot read a JSON policy config: {error}") from None
        return load_pack_config(_rooted_overrides(raw, project.root.resolve()), str(policy_config))
    config = read_stack_config(project, stack)
    if ENVIRONMENT_KEY not in config:
        return load_pack_config({}, "default policy config")
    if environment is None:
        environment = environment_from_config(config[ENVIRONMENT_KEY], str(project.stack_file(stack)), base=project.root.resolve())
    return load_pack_config(pack_config_for(environment), f"policy config generated from {project.stack_file(stack)}")


def _rooted_overrides(raw: Any, root: Path) -> Any:
    """A policy config whose relative `catalogOverrides` values start at `root` (anything else is left for validation to judge)."""
    if not isinstance(raw, dict):
        return raw
    rooted = {}
    for name, entry in raw.items():
        value = entry.get("catalogOverrides") if isinstance(entry, dict) else None
        if relative_path(value):
            entry = {**entry, "catalogOverrides": str(root / value)}
        rooted[name] = entry
    return rooted


def policy_config_document(project_root: Path, stack: str) -> dict[str, Any]:
    """The policy config generated from a stack file, as `pulumi preview --policy-pack-config` reads it."""
    from hangar.policies.rules.config import pack_config_for

    project = read_project(project_root)
    config = read_stack_config(project, stack)
    environment = environment_from_config(config.get(ENVIRONMENT_KEY), str(project.stack_file(stack)))
    return pack_config_for(environment)
