"""`hangar diff` plans a stack unchanged since the base once: the base side plans it first, the head takes it from
the cache (so planning the two sides at the same time, which bench/RESULTS.md measured not to pay here, must not
come at the price of planning it twice)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hangar.stackplan
from hangar.cli import app
from tests.foreign_repo import foreign_program_repo

runner = CliRunner()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding a small non-Hangar program with two stacks, the plan cache switched on."""
    monkeypatch.delenv("HANGAR_NO_CACHE", raising=False)
    return foreign_program_repo(tmp_path / "repo")


@pytest.fixture
def planned_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stacks this process plans (the base side is planned by its own process)."""
    stacks: list[str] = []
    real = hangar.stackplan.plan_stack

    def counting(root, stack, **kwargs):  # noqa: ANN001, ANN003 - plan_stack's signature
        stacks.append(stack)
        return real(root, stack, **kwargs)

    monkeypatch.setattr(hangar.stackplan, "plan_stack", counting)
    return stacks


def diff(repo: Path) -> dict:
    result = runner.invoke(app, ["diff", "--base", "HEAD", "--all", "--format", "json", "-C", str(repo)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {entry["stack"]: entry["status"] for entry in json.loads(result.stdout)["stacks"]}


def test_a_stack_unchanged_since_the_base_is_planned_once_by_the_base_side(repo: Path, planned_here: list[str]):
    stack_file = repo / "stacks" / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("search-dev", "search-dev-2"))
    assert diff(repo) == {"dev": "changed", "prod": "unchanged"}
    assert planned_here == ["dev"]  # prod's plan came from the cache, where the base side had put it


def test_when_the_program_changed_every_head_stack_is_planned_here(repo: Path, planned_here: list[str]):
    (repo / "__main__.py").write_text((repo / "__main__.py").read_text() + "\n# a change to the program\n")
    assert diff(repo) == {"dev": "unchanged", "prod": "unchanged"}  # same resources, but nothing could be shared
    assert sorted(planned_here) == ["dev", "prod"]
