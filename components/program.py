"""Entry point of the Pulumi program: read `hangar:environment`, validate it, build the environment."""

from __future__ import annotations

import pulumi
from hangar.components.environment import HangarEnvironment

from hangar.stackfile import CONFIG_NAMESPACE, StackConfigError, environment_from_config


def build_stack() -> HangarEnvironment:
    """Validate this stack's config before any resource exists, then build it; a bad config is one clear error."""
    raw = pulumi.Config(CONFIG_NAMESPACE).get_object("environment")
    try:
        environment = environment_from_config(raw, f"stack {pulumi.get_stack()}")
    except StackConfigError as error:
        raise pulumi.RunError(f"invalid Hangar config:\n{error}") from None
    return HangarEnvironment(environment.name, environment)
