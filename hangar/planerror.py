"""The error a program that cannot be planned ends in, apart from the planner so that catching it loads no Pulumi SDK.

`hangar.plan` (which imports Pulumi) raises it; the service and the CLI catch it, also on a plan-cache hit,
where nothing else of Pulumi is needed.
"""

from __future__ import annotations


class PlanError(Exception):
    """The program could not be planned: it raised, or it is not a Pulumi Python program."""
