"""The plan cache: every input of a plan is in its key (a change misses), and a hit gives the same output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hangar import plancache
from hangar.cli import app
from hangar.plancache import CACHE_DIRECTORY, WorkingTree, inputs_key, read_names, reads_key
from hangar.stackfile import read_project
from hangar.stackservice import stack_inputs
from tests.fresh_copy import foreign_program_copy

runner = CliRunner()
WIDE = {"COLUMNS": "220"}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of a small non-Hangar program, with the cache switched on (conftest switches it off)."""
    return foreign_program_copy(tmp_path / "tiny", monkeypatch)


def key(root: Path, **kwargs) -> str:
    """The inputs half of the dev stack's key (the stack's inputs known before planning)."""
    return inputs_key(WorkingTree(root), "stacks/Pulumi.dev.yaml", **kwargs)


def edit(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_the_inputs_key_is_stable_when_nothing_changes(project: Path):
    assert key(project) == key(project)
    assert stack_inputs(read_project(project), "dev", WorkingTree(project)) == key(project)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda root: edit(root / "stacks" / "Pulumi.dev.yaml", "  tiny:extra: x\n"), id="stack file"),
        pytest.param(lambda root: edit(root / "Pulumi.yaml", "description: changed\n"), id="Pulumi.yaml"),
    ],
)
def test_a_change_to_the_stacks_inputs_misses_the_cache(project: Path, change):
    before = key(project)
    change(project)
    assert key(project) != before


def test_a_change_to_a_library_file_the_plan_read_misses_the_cache(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Files of Hangar's installed library (`hangar/` with its components and policies) are named `l:` and read from there."""
    library = tmp_path / "library"
    for name in ("hangar", "hangar/components", "hangar/cli"):
        (library / name).mkdir(parents=True)
        (library / name / "__init__.py").write_text("")
    (library / "hangar" / "module.py").write_text("A = 1\n")
    (library / "hangar" / "data.csv").write_text("a,b\n")
    (library / "hangar" / "components" / "pool.py").write_text("B = 1\n")
    (library / "hangar" / "cli" / "app.py").write_text("C = 1\n")
    (library / "other.py").write_text("D = 1\n")  # beside the library's trees: not Hangar's
    monkeypatch.setattr(plancache, "LIBRARY", library)
    opened = [library / "hangar" / "module.py", library / "hangar" / "data.csv", library / "hangar" / "components" / "pool.py", library / "hangar" / "cli" / "app.py", library / "other.py", project / "__main__.py"]
    reads = read_names([str(path) for path in opened], [], project)
    assert reads == ["l:hangar/", "l:hangar/components/", "l:hangar/components/pool.py", "l:hangar/data.csv", "l:hangar/module.py", "p:/", "p:__main__.py"]
    keys = {reads_key("inputs", reads, WorkingTree(project))}
    for path in ("hangar/module.py", "hangar/data.csv", "hangar/components/pool.py"):
        edit(library / path, "X = 2\n")
        keys.add(reads_key("inputs", reads, WorkingTree(project)))
    (library / "hangar" / "components" / "extra.py").write_text("")  # a module beside one the plan imported
    keys.add(reads_key("inputs", reads, WorkingTree(project)))
    assert len(keys) == 5
    edit(library / "hangar" / "cli" / "app.py", "Y = 1\n")  # the CLI: nothing below it imports it
    edit(library / "other.py", "Y = 1\n")
    assert reads_key("inputs", reads, WorkingTree(project)) in keys


def test_a_change_to_the_catalog_overrides_misses_the_cache(project: Path):
    overrides = project / "catalog"
    overrides.mkdir()
    (overrides / "instances.csv").write_text("cloud,instance_type\naws,x\n")
    before = key(project, catalog_overrides="catalog")
    assert before != key(project)
    edit(overrides / "instances.csv", "aws,y\n")
    assert key(project, catalog_overrides="catalog") != before
    (overrides / "gpus.csv").write_text("gpu\n")
    assert len({before, key(project, catalog_overrides="catalog"), key(project, catalog_overrides="./catalog/")}) == 2


def test_the_stack_files_catalog_overrides_are_in_its_key(project: Path):
    stack_file = project / "stacks" / "Pulumi.dev.yaml"
    stack_file.write_text("config:\n  hangar:environment:\n    catalog_overrides: catalog\n")
    (project / "catalog").mkdir()
    (project / "catalog" / "gpus.csv").write_text("gpu\nA\n")
    before = stack_inputs(read_project(project), "dev", WorkingTree(project))
    edit(project / "catalog" / "gpus.csv", "B\n")
    assert stack_inputs(read_project(project), "dev", WorkingTree(project)) != before


def test_a_change_to_the_policy_config_misses_the_cache(project: Path, tmp_path: Path):
    policy = tmp_path / "policy.json"
    policy.write_text('{"hangar-budget": {"enforcementLevel": "advisory"}}')
    before = key(project, policy_config=policy)
    assert before != key(project)
    policy.write_text('{"hangar-budget": {"enforcementLevel": "mandatory"}}')
    assert key(project, policy_config=policy) != before


def test_a_change_of_an_installed_sdk_or_python_misses_the_cache(project: Path, monkeypatch: pytest.MonkeyPatch):
    versions = plancache.runtime_versions()
    assert "pulumi" in versions and "pulumi-aws" in versions and "python" in versions
    before = key(project)
    monkeypatch.setattr(plancache, "runtime_versions", lambda: {**versions, "pulumi-aws": "0.0.1"})
    assert key(project) != before


def test_another_day_misses_the_cache(project: Path, monkeypatch: pytest.MonkeyPatch):
    before = key(project)
    monkeypatch.setenv("HANGAR_TODAY", "2030-01-01")
    assert key(project) != before


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False, env=WIDE)


def entries(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIRECTORY / "plans").glob("*.json"))


def test_a_hit_gives_the_same_plan_check_and_cost_output(project: Path):
    commands = [("plan", "dev", "--format", "json"), ("check", "dev", "--format", "json"), ("cost", "dev", "--format", "json")]
    cold = [run(*command, "--project", str(project)) for command in commands]
    assert [result.exit_code for result in cold] == [0, 0, 0], [result.output for result in cold]
    assert len(entries(project)) == 1  # one plan, stored once, served to every command
    warm = [run(*command, "--project", str(project)) for command in commands]
    assert [result.stdout for result in warm] == [result.stdout for result in cold]
    assert {r["type"] for r in json.loads(cold[0].stdout)["resources"]} >= {"aws:s3/bucket:Bucket", "kubernetes:core/v1:Namespace"}


def test_a_hit_is_read_from_the_cache_and_no_cache_bypasses_it(project: Path):
    cold = run("plan", "dev", "--format", "json", "--project", str(project))
    (entry,) = entries(project)
    stored = json.loads(entry.read_text())
    stored["plan"]["resources"] = [r for r in stored["plan"]["resources"] if r["type"] != "aws:s3/bucket:Bucket"]
    entry.write_text(json.dumps(stored))
    served = json.loads(run("plan", "dev", "--format", "json", "--project", str(project)).stdout)
    assert "aws:s3/bucket:Bucket" not in {r["type"] for r in served["resources"]}  # the stored plan was used, not a new one
    fresh = run("plan", "dev", "--format", "json", "--no-cache", "--project", str(project))
    assert fresh.stdout == cold.stdout
    assert json.loads(entry.read_text()) == stored  # --no-cache neither read nor wrote it


def test_a_damaged_entry_is_a_miss(project: Path):
    cold = run("plan", "dev", "--format", "json", "--project", str(project))
    (entry,) = entries(project)
    entry.write_text("{not json")
    again = run("plan", "dev", "--format", "json", "--project", str(project))
    assert again.stdout == cold.stdout
    assert json.loads(entry.read_text())["format"] == plancache.FORMAT
