"""Stack files that are missing, not YAML, or not a mapping: one line each, naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from hangar.stackfile import StackConfigError, read_environment, read_project
from tests.conftest import EXAMPLE_STACKS, ROOT


def project_with(tmp_path: Path, stack_text: str | None) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: hangar\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    if stack_text is not None:
        (tmp_path / "stacks" / "Pulumi.x.yaml").write_text(stack_text)
    return tmp_path


def error_lines(root: Path, stack: str = "x") -> list[str]:
    with pytest.raises(StackConfigError) as raised:
        read_environment(read_project(root), stack)
    return [str(p) for p in raised.value.problems]


def test_a_missing_stack_file(tmp_path):
    root = project_with(tmp_path, None)
    assert error_lines(root) == [f"{root}/stacks/Pulumi.x.yaml: no such stack file; stacks here: none"]


def test_a_file_that_is_not_yaml(tmp_path):
    root = project_with(tmp_path, "config:\n  hangar:environment: {name: [\n")
    (line,) = error_lines(root)
    assert line.startswith(f"{root}/stacks/Pulumi.x.yaml: not valid YAML at line 3, column 1: ")


def test_a_file_that_is_not_a_mapping(tmp_path):
    root = project_with(tmp_path, "- just\n- a list\n")
    assert error_lines(root) == [f"{root}/stacks/Pulumi.x.yaml: line 1: a stack file must be a YAML mapping (with a `config:` key); got 'list'"]


def test_a_stack_without_the_environment(tmp_path):
    root = project_with(tmp_path, "config:\n  aws:region: us-east-1\n")
    assert error_lines(root) == [f"{root}/stacks/Pulumi.x.yaml: hangar:environment: required: the environment object is missing"]


def test_unnamespaced_keys_belong_to_the_project(tmp_path):
    root = project_with(tmp_path, "config:\n  environment: {name: x}\n")
    lines = error_lines(root)
    assert f"{root}/stacks/Pulumi.x.yaml: hangar:environment.tier: required key is missing" in lines


def test_a_missing_project_file(tmp_path):
    with pytest.raises(StackConfigError, match="no Pulumi project file here"):
        read_project(tmp_path)


def test_the_project_lists_its_stacks():
    assert read_project(ROOT).stacks() == sorted(EXAMPLE_STACKS)


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_every_stack_file_points_editors_at_the_schema(stack):
    first_line = (ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text().splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=../schema/stack.schema.json"
