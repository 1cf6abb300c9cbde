"""A stack's verdict is kept beside its plan: a warm `hangar check` gives the same report without importing the spec or the rules.

The key is the plan's key plus the files judging read (the rules' sources among them): a change to a rule,
to the policy config or to what the plan read judges again; a verdict that could not be made is never kept.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar import diff_sides, stackservice
from hangar.cli import app
from hangar.plancache import CACHE_DIRECTORY
from tests.foreign_repo import foreign_program_repo
from tests.fresh_copy import copy_repository, foreign_program_copy, run_in_copy

runner = CliRunner()


def stored(root: Path, field: str) -> list[Path]:
    """The cache entries of one kind (`plan` or `verdict`)."""
    return sorted((root / CACHE_DIRECTORY / f"{field}s").glob("*.json"))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The foreign program (no Hangar environment: the default policy config), checked once: plan and verdict stored."""
    root = foreign_program_copy(tmp_path / "foreign", monkeypatch)
    check(root)
    return root


def check(root: Path, *extra: str) -> tuple[int, list]:
    result = runner.invoke(app, ["check", "dev", "--format", "json", "-C", str(root), *extra])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def judged(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stacks judged (the rules run) in this test."""
    calls: list[str] = []
    real = stackservice.judge

    def counting(plan, project, stack, *args, **kwargs):
        calls.append(stack)
        return real(plan, project, stack, *args, **kwargs)

    monkeypatch.setattr(stackservice, "judge", counting)
    monkeypatch.setattr(diff_sides, "judge", counting)  # the sides of `diff` judge with the service's judge, imported by name
    return calls


def test_a_warm_check_reports_the_stored_verdict_without_judging(project: Path, judged: list[str]):
    assert len(stored(project, "plan")) == 1 and len(stored(project, "verdict")) == 1
    cold = runner.invoke(app, ["check", "dev", "--format", "json", "--no-cache", "-C", str(project)])
    assert cold.exit_code == 0 and judged == ["dev"]
    warm = runner.invoke(app, ["check", "dev", "--format", "json", "-C", str(project)])
    assert judged == ["dev"]  # nothing judged the second time
    assert (warm.exit_code, warm.stdout) == (cold.exit_code, cold.stdout)
    assert json.loads(warm.stdout)[0]["violations"], "the foreign program has findings: the stored verdict is not an empty one"


def test_no_cache_neither_reads_nor_writes_verdicts(project: Path, judged: list[str]):
    shutil.rmtree(project / CACHE_DIRECTORY)
    check(project, "--no-cache")
    check(project, "--no-cache")
    assert judged == ["dev", "dev"] and not (project / CACHE_DIRECTORY).exists()


def test_a_different_policy_config_is_judged_again_and_both_are_kept(project: Path, judged: list[str], tmp_path: Path):
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"hangar-budget": {"ceilingWaiver": "a test stack"}}))
    _, waived = check(project, "--policy-config", str(config))
    config.write_text(json.dumps({}))
    _, unwaived = check(project, "--policy-config", str(config))
    assert judged == ["dev", "dev"]
    assert "waived in the policy config: 'a test stack'" in waived[0]["violations"][0]["message"]
    assert "no monthly ceiling is configured" in unwaived[0]["violations"][0]["message"]
    assert check(project, "--policy-config", str(config))[1] == unwaived
    assert judged == ["dev", "dev"]  # the second config again: from the cache


def test_a_policy_config_that_cannot_be_built_is_never_stored(project: Path, tmp_path: Path):
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"hangar-budget": {"enforcementLevel": "sometimes"}}))
    before = len(stored(project, "verdict"))
    for _ in range(2):
        result = runner.invoke(app, ["check", "dev", "-C", str(project), "--policy-config", str(config)])
        assert result.exit_code == 2 and "enforcementLevel" in result.stderr
    assert len(stored(project, "verdict")) == before


def test_a_change_to_what_the_plan_read_judges_again(project: Path, judged: list[str]):
    (project / "__main__.py").write_text((project / "__main__.py").read_text() + "\n# changed\n")
    check(project)
    assert judged == ["dev"]


def test_a_damaged_verdict_is_judged_again_and_replaced(project: Path, judged: list[str]):
    (entry,) = stored(project, "verdict")
    first = json.loads(entry.read_text())
    entry.write_text('{"format": 2, "verdict": {"violations": [{"policy": "x"}]')
    _, again = check(project)
    assert judged == ["dev"] and json.loads(entry.read_text()) == first
    document = json.loads(entry.read_text())
    document["verdict"]["violations"] = [{"policy": "x", "urn": "u", "message": "m", "level": "fatal"}]  # a level no report knows
    entry.write_text(json.dumps(document))
    assert check(project)[1] == again and judged == ["dev", "dev"]


# --- both sides of `diff` --------------------------------------------------------------------------------------


def diff_report(repo: Path) -> tuple[dict[str, str], str]:
    result = runner.invoke(app, ["diff", "--base", "HEAD", "--all", "--format", "json", "-C", str(repo)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {entry["stack"]: entry["status"] for entry in json.loads(result.stdout)["stacks"]}, result.stdout


def test_diff_judges_only_the_changed_stack_when_check_ran_on_the_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, judged: list[str]):
    """The pull-request case: `check --all` on the base commit leaves each stack's priced verdict; the diff judges the changed stack alone."""
    monkeypatch.delenv("HANGAR_NO_CACHE", raising=False)
    repo = foreign_program_repo(tmp_path / "repo")
    assert runner.invoke(app, ["check", "--all", "-C", str(repo)]).exit_code == 0
    stack_file = repo / "stacks" / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("search-dev", "search-dev-2"))
    judged.clear()
    statuses, first = diff_report(repo)
    assert statuses == {"dev": "changed", "prod": "unchanged"}
    assert judged == ["dev"]  # base dev, base prod and head prod: their verdicts and costs from the cache
    uncached = runner.invoke(app, ["diff", "--base", "HEAD", "--all", "--format", "json", "--no-cache", "-C", str(repo)], catch_exceptions=False)
    assert uncached.stdout == first  # the same report as priced and judged afresh
    judged.clear()
    assert diff_report(repo)[1] == first and judged == []  # every side stored now


def test_a_verdict_check_stored_for_another_policy_config_does_not_serve_diff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, judged: list[str]):
    monkeypatch.delenv("HANGAR_NO_CACHE", raising=False)
    repo = foreign_program_repo(tmp_path / "repo")
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"hangar-budget": {"ceilingWaiver": "a test stack"}}))
    assert runner.invoke(app, ["check", "--all", "-C", str(repo), "--policy-config", str(config)]).exit_code == 0
    judged.clear()
    diff_report(repo)
    assert judged == ["dev", "prod"]  # judged (the base sides) with each stack's own config; the unchanged head sides then find those


# --- Hangar's own repository, in fresh processes -------------------------------------------------------------

CHECK = """
try:
    app(["check", "edge", "--format", "json", "-C", str(copy)])
except SystemExit as exit:
    code = exit.code
sys.stderr.write("\\n" + json.dumps({"exit": code, "heavy": heavy()}))
"""


def check_in_copy(copy: Path) -> tuple[str, dict]:
    done = run_in_copy(copy, CHECK)
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


def test_in_hangars_repository_a_warm_check_imports_no_spec_or_rules_and_a_rule_change_judges_again(tmp_path: Path):
    copy = copy_repository(tmp_path / "hangar-repo")
    cold_output, cold = check_in_copy(copy)
    assert cold["exit"] in (0, 1) and "hangar.spec" in cold["heavy"] and "hangar.policies.rules" in cold["heavy"]  # the control
    warm_output, warm = check_in_copy(copy)
    assert (warm_output, warm["exit"]) == (cold_output, cold["exit"])
    assert warm["heavy"] == []
    plans = stored(copy, "plan")
    rule = copy / "policies" / "rules" / "budget.py"
    rule.write_text(rule.read_text() + "\n# changed\n")
    changed_output, changed = check_in_copy(copy)
    assert changed_output == cold_output and "hangar.policies.rules" in changed["heavy"]  # judged again...
    assert stored(copy, "plan") == plans and "pulumi" not in changed["heavy"]  # ...on the stored plan
    assert len(stored(copy, "verdict")) == 2


DIFF = """
try:
    app(["diff", "--base", "HEAD", "edge", "--format", "json", "-C", str(copy)])
except SystemExit as exit:
    code = exit.code
"""
CHANGED_RULES = '''

_weakenings_before = weakenings


def weakenings(configs, defaults):  # a test's change to today's rules: one more line in every verdict
    return [*_weakenings_before(configs, defaults), "changed rules"]
'''


def test_in_hangars_repository_a_verdict_stored_with_the_base_commits_rules_does_not_serve_diffs_base_side(tmp_path: Path):
    """The base side is judged with today's rules: `check` on the base commit stored a verdict its older rules made, which must miss."""
    copy = copy_repository(tmp_path / "hangar-repo")
    for command in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"]):
        subprocess.run(["git", "-C", str(copy), *command], check=True, capture_output=True)
    assert check_in_copy(copy)[1]["exit"] in (0, 1)  # what main's workflow leaves: edge's plan and the base rules' verdict
    rules = copy / "policies" / "rules" / "weakening.py"
    rules.write_text(rules.read_text() + CHANGED_RULES)
    done = run_in_copy(copy, DIFF)
    assert done.returncode == 0, done.stderr[-2000:]
    (edge,) = json.loads(done.stdout)["stacks"]
    assert edge["weakened"]["head"][-1] == "changed rules"  # the control: the head side judged with today's rules
    assert edge["weakened"]["base"] == edge["weakened"]["head"]  # and the base side too, not served the stored verdict
    assert edge["status"] == "unchanged"
