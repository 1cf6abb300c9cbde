"""`hangar diff --base REF`: what a change does to each stack — resources, monthly cost, policy violations.

How each side is produced:

* **head** — the working tree, planned in this process exactly as `hangar plan` does.
* **base** — REF's files, read from the repository's objects (`hangar.diff_sides.BaseSide`). A base
  stack whose plan the plan cache holds for the files at REF (saved there by `hangar check` on the
  base commit, or by an earlier diff) is taken from it without any checkout. Only when one is
  missing is a clean checkout of REF made with `git worktree add --detach` in a temporary
  directory (the user's working tree, index and branches are not touched; the worktree and its
  administrative entry are removed afterwards, also on error or Ctrl-C). It is planned in a
  separate Python process (`hangar/base_planner.py`, started by `hangar.diff_sides.BaseSide`)
  whose import path starts at the base checkout's project directory, so
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
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from enum import Enum
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from hangar.cli.app import NoCacheOption, ProjectOption, app, err, fail, out
from hangar.cli.interrupts import cleanup_on_interrupt, wait_for_exit
from hangar.diff import ABSENT, DiffReport, StackDiff, diff_stack
from hangar.diff_render import cost_change, group_changes, resources_cell, to_markdown, violations_cell
from hangar.diff_sides import BaseSide, head_side
from hangar.stackfile import StackConfigError, read_project


class DiffFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    json = "json"


@app.command()
def diff(
    stacks: list[str] | None = typer.Argument(None, help="Stacks to compare (default: with --all, every stack on either side)."),
    base: str = typer.Option(..., "--base", help="Git ref to compare against, e.g. origin/main or a commit."),
    all_stacks: bool = typer.Option(False, "--all", help="Compare every stack that has a stack file on either side."),
    output_format: DiffFormat = typer.Option(DiffFormat.table, "--format", "-f", help="table, markdown (a PR comment) or json."),
    no_cache: bool = NoCacheOption,
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
    try:
        base_files = BaseSide(repo_root, commit, relative, None if no_cache else project)
    except subprocess.CalledProcessError as error:
        raise fail([f"git ls-tree {commit[:12]}: {(error.stderr or b'').decode(errors='replace').strip() or f'exit {error.returncode}'}"]) from None
    with base_files as base_side, cleanup_on_interrupt(base_side.remove):
        base_names = base_side.stacks()
        names = _select(stacks, all_stacks, head_project.stacks(), base_names)
        base_sides = base_side.sides([n for n in names if n in base_names], lambda: base_checkout(repo_root, commit), _kill_on_interrupt)
    heads = {name: head_side(head_project, name, cache=not no_cache, known=base_side.plans, shared=base_side.shared) for name in names}
    report = DiffReport(base, commit, tuple(diff_stack(name, base_sides.get(name, ABSENT), heads[name]) for name in names))
    if output_format is DiffFormat.json:
        json.dump(report.to_json(), sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    elif output_format is DiffFormat.markdown:
        sys.stdout.write(to_markdown(report))
    else:
        print_report(report)
    if report.head_failed:
        raise fail([f"stack {d.stack}: {d.head.error}" for d in report.stacks if d.head.present and d.head.plan is None])


def _kill_on_interrupt(worker: subprocess.Popen) -> contextlib.AbstractContextManager[None]:
    """An interrupted diff leaves no planner running in a removed checkout (it is killed and gone before the checkout is removed)."""

    def stop() -> None:
        worker.kill()
        wait_for_exit(worker.pid)

    return cleanup_on_interrupt(stop)


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
    adding: subprocess.Popen | None = None

    def remove() -> None:
        # Interrupted while `git worktree add` still writes: git lists the new worktree from the start
        # but locked ("initializing") until its checkout is done (git's builtin/worktree.c add_worktree,
        # https://github.com/git/git, read 2026-12-01; seen with git 2.39.5), and `remove --force` and
        # `prune` leave a locked worktree alone, while git goes on writing into the deleted directory.
        # So the checkout is let finish first.
        if adding is not None:
            wait_for_exit(adding.pid)
        _remove_checkout(repo_root, scratch)

    try:
        with cleanup_on_interrupt(remove):
            adding = subprocess.Popen(
                ["git", "-C", str(repo_root), "worktree", "add", "--detach", "--quiet", str(worktree), commit],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            _, stderr = adding.communicate()
            if adding.returncode != 0:
                raise fail([f"git worktree add: {stderr.strip() or f'exit {adding.returncode}'}"])
            yield worktree
    finally:
        remove()


def _remove_checkout(repo_root: Path, scratch: Path) -> None:
    # `--force` twice also removes a worktree left locked by a `git worktree add` that was killed
    # (git-worktree(1), https://git-scm.com/docs/git-worktree, "remove"; git commit f4143101cbb2, read 2026-12-01).
    subprocess.run(["git", "-C", str(repo_root), "worktree", "remove", "--force", "--force", str(scratch / "base")], capture_output=True)
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


def _select(requested: list[str] | None, all_stacks: bool, head: list[str], base: list[str]) -> list[str]:
    if all_stacks:
        return sorted(set(head) | set(base))
    if not requested:
        raise fail(["name the stacks to compare, or pass --all"])
    unknown = [name for name in requested if name not in head and name not in base]
    if unknown:
        raise fail([f"stack {name}: no stack file at the base or in the working tree; stacks: {', '.join(sorted(set(head) | set(base))) or 'none'}" for name in unknown])
    return list(dict.fromkeys(requested))


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
