"""`hangar diff` keys its base side by the base commit: when the plan cache holds every base stack's plan for the
files at that commit, no checkout is made; plans of a working tree that differs from the commit are never taken
for the base."""

from __future__ import annotations

import contextlib
import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hangar.cli.diff_commands
from hangar.cli import app
from tests.foreign_repo import foreign_program_repo

runner = CliRunner()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding the small foreign program with two stacks (dev, prod), the plan cache switched on."""
    monkeypatch.delenv("HANGAR_NO_CACHE", raising=False)
    return foreign_program_repo(tmp_path / "repo", {"README.md": "# A program\n"})


@pytest.fixture
def checkouts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The commits `hangar diff` checks out (it still does, through the real function)."""
    made: list[str] = []
    real = hangar.cli.diff_commands.base_checkout

    @contextlib.contextmanager
    def counting(repo_root: Path, commit: str):  # noqa: ANN202 - base_checkout's signature
        made.append(commit)
        with real(repo_root, commit) as worktree:
            yield worktree

    monkeypatch.setattr(hangar.cli.diff_commands, "base_checkout", counting)
    return made


def check_all(repo: Path) -> None:
    result = runner.invoke(app, ["check", "--all", "--format", "json", "-C", str(repo)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def diff(repo: Path) -> dict[str, str]:
    result = runner.invoke(app, ["diff", "--base", "HEAD", "--all", "--format", "json", "-C", str(repo)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {entry["stack"]: entry["status"] for entry in json.loads(result.stdout)["stacks"]}


def change_dev(repo: Path) -> None:
    stack_file = repo / "stacks" / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("search-dev", "search-dev-2"))


def test_when_the_base_commits_plans_are_cached_no_checkout_is_made(repo: Path, checkouts: list[str]):
    check_all(repo)  # what the deploy workflow on the base commit leaves in the cache
    change_dev(repo)
    (repo / "README.md").write_text("# A program, documented\n")  # not read by any plan
    assert diff(repo) == {"dev": "changed", "prod": "unchanged"}
    assert checkouts == []


def test_a_base_stack_missing_from_the_cache_is_checked_out_once_then_cached(repo: Path, checkouts: list[str]):
    change_dev(repo)
    assert diff(repo) == {"dev": "changed", "prod": "unchanged"}
    assert len(checkouts) == 1  # nothing cached for the base commit: planned in a checkout, and stored
    assert diff(repo) == {"dev": "changed", "prod": "unchanged"}
    assert len(checkouts) == 1


def test_plans_of_a_working_tree_that_differs_from_the_base_commit_never_serve_the_base(repo: Path, checkouts: list[str]):
    program = repo / "__main__.py"
    program.write_text(program.read_text().replace('"artifacts"', '"artifacts-2"'))  # a program change, not committed
    check_all(repo)  # the cache now holds the working tree's plans, not the commit's
    assert diff(repo) == {"dev": "changed", "prod": "changed"}  # the bucket renamed in both: the base side planned the commit's program
    assert len(checkouts) == 1
    assert diff(repo) == {"dev": "changed", "prod": "changed"}
    assert len(checkouts) == 1  # the second diff found the commit's plans in the cache


def test_a_base_commit_git_cannot_list_is_a_one_line_error(repo: Path, monkeypatch: pytest.MonkeyPatch):
    """The base's files are listed with `git ls-tree`; if git refuses (a damaged object store), the diff says so in one line."""
    real = subprocess.run

    def refusing(command, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003 - subprocess.run's signature
        if "ls-tree" in command:
            raise subprocess.CalledProcessError(128, command, stderr=b"fatal: not a tree object")
        return real(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", refusing)
    result = runner.invoke(app, ["diff", "--base", "HEAD", "--all", "-C", str(repo)])
    assert result.exit_code == 2
    assert "fatal: not a tree object" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_base_side_is_judged_with_the_commits_catalog_overrides_without_a_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checkouts: list[str]):
    """The base's stack file names an overrides directory: it is read from the commit (copied from git's objects), not from the working tree."""
    from tests.catalog_overrides import override, project

    monkeypatch.delenv("HANGAR_NO_CACHE", raising=False)
    root = project(tmp_path / "shop", "over-budget")
    override(root / "ours", "instances.csv", "instance_type", "p5.48xlarge", price_ondemand_usd_hr="1.0")
    for command in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"]):
        subprocess.run(["git", "-C", str(root), *command], check=True)
    checked = runner.invoke(app, ["check", "over-budget", "--format", "json", "-C", str(root)], catch_exceptions=False)
    assert checked.exit_code in (0, 1), checked.output
    override(root / "ours", "instances.csv", "instance_type", "p5.48xlarge", price_ondemand_usd_hr="2.0")  # not committed
    result = runner.invoke(app, ["diff", "--base", "HEAD", "--all", "--format", "json", "-C", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)["stacks"]
    assert [line.rsplit("→ ", 1)[1] for line in entry["weakened"]["base"]] == ["1.0"]
    assert [line.rsplit("→ ", 1)[1] for line in entry["weakened"]["head"]] == ["2.0"]
    assert entry["cost"]["before"] != entry["cost"]["after"]
    assert checkouts == []
