"""Plan one stack of a project offline: validate a Hangar stack's config first, then run its program.

What `hangar plan`, `check`, `cost` and `diff` share. Paths in a stack config (catalog overrides,
prompt templates) are read from the project directory, as the Pulumi CLI means them: the path is
passed down (`environment_from_config(..., base=root)`, the program's `pulumi.get_root_directory()`);
the working directory is never changed.
Secrets a Hangar stack needs but that only the Pulumi CLI can hold (an on-prem kubeconfig set
with `pulumi config set --secret`) are absent from a fresh checkout: the offline plan uses a
placeholder for each, marked secret, and says so.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable

from hangar.catalog import load_catalog
from hangar.cost import CostReport, default_regions_from_config, price_plan
from hangar.records import Plan
from hangar.spec import Environment, OnPremCluster
from hangar.stackfile import (
    ENVIRONMENT_KEY,
    environment_from_config,
    read_project,
    read_stack_config,
)

OFFLINE_KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n# placeholder for an offline plan\n"


@dataclasses.dataclass(frozen=True)
class StackPlan:
    """A stack's plan, its validated environment (None for a program that is not Hangar's), and notes for the reader."""

    root: Path
    plan: Plan
    environment: Environment | None
    stack_file: Path
    config: dict[str, Any]
    notes: tuple[str, ...] = ()

    @property
    def catalog_overrides(self) -> Path | None:
        """The environment's catalog overrides, resolved from the project directory."""
        if self.environment is None or self.environment.catalog_overrides is None:
            return None
        return self.root / self.environment.catalog_overrides

    def price(self) -> CostReport:
        """The plan's compute priced with the stack's catalog overrides and provider regions."""
        return price_plan(self.plan, load_catalog(self.catalog_overrides), default_regions=default_regions_from_config(self.config))


def plan_stack(root: Path, stack: str, *, extra_secrets: dict[str, str] | None = None) -> Plan:
    """`hangar.plan.plan_stack`, imported on first use: Pulumi and the program's SDKs load only when a stack is really planned (not on a plan-cache hit)."""
    from hangar.plan import plan_stack as run_program

    return run_program(root, stack, extra_secrets=extra_secrets)


def plan_project_stack(root: Path, stack: str, planner: Callable[..., Plan] | None = None) -> StackPlan:
    """Validate (Hangar stacks) and plan one stack; raises StackConfigError or PlanError.

    `planner` (`hangar.plan.plan_stack`'s signature; that one when None, looked up at call time) makes the
    plan once the stack is validated: the plan cache passes one that returns the stored plan.
    """
    project = read_project(root)  # paths in messages stay as the user gave them
    root = root.resolve()
    config = read_stack_config(project, stack)
    stack_file = project.stack_file(stack)
    environment = None
    placeholders: dict[str, str] = {}
    if ENVIRONMENT_KEY in config:
        environment = environment_from_config(config[ENVIRONMENT_KEY], str(stack_file), base=root)
        for cluster in environment.clusters:
            if isinstance(cluster, OnPremCluster) and cluster.kubeconfig_key not in config:
                placeholders[cluster.kubeconfig_key] = OFFLINE_KUBECONFIG
    notes = tuple(f"{key} is not set in {stack_file.name}: planned with a placeholder kubeconfig (set it with `pulumi config set --secret`)" for key in placeholders)
    plan = (planner or plan_stack)(root, stack, extra_secrets=placeholders)
    return StackPlan(root, plan, environment, stack_file, config, notes)
