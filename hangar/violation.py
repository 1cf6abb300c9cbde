"""A policy violation as every report shows it: the policy, the resource, the message, the level in force.

Defined below the policy pack (`hangar.policies.rules.base` re-exports it) so that a stack's verdict can be
read back from the cache and reported without importing the rules (`hangar.verdictcache`).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

Level = Literal["advisory", "mandatory", "disabled"]


@dataclasses.dataclass(frozen=True, order=True)
class Violation:
    """A finding with the enforcement level its policy has in this stack's config."""

    policy: str
    urn: str
    message: str
    level: Level

    def to_json(self) -> dict[str, str]:
        return dataclasses.asdict(self)
