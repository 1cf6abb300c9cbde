"""Random stack files — structure, types, YAML features — are read or refused cleanly, never with a traceback.

Mutations of a real stack file's text (a line inserted, a value replaced by an odd YAML scalar, an
anchor, alias, tag, duplicate key, deep nesting) and generated nested values under the environment.
Whatever comes out: `hangar stacks` exits 0 or 2 (it judges no policy, so never 1), prints no
traceback, and every problem of an exit 2 names a key path or a line. Derandomized: the same
examples every run, so a landing is never blocked by a new random find (run with
`--hypothesis-seed=N` and without derandomize to explore further; it found `!!float x`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hangar.cli import app
from hangar.stackfile import StackConfigError, environment_from_config, read_project, read_stack_config
from tests.conftest import ROOT
from tests.stackfile_mutations import BASE, mutated_text

runner = CliRunner()


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=30,
)


@st.composite
def generated_text(draw) -> str:
    document = yaml.safe_load("\n".join(BASE))
    environment = document["config"]["hangar:environment"]
    key = draw(st.sampled_from(["name", "tier", "owner", "tags", "budget", "licence", "clusters", "deployments", "catalog_overrides", "new_key"]))
    environment[key] = draw(JSONISH)
    return yaml.safe_dump(document, allow_unicode=True)


def assert_clean(tmp_path: Path, text: str) -> None:
    project = tmp_path / "fuzz"
    shutil.rmtree(project, ignore_errors=True)
    (project / "stacks").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    (project / "stacks" / "Pulumi.fuzz.yaml").write_text(text, encoding="utf-8")
    try:
        config = read_stack_config(read_project(project), "fuzz")
        environment_from_config(config.get("hangar:environment"), "Pulumi.fuzz.yaml")
    except StackConfigError as error:
        assert error.problems
        for problem in error.problems:
            line = str(problem)
            assert "\n" not in line, line
            assert problem.path or " line " in problem.message, line  # a key path, or a line of the file (never a bare file name)
    result = runner.invoke(app, ["stacks", "-C", str(project)])
    assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=mutated_text())
def test_mutated_stack_files_are_read_or_refused_cleanly(tmp_path_factory, text: str):
    assert_clean(tmp_path_factory.mktemp("m"), text)


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=generated_text())
def test_generated_values_are_read_or_refused_cleanly(tmp_path_factory, text: str):
    assert_clean(tmp_path_factory.mktemp("g"), text)


def test_the_fuzzer_reaches_every_outcome(tmp_path: Path):
    """The strategies can produce a valid file, a YAML refusal and a spec refusal (so the properties are not vacuous)."""
    assert_clean(tmp_path, "\n".join(BASE) + "\n")
    for text, expected in [("config: [\n", "not valid YAML"), ("\n".join(BASE).replace("tier: prod", "tier: prod\n    tier: dev") + "\n", "duplicate key")]:
        project = tmp_path / "p"
        shutil.rmtree(project, ignore_errors=True)
        (project / "stacks").mkdir(parents=True)
        shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
        (project / "stacks" / "Pulumi.x.yaml").write_text(text)
        result = runner.invoke(app, ["stacks", "-C", str(project)])
        assert result.exit_code == 2 and expected in result.stderr
