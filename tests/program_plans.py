"""The Hangar program planned for an environment given as a dict, with no secret config, as `pulumi preview` would run it."""

from __future__ import annotations

from typing import Any

from hangar.components.program import build_stack

from hangar.plan import plan_program
from hangar.records import Plan


def plan_environment(raw: dict[str, Any]) -> Plan:
    """Plan the Hangar program for an environment given as a dict, as `pulumi preview` would run it."""
    return plan_program(build_stack, project="hangar", stack="test", config={"hangar:environment": raw})
