"""`hangar diff --base REF`: what a change does to each stack — resources, monthly cost, policy violations.

How each side is produced:

* **head** — the working tree, planned in this process exactly as `hangar plan` does.
* **base** — a clean checkout of REF made with `git worktree add --detach` in a temporary
  directory (the user's working tree, index and branches are not touched; the worktree and its
  administrative entry are removed afterwards, also on error or Ctrl-C). It is planned in a
  separate Python process whose import path starts at the base checkout's project directory, so
  the base program runs with ITS OWN code: its `__main__.py`, its `components/`, and — when the
  repository holds it, as Hangar's own repository does — its own `hangar` library. Only what is
  installed in the environment (the Python interpreter, the Pulumi SDKs, pydantic; and the
  `hangar` library for a repository that depends on it rather than containing it) is today's.
  A separate process is needed for that: one interpreter cannot import two versions of one module.
  This is what a platform engineer would check by hand (`git checkout REF && hangar plan`),
  without the checkout.

Both sides are then priced and judged by the same, current yardstick: today's catalog (with each
side's own `catalog_overrides`) and today's policy rules, with each side's policy config generated
from that side's stack file (`hangar policy-config`). So a difference in cost or violations comes
from the change to the infrastructure, not from a change of prices or rules between the two refs.
A base stack file that today's spec no longer accepts is still planned and diffed; its violations
are reported as not judged.

Exit codes: 0 — the report was made (whatever it shows; `hangar check` is the gate);
2 — bad input: not a git repository, an unknown ref, or a stack of the head that cannot be planned
(the report is still printed first, so a CI comment shows it).
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
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from hangar.cli.app import ProjectOption, app, err, fail, out
from hangar.cli.interrupts import cleanup_on_interrupt
from hangar.diff import (
    ABSENT,
    DiffReport,
    Side,
    StackDiff,
    cost_change,
    diff_stack,
    group_changes,
    resources_cell,
    to_markdown,
    violations_cell,
)
from hangar.records import Plan, ResourceRecord
from hangar.stackfile import (
    ENVIRONMENT_KEY,
    PulumiProject,
    StackConfigError,
    environment_from_config,
    read_project,
    read_stack_config,
)


class DiffFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    json = "json"


BASE_WORKER = r"""
import json, sys, traceback
from pathlib import Path

root, out, stacks = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
sys.path.insert(0, str(root))  # the base checkout's own modules (components/, hangar/ if it has one) come first


class BaseCheckoutOnly:
    # A package the base checkout holds is imported from there ONLY: an editable install's finder would
    # otherwise hand out today's copy of any module the base does not have (hangar.stackplan, ...).
    local = {p.stem for p in root.glob("*.py")} | {p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*.py"))}

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] not in self.local:
            return None
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(fullname, path)
        if spec is None:
            raise ModuleNotFoundError(f"No module named {fullname!r} in the base checkout", name=fullname)
        return spec


sys.meta_path.insert(0, BaseCheckoutOnly())
try:
    from hangar.stackplan import plan_project_stack

    def plan(stack):
        planned = plan_project_stack(root, stack)
        return planned.plan, list(planned.notes)
except ImportError:  # a base older than hangar.stackplan
    from hangar.plan import plan_stack

    def plan(stack):
        return plan_stack(root, stack), []

results = {}
for stack in stacks:
    try:
        planned, notes = plan(stack)
        results[stack] = {"plan": planned.to_json(), "notes": notes}
    except Exception as error:
        results[stack] = {"error": str(error).strip() or type(error).__name__}
out.write_text(json.dumps(results, default=str), encoding="utf-8")
"""
"""Run by `sys.executable -c` in the base checkout: plan each stack and write {stack: {plan|error}} as JSON."""


@app.command()
def diff(
    stacks: list[str] | None = typer.Argument(None, help="Stacks to compare (default: with --all, every stack on either side)."),
    base: str = typer.Option(..., "--base", help="Git ref to compare against, e.g. origin/main or a commit."),
    all_stacks: bool = typer.Option(False, "--all", help="Compare every stack that has a stack file on either side."),
    output_format: DiffFormat = typer.Option(DiffFormat.table, "--format", "-f", help="table, markdown (a PR comment) or json."),
    project: Path = ProjectOption,
) -> None:
    """Plan each stack at the base ref and in the working tree; show resources, cost and violations that change.

    The base is planned from a temporary `git worktree` of REF with its own program code; your
    working tree is not touched. Both sides are priced and judged with today's catalog and rules.
    """
    try:
        head_project = read_project(project)
        head_project.stacks()  # an unreadable stack directory is a one-line error before any checkout is made
    except StackConfigError as error:
        raise fail([str(p) for p in error.problems])
    repo_root, relative = _repository(project)
    commit = _resolve(repo_root, base)
    with base_checkout(repo_root, commit) as worktree:
        base_root = worktree / relative
        base_project = _read_project_or_none(base_root)
        base_names = base_project.stacks() if base_project else []
        names = _select(stacks, all_stacks, head_project.stacks(), base_names)
        base_sides = plan_base(base_project, [n for n in names if n in base_names]) if base_project else {}
    report = DiffReport(base, commit, tuple(diff_stack(name, base_sides.get(name, ABSENT), head_side(head_project, name)) for name in names))
    if output_format is DiffFormat.json:
        json.dump(report.to_json(), sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    elif output_format is DiffFormat.markdown:
        sys.stdout.write(to_markdown(report))
    else:
        print_report(report)
    if report.head_failed:
        raise fail([f"stack {d.stack}: {d.head.error}" for d in report.stacks if d.head.present and d.head.plan is None])


# --- the two sides --------------------------------------------------------------------------------------


def head_side(project: PulumiProject, stack: str) -> Side:
    """The working tree's side of one stack, planned in this process."""
    from hangar.plan import PlanError
    from hangar.stackplan import plan_project_stack

    if stack not in project.stacks():
        return ABSENT
    try:
        planned = plan_project_stack(project.root, stack)
    except StackConfigError as error:
        return Side(error="; ".join(str(p) for p in error.problems))
    except PlanError as error:
        return Side(error=str(error).strip())
    return judge(project, stack, planned.plan, planned.notes)


def plan_base(project: PulumiProject, stacks: list[str]) -> dict[str, Side]:
    """Plan `stacks` of the base checkout in a fresh interpreter rooted there (see the module docstring)."""
    if not stacks:
        return {}
    with tempfile.TemporaryDirectory(prefix="hangar-diff-out-") as scratch:
        result_file = Path(scratch) / "plans.json"
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        worker = subprocess.Popen(
            [sys.executable, "-c", BASE_WORKER, str(project.root), str(result_file), *stacks],
            cwd=project.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with cleanup_on_interrupt(worker.kill):  # an interrupted diff leaves no planner running in a removed checkout
            stdout, stderr = worker.communicate()
        if worker.returncode != 0 or not result_file.is_file():
            tail = (stderr or stdout).strip().splitlines()[-3:]
            why = "the base checkout could not be planned: " + (" / ".join(tail) or f"exit {worker.returncode}")
            return {stack: Side(error=why) for stack in stacks}
        results = json.loads(result_file.read_text(encoding="utf-8"))
    sides = {}
    for stack in stacks:
        result = results.get(stack, {"error": "the base planner returned nothing for this stack"})
        if "error" in result:
            side = Side(error=result["error"])
        else:
            side = judge(project, stack, plan_from_json(result["plan"]), tuple(result.get("notes", ())))
        # Name files as they are in the repository, not by the temporary checkout's path.
        sides[stack] = dataclasses.replace(side, error=side.error and side.error.replace(f"{project.root}{os.sep}", ""))
    return sides


def judge(project: PulumiProject, stack: str, plan: Plan, notes: tuple[str, ...] = ()) -> Side:
    """Price and judge one side's plan with today's catalog and rules, from that side's project directory."""
    from hangar.catalog import CatalogError, load_catalog
    from hangar.cli.check_commands import stack_policy_configs
    from hangar.cost import default_regions_from_config, price_plan
    from policies.rules import DEFAULT_LEVELS, evaluate
    from policies.rules.weakening import weakenings

    errors: list[str] = []
    try:
        config = read_stack_config(project, stack)
    except StackConfigError as error:
        return Side(plan=plan, error="; ".join(str(p) for p in error.problems), notes=notes)
    overrides = None
    if ENVIRONMENT_KEY in config:
        try:
            with _working_directory(project.root):  # the spec checks catalog_overrides where the stack file means it
                environment = environment_from_config(config[ENVIRONMENT_KEY], str(project.stack_file(stack)))
        except StackConfigError as error:
            errors.append("today's spec does not accept this stack file, so its violations are not judged: " + "; ".join(str(p) for p in error.problems))
        else:
            if environment.catalog_overrides is not None:
                overrides = environment.catalog_overrides if environment.catalog_overrides.is_absolute() else project.root / environment.catalog_overrides
    with _working_directory(project.root):  # relative catalog_overrides in a policy config resolve against the side's own root
        cost = None
        try:
            cost = price_plan(plan, load_catalog(overrides), default_regions=default_regions_from_config(config)).totals
        except CatalogError as error:
            errors.append("the catalog could not be loaded: " + "; ".join(p.describe() for p in error.problems))
        violations = None
        weakened: tuple[str, ...] = ()
        if not errors:
            try:
                configs = stack_policy_configs(project, stack, None)
                violations = tuple(evaluate(plan.resources, configs))
                weakened = tuple(weakenings(configs, DEFAULT_LEVELS))
            except (ValueError, StackConfigError) as error:
                errors.append(f"the policy config could not be built: {error}")
    return Side(plan=plan, cost=cost, violations=violations, error="; ".join(errors) or None, notes=notes, weakened=weakened)


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
        )
        for r in document.get("resources", ())
    )
    return Plan(project=document.get("project", ""), stack=document.get("stack", ""), resources=resources)


# --- git ------------------------------------------------------------------------------------------------


SCRATCH_PREFIX = "hangar-diff-"
OWNER_FILE = "hangar-diff.pid"
"""In a base checkout's scratch directory: the id of the `hangar diff` process that made it, so a later run can tell a stale one."""


@contextlib.contextmanager
def base_checkout(repo_root: Path, commit: str) -> Iterator[Path]:
    """A detached worktree of `commit` in a temporary directory, removed (with its git admin entry) on exit.

    Removed also when the command is interrupted (Ctrl-C, SIGTERM); a checkout left by a run that
    was killed outright (SIGKILL, a power cut) is removed by the next `hangar diff` in this repository.
    """
    prune_stale_checkouts(repo_root)
    scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    (scratch / OWNER_FILE).write_text(f"{os.getpid()}\n", encoding="utf-8")
    worktree = scratch / "base"

    def remove() -> None:
        _remove_checkout(repo_root, scratch)

    try:
        with cleanup_on_interrupt(remove):
            _git(repo_root, "worktree", "add", "--detach", "--quiet", str(worktree), commit)
            yield worktree
    finally:
        remove()


def _remove_checkout(repo_root: Path, scratch: Path) -> None:
    subprocess.run(["git", "-C", str(repo_root), "worktree", "remove", "--force", str(scratch / "base")], capture_output=True)
    shutil.rmtree(scratch, ignore_errors=True)
    subprocess.run(["git", "-C", str(repo_root), "worktree", "prune"], capture_output=True)


def prune_stale_checkouts(repo_root: Path) -> list[Path]:
    """Remove base checkouts of earlier `hangar diff` runs whose process is gone; return their scratch directories."""
    listing = subprocess.run(["git", "-C", str(repo_root), "worktree", "list", "--porcelain"], capture_output=True, text=True)
    removed = []
    for line in listing.stdout.splitlines():
        if not line.startswith("worktree "):
            continue
        scratch = Path(line[len("worktree ") :]).parent
        owner = scratch / OWNER_FILE
        if scratch.name.startswith(SCRATCH_PREFIX) and owner.is_file() and not _alive(owner.read_text(encoding="utf-8").strip()):
            _remove_checkout(repo_root, scratch)
            removed.append(scratch)
    return removed


def _alive(pid_text: str) -> bool:
    """Whether the process that wrote `pid_text` still runs (an unreadable id counts as alive: never remove what may be in use)."""
    try:
        os.kill(int(pid_text), 0)
    except ValueError:
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _git(repo: Path, *args: str) -> str:
    try:
        completed = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    except FileNotFoundError:
        raise fail(["git is not installed: `hangar diff` needs it to check out the base ref"]) from None
    if completed.returncode != 0:
        raise fail([f"git {' '.join(args[:2])}: {completed.stderr.strip() or f'exit {completed.returncode}'}"])
    return completed.stdout.strip()


def _repository(project: Path) -> tuple[Path, Path]:
    """The repository's top level and the project's path inside it."""
    directory = project.resolve()
    try:
        top = Path(_git(directory, "rev-parse", "--show-toplevel")).resolve()
    except typer.Exit:
        raise fail([f"{project}: not inside a git repository (hangar diff compares against a git ref)"]) from None
    return top, directory.relative_to(top)


def _resolve(repo_root: Path, ref: str) -> str:
    completed = subprocess.run(["git", "-C", str(repo_root), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], capture_output=True, text=True)
    if completed.returncode != 0:
        raise fail([f"--base {ref}: no such commit in {repo_root} (in CI, fetch it first: actions/checkout with fetch-depth: 0)"])
    return completed.stdout.strip()


def _read_project_or_none(root: Path) -> PulumiProject | None:
    try:
        return read_project(root)
    except StackConfigError:
        return None  # no project at the base: every stack is new


def _select(requested: list[str] | None, all_stacks: bool, head: list[str], base: list[str]) -> list[str]:
    if all_stacks:
        return sorted(set(head) | set(base))
    if not requested:
        raise fail(["name the stacks to compare, or pass --all"])
    unknown = [name for name in requested if name not in head and name not in base]
    if unknown:
        raise fail([f"stack {name}: no stack file at the base or in the working tree; stacks: {', '.join(sorted(set(head) | set(base))) or 'none'}" for name in unknown])
    return list(dict.fromkeys(requested))


@contextlib.contextmanager
def _working_directory(directory: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous)


# --- the table ------------------------------------------------------------------------------------------


def print_report(report: DiffReport) -> None:
    table = Table(title=f"hangar diff against {escape(report.base_ref)} ({report.base_commit[:7]})", title_justify="left")
    for column in ("stack", "resources + ~ −", "compute $/month before → after", "violations"):
        table.add_column(column, overflow="fold")
    for stack_diff in report.stacks:
        table.add_row(escape(stack_diff.stack), resources_cell(stack_diff), escape(cost_change(stack_diff.base, stack_diff.head)), violations_cell(stack_diff))
    out.print(table)
    for stack_diff in report.stacks:
        for line in stack_diff.head.weakened:
            out.print(f"[yellow]weakened:[/yellow] {escape(stack_diff.stack)}: {escape(line)}", soft_wrap=True)
    for stack_diff in report.stacks:
        if stack_diff.status != "unchanged":
            print_stack(stack_diff)


def print_stack(stack_diff: StackDiff) -> None:
    out.print(f"\n[bold]{escape(stack_diff.stack)}[/bold]")
    for error in stack_diff.errors:
        err.print(f"[yellow]warning:[/yellow] {escape(stack_diff.stack)}: {escape(error)}", soft_wrap=True)
    marks = {"added": "[green]+[/green]", "changed": "[yellow]~[/yellow]", "removed": "[red]−[/red]"}
    for change in stack_diff.resources:
        out.print(f"  {marks[change.kind]} {escape(change.name)} [dim]{escape(change.type)}[/dim]")
        for (before, after), paths in group_changes(change.inputs):
            out.print(f"      {escape(', '.join(paths))}: {escape(before)} → {escape(after)}", soft_wrap=True)
    for title, violations, style in (("new", stack_diff.new_violations, "red"), ("fixed", stack_diff.fixed_violations, "green")):
        for violation in violations or ():
            out.print(f"  [{style}]{title}[/{style}] {violation.level} {violation.policy} {escape(violation.urn.rsplit('::', 1)[-1])}: {escape(violation.message)}", soft_wrap=True)
