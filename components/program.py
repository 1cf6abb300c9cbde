"""Entry point of the Pulumi program: read `hangar:environment`, validate it, build the environment."""

from __future__ import annotations

from pathlib import Path

import pulumi
from hangar.components.environment import HangarEnvironment

from hangar.stackfile import CONFIG_NAMESPACE, StackConfigError, environment_from_config


def build_stack() -> HangarEnvironment:
    """Validate this stack's config before any resource exists, then build it; a bad config is one clear error."""
    raw = pulumi.Config(CONFIG_NAMESPACE).get_object("environment")
    try:
        environment = environment_from_config(raw, f"stack {pulumi.get_stack()}", base=project_root())
    except StackConfigError as error:
        raise pulumi.RunError(f"invalid Hangar config:\n{error}") from None
    return HangarEnvironment(environment.name, environment)


def project_root() -> Path | None:
    """The project directory (Pulumi.yaml's), where the stack config's relative paths start; None where the runtime does not say.

    `pulumi.get_root_directory()` "returns the project root, the location of Pulumi.yaml" (pulumi 3.272,
    sdk/python/lib/pulumi/runtime/settings.py); `hangar plan` sets it, as the Pulumi CLI's language host
    does. Under plain mocks it holds a placeholder and an older language host leaves it unset: relative
    paths are then read from the working directory, where the Pulumi CLI runs the program.
    """
    root = pulumi.get_root_directory()
    return Path(root) if root and Path(root).is_absolute() and Path(root).is_dir() else None
