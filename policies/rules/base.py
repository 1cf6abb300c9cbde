"""What every rule shares: violations, enforcement levels, and the shape of a policy.

A rule is a pure function from plain resource records (`hangar.records.ResourceRecord`) and its
validated config to findings. Findings name the policy they belong to, because one rule can
speak for two policies: licensing refuses a forbidden licence (`hangar-licensing`) and says when
it cannot judge an unknown model (`hangar-cannot-judge`), which has its own enforcement level.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Callable, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from hangar.violation import Level as Level
from hangar.violation import Violation as Violation

if TYPE_CHECKING:
    from hangar.policies.rules.facts import StackFacts

LEVELS: tuple[Level, ...] = ("advisory", "mandatory", "disabled")
Tier = Literal["dev", "staging", "prod"]
TIERS: tuple[Tier, ...] = ("dev", "staging", "prod")

BUDGET = "hangar-budget"
LICENSING = "hangar-licensing"
LICENCE_NOTICES = "hangar-licence-notices"
HARDWARE_FIT = "hangar-hardware-fit"
NETWORK = "hangar-network-placement"
CANNOT_JUDGE = "hangar-cannot-judge"
SCHEDULABLE_ACCELERATORS = "hangar-schedulable-accelerators"
AUTOSCALER_METRICS = "hangar-autoscaler-metrics"
REPLICA_ROOM = "hangar-replica-room"
DEPLOY_TIMEOUT = "hangar-deploy-timeout"
REACHABLE_CONTROL_PLANE = "hangar-reachable-control-plane"
ZONAL_STORAGE = "hangar-zonal-storage"


@dataclasses.dataclass(frozen=True, order=True)
class Finding:
    """A rule's verdict on one resource (or on the stack, when `urn` is empty).

    `advisory` caps the finding at advisory whatever its policy's level (a missing budget ceiling
    outside prod); it never raises a level.
    """

    policy: str
    urn: str
    message: str
    advisory: bool = False


class PolicyConfig(BaseModel):
    """Base of each policy's config: camelCase keys as in a Pulumi policy config file; unknown keys and inf/NaN refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True, allow_inf_nan=False)

    enforcement_level: Level | None = None


Check = Callable[["StackFacts", Any], list[Finding]]
"""A check reads the stack's facts (its records and what is derived from them) and its policy's config."""


@dataclasses.dataclass(frozen=True)
class PolicySpec:
    """One policy of the pack: its name, what it checks, its default level, its config model and its check.

    `scope` "resource" policies judge each resource alone (Analyze); "stack" policies see the
    whole plan at once (AnalyzeStack), because they join resources or add them up.
    """

    name: str
    description: str
    scope: Literal["resource", "stack"]
    default_level: Level
    config_model: type[PolicyConfig]
    check: Check
