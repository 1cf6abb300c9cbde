"""What weakens a stack's policies, in words every report repeats: levels lowered, waivers, catalog overrides in force.

A policy config can disable a policy, lower a mandatory one to advisory, waive the budget ceiling,
accept unpriced pools or fact overrides; a stack's catalog overrides can change prices, licence
terms and hardware facts. None of it is forbidden, and none of it may be silent: `hangar check`
(every format), `hangar plan` and the pull-request comment list these lines for each stack.
"""

from __future__ import annotations

from typing import Mapping

from hangar.policies.rules.base import LEVELS, TIERS, Level, PolicyConfig
from hangar.policies.rules.config import ADVISORY_OUTSIDE_PROD
from hangar.policies.rules.overrides import overridden_rows

STRENGTH = {"disabled": 0, "advisory": 1, "mandatory": 2}
assert set(STRENGTH) == set(LEVELS)


def weakenings(configs: Mapping[str, PolicyConfig], defaults: Mapping[str, Level]) -> list[str]:
    """One line per thing that makes this stack's verdict weaker than the pack's defaults would."""
    lines = []
    tier = max((getattr(config, "tier", "dev") for config in configs.values()), key=TIERS.index, default="dev")
    for name, config in configs.items():
        # Some policies are advisory outside prod by design (README, `hangar policy-config`): no weakening there.
        expected = "advisory" if name in ADVISORY_OUTSIDE_PROD and tier != "prod" else defaults[name]
        level = config.enforcement_level or defaults[name]
        if STRENGTH[level] < STRENGTH[expected]:
            lines.append(f"{name} is {level} in the policy config (its default is {expected})")
        waiver = getattr(config, "ceiling_waiver", None)
        if waiver:
            lines.append(f"{name}: no monthly ceiling, waived: {waiver!r}")
        if getattr(config, "allow_fact_overrides", False):
            lines.append(f"{name}: allowFactOverrides lets prod verdicts rest on overridden licence terms or hardware facts")
        accepted = getattr(config, "allow_unpriced", None)
        if accepted:
            lines.append(f"{name}: pools accepted without a price: {', '.join(accepted)}")
    paths = sorted({path for config in configs.values() if (path := getattr(config, "catalog_overrides", None))})
    for path in paths:
        lines += [f"catalog override in force: {row.describe()}" for row in overridden_rows(path)]
    return lines
