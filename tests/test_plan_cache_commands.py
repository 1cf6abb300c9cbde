"""`plan`, `cost` and `render` read what the cache stores for them as `check` does.

`plan` reads the verdict stored for its plan and stores the one it judges: a warm `plan` prints the same report
without running the rules; a change to an input of the plan misses and judges again; a verdict `plan` stored
serves `check`, and one `check` stored serves `plan`. `cost` reads what it priced for the plan (the pool lines,
budget, routes and gateway note) without validating the stack or pricing again. `render` reads a stored plan
without validating the stack or planning. For both, a change to an input misses and plans (and validates) again.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hangar.stackplan
from hangar import stackservice
from hangar.cli import app
from hangar.plancache import CACHE_DIRECTORY
from tests.fresh_copy import copy_repository, foreign_program_copy, run_in_copy

runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The foreign program (its findings make a verdict worth storing), the cache switched on and empty."""
    return foreign_program_copy(tmp_path / "foreign", monkeypatch)


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


# --- render ------------------------------------------------------------------------------------------------------


@pytest.fixture
def validated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stacks validated and planned (or given their stored plan) by `hangar.stackplan.plan_project_stack` in this test."""
    calls: list[str] = []
    real = hangar.stackplan.plan_project_stack

    def counting(root, stack, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003 - plan_project_stack's signature
        calls.append(stack)
        return real(root, stack, *args, **kwargs)

    monkeypatch.setattr(hangar.stackplan, "plan_project_stack", counting)
    return calls


def rendered(directory: Path) -> dict[str, str]:
    return {str(path.relative_to(directory)): path.read_text() for path in sorted(directory.rglob("*")) if path.is_file()}


def test_a_warm_render_writes_the_stored_plan_without_validating_or_planning(project: Path, validated: list[str], tmp_path: Path):
    cold = run(project, "render", "dev", "--out", str(tmp_path / "cold"))
    assert validated == ["dev"]
    warm = run(project, "render", "dev", "--out", str(tmp_path / "warm"))
    assert validated == ["dev"]  # the stored plan, read as it is
    assert warm[1].replace(str(tmp_path / "warm"), "OUT") == cold[1].replace(str(tmp_path / "cold"), "OUT")
    assert rendered(tmp_path / "warm") == rendered(tmp_path / "cold")
    assert any(name.endswith("namespace-search-dev.yaml") for name in rendered(tmp_path / "warm")), rendered(tmp_path / "warm")


def test_a_render_after_a_change_to_an_input_plans_again(project: Path, validated: list[str], tmp_path: Path):
    run(project, "render", "dev", "--out", str(tmp_path / "first"))
    stack_file = project / "stacks" / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("search-dev", "search-dev-2"))
    run(project, "render", "dev", "--out", str(tmp_path / "second"))
    assert validated == ["dev", "dev"]
    assert any(name.endswith("namespace-search-dev-2.yaml") for name in rendered(tmp_path / "second")), rendered(tmp_path / "second")
    stack_file.write_text(stack_file.read_text() + '  tiny:fail: "true"\n')
    failed = runner.invoke(app, ["render", "dev", "--out", str(tmp_path / "third"), "-C", str(project)])
    assert failed.exit_code == 2 and "the tiny program was asked to fail" in failed.stderr  # planned, not the stored plan


# --- cost --------------------------------------------------------------------------------------------------------


def costs(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIRECTORY / "costs").glob("*.json"))


@pytest.fixture
def priced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stacks priced for `hangar cost` in this test."""
    calls: list[str] = []
    real = stackservice._price_stack

    def counting(planned):  # noqa: ANN001 - _price_stack's signature
        calls.append(planned.stack_file.name)
        return real(planned)

    monkeypatch.setattr(stackservice, "_price_stack", counting)
    return calls


@pytest.mark.parametrize("output", ["table", "json"])
def test_a_warm_cost_prints_what_was_priced_without_validating_or_pricing(project: Path, validated: list[str], priced: list[str], output: str):
    cold = run(project, "cost", "dev", "--format", output)
    assert validated == ["dev"] and len(priced) == 1 and len(costs(project)) == 1
    warm = run(project, "cost", "dev", "--format", output)
    assert validated == ["dev"] and len(priced) == 1  # read back whole
    assert warm == cold and "dev" in cold[1]


def test_a_warm_cost_of_a_stack_with_a_budget_and_routes_is_the_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validated: list[str]):
    """gke-chat has a budget, a gateway and routes: each is stored and read back."""
    monkeypatch.delenv("HANGAR_NO_CACHE", raising=False)
    copy = copy_repository(tmp_path / "hangar-repo")
    for output in ("table", "json"):
        cold = run(copy, "cost", "gke-chat", "--format", output)
        warm = run(copy, "cost", "gke-chat", "--format", output)
        assert warm == cold
        assert ("routes" in cold[1] and "gateway" in cold[1] and "budget" in cold[1]), cold[1]
    assert validated == ["gke-chat"]  # what the table's first run stored serves both formats


def test_cost_after_a_change_to_an_input_prices_again(project: Path, validated: list[str], priced: list[str]):
    run(project, "cost", "dev")
    stack_file = project / "stacks" / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("search-dev", "search-dev-2"))
    run(project, "cost", "dev")
    assert validated == ["dev", "dev"] and len(priced) == 2 and len(costs(project)) == 2


def test_a_damaged_priced_stack_is_priced_again_and_replaced(project: Path, priced: list[str]):
    first = run(project, "cost", "dev", "--format", "json")
    (entry,) = costs(project)
    stored = json.loads(entry.read_text())
    for damage in ('{"format": 2, "cost": {"report": ', json.dumps({**stored, "cost": {**stored["cost"], "budget": {"monthly_ceiling_usd": "lots", "max_spot_share": 1}}})):
        entry.write_text(damage)
        assert run(project, "cost", "dev", "--format", "json") == first
    assert len(priced) == 3 and json.loads(entry.read_text()) == stored


def test_cost_with_no_cache_prices_every_time_and_stores_nothing(project: Path, priced: list[str]):
    first = run(project, "cost", "dev", "--no-cache")
    assert run(project, "cost", "dev", "--no-cache") == first
    assert len(priced) == 2 and not (project / CACHE_DIRECTORY).exists()


RUN = """
code = 0
try:
    app(ARGUMENTS + ["-C", str(copy)])
except SystemExit as exit:
    code = exit.code
sys.stderr.write("\\n" + json.dumps({"exit": code, "heavy": heavy()}))
"""


def run_fresh(copy: Path, *arguments: str) -> dict:
    """One CLI run in a fresh interpreter on the copy: its exit code, the heavy modules it imported (`tests.fresh_copy`) and its output."""
    done = run_in_copy(copy, RUN.replace("ARGUMENTS", repr(list(arguments))))
    return {**json.loads(done.stderr.strip().splitlines()[-1]), "stdout": done.stdout}


COST_RECORDS = {"hangar.cost", "hangar.cost.report", "hangar.cost.services", "hangar.cost.route_records"}
"""What a warm `cost` may import of the heavy modules: pricing's records, not the pricers, the spec, the catalog or sizing."""


def test_in_hangars_repository_a_warm_render_imports_no_spec_catalog_or_pulumi_and_a_warm_cost_only_pricings_records(tmp_path: Path):
    copy = copy_repository(tmp_path / "hangar-repo")
    cold, warm = (run_fresh(copy, "render", "edge", "--out", str(tmp_path / out)) for out in ("cold", "warm"))
    assert cold["exit"] == warm["exit"] == 0
    assert "hangar.spec" in cold["heavy"] and "pulumi" in cold["heavy"]  # the control: validated and planned
    assert warm["heavy"] == []
    assert rendered(tmp_path / "warm") == rendered(tmp_path / "cold")
    cold, warm = (run_fresh(copy, "cost", "gke-chat") for _ in range(2))  # a stack with a route, whose blend is read back too
    assert cold["exit"] == warm["exit"] == 0
    assert "hangar.spec" in cold["heavy"] and "hangar.cost.routes" in cold["heavy"]  # the control: validated, planned and priced
    assert warm["stdout"] == cold["stdout"] and "chat" in warm["stdout"]
    assert set(warm["heavy"]) <= COST_RECORDS and "hangar.cost.route_records" in warm["heavy"], warm["heavy"]
