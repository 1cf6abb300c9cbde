"""Plan, price and judge one stack: the one service below the CLI.

`hangar plan`, `check`, `cost` and `render` call this module, and so do both sides of `diff`
(`hangar.diff_sides`); the CLI only parses arguments and prints what it returns. Planning is
`hangar.stackplan`; pricing is the catalog (with the stack's `catalog_overrides`); judging is the
policy pack's rules with the stack's policy config (from `--policy-config`, else generated from the
stack file as `hangar policy-config` prints it).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hangar import costcache, planreads, verdictcache
from hangar.costcache import PricedStack, StackBudget
from hangar.plancache import PlanCache, Source, WorkingTree, disabled_by_environment, inputs_key, read_names, reads_key
from hangar.records import Plan, ResourceRecord
from hangar.stack_policy import override_spellings, respell, stack_policy_configs
from hangar.stackfile import (
    ENVIRONMENT_KEY,
    PulumiProject,
    StackConfigError,
    read_project,
    read_stack_config,
)
from hangar.verdicts import StackVerdict
from hangar.violation import Violation

# The spec, the catalog, pricing, the rules and the runner are imported in the functions that use them:
# a verdict or a plan taken from the cache needs none of them (tests/test_verdict_cache.py).
if TYPE_CHECKING:
    from hangar.cost import CostReport, CostTotals
    from hangar.spec import Environment
    from hangar.stackplan import StackPlan


def plan_stack(root: Path, stack: str, *, policy_config: Path | None = None, cache: bool = True) -> StackPlan:
    """Validate (Hangar stacks) and plan one stack of the project at `root`; raises StackConfigError or PlanError.

    With `cache`, a plan is taken from the project's plan cache when every input and every file its
    plan read is unchanged (`hangar.plancache`), else planned and stored; the stack file is validated either way.
    """
    return plan_and_key(root, stack, policy_config, cache)[0]


@dataclasses.dataclass(frozen=True)
class Lookup:
    """One stack looked up in its project's plan cache, once per run: its inputs key, and the key and read set of the plan stored for it.

    `inputs` is None when the stack file cannot be read (never cached); `found` is None when no stored
    plan matches the files as they are now.
    """

    store: PlanCache
    source: WorkingTree
    inputs: str | None
    found: tuple[str, list[str]] | None


def look_up(project: PulumiProject, stack: str, policy_config: Path | None = None, known: tuple[str, tuple[str, list[str]]] | None = None) -> Lookup:
    """Where the stack stands in the project's plan cache (nothing is read but keys: `PlanCache.find`).

    `known`: the inputs key, key and read set of a plan of this stack found elsewhere (`diff`'s base side): when
    the stack's inputs are the same and the files of that read set hash to the same key here, that is the
    stack's plan and the cache is not searched (its read sets are not read again).
    """
    store = PlanCache.for_project(project.root)
    source = WorkingTree(project.root)
    inputs = stack_inputs(project, stack, source, policy_config)
    if inputs and known is not None and known[0] == inputs and reads_key(inputs, known[1][1], source) == known[1][0]:
        return Lookup(store, source, inputs, known[1])
    return Lookup(store, source, inputs, store.find(inputs, source) if inputs else None)


def plan_and_key(
    root: Path, stack: str, policy_config: Path | None, cache: bool, lookup: Lookup | None = None
) -> tuple[StackPlan, tuple[str, list[str]] | None]:
    """`plan_stack`, and the cache key of the plan with the read set it is stored under (None when it is not cached).

    `lookup`: the stack's `look_up` if the caller already made it (on a verdict's miss), so the cache is not searched twice.
    """
    from hangar.stackplan import plan_project_stack

    if not cache or disabled_by_environment():
        return plan_project_stack(root, stack), None
    project = read_project(root)
    if lookup is None:
        lookup = look_up(project, stack, policy_config)
    cached = cached_plan(lookup.store.get(lookup.found[0])) if lookup.found else None
    if lookup.found and cached is not None:
        return plan_project_stack(root, stack, planner=lambda *_args, **_kwargs: cached[0]), lookup.found
    with planreads.planning():
        planned = plan_project_stack(root, stack)
    if not lookup.inputs:
        return planned, None
    reads = read_names(planreads.files_read(), planreads.directories_listed(), project.root, project.stack_config_dir)
    return planned, (lookup.store.store(lookup.inputs, reads, lookup.source, {"plan": planned.plan.to_json(), "notes": list(planned.notes)}), reads)


def check_stack(root: Path, stack: str, *, policy_config: Path | None = None, cache: bool = True) -> StackVerdict:
    """One stack's verdict (`hangar check`): planned (or its plan from the cache), judged and stored; raises StackConfigError, PlanError or ValueError.

    With `cache`, a verdict stored for the plan's key is returned when the files judging read are
    unchanged (`hangar.verdictcache`): nothing is validated, planned or judged, and neither the spec
    nor the rules are imported. A stack file that no longer validates changes its plan's key, so it misses.
    """
    project = read_project(root)
    source = WorkingTree(project.root)
    lookup = None
    if cache and not disabled_by_environment():
        lookup = look_up(project, stack, policy_config)
        judged = verdictcache.lookup(PlanCache.for_project(root, "verdicts"), lookup.found[0], source) if lookup.found else None
        if judged is not None:
            return StackVerdict(stack, project.stack_file(stack), judged.violations, judged.weakened)
    planned, key = plan_and_key(root, stack, policy_config, cache, lookup)
    verdict = stack_verdict(planned, stack, policy_config)
    if key is not None:  # priced too, as `diff` prices each side: its base side then finds the verdict `check` left
        judged = verdictcache.Judged(verdict.violations, verdict.weakened, _cost_or_none(planned))
        verdictcache.save(PlanCache.for_project(root, "verdicts"), key, source, project.root, project.stack_config_dir, judged)
    return verdict


def stack_records(root: Path, stack: str, *, cache: bool = True) -> tuple[Plan, tuple[str, ...]]:
    """`hangar render`: one stack's plan and its notes; raises StackConfigError or PlanError.

    With `cache`, a plan stored for the stack's inputs and files as they are now is read back without
    validating the stack file, as `check_stack` reads a stored verdict (a stack file that no longer validates
    changes the plan's key, so it misses): neither the spec, the catalog nor Pulumi is imported. Else `plan_stack`.
    """
    if not cache or disabled_by_environment():
        planned = plan_stack(root, stack, cache=False)
        return planned.plan, planned.notes
    lookup = look_up(read_project(root), stack)
    cached = cached_plan(lookup.store.get(lookup.found[0])) if lookup.found else None
    if cached is not None:
        return cached
    planned = plan_and_key(root, stack, None, cache, lookup)[0]
    return planned.plan, planned.notes


def priced_stack(root: Path, stack: str, *, cache: bool = True) -> PricedStack:
    """`hangar cost`: one stack's plan priced, its budget, its routes' cost and its gateway's note; raises StackConfigError or PlanError.

    A bad `catalog_overrides` file is a StackConfigError: validating the stack loads the overrides
    (`hangar.hardware.hardware_problems`), and pricing loads the same, cached, catalog again.

    With `cache`, what was stored for the plan's key is read back when the files pricing read are unchanged:
    nothing is validated, planned or priced, and neither Pulumi nor (for a stack without routes) the spec is
    imported (`hangar.costcache`). Else priced now and stored.
    """
    lookup = None
    if cache and not disabled_by_environment():
        lookup = look_up(read_project(root), stack)
        stored = costcache.lookup(PlanCache.for_project(root, "costs"), lookup.found[0], lookup.source) if lookup.found else None
        if stored is not None:
            return stored
    planned, key = plan_and_key(root, stack, None, cache, lookup)
    priced = _price_stack(planned)
    if key is not None:
        project = read_project(root)
        costcache.save(PlanCache.for_project(root, "costs"), key, WorkingTree(project.root), project.root, project.stack_config_dir, priced)
    return priced


def _price_stack(planned: StackPlan) -> PricedStack:
    """What `hangar cost` shows, computed from a planned stack (its validated environment, when it has one)."""
    from hangar.catalog import load_catalog
    from hangar.cost.routes import gateway_note, route_costs

    report = planned.price()
    environment = planned.environment
    if environment is None:
        return PricedStack(report, None, None, None, planned.notes)
    budget = None if environment.budget is None else StackBudget(environment.budget.monthly_ceiling_usd, environment.budget.max_spot_share)
    if environment.gateway is None:
        return PricedStack(report, budget, None, None, planned.notes)
    routes = tuple(route_costs(environment, report, load_catalog(environment.catalog_overrides)))
    return PricedStack(report, budget, routes, gateway_note(environment), planned.notes)


def judged_plan(root: Path, stack: str, *, policy_config: Path | None = None, cache: bool = True) -> tuple[StackPlan, CostReport, StackVerdict]:
    """`hangar plan`: one stack planned (or its plan from the cache), priced, and its verdict; raises StackConfigError, PlanError, CatalogError or ValueError.

    With `cache`, the verdict is the one stored for the plan's key when the files judging read are unchanged
    (as `check_stack` reads it: the rules are neither imported nor run), else judged now and stored with the
    plan's cost totals, so a later `check` or either side of `diff` reads it too.
    """
    planned, key = plan_and_key(root, stack, policy_config, cache)
    report = planned.price()
    if key is None:
        return planned, report, stack_verdict(planned, stack, policy_config)
    project = read_project(root)
    source = WorkingTree(project.root)
    verdicts = PlanCache.for_project(project.root, "verdicts")
    judged = verdictcache.lookup(verdicts, key[0], source)
    if judged is not None:
        return planned, report, StackVerdict(stack, planned.stack_file, judged.violations, judged.weakened)
    verdict = stack_verdict(planned, stack, policy_config)
    verdictcache.save(verdicts, key, source, project.root, project.stack_config_dir, verdictcache.Judged(verdict.violations, verdict.weakened, report.totals))
    return planned, report, verdict


def _cost_or_none(planned: StackPlan) -> CostTotals | None:
    """The plan's cost totals as `judge_side` prices them, or None when the catalog cannot be loaded."""
    from hangar.catalog import CatalogError

    try:
        return planned.price().totals
    except CatalogError:
        return None


def cached_plan(entry: dict[str, Any] | None) -> tuple[Plan, tuple[str, ...]] | None:
    """The plan and notes of a cache entry, or None: no entry, or one that is not a whole plan (a miss, never a crash)."""
    if entry is None:
        return None
    try:
        return plan_from_json(entry["plan"]), tuple(str(note) for note in entry.get("notes") or ())
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def stack_inputs(project: PulumiProject, stack: str, source: Source, policy_config: Path | None = None) -> str | None:
    """The plan cache's inputs key for one stack (`hangar.plancache.inputs_key`), or None when its stack file cannot be read (never cached)."""
    try:
        config = read_stack_config(project, stack)
    except StackConfigError:
        return None
    environment = config.get(ENVIRONMENT_KEY)
    overrides = environment.get("catalog_overrides") if isinstance(environment, dict) else None
    stack_file = os.path.relpath(project.stack_file(stack), project.root).replace(os.sep, "/")
    return inputs_key(source, stack_file, catalog_overrides=overrides if isinstance(overrides, str) else None, policy_config=policy_config)


def find_cached(project: PulumiProject, stack: str, policy_config: Path | None = None) -> tuple[Plan, tuple[str, ...]] | None:
    """The stack's plan if the project's cache holds one for its inputs and files as they are now, else None (nothing is planned)."""
    source = WorkingTree(project.root)
    inputs = stack_inputs(project, stack, source, policy_config)
    return cached_plan(PlanCache.for_project(project.root).lookup(inputs, source)) if inputs else None


def stack_verdict(stack_plan: StackPlan, stack: str, policy_config: Path | None = None) -> StackVerdict:
    """Run the pack's rules on a planned stack; config paths are read from its project directory (where they are meant)."""
    project = read_project(stack_plan.root)
    violations, weakened = judge(stack_plan.plan, project, stack, policy_config, stack_plan.environment)
    return StackVerdict(stack, stack_plan.stack_file, violations, weakened)


def judge(
    plan: Plan, project: PulumiProject, stack: str, policy_config: Path | None = None, environment: Environment | None = None
) -> tuple[tuple[Violation, ...], tuple[str, ...]]:
    """The stack's violations and what weakens its verdict, by today's rules with its policy configs.

    `environment`: the stack's environment as the plan validated it (not validated again), if at hand.

    Catalog override paths are read from the project directory (made absolute for the rules, which run
    in this process's working directory) and shown as the stack file or policy config wrote them, as
    the pack run by the Pulumi CLI in the project directory shows them.
    """
    from hangar.policies.rules import DEFAULT_LEVELS, evaluate
    from hangar.policies.rules.weakening import weakenings

    configs = stack_policy_configs(project, stack, policy_config, environment)
    spelled = override_spellings(project, stack, policy_config)
    violations = tuple(dataclasses.replace(v, message=respell(v.message, spelled)) for v in evaluate(plan.resources, configs))
    return violations, tuple(respell(line, spelled) for line in weakenings(configs, DEFAULT_LEVELS))


def plan_from_json(document: dict[str, Any]) -> Plan:
    """A plan as `Plan.to_json` wrote it (in the base planner's process)."""
    resources = tuple(
        ResourceRecord(
            urn=r["urn"],
            type=r["type"],
            name=r["name"],
            parent=r.get("parent"),
            custom=bool(r.get("custom", True)),
            inputs=r.get("inputs") or {},
            provider=r.get("provider"),
            dependencies=tuple(r.get("dependencies") or ()),
            custom_timeouts=r.get("custom_timeouts"),
        )
        for r in document.get("resources", ())
    )
    return Plan(project=document.get("project", ""), stack=document.get("stack", ""), resources=resources, warnings=tuple(document.get("warnings") or ()))
