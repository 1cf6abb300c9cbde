"""Each run reads the plan cache no more than it must: a stack is looked up once, and a plan both sides of `diff` share is read once.

Wasted look-ups are wasted time on the path the pull-request target of issue 17 measures (`bench/speed.py`'s
"diff PR" against one cold plan): each one hashes the files the stack's plans read.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar.cli import app
from hangar.plancache import PlanCache
from tests.foreign_repo import foreign_program_repo

runner = CliRunner()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The foreign program's two stacks (dev, prod) in a git repository, the plan cache switched on."""
    monkeypatch.delenv("HANGAR_NO_CACHE", raising=False)
    return foreign_program_repo(tmp_path / "repo")


@pytest.fixture
def cache_calls(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """The plan cache's `find` calls by inputs key and its `get` calls by entry key (plans only, not verdicts)."""
    calls: Counter = Counter()
    find, get = PlanCache.find, PlanCache.get

    def counting_find(self, inputs, source):  # noqa: ANN001 - PlanCache.find's signature
        if self.directory.name == "plans":
            calls["find", inputs] += 1
        return find(self, inputs, source)

    def counting_get(self, key, field="plan"):  # noqa: ANN001 - PlanCache.get's signature
        if self.directory.name == "plans":
            calls["get", key] += 1
        return get(self, key, field)

    monkeypatch.setattr(PlanCache, "find", counting_find)
    monkeypatch.setattr(PlanCache, "get", counting_get)
    return calls


def test_a_cold_check_looks_each_stack_up_once(repo: Path, cache_calls: Counter):
    result = runner.invoke(app, ["check", "--all", "--format", "json", "-C", str(repo)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    finds = [count for (kind, _), count in cache_calls.items() if kind == "find"]
    assert finds == [1, 1]  # dev and prod, each searched once although neither verdict nor plan was stored
    assert not [key for (kind, key) in cache_calls if kind == "get"]  # nothing found, so no entry read


def test_diff_reads_the_plan_of_a_stack_unchanged_since_the_base_once(repo: Path, cache_calls: Counter):
    assert runner.invoke(app, ["check", "--all", "-C", str(repo)]).exit_code == 0  # the base commit's plans and verdicts stored
    stack_file = repo / "stacks" / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("search-dev", "search-dev-2"))
    cache_calls.clear()
    result = runner.invoke(app, ["diff", "--base", "HEAD", "--all", "--format", "json", "-C", str(repo)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert {entry["stack"]: entry["status"] for entry in json.loads(result.stdout)["stacks"]} == {"dev": "changed", "prod": "unchanged"}
    reads = sorted(count for (kind, _), count in cache_calls.items() if kind == "get")
    assert reads == [1, 1]  # base dev and prod, each read once: the head's prod is the base's plan, not a second copy
    finds = sorted(count for (kind, _), count in cache_calls.items() if kind == "find")
    assert finds == [1, 1, 2]  # base dev, head dev (missed, then planned without a second search), prod on each side
    uncached = runner.invoke(app, ["diff", "--base", "HEAD", "--all", "--format", "json", "--no-cache", "-C", str(repo)], catch_exceptions=False)
    assert uncached.stdout == result.stdout  # sharing it changes nothing in the report
