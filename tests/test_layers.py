"""The layers of DESIGN.md, checked on the source: data flows one way, and the core never imports Pulumi."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

CORE = ["hangar/spec", "hangar/catalog", "hangar/sizing", "hangar/cost", "hangar/hardware.py", "hangar/keda.py", "hangar/chart_support.py", "hangar/installed_charts.py", "hangar/kubernetes_support.py", "hangar/pool_capacity.py", "hangar/endpoint_picker.py", "hangar/replica.py", "hangar/records.py", "hangar/violation.py", "hangar/clock.py", "hangar/prompts.py", "hangar/render.py", "hangar/engine_release.py"]
RULES = ["policies/rules"]
COMPONENTS = ["components"]
PACK = ["policies/__main__.py", "policies/pack.py"]
SERVICE = ["hangar/stackservice.py", "hangar/diff_sides.py", "hangar/stack_policy.py", "hangar/base_planner.py", "hangar/stackplan.py", "hangar/plan.py", "hangar/diff.py", "hangar/verdicts.py"]

FORBIDDEN = {
    "core": (CORE, ("pulumi", "pulumi_aws", "pulumi_gcp", "pulumi_azure_native", "pulumi_kubernetes", "pulumi_policy", "hangar.components", "hangar.policies", "hangar.cli", "hangar.plan")),
    "rules": (RULES, ("pulumi", "pulumi_policy", "hangar.components", "hangar.cli", "hangar.plan")),
    "components": (COMPONENTS, ("hangar.policies", "hangar.cli")),
    "pack": (PACK, ("hangar.components", "hangar.cli")),
    "runner and reports": (SERVICE, ("hangar.cli", "hangar.components")),
}


def python_files(paths: list[str]) -> list[Path]:
    found = []
    for path in paths:
        for candidate in (ROOT / path, ROOT / f"{path}.py"):
            if candidate.is_dir():
                found += sorted(candidate.rglob("*.py"))
            elif candidate.is_file():
                found.append(candidate)
    return found


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_layer_imports_what_sits_above_it(layer):
    paths, forbidden = FORBIDDEN[layer]
    files = python_files(paths)
    assert files, f"no files found for layer {layer}"
    offences = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in files
        for module in sorted(imported_modules(path))
        if any(module == name or module.startswith(f"{name}.") for name in forbidden)
    ]
    assert offences == []


def test_nothing_imports_the_folders_as_top_level_packages():
    """components/ and policies/ install as hangar.components and hangar.policies (pyproject.toml): the old names exist only in a checkout."""
    files = [path for path in ROOT.rglob("*.py") if not any(part.startswith(".") or part in ("build", "node_modules") for part in path.relative_to(ROOT).parts)]
    offences = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in files
        for module in sorted(imported_modules(path))
        if module.split(".")[0] in ("components", "policies")
    ]
    assert offences == []


def test_no_test_module_imports_another():
    """Helpers two test files share live in non-test modules (tests/serving_plans.py, tests/promql.py, ...), so a
    test file's fate never hangs on another's internals."""
    offences = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for module in sorted(imported_modules(path))
        if module.startswith("tests.test_")
    ]
    assert offences == []


def test_every_provider_of_the_spec_has_a_target():
    from typing import get_args

    from hangar.components.environment import TARGETS

    from hangar.spec import Cluster

    union = get_args(get_args(Cluster)[0])
    providers = {get_args(model.model_fields["provider"].annotation)[0] for model in union}
    assert providers == set(TARGETS)


COMMAND_MODULES = sorted((ROOT / "hangar" / "cli").glob("*_commands.py"))
PLANNING_COMMANDS = ["stack_commands", "check_commands", "cost_commands", "render_commands", "diff_commands"]
SERVICE_MODULES = ("hangar.stackservice", "hangar.diff_sides")
"""The service below the CLI: one stack planned, priced and judged; and the two sides of `diff` built on it."""


@pytest.mark.parametrize("path", COMMAND_MODULES, ids=lambda path: path.stem)
def test_no_command_module_imports_another(path: Path):
    """Commands share what they print through hangar/cli/views.py and what they compute through the service modules."""
    others = {f"hangar.cli.{other.stem}" for other in COMMAND_MODULES if other != path}
    assert sorted(imported_modules(path) & others) == []


@pytest.mark.parametrize("name", PLANNING_COMMANDS)
def test_planning_commands_plan_price_and_judge_only_through_the_service(name: str):
    """plan, check, cost, render and diff reach the planner and the rules only via the service (hangar.stackservice, hangar.diff_sides)."""
    modules = imported_modules(ROOT / "hangar" / "cli" / f"{name}.py")
    assert modules & set(SERVICE_MODULES)
    bypass = sorted(m for m in modules if m in ("hangar.stackplan", "hangar.base_planner") or m == "hangar.policies.rules" or m.startswith("hangar.policies.rules."))
    assert bypass == []
