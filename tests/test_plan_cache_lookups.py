"""Each run reads the plan cache no more than it must: a stack is looked up once, and a plan and verdict both sides of `diff` share are read once.

Wasted look-ups are wasted time on the path the pull-request target of issue 17 measures (`bench/speed.py`'s
"diff PR" against one cold plan): each one hashes the files the stack's plans read.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar import verdictcache
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
    """The plan cache's `find` calls by inputs key, its `get` calls by entry key and its read-set reads by inputs key, each by kind (`plans`, `verdicts`)."""
    calls: Counter = Counter()
    find, get, read_sets = PlanCache.find, PlanCache.get, PlanCache.read_sets

    def counting_find(self, inputs, source):  # noqa: ANN001 - PlanCache.find's signature
        calls["find", self.directory.name, inputs] += 1
        return find(self, inputs, source)

    def counting_get(self, key, field="plan"):  # noqa: ANN001 - PlanCache.get's signature
        calls["get", self.directory.name, key] += 1
        return get(self, key, field)

    def counting_read_sets(self, inputs):  # noqa: ANN001 - PlanCache.read_sets's signature
        calls["read_sets", self.directory.name, inputs] += 1
        return read_sets(self, inputs)

    monkeypatch.setattr(PlanCache, "find", counting_find)
    monkeypatch.setattr(PlanCache, "get", counting_get)
    monkeypatch.setattr(PlanCache, "read_sets", counting_read_sets)
    return calls


def counts(calls: Counter, kind: str, directory: str = "plans") -> list[int]:
    return sorted(count for (call, place, _), count in calls.items() if (call, place) == (kind, directory))


def test_a_cold_check_looks_each_stack_up_once(repo: Path, cache_calls: Counter):
    result = runner.invoke(app, ["check", "--all", "--format", "json", "-C", str(repo)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert counts(cache_calls, "find") == [1, 1]  # dev and prod, each searched once although neither verdict nor plan was stored
    assert counts(cache_calls, "get") == []  # nothing found, so no entry read


def test_diff_reads_the_plan_and_verdict_of_a_stack_unchanged_since_the_base_once(repo: Path, cache_calls: Counter):
    assert runner.invoke(app, ["check", "--all", "-C", str(repo)]).exit_code == 0  # the base commit's plans and verdicts stored
    stack_file = repo / "stacks" / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("search-dev", "search-dev-2"))
    cache_calls.clear()
    result = runner.invoke(app, ["diff", "--base", "HEAD", "--all", "--format", "json", "-C", str(repo)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert {entry["stack"]: entry["status"] for entry in json.loads(result.stdout)["stacks"]} == {"dev": "changed", "prod": "unchanged"}
    # Base dev and prod, each read once; the head's prod is the base's side, its keys hashed from the working tree but
    # no cache file read again; the head's dev missed once (then planned, judged and stored without a second search).
    assert counts(cache_calls, "get") == [1, 1]
    assert counts(cache_calls, "find") == [1, 1, 1]
    assert counts(cache_calls, "read_sets") == [1, 1, 2]  # the head's dev: its search, and storing its plan
    assert counts(cache_calls, "get", "verdicts") == [1, 1]  # base dev and base prod
    assert counts(cache_calls, "read_sets", "verdicts") == [1, 1, 1]  # base dev, base prod, storing the head dev's verdict
    uncached = runner.invoke(app, ["diff", "--base", "HEAD", "--all", "--format", "json", "--no-cache", "-C", str(repo)], catch_exceptions=False)
    assert uncached.stdout == result.stdout  # sharing it changes nothing in the report


def test_an_unchanged_stack_whose_verdict_key_differs_in_the_working_tree_is_looked_up_again(repo: Path, cache_calls: Counter, monkeypatch: pytest.MonkeyPatch):
    """The head takes the base's side only when the working tree's files give the base's verdict key too (here they do not)."""
    assert runner.invoke(app, ["check", "--all", "-C", str(repo)]).exit_code == 0
    reported = runner.invoke(app, ["diff", "--base", "HEAD", "--all", "--format", "json", "-C", str(repo)], catch_exceptions=False).stdout
    monkeypatch.setattr(verdictcache, "holds", lambda *_args: False)  # as when a file judging read differs between the trees
    cache_calls.clear()
    result = runner.invoke(app, ["diff", "--base", "HEAD", "--all", "--format", "json", "-C", str(repo)], catch_exceptions=False)
    assert result.stdout == reported
    assert counts(cache_calls, "get", "verdicts") == [2, 2]  # each stack's verdict read by the base side and again by the head
