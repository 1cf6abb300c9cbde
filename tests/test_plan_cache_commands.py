"""`hangar plan` reads the verdict stored for its plan as `hangar check` does, and stores the one it judges.

A warm `plan` prints the same report without running the rules; a change to an input of the plan misses
and judges again; a verdict `plan` stored serves `check`, and one `check` stored serves `plan`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar import stackservice
from hangar.cli import app
from hangar.plancache import CACHE_DIRECTORY
from tests.conftest import ROOT

runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The foreign program (its findings make a verdict worth storing), the cache switched on and empty."""
    monkeypatch.delenv("HANGAR_NO_CACHE", raising=False)
    root = tmp_path / "foreign"
    shutil.copytree(ROOT / "tests" / "foreign_program", root)
    return root


@pytest.fixture
def judged(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stacks judged (the rules run) in this test."""
    calls: list[str] = []
    real = stackservice.judge

    def counting(plan, project, stack, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003 - judge's signature
        calls.append(stack)
        return real(plan, project, stack, *args, **kwargs)

    monkeypatch.setattr(stackservice, "judge", counting)
    return calls


def run(root: Path, *arguments: str) -> tuple[int, str]:
    result = runner.invoke(app, [*arguments, "-C", str(root)], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, result.stdout


def verdicts(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIRECTORY / "verdicts").glob("*.json"))


def test_a_warm_plan_prints_the_stored_verdict_without_judging(project: Path, judged: list[str]):
    cold = run(project, "plan", "dev")
    assert judged == ["dev"] and len(verdicts(project)) == 1
    assert "hangar-budget" in cold[1], "the foreign program has findings: the report shows a verdict"
    warm = run(project, "plan", "dev")
    assert judged == ["dev"]  # nothing judged the second time
    assert warm == cold


def test_a_change_to_what_the_plan_read_judges_the_plan_again(project: Path, judged: list[str]):
    run(project, "plan", "dev")
    (project / "__main__.py").write_text((project / "__main__.py").read_text() + "\n# changed\n")
    run(project, "plan", "dev")
    assert judged == ["dev", "dev"] and len(verdicts(project)) == 2


def test_plan_and_check_read_each_others_verdicts(project: Path, judged: list[str]):
    run(project, "plan", "dev")
    run(project, "check", "dev")
    assert judged == ["dev"]  # check read the verdict plan stored
    (project / "__main__.py").write_text((project / "__main__.py").read_text() + "\n# changed\n")
    run(project, "check", "dev")
    run(project, "plan", "dev")
    assert judged == ["dev", "dev"]  # plan read the verdict check stored for the changed program


def test_plan_with_no_cache_judges_every_time_and_stores_nothing(project: Path, judged: list[str]):
    first = run(project, "plan", "dev", "--no-cache")
    assert run(project, "plan", "dev", "--no-cache") == first
    assert judged == ["dev", "dev"] and not (project / CACHE_DIRECTORY).exists()
