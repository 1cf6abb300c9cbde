"""A stack file means one thing: a key once, no YAML bombs, no non-JSON values, labels Kubernetes accepts.

Each case passed silently or crashed before (issue 16): `tier: prod` then `tier: dev` made a dev
stack, 1,000 levels of nesting ended in a RecursionError traceback with exit 1 (the policy-violation
code), `!!binary` reached the spec, an owner of "ML Platform" became an invalid label.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hangar.cli import app
from hangar.stackfile import StackConfigError, environment_from_config, read_project, read_stack_config
from tests.conftest import ROOT

ONPREM = (ROOT / "stacks" / "Pulumi.onprem.yaml").read_text()


def project(tmp_path: Path, **stacks: str) -> Path:
    """A copy of the project with these stack files (name → text) beside nothing else."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "stacks").mkdir()
    for name, text in stacks.items():
        (tmp_path / "stacks" / f"Pulumi.{name}.yaml").write_text(text)
    return tmp_path


def problems(tmp_path: Path, text: str) -> list[str]:
    root = project(tmp_path, s=text)
    with pytest.raises(StackConfigError) as error:
        read_stack_config(read_project(root), "s")
    return [str(p) for p in error.value.problems]


HANGAR = str(Path(sys.executable).parent / "hangar")


def hangar(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The installed console script, as a user runs it (a traceback would reach stderr here)."""
    return subprocess.run([HANGAR, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


# --- the YAML itself ------------------------------------------------------------------------------------------


def test_a_duplicate_key_names_both_lines(tmp_path: Path):
    text = ONPREM.replace("    tier: prod\n", "    tier: prod\n    tier: dev\n")
    tier_line = text.splitlines().index("    tier: dev") + 1
    (found,) = problems(tmp_path, text)
    assert found == f"{tmp_path}/stacks/Pulumi.s.yaml: line {tier_line}, column 5: duplicate key 'tier': first at line {tier_line - 1}; a key may appear once in a mapping"


def test_deep_nesting_is_one_line_exit_2_not_a_recursion_error(tmp_path: Path):
    root = project(tmp_path, deep="config:\n  hangar:environment: " + "[" * 1000 + "]" * 1000 + "\n")
    result = hangar("check", "deep", "-C", str(root), cwd=ROOT)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {root}/stacks/Pulumi.deep.yaml: line 2, column ")
    assert result.stderr.strip().endswith(": nested more than 64 levels deep; a stack file is a shallow mapping")


def test_deep_block_nesting_too(tmp_path: Path):
    text = "config:\n" + "".join("  " * (depth + 1) + f"k{depth}:\n" for depth in range(600))
    (found,) = problems(tmp_path, text)
    assert "nested more than 64 levels deep" in found and ": line " in found


def test_a_billion_laughs_is_refused(tmp_path: Path):
    lines = ["config:", "  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for index, name in enumerate("bcdefghij"):
        previous = "abcdefghij"[index]
        lines.append(f"  {name}: &{name} [{', '.join([f'*{previous}'] * 10)}]")
    (found,) = problems(tmp_path, "\n".join(lines) + "\n")
    assert "its aliases expand to more than 100,000 values" in found and ": line " in found


def test_a_circular_alias_names_its_line(tmp_path: Path):
    (found,) = problems(tmp_path, "config:\n  hangar:environment: &env\n    name: x\n    tags: *env\n")
    assert found == f"{tmp_path}/stacks/Pulumi.s.yaml: line 2, column 23: a YAML alias refers to a value that contains it (a circular reference)"


@pytest.mark.parametrize(
    ("value", "what"),
    [("!!binary aGVsbG8=", "!!binary"), ("!!set {a, b}", "!!set"), ("2026-01-01", "a date or timestamp"), ("!!omap [a: 1]", "!!omap")],
)
def test_non_json_values_are_refused(tmp_path: Path, value: str, what: str):
    (found,) = problems(tmp_path, f"config:\n  hangar:owner: {value}\n")
    assert found.endswith(f"line 2, column 17: {what} is not a config value: only strings, numbers, booleans, null, lists and mappings (quote it to make it a string)")


@pytest.mark.parametrize(("value", "what"), [("!!float x", "'x' is not a float"), ("!!int 1.5", "'1.5' is not a int"), ("!!bool maybe", "'maybe' is not a bool")])
def test_an_explicit_tag_that_does_not_fit_its_value_names_the_line(tmp_path: Path, value: str, what: str):
    """Found by the fuzz test: PyYAML raised a bare ValueError (a traceback) for `name: !!float x`."""
    (found,) = problems(tmp_path, f"config:\n  hangar:owner: {value}\n")
    assert found.endswith(f"line 2, column 17: {what}")


def test_a_control_character_names_its_line(tmp_path: Path):
    """Found by the fuzz test: PyYAML's ReaderError carries a position, not a line."""
    (found,) = problems(tmp_path, "config:\n  hangar:owner: ok\n  # \x1b[31mred\n")
    assert found.endswith("line 3: the character '\\x1b' is not allowed in YAML (a control character); remove it")


def test_a_non_string_key_is_refused(tmp_path: Path):
    (found,) = problems(tmp_path, "config:\n  1: one\n")
    assert found.endswith("line 2, column 3: a mapping key must be a string; got 1 (quote it)")


def test_anchors_and_merge_keys_that_mean_one_thing_still_work(tmp_path: Path):
    root = project(tmp_path, s="config:\n  p:example: &base {a: 1}\n  p:other:\n    <<: *base\n    b: 2\n")
    assert read_stack_config(read_project(root), "s")["p:other"] == {"a": 1, "b": 2}


def test_a_duplicate_key_in_the_json_form_of_the_environment():
    with pytest.raises(StackConfigError) as error:
        environment_from_config('{"name": "a", "name": "b"}', "s.yaml")
    assert str(error.value) == "s.yaml: hangar:environment: is not a usable JSON object: duplicate key 'name' in one JSON object; a key may appear once"


def test_nan_in_the_json_form_is_refused():
    with pytest.raises(StackConfigError, match="NaN is not a number a config may hold"):
        environment_from_config('{"budget": {"monthly_ceiling_usd": NaN}}', "s.yaml")


def test_an_unreadable_stacks_directory_is_one_line(tmp_path: Path, monkeypatch):
    """Root reads any directory, so the refusal is simulated where Path.glob meets it."""
    root = project(tmp_path, s=ONPREM)

    def refuse(self, pattern):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "glob", refuse)
    with pytest.raises(StackConfigError) as error:
        read_project(root).stacks()
    assert str(error.value) == f"{root}/stacks: the stack config directory cannot be read: Permission denied"
    result = CliRunner().invoke(app, ["check", "--all", "-C", str(root)])
    assert (result.exit_code, result.stderr) == (2, f"error: {root}/stacks: the stack config directory cannot be read: Permission denied\n")


# --- messages with a key path and what is allowed ------------------------------------------------------------


def environment() -> dict:
    return copy.deepcopy(yaml.safe_load(ONPREM)["config"]["hangar:environment"])


def test_a_missing_provider_lists_the_providers():
    raw = environment()
    del raw["clusters"][0]["provider"]
    with pytest.raises(StackConfigError) as error:
        environment_from_config(raw, "s.yaml")
    assert str(error.value) == "s.yaml: hangar:environment.clusters[0].provider: required key is missing: one of 'aws', 'gcp', 'azure', 'onprem'"


# --- labels Kubernetes would refuse ---------------------------------------------------------------------------


@pytest.mark.parametrize("owner", ["ML Platform", "a" * 64, "ml\x00", "\x1b[31mred", "team-", "ünï"])
def test_an_owner_that_is_no_label_value_is_refused_with_the_rule(owner: str):
    raw = environment()
    raw["owner"] = owner
    with pytest.raises(StackConfigError) as error:
        environment_from_config(raw, "s.yaml")
    (problem,) = error.value.problems
    assert problem.path == "hangar:environment.owner"
    assert problem.message.startswith("must be a Kubernetes label value: at most 63 characters")


def test_a_cost_centre_and_tags_follow_the_same_rule():
    raw = environment()
    raw["cost_centre"] = "CC 3100"
    raw["tags"] = {"team": "ml platform", "example.com/ok": "yes"}
    with pytest.raises(StackConfigError) as error:
        environment_from_config(raw, "s.yaml")
    assert sorted(p.path for p in error.value.problems) == ["hangar:environment.cost_centre", "hangar:environment.tags.team"]


def test_a_tag_may_not_set_hangars_own_labels():
    raw = environment()
    raw["tags"] = {"hangar.dev/pool": "a100"}  # would put every resource in the pool the rules join workloads by
    with pytest.raises(StackConfigError, match="the hangar.dev/ prefix is Hangar's own"):
        environment_from_config(raw, "s.yaml")


def test_label_values_that_kubernetes_accepts_pass():
    raw = environment()
    raw["owner"], raw["cost_centre"], raw["tags"] = "ML_Platform.team-1", "3100", {"example.com/team": "ml", "empty": ""}
    assert environment_from_config(raw, "s.yaml").owner == "ML_Platform.team-1"


def test_a_key_with_a_newline_or_control_character_is_quoted_in_the_key_path():
    """Found by the fuzz test: such a key made a two-line message."""
    raw = environment()
    raw["licence"]["a\nb\x1f"] = 1
    with pytest.raises(StackConfigError) as error:
        environment_from_config(raw, "s.yaml")
    assert str(error.value) == 's.yaml: hangar:environment.licence["a\\nb\\u001f"]: unknown key (value hidden); see `hangar schema` for the keys allowed here'


def test_catalog_overrides_that_cannot_be_a_path_are_one_line_errors():
    """Found by the fuzz test: `~nobody-here/x` raised RuntimeError; a newline in the path split the message."""
    for value, expected in [("~nobody-here-hangar/x", "override path starts with ~ but names no known home directory"), ("a\nb", "override path does not exist")]:
        raw = environment()
        raw["catalog_overrides"] = value
        with pytest.raises(StackConfigError) as error:
            environment_from_config(raw, "s.yaml")
        (line,) = [str(p) for p in error.value.problems]
        assert "\n" not in line and line.startswith("s.yaml: hangar:environment.catalog_overrides: ") and expected in line
