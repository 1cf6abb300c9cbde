"""The two sides of `hangar diff`: the working tree's (head) and a git commit's (base), each planned, priced and judged.

The head side is planned in this process through `hangar.stackservice`; the base side is read from the
repository's objects and, when the plan cache lacks a plan, planned in a fresh interpreter rooted at a
checkout of the commit (`hangar/base_planner.py`). Both are priced and judged with today's catalog and rules.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hangar import verdictcache
from hangar.plancache import GitTree, PlanCache, Source, WorkingTree, disabled_by_environment, read_names
from hangar.planerror import PlanError
from hangar.records import Plan
from hangar.stack_policy import relative_path
from hangar.stackfile import ENVIRONMENT_KEY, PulumiProject, StackConfigError, environment_from_config, read_project, read_stack_config
from hangar.stackservice import cached_plan, judge, look_up, plan_and_key, plan_from_json, stack_inputs

# The diff's records, the spec, the catalog and pricing are imported in the functions that use them:
# a side read whole from the cache needs none of them.
if TYPE_CHECKING:
    from hangar.diff import Side
    from hangar.spec import Environment

StoredPlan = tuple[Plan, tuple[str, ...]]
"""A plan and its notes, as stored in the plan cache (`hangar.stackservice.cached_plan`)."""

BASE_PLANNER = Path(__file__).with_name("base_planner.py")
"""The script that plans the base side of `diff` in a fresh interpreter rooted at the base checkout."""


@dataclasses.dataclass(frozen=True)
class SharedSide:
    """A base side whose plan and priced verdict are in the cache, with the keys that found them: the head's side of the stack when its files give the same keys.

    `inputs` is the stack's inputs key; `plan` and `verdict` are each a cache key and the read set it was found (or stored) under.
    """

    inputs: str
    plan: tuple[str, list[str]]
    verdict: tuple[str, list[str]]
    side: Side


def head_side(
    project: PulumiProject,
    stack: str,
    cache: bool = True,
    known: Mapping[str, StoredPlan] | None = None,
    shared: Mapping[str, SharedSide] | None = None,
) -> Side:
    """The working tree's side of one stack, planned in this process (or taken from the plan cache), priced and judged.

    With `cache`, a side whose plan and priced verdict are both stored is read back whole: nothing validated, priced or judged.
    `known`: plans already read by their cache key (`BaseSide.plans`): a stack unchanged since the base shares the base's plan.
    `shared`: the base's sides by stack (`BaseSide.shared`): when the working tree's files give the same plan key and the
    same verdict key as the base's, the head's side is the base's, and no cache file is read again (only hashed).
    """
    from hangar.diff import ABSENT, Side

    if stack not in project.stacks():
        return ABSENT
    source = WorkingTree(project.root)
    verdicts = PlanCache.for_project(project.root, "verdicts") if cache and not disabled_by_environment() else None
    lookup = None
    if verdicts is not None:
        base = (shared or {}).get(stack)
        lookup = look_up(project, stack, known=(base.inputs, base.plan) if base is not None else None)
        if base is not None and lookup.found is not None and lookup.found[0] == base.plan[0] and verdictcache.holds(base.plan[0], base.verdict, source):
            return base.side
        side = stored_side(lookup.store, verdicts, lookup.found, lookup.source, known) if lookup.found else None
        if side is not None:
            return side
    try:
        planned, key = plan_and_key(project.root, stack, None, cache, lookup)
    except StackConfigError as error:
        return Side(error="; ".join(str(p) for p in error.problems))
    except PlanError as error:
        return Side(error=str(error).strip())
    side = judge_side(project, stack, planned.plan, planned.notes, planned.environment)
    if verdicts is not None and key is not None:
        save_side(verdicts, key, source, project, side)
    return side


def stored_side(
    plans: PlanCache, verdicts: PlanCache, found: tuple[str, list[str]], source: Source, known: Mapping[str, StoredPlan] | None = None
) -> Side | None:
    """A side whose plan (stored under `found`, or in `known` by that key) and priced verdict are both in the cache, else None."""
    from hangar.diff import Side

    judged = verdictcache.lookup(verdicts, found[0], source, priced=True)
    if judged is None:
        return None
    # A key is a content address: the plan `known` holds under it is the one stored under it.
    cached = (known or {}).get(found[0]) or cached_plan(plans.get(found[0]))
    if cached is None:
        return None
    return Side(plan=cached[0], cost=judged.cost, violations=judged.violations, notes=cached[1], weakened=judged.weakened)


def save_side(verdicts: PlanCache, plan: tuple[str, list[str]], source: Source, project: PulumiProject, side: Side) -> tuple[str, list[str]] | None:
    """Store a side's verdict and cost for its plan, when it was priced and judged in full: its key and read set, else None."""
    if side.error is None and side.violations is not None and side.cost is not None:
        judged = verdictcache.Judged(side.violations, side.weakened, side.cost)
        return verdictcache.save(verdicts, plan, source, project.root, project.stack_config_dir, judged)
    return None


Guard = Callable[[subprocess.Popen], AbstractContextManager[Any]]


Checkout = Callable[[], AbstractContextManager[Path]]
"""Makes a checkout of the base commit (the repository's top level) for the time of a `with` block, and removes it."""


class BaseSide:
    """The base side of `diff`: the project at a git commit, read from the repository's objects.

    Every base stack whose plan the cache holds — keyed by the files at that commit (`GitTree`), so a
    plan saved by `hangar check` on the base commit serves — is taken from there; only when one is
    missing is the commit checked out (`checkout`) and planned, in a fresh interpreter rooted at the
    checkout, with that commit's own code. The plans are priced and judged from a scratch directory
    holding the base's project file, stack files and the paths they name (catalog overrides, prompt
    templates), so no checkout is needed for that either.
    """

    def __init__(self, repository: Path, commit: str, relative: Path, cache_root: Path | None = None) -> None:
        self.relative = relative
        self.tree = GitTree(repository, commit, "" if str(relative) in ("", ".") else relative.as_posix())
        self.temporary = Path(tempfile.mkdtemp(prefix="hangar-diff-base-"))
        """Everything this side writes: the scratch project and the base planner's results; `remove` deletes it."""
        self.scratch = self.temporary / "project"
        self.scratch.mkdir()
        self.cache = PlanCache.for_project(cache_root) if cache_root is not None and not disabled_by_environment() else None
        self.verdicts = PlanCache.for_project(cache_root, "verdicts") if self.cache is not None and cache_root is not None else None
        self.checked_out = False
        self.plans: dict[str, StoredPlan] = {}
        """The base's plans by their cache key, once `sides` has made them: the head's side of an unchanged stack shares its plan (`head_side`)."""
        self.shared: dict[str, SharedSide] = {}
        """The base's sides whose plan and priced verdict are cached, by stack, once `sides` has made them: the head's side of an unchanged stack (`head_side`)."""
        try:
            self.project = self._project()
        except BaseException:
            self.remove()
            raise

    def __enter__(self) -> BaseSide:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.tree.close()
        self.remove()

    def remove(self) -> None:
        """Delete what this side wrote; safe to call twice, and from a signal handler (the CLI's interrupt cleanup)."""
        shutil.rmtree(self.temporary, ignore_errors=True)

    def _write(self, relative: str) -> bool:
        data = self.tree.read(relative)
        if data is None:
            return False
        target = self.scratch.joinpath(*relative.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return True

    def _project(self) -> PulumiProject | None:
        """The base's project (read from the scratch copy of its project and stack files), or None when the commit has none."""
        if not any([self._write(name) for name in ("Pulumi.yaml", "Pulumi.yml")]):
            return None
        try:
            project = read_project(self.scratch)
        except StackConfigError:
            return None
        config_dir = os.path.relpath(project.stack_config_dir, self.scratch).replace(os.sep, "/")
        config_dir = "" if config_dir == "." else config_dir
        for name, (directory, _package) in self.tree.directories.get(config_dir, {}).items():
            if not directory and name.startswith("Pulumi.") and name.endswith(".yaml") and name not in ("Pulumi.yaml",):
                self._write(f"{config_dir}/{name}".lstrip("/"))
        return project

    def stacks(self) -> list[str]:
        """The stacks that have a stack file at the base commit."""
        return self.project.stacks() if self.project is not None else []

    def sides(self, stacks: list[str], checkout: Checkout, guard: Guard = lambda _worker: contextlib.nullcontext()) -> dict[str, Side]:
        """Each stack's base side: its plan (from the cache, else planned in a checkout), priced and judged."""
        from hangar.diff import Side

        if self.project is None:
            return {}
        project = self.project
        results: dict[str, Any] = {}
        found: dict[str, tuple[str, list[str]]] = {}  # each cached plan's key and read set, for its verdict
        inputs = {stack: stack_inputs(project, stack, self.tree) for stack in stacks} if self.cache is not None else {}
        for stack, key in inputs.items():
            hit = self.cache.find(key, self.tree) if self.cache is not None and key else None
            cached = cached_plan(self.cache.get(hit[0])) if self.cache is not None and hit else None
            if hit and cached is not None:
                results[stack] = {"plan": cached[0], "notes": cached[1]}
                found[stack] = hit
        missing = [stack for stack in stacks if stack not in results]
        checkout_root = None
        if missing:
            self.checked_out = True
            with checkout() as worktree:
                base = read_project(worktree / self.relative)
                checkout_root = str(base.root)
                planned = _plan_base_in_worker(base, missing, guard, self.temporary)
                if isinstance(planned, str):
                    results.update({stack: {"error": planned} for stack in missing})
                else:
                    for stack in missing:
                        result = planned.get(stack, {})
                        if "plan" in result:
                            key = inputs.get(stack)
                            if self.cache is not None and key:
                                reads = result.get("reads") or {}
                                names = read_names(reads.get("files", ()), reads.get("directories", ()), base.root, base.stack_config_dir)
                                found[stack] = (self.cache.store(key, names, self.tree, {"plan": result["plan"], "notes": result.get("notes", [])}), names)
                            result = {**result, "plan": plan_from_json(result["plan"])}
                        if result:
                            results[stack] = result
        sides = {}
        for stack in stacks:
            result = results.get(stack, {"error": "the base planner returned nothing for this stack"})
            if "plan" in result and stack in found:
                self.plans[found[stack][0]] = (result["plan"], tuple(result.get("notes", ())))
            stored = verdictcache.search(self.verdicts, found[stack][0], self.tree, priced=True) if self.verdicts is not None and stack in found else None
            verdict = None
            if "error" in result:
                side = Side(error=result["error"])
            elif stored is not None:
                judged, verdict = stored
                side = Side(plan=result["plan"], cost=judged.cost, violations=judged.violations, notes=tuple(result.get("notes", ())), weakened=judged.weakened)
            else:
                self._write_named_paths(stack)
                side = judge_side(project, stack, result["plan"], tuple(result.get("notes", ())))
                if self.verdicts is not None and stack in found:
                    verdict = save_side(self.verdicts, found[stack], self.tree, project, side)
            if verdict is not None and inputs.get(stack):
                self.shared[stack] = SharedSide(inputs[stack], found[stack], verdict, side)
            # Name files as they are in the repository, not by the scratch copy's or the checkout's path.
            for root in filter(None, (str(project.root), checkout_root)):
                side = dataclasses.replace(side, error=side.error and side.error.replace(f"{root}{os.sep}", ""))
            sides[stack] = side
        return sides

    def _write_named_paths(self, stack: str) -> None:
        """Copy what the base stack file names by a relative path (catalog overrides, prompt templates) into the scratch project."""
        assert self.project is not None
        try:
            environment = read_stack_config(self.project, stack).get(ENVIRONMENT_KEY)
        except StackConfigError:
            return
        if not isinstance(environment, dict):
            return
        deployments = environment.get("deployments") if isinstance(environment.get("deployments"), list) else []
        named = [environment.get("catalog_overrides"), *(item.get("prompt_templates_dir") for item in deployments if isinstance(item, dict))]
        for value in named:
            if relative_path(value) and ".." not in Path(value).parts:
                relative = "/".join(part for part in Path(value).as_posix().split("/") if part not in ("", "."))
                for name in self.tree.files(relative) or [relative]:
                    self._write(name)


def _plan_base_in_worker(project: PulumiProject, stacks: list[str], guard: Guard, temporary: Path) -> dict[str, Any] | str:
    """Run the base planner on `stacks`: its results by stack (written under `temporary`), or why it failed as a whole."""
    with tempfile.TemporaryDirectory(prefix="planner-", dir=temporary) as scratch:
        result_file = Path(scratch) / "plans.json"
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        worker = subprocess.Popen(
            [sys.executable, str(BASE_PLANNER), str(project.root), str(result_file), *stacks],
            cwd=project.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with guard(worker):
            stdout, stderr = worker.communicate()
        if worker.returncode != 0 or not result_file.is_file():
            tail = (stderr or stdout).strip().splitlines()[-3:]
            return "the base checkout could not be planned: " + (" / ".join(tail) or f"exit {worker.returncode}")
        return json.loads(result_file.read_text(encoding="utf-8"))


def judge_side(project: PulumiProject, stack: str, plan: Plan, notes: tuple[str, ...] = (), environment: Environment | None = None) -> Side:
    """Price and judge one side's plan with today's catalog and rules, from that side's project directory.

    A stack file today's spec no longer accepts is still priced, its violations reported as not judged.
    `environment`: the stack's environment as its plan validated it (not validated again), if at hand.
    """
    from hangar.catalog import CatalogError, load_catalog
    from hangar.cost import default_regions_from_config, price_plan
    from hangar.diff import Side

    errors: list[str] = []
    try:
        config = read_stack_config(project, stack)
    except StackConfigError as error:
        return Side(plan=plan, error="; ".join(str(p) for p in error.problems), notes=notes)
    overrides = None
    root = project.root.resolve()
    if ENVIRONMENT_KEY in config:
        try:  # the spec reads catalog_overrides from the side's own project directory, where the stack file means it
            environment = environment or environment_from_config(config[ENVIRONMENT_KEY], str(project.stack_file(stack)), base=root)
        except StackConfigError as error:
            errors.append("today's spec does not accept this stack file, so its violations are not judged: " + "; ".join(str(p) for p in error.problems))
        else:
            overrides = environment.catalog_overrides
    cost = None
    try:
        cost = price_plan(plan, load_catalog(overrides), default_regions=default_regions_from_config(config)).totals
    except CatalogError as error:
        errors.append("the catalog could not be loaded: " + "; ".join(p.describe() for p in error.problems))
    violations = None
    weakened: tuple[str, ...] = ()
    if not errors:
        try:
            violations, weakened = judge(plan, project, stack, environment=environment)
        except (ValueError, StackConfigError) as error:
            errors.append(f"the policy config could not be built: {error}")
    return Side(plan=plan, cost=cost, violations=violations, error="; ".join(errors) or None, notes=notes, weakened=weakened)
